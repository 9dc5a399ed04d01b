"""What the package hands out: sessions and the records inside them."""

from __future__ import annotations

import datetime as _dt
import hashlib
from typing import Any, Dict, List, NamedTuple, Optional, Tuple


class Endpoint(NamedTuple):
    """One end of a connection: its address as text and its port."""

    ip: str
    port: int

    def __str__(self) -> str:
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


class Message(NamedTuple):
    """A run of bytes from one side, in the order the exchange happened.

    ``data`` is a read-only ``memoryview`` into the session's
    ``client_data`` or ``server_data`` (no copy): ``bytes(m.data)`` copies
    it. ``offset`` is where it starts in that side's delivered bytes (gaps
    left out); ``frame`` and ``time`` are those of the packet that carried
    its first byte."""

    direction: str  # "client" or "server"
    frame: int
    time: float
    offset: int
    data: memoryview

    @property
    def length(self) -> int:
        return len(self.data)


class Gap(NamedTuple):
    """Bytes of one side that were never captured: ``length`` bytes at
    ``offset`` of that side's stream (gaps counted)."""

    direction: str
    offset: int
    length: int


class Anomaly(NamedTuple):
    """An oddity the engine recorded; ``type`` is one of
    ``tcpsession.ANOMALY_TYPES`` (e.g. "overlap_conflict")."""

    type: str
    frame: int
    direction: str
    offset: int
    length: int


class Frame(NamedTuple):
    """One captured frame of a session (``frames=True``): number, time,
    link type, length on the wire and the captured bytes."""

    number: int
    time_ns: int
    linktype: int
    origlen: int
    data: bytes


def _seconds_to_datetime(ns: int) -> _dt.datetime:
    return _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(microseconds=ns // 1000)


class Session:
    """One TCP connection and the bytes each side delivered to the other.

    Everything the command's ``jsonl`` line has, as attributes:
    ``stream`` (Wireshark's tcp.stream), ``client``/``server``
    (:class:`Endpoint`; the client sent the SYN), ``start``/``end`` (float
    seconds; ``start_ns``/``end_ns`` exact, ``start_datetime``/``end_datetime``
    in UTC), ``packets``, ``midstream``, ``close`` ("fin", "rst", "reused",
    "end_of_capture", "idle", "evicted"), ``first_frame``, ``client_data`` and
    ``server_data`` (``bytes``, gaps left out), ``client_bytes``,
    ``server_bytes``, ``client_md5``, ``server_md5``, ``messages``
    (:class:`Message`, the exchange in order), ``gaps`` (:class:`Gap`),
    ``anomalies`` (:class:`Anomaly`), ``anomalies_dropped``,
    ``client_missing_bytes``, ``server_missing_bytes``, ``carried`` (how the
    first packet was tunnelled or tagged, as in jsonl),
    ``carried_differently``, ``capture`` (the path given to open(); None for
    sessions of an :class:`Engine`) and ``community_id`` (the Community ID,
    version 1, seed 0: the flow id Zeek, Suricata and Arkime log).
    ``to_dict()`` is the jsonl object."""

    __slots__ = ("stream", "client", "server", "start_ns", "end_ns", "start", "end", "packets",
                 "midstream", "close", "first_frame", "client_data", "server_data",
                 "client_bytes", "server_bytes", "client_missing_bytes",
                 "server_missing_bytes", "_messages", "_raw_messages", "gaps", "anomalies",
                 "anomalies_dropped", "carried", "carried_differently", "frames", "capture",
                 "community_id")

    stream: int
    client: Endpoint
    server: Endpoint
    start: float
    end: float
    client_data: bytes
    server_data: bytes
    gaps: List[Gap]
    anomalies: List[Anomaly]
    frames: Optional[List[Frame]]
    capture: Optional[str]
    community_id: str

    def __init__(self, t: tuple, capture: Optional[str] = None) -> None:
        (self.stream, client, server, self.start_ns, self.end_ns, self.start, self.end,
         self.packets, self.midstream, self.close, self.first_frame, self.client_data,
         self.server_data, self.client_bytes, self.server_bytes, self.client_missing_bytes,
         self.server_missing_bytes, self._raw_messages, gaps, anomalies,
         self.anomalies_dropped, self.carried, self.carried_differently, self.community_id,
         frames) = t
        self.capture = capture
        self.client = Endpoint(*client)
        self.server = Endpoint(*server)
        self.gaps = [Gap(*g) for g in gaps]
        self.anomalies = [Anomaly(*a) for a in anomalies]
        self.frames = None if frames is None else [Frame(*f) for f in frames]
        self._messages: Optional[List[Message]] = None

    @property
    def messages(self) -> List[Message]:
        """The exchange in delivery order (built on first use)."""
        if self._messages is None:
            views = (memoryview(self.client_data), memoryview(self.server_data))
            self._messages = [
                Message(d, frame, time, offset, views[d == "server"][offset:offset + length])
                for d, frame, _, time, offset, length in self._raw_messages]
        return self._messages

    @property
    def client_md5(self) -> str:
        """md5 of the client's delivered bytes, hex."""
        return hashlib.md5(self.client_data).hexdigest()

    @property
    def server_md5(self) -> str:
        """md5 of the server's delivered bytes, hex."""
        return hashlib.md5(self.server_data).hexdigest()

    @property
    def start_datetime(self) -> _dt.datetime:
        """``start`` as an aware UTC datetime (microseconds)."""
        return _seconds_to_datetime(self.start_ns)

    @property
    def end_datetime(self) -> _dt.datetime:
        """``end`` as an aware UTC datetime (microseconds)."""
        return _seconds_to_datetime(self.end_ns)

    @property
    def duration(self) -> float:
        """Seconds from the first packet to the last."""
        return (self.end_ns - self.start_ns) / 1e9

    @property
    def missing_bytes(self) -> int:
        """Bytes of both sides never captured."""
        return self.client_missing_bytes + self.server_missing_bytes

    def data(self, direction: str) -> bytes:
        """``client_data`` or ``server_data`` by name."""
        if direction not in ("client", "server"):
            raise ValueError(f"direction must be 'client' or 'server', not {direction!r}")
        return self.client_data if direction == "client" else self.server_data

    def to_dict(self) -> Dict[str, Any]:
        """The session as the command's jsonl object (same keys, order and
        values: ``json.loads`` of its line equals this)."""
        d: Dict[str, Any] = {
            "stream": self.stream, "capture": self.capture, "community_id": self.community_id,
            "client": {"ip": self.client.ip, "port": self.client.port},
            "server": {"ip": self.server.ip, "port": self.server.port},
            "start": self.start, "end": self.end, "packets": self.packets,
            "midstream": self.midstream,
            "client_bytes": self.client_bytes, "server_bytes": self.server_bytes,
            "client_md5": self.client_md5, "server_md5": self.server_md5,
            "messages": [{"from": m.direction, "frame": m.frame, "ts": m.time,
                          "data": m.data.hex()} for m in self.messages],
            "gaps": [{"from": g.direction, "offset": g.offset, "length": g.length}
                     for g in self.gaps],
            "anomalies": [{"type": a.type, "frame": a.frame, "from": a.direction,
                           "offset": a.offset, "length": a.length} for a in self.anomalies],
            "close": self.close, "first_frame": self.first_frame,
            "client_missing_bytes": self.client_missing_bytes,
            "server_missing_bytes": self.server_missing_bytes,
            "anomalies_dropped": self.anomalies_dropped,
        }
        if self.carried:
            d["carried"] = self.carried
        if self.carried_differently:
            d["carried_differently"] = self.carried_differently
        return d

    def __repr__(self) -> str:
        extra = ""
        if self.gaps:
            extra += f", {len(self.gaps)} gap{'s' if len(self.gaps) > 1 else ''} " \
                     f"({self.missing_bytes} bytes missing)"
        if self.anomalies:
            extra += f", {len(self.anomalies)} anomal{'ies' if len(self.anomalies) > 1 else 'y'}"
        if self.midstream:
            extra += ", midstream"
        return (f"<Session {self.stream} {self.client} -> {self.server} {self.close}, "
                f"{self.packets} packets, client {self.client_bytes} B, "
                f"server {self.server_bytes} B{extra}>")


class Stats(NamedTuple):
    """The engine's counters for one capture (names as in tcpsession.h's
    ts_stats)."""

    frames: int
    bytes_read: int
    tcp_segments: int
    not_ip: int
    not_tcp: int
    ip_fragments: int
    truncated: int
    malformed: int
    unsupported_link: int
    bad_checksums: int
    sessions: int
    late_packets: int
    icmp_errors: int
    ip_datagrams_reassembled: int
    ip_datagrams_timed_out: int
    ip_datagrams_memory_dropped: int
    ip_datagrams_policy_dropped: int
    ip_datagrams_incomplete: int
    ip_fragments_cut: int
    too_deep: int
    non_packet_frames: int
    sessions_evicted: int = 0  # the session memory budget (max_session_memory)
    sessions_forgotten: int = 0
    session_memory_peak: int = 0

    @classmethod
    def _from_dict(cls, d: Dict[str, int]) -> "Stats":
        return cls(**d)


def sessions_from(tuples: List[tuple], capture: Optional[str] = None) -> List[Session]:
    """Sessions from the native module's tuples (of capture `capture`)."""
    return [Session(t, capture) for t in tuples]


__all__: Tuple[str, ...] = ("Endpoint", "Message", "Gap", "Anomaly", "Frame", "Session", "Stats")
