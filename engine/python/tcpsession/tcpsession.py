"""The original pure-Python tcpsession library's API, on this engine.

Code written against ``from tcpsession.tcpsession import TCPSessions`` keeps
working: the same classes, methods, arguments and return shapes. What it
returns comes from libtcpsession's reassembly, so it differs where the
original was wrong (see the README's "Python" section): sessions need no
complete handshake, no segment is dropped for its size or the window,
directions are told apart by address and port, IPv6 and every link type the
engine decodes work, and a session's packets are all the packets of the
connection (the original listed those it accepted).

Like the original, these classes keep every session's packets in memory;
for large captures use ``tcpsession.open()``.
"""

from __future__ import annotations

import os
import socket
import tempfile
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import tcpsession as _ts

from ._pcap import write_capture

# one packet as the original returned it: ((timestamp, number), frame bytes)
Packet = Tuple[Tuple[float, int], bytes]

__all__ = ["NetworkTuple", "TCPSession", "TCPSessions", "inet_to_str", "str_to_inet"]


def inet_to_str(inet: Union[bytes, str]) -> str:
    """Text form of a packed IPv4 or IPv6 address (text is returned as is)."""
    if isinstance(inet, str):
        return inet
    return socket.inet_ntop(socket.AF_INET if len(inet) == 4 else socket.AF_INET6, inet)


def str_to_inet(ip: Union[str, bytes]) -> bytes:
    """Packed form of an IPv4 or IPv6 address (packed is returned as is)."""
    if isinstance(ip, bytes):
        return ip
    try:
        return socket.inet_pton(socket.AF_INET, ip)
    except OSError:
        return socket.inet_pton(socket.AF_INET6, ip)


class NetworkTuple:
    """A connection's 4-tuple and protocol, usable as a dict key: equal (and
    of equal hash) whichever side is the source. Addresses packed (as the
    original took them from dpkt) or as text."""

    def __init__(self, sip: Union[bytes, str], dip: Union[bytes, str], sp: int, dp: int,
                 proto: int = 6) -> None:
        self.sip = str_to_inet(sip)
        self.dip = str_to_inet(dip)
        self.sp = sp
        self.dp = dp
        self.proto = proto

    def get_str_sip(self) -> str:
        return inet_to_str(self.sip)

    def get_str_dip(self) -> str:
        return inet_to_str(self.dip)

    def _ends(self) -> frozenset:
        return frozenset(((self.sip, self.sp), (self.dip, self.dp)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NetworkTuple):
            return NotImplemented
        return self.proto == other.proto and self._ends() == other._ends()

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash((self._ends(), self.proto))

    def __repr__(self) -> str:
        return f"{self.get_str_sip()}_{self.sp}-{self.get_str_dip()}_{self.dp}-{self.proto}"

    __str__ = __repr__


def _tuple_of(s: _ts.Session) -> NetworkTuple:
    return NetworkTuple(s.client.ip, s.server.ip, s.client.port, s.server.port, 6)


def _number_packets(sessions: List[_ts.Session]) -> List[List[Packet]]:
    """Each session's packets as ((ts, N), bytes), N counting the packets of
    the session's 4-tuple in capture order over all its sessions, from 1."""
    frames_of_tuple: Dict[NetworkTuple, List[int]] = {}
    for s in sessions:
        frames_of_tuple.setdefault(_tuple_of(s), []).extend(f.number for f in s.frames or ())
    rank = {nt: {n: i + 1 for i, n in enumerate(sorted(numbers))}
            for nt, numbers in frames_of_tuple.items()}
    out = []
    for s in sessions:
        r = rank[_tuple_of(s)]
        out.append([((f.time_ns / 1e9, r[f.number]), f.data) for f in s.frames or ()])
    return out


class _Sessions:
    """The sessions of one capture (or packet list), kept with their frames."""

    def __init__(self) -> None:
        self.sessions: List[_ts.Session] = []
        self.packets: List[List[Packet]] = []

    def read(self, pcap: str, keep: Any = None) -> None:
        with _ts.open(pcap, frames=True) as capture:
            self.sessions = [s for s in capture if keep is None or keep(s)]
        self.sessions.sort(key=lambda s: s.stream)
        self.packets = _number_packets(self.sessions)

    def feed(self, pkts: Iterable, keep: Any = None) -> None:
        engine = _ts.Engine(frames=True)
        self.sessions = [s for s in engine.process(pkts) if keep is None or keep(s)]
        self.sessions.sort(key=lambda s: s.stream)
        self.packets = _number_packets(self.sessions)

    def records(self, i: int) -> List[Tuple[int, int, int, bytes]]:
        return [(f.time_ns, f.linktype, f.origlen, f.data) for f in self.sessions[i].frames or ()]


class TCPSessions:
    """Every TCP session of a capture, grouped by 4-tuple, numbered in
    stream order (Wireshark's tcp.stream)."""

    def __init__(self, inpcap: str) -> None:
        self.pcap = inpcap
        self._all = _Sessions()
        self.streams_count = 0

    def process_pcap(self) -> None:
        """Reads the capture given to the constructor."""
        self._all.read(self.pcap)
        self.streams_count = len(self._all.sessions)

    def process_pkts(self, pkts: Iterable) -> None:
        """Reads (timestamp, Ethernet frame) pairs, as dpkt.pcap.Reader gives
        them (a timestamp may be a (ts, number) tuple)."""
        self._all.feed(pkts)
        self.streams_count = len(self._all.sessions)

    def _indices(self, network_tuple: NetworkTuple) -> List[int]:
        return [i for i, s in enumerate(self._all.sessions) if _tuple_of(s) == network_tuple]

    def get_sessions(self, network_tuple: NetworkTuple) -> List[List[Packet]]:
        """The sessions of one 4-tuple, each a list of ((ts, N), frame bytes)."""
        return [self._all.packets[i] for i in self._indices(network_tuple)]

    def get_session_count(self, network_tuple: NetworkTuple) -> int:
        """How many sessions the 4-tuple had."""
        return len(self._indices(network_tuple))

    def get_total_session_count(self) -> int:
        """How many sessions (streams) the capture has."""
        return self.streams_count

    def get_all_sessions(self) -> List[List[Packet]]:
        """Every session in stream order, each a list of ((ts, N), frame bytes)."""
        return list(self._all.packets)

    def get_unique_network_tuples(self) -> List[str]:
        """The distinct 4-tuples, as "sip_sport-dip_dport-6", in order of
        their first session (client first)."""
        seen: Dict[NetworkTuple, None] = {}
        for s in self._all.sessions:
            seen.setdefault(_tuple_of(s), None)
        return [repr(nt) for nt in seen]

    def dump_all_sessions(self, out_dir: str) -> None:
        """One JSON file per session in out_dir: exactly the files of
        ``tcpsession extract --format json`` (the original's format, see
        README)."""
        os.makedirs(out_dir, exist_ok=True)
        if self.pcap and os.path.exists(self.pcap):
            _ts.write(self.pcap, out_dir, "json")
            return
        with tempfile.TemporaryDirectory() as tmp:  # packets fed by process_pkts()
            capture = os.path.join(tmp, "packets.pcap")
            records = sorted((f.number, (f.time_ns, f.linktype, f.origlen, f.data))
                             for s in self._all.sessions for f in s.frames or ())
            write_capture(capture, [r for _, r in records])
            _ts.write(capture, out_dir, "json")

    def _session_name(self, i: int) -> str:
        return repr(_tuple_of(self._all.sessions[i]))

    def write_all_sessions(self, out_dir: str, prefix: str = "") -> None:
        """One pcap per session: out_dir/[prefix_]SIP_SPORT-DIP_DPORT-6_K.pcap,
        K counting the sessions of the 4-tuple from 0."""
        os.makedirs(out_dir, exist_ok=True)
        k: Dict[NetworkTuple, int] = {}
        for i, s in enumerate(self._all.sessions):
            nt = _tuple_of(s)
            name = f"{self._session_name(i)}_{k.get(nt, 0)}.pcap"
            k[nt] = k.get(nt, 0) + 1
            write_capture(os.path.join(out_dir, f"{prefix}_{name}" if prefix else name),
                          self._all.records(i))

    def write_session(self, session_num: int, out_dir: str, prefix: str = "") -> None:
        """The pcap of session `session_num` (stream number, from 0):
        out_dir/[prefix_]SIP_SPORT-DIP_DPORT-6.pcap."""
        if not 0 <= session_num < self.streams_count:
            return
        os.makedirs(out_dir, exist_ok=True)
        name = f"{self._session_name(session_num)}.pcap"
        write_capture(os.path.join(out_dir, f"{prefix}_{name}" if prefix else name),
                      self._all.records(session_num))


class TCPSession:
    """The sessions of one 4-tuple of a capture (both directions)."""

    def __init__(self, inpcap: str, sip: Union[bytes, str] = "", dip: Union[bytes, str] = "",
                 sp: int = 0, dp: int = 0, debug_info: bool = False) -> None:
        self.pcap = inpcap
        self.sip = inet_to_str(sip) if sip else ""
        self.dip = inet_to_str(dip) if dip else ""
        self.sp = sp
        self.dp = dp
        self._all = _Sessions()

    def _keep(self, s: _ts.Session) -> bool:
        return _tuple_of(s) == NetworkTuple(self.sip, self.dip, self.sp, self.dp)

    def process(self) -> None:
        """Reads the capture and keeps the sessions of the 4-tuple."""
        if self.sip and self.dip and self.sp and self.dp:
            self._all.read(self.pcap, self._keep)

    def process_pkts(self, pkts: Iterable) -> None:
        """Reads (timestamp, Ethernet frame) pairs and keeps the 4-tuple's."""
        self._all.feed(pkts, self._keep)

    def get_sessions(self) -> Dict[int, List[Packet]]:
        """{1: packets of the first session, 2: ...}."""
        return {i + 1: p for i, p in enumerate(self._all.packets)}

    def get_session_count(self) -> int:
        return len(self._all.sessions)

    def get_sessions_list(self) -> List[List[Packet]]:
        return list(self._all.packets)

    def get_session(self, num: int) -> Optional[List[Packet]]:
        """The packets of session `num` (from 0), or None."""
        if 0 <= num < len(self._all.packets):
            return self._all.packets[num]
        return None

    def get_session_network_tuple(self, num: int) -> str:
        """"SIP_SPORT-DIP_DPORT-6" of session `num`, client first."""
        return repr(_tuple_of(self._all.sessions[num]))

    def write_session(self, session_num: int, out_pcap: str) -> None:
        """Writes session `session_num`'s packets to the pcap `out_pcap`."""
        if 0 <= session_num < len(self._all.sessions):
            write_capture(out_pcap, self._all.records(session_num))

    def write_sessions(self, output_pcap: str) -> None:
        """Writes every session's packets, one after the other, to one pcap."""
        write_capture(output_pcap, [r for i in range(len(self._all.sessions))
                                    for r in self._all.records(i)])
