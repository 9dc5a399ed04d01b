"""tcpsession: the TCP sessions of a packet capture, with the bytes each side
really delivered to the other's application.

Retransmissions are dropped, segments put back in order, overlaps resolved by
a policy you choose; every gap, conflicting overlap and oddity is reported as
data, never silently filled. The reassembly is libtcpsession's (C), the same
as the ``tcpsession`` command's, so a session here equals its line in
``tcpsession extract --format jsonl``.

Read a capture (pcap or pcapng, gzip-compressed or not)::

    import tcpsession

    with tcpsession.open("capture.pcapng", overlap="first") as capture:
        for s in capture:                      # as each session completes
            print(s.stream, s.client, s.server, len(s.client_data), s.gaps)
    print(capture.stats.frames, capture.warnings)

or ``for s in tcpsession.sessions("capture.pcap"): ...``. Frames that come
from elsewhere (scapy, dpkt, a socket) go through :class:`Engine`::

    engine = tcpsession.Engine()
    for ts, frame in dpkt.pcap.Reader(open("x.pcap", "rb")):
        for s in engine.feed(tcpsession.LINKTYPE_ETHERNET, ts, frame):
            ...
    for s in engine.finish():
        ...

Options (keyword arguments of open(), sessions(), Engine() and write(); the
command's options of the same names; sizes are ints or strings like "64M")::

{options}

Memory: sessions are handed over one at a time as they complete; the bytes
of sessions still open are bounded by ``max_memory`` (past it they spill to
a temporary file that has no name), as for the command.

Errors: a file that cannot be opened raises ``OSError`` (e.g.
``FileNotFoundError``) from open(); a file that is not a capture, or is
damaged, raises :class:`CaptureError` (``path``, ``offset``, ``reason``)
once every session readable before the damage has been yielded. Warnings (a
last record cut short, a spill file that could not be written) are issued as
:class:`CaptureWarning` and kept in ``capture.warnings``.

The original pure-Python library's API is in ``tcpsession.tcpsession``
(``from tcpsession.tcpsession import TCPSessions``).
"""

from __future__ import annotations

import atexit
import builtins
import decimal
import os
import re
import warnings as _warnings
import weakref
from typing import Any, Iterable, Iterator, List, Optional, Tuple, Union

from . import _native
from ._model import Anomaly, Endpoint, Frame, Gap, Message, Session, Stats, sessions_from
from ._options import OPTIONS, OVERLAP_POLICIES, native_options, option_help, parse_size

__doc__ = __doc__.replace("{options}", option_help())
__version__: str = _native.LIBRARY_VERSION

#: The anomaly type names (Anomaly.type), in the library's order.
ANOMALY_TYPES: Tuple[str, ...] = _native.ANOMALY_TYPES
#: The close reasons (Session.close).
CLOSE_REASONS: Tuple[str, ...] = _native.CLOSE_REASONS

#: Link types (LINKTYPE_* of tcpdump.org) for Engine.feed().
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_PPP = 9
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_ERROR_MESSAGE = re.compile(r"^(?P<path>.*?): offset (?P<offset>\d+): (?P<reason>.*)$", re.S)


class CaptureError(Exception):
    """A capture that is not one, or is damaged. ``path`` is the file,
    ``offset`` the byte offset of the damage in the (uncompressed) file, or
    None when the file is not a capture at all; ``reason`` what is wrong."""

    def __init__(self, path: str, offset: Optional[int], reason: str) -> None:
        self.path = path
        self.offset = offset
        self.reason = reason
        where = f"{path}: offset {offset}: " if offset is not None else f"{path}: "
        super().__init__(where + reason)

    @classmethod
    def _from_message(cls, path: str, message: str) -> "CaptureError":
        m = _ERROR_MESSAGE.match(message)
        if m is not None:
            return cls(m["path"], int(m["offset"]), m["reason"])
        prefix = f"{path}: "
        return cls(path, None, message[len(prefix):] if message.startswith(prefix) else message)


class CaptureWarning(UserWarning):
    """Something the reader noticed that did not stop it (e.g. a last record
    cut short)."""


_open_captures: "weakref.WeakSet[Capture]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for capture in list(_open_captures):
        capture.close()


class Capture:
    """The sessions of one capture file, as they complete; see open()."""

    def __init__(self, path: PathLike, *, frames: bool = False, errors: str = "raise",
                 **options: Any) -> None:
        if errors not in ("raise", "warn"):
            raise ValueError("errors must be 'raise' or 'warn'")
        self.path: str = os.fsdecode(path)
        self._errors = errors
        self.stats: Optional[Stats] = None
        self.warnings: List[str] = []
        self.error: Optional[CaptureError] = None
        builtins.open(path, "rb").close()  # OSError now rather than while iterating
        self._reader: Optional[Any] = _native.Reader(path, native_options(options), frames)
        _open_captures.add(self)

    def __iter__(self) -> Iterator[Session]:
        return self

    def __next__(self) -> Session:
        if self._reader is None:
            raise StopIteration
        t = next(self._reader, None)
        if t is not None:
            return Session(t, self.path)
        self._end()
        raise StopIteration

    def _end(self) -> None:
        reader, self._reader = self._reader, None
        if reader is None:
            return
        reader.close()
        stats, self.warnings, error, _ = reader.result()
        self.stats = Stats._from_dict(stats)
        _open_captures.discard(self)
        for w in self.warnings:
            _warnings.warn(w, CaptureWarning, stacklevel=3)
        if error is not None:
            self.error = CaptureError._from_message(self.path, error[1])
            if self._errors == "raise":
                raise self.error
            _warnings.warn(str(self.error), CaptureWarning, stacklevel=3)

    def close(self) -> None:
        """Stops reading (the rest of the file is not read); stats and
        warnings then describe what was read."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
            stats, self.warnings, _, _ = reader.result()
            self.stats = Stats._from_dict(stats)
            _open_captures.discard(self)

    def __enter__(self) -> "Capture":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "reading" if self._reader is not None else "closed"
        return f"<tcpsession.Capture {self.path!r} {state}>"


def open(path: PathLike, *, overlap: str = "first", verify_checksums: bool = False,
         max_buffer: Union[int, str] = "64M", max_memory: Union[int, str] = "32M",
         frames: bool = False, errors: str = "raise", **options: Any) -> Capture:
    """Opens a capture (pcap or pcapng, gzip or not) and returns a
    :class:`Capture`: iterate it for its sessions, in the order they
    complete; use it in a ``with`` block so an early ``break`` stops the
    reading. ``frames=True`` keeps each session's whole frames
    (``Session.frames``, for writing them out). ``errors="warn"`` turns a
    damaged capture's CaptureError into a CaptureWarning. Other options: see
    the module's help."""
    return Capture(path, frames=frames, errors=errors, overlap=overlap,
                   verify_checksums=verify_checksums, max_buffer=max_buffer,
                   max_memory=max_memory, **options)


def sessions(path: PathLike, **options: Any) -> Iterator[Session]:
    """The sessions of a capture, as they complete: open() in a generator."""
    with open(path, **options) as capture:
        yield from capture


def _timestamp_ns(timestamp: Union[int, float, decimal.Decimal]) -> int:
    """Nanoseconds from seconds: ints and Decimals (scapy's EDecimal) exactly,
    floats through their shortest repr, so 1.000001 is 1000001000 ns."""
    if isinstance(timestamp, bool):
        raise TypeError("timestamp: expected seconds")
    if isinstance(timestamp, int):
        return timestamp * 1_000_000_000
    if isinstance(timestamp, float):
        timestamp = decimal.Decimal(repr(timestamp))
    if isinstance(timestamp, decimal.Decimal):
        return int((timestamp * 1_000_000_000).to_integral_value(decimal.ROUND_HALF_EVEN))
    raise TypeError(f"timestamp: expected seconds (int, float or Decimal), got "
                    f"{type(timestamp).__name__}")


class Engine:
    """Reassembly of frames you read yourself (scapy, dpkt, pcapy, a socket).

    ``feed(linktype, timestamp, frame)`` processes one frame (numbered
    1, 2, ... as a capture's) and returns the sessions it completed;
    ``finish()`` ends the input and returns the rest. Same options as
    open(); ``capture`` names the input in each session's ``capture`` (and
    its to_dict()), None by default. One engine is one capture: stream
    numbers count from 0."""

    def __init__(self, *, frames: bool = False, capture: Optional[str] = None,
                 **options: Any) -> None:
        self._engine = _native.Engine(native_options(options), frames)
        self._capture = capture

    def feed(self, linktype: int, timestamp: Union[int, float, decimal.Decimal],
             frame: Union[bytes, bytearray, memoryview], origlen: Optional[int] = None
             ) -> List[Session]:
        """One frame: its link type (LINKTYPE_*), capture time in seconds,
        bytes, and length on the wire when the capture cut it."""
        return sessions_from(self._engine.feed(linktype, _timestamp_ns(timestamp), frame,
                                               -1 if origlen is None else origlen),
                             self._capture)

    def feed_ns(self, linktype: int, timestamp_ns: int, frame: Union[bytes, bytearray, memoryview],
                origlen: Optional[int] = None) -> List[Session]:
        """feed() with the time in integer nanoseconds."""
        return sessions_from(self._engine.feed(linktype, timestamp_ns, frame,
                                               -1 if origlen is None else origlen),
                             self._capture)

    def process(self, packets: Iterable[Tuple[Any, bytes]],
                linktype: int = LINKTYPE_ETHERNET) -> Iterator[Session]:
        """Feeds (timestamp, frame) pairs, as dpkt's pcap readers give them,
        and yields every session, the last ones when the pairs run out."""
        for ts, frame in packets:
            if isinstance(ts, tuple):  # the original library's (ts, number)
                ts = ts[0]
            yield from self.feed(linktype, ts, frame)
        yield from self.finish()

    def finish(self) -> List[Session]:
        """Ends the input: the sessions still open, in stream order."""
        return sessions_from(self._engine.finish(), self._capture)

    @property
    def stats(self) -> Stats:
        """The counters so far."""
        return Stats._from_dict(self._engine.stats())

    @property
    def warnings(self) -> List[str]:
        """The warnings so far."""
        return self._engine.warnings()


FORMATS = ("jsonl", "json", "raw", "tcpflow", "pcap", "none")


def write(path: PathLike, folder: PathLike, format: str = "jsonl", **options: Any) -> Stats:
    """Writes one capture's sessions into `folder` with a format of
    ``tcpsession extract`` (the files the command writes in DIR/STEM/).
    Returns the counters; raises CaptureError for a damaged capture (after
    writing what was readable) and OSError when the output fails."""
    builtins.open(path, "rb").close()
    stats, warns, error, write_error = _native.write(path, folder, format,
                                                     native_options(options))
    for w in warns:
        _warnings.warn(w, CaptureWarning, stacklevel=2)
    if write_error is not None:
        raise OSError(write_error)
    if error is not None:
        raise CaptureError._from_message(os.fsdecode(path), error[1])
    return Stats._from_dict(stats)


__all__ = ["open", "sessions", "write", "Capture", "Engine", "Session", "Endpoint", "Message",
           "Gap", "Anomaly", "Frame", "Stats", "CaptureError", "CaptureWarning",
           "ANOMALY_TYPES", "CLOSE_REASONS", "OPTIONS", "OVERLAP_POLICIES", "FORMATS",
           "parse_size", "__version__"]
