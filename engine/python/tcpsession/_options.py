"""Reassembly options: the Python names, their defaults, and how they reach
the library (the command's options, spelled as keyword arguments)."""

from __future__ import annotations

import re
from typing import Any, Dict, Union

Size = Union[int, str]

#: overlap= values, as the command's --overlap
OVERLAP_POLICIES = ("first", "last", "linux")

_SIZE = re.compile(r"^\s*(\d+)\s*([kKmMgGtT]?)(i?[bB])?\s*$")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}

#: name -> (kind, what it is); kinds: size, seconds, bool, port, overlap, path
OPTIONS: Dict[str, tuple] = {
    "overlap": ("overlap", "which copy wins where two segments disagree: first, last or linux"),
    "verify_checksums": ("bool", "drop segments whose TCP checksum is wrong"),
    "max_buffer": ("size", "memory for out-of-order bytes per direction, overhead "
                           "included (default 64M)"),
    "max_session_memory": ("size", "memory for the state of all sessions; beyond it the "
                                   "sessions idle longest end early, close reason "
                                   "'evicted' (default 64M; 0: no limit)"),
    "max_memory": ("size", "memory the kept bytes of open sessions may take before they "
                           "spill to a temporary file (default 32M; 0: no limit)"),
    "max_anomalies": ("size", "anomalies kept per session (default 1000)"),
    "idle_timeout": ("seconds", "capture seconds without a packet after which a session "
                                "ends (default 0: never)"),
    "close_linger": ("seconds", "capture seconds a closed session absorbs late packets "
                                "(default 60)"),
    "spool_dir": ("path", "folder of the spill file (default $TMPDIR)"),
    "map_files": ("bool", "read plain capture files by mapping them (default True)"),
    "ip_fragment_timeout": ("seconds", "capture seconds an incomplete IP datagram waits "
                                       "(default 30)"),
    "ip_fragment_memory": ("size", "memory of incomplete IP datagrams (default 4M)"),
    "retransmission_window": ("size", "bytes a retransmission is compared against "
                                      "(default 1M)"),
    "retransmission_acked": ("size", "acknowledged bytes compared (default 16K)"),
    "vxlan_port": ("port", "UDP port of VXLAN (default 4789; 0: not followed)"),
    "geneve_port": ("port", "UDP port of Geneve (default 6081)"),
    "gtpu_port": ("port", "UDP port of GTP-U (default 2152)"),
    "teredo_port": ("port", "UDP port of Teredo (default 3544)"),
    "filter": ("filter", "BPF filter expression (tcpdump's syntax): only the frames it selects "
                         "are read; stream and frame numbers stay those of the whole capture"),
    "streams": ("streams", "only these stream numbers: an int, an iterable of ints, or a "
                           "string such as \"3,7-9,12-\""),
    "since": ("time", "only sessions whose first packet is at or after this time (seconds "
                      "since the epoch, a datetime, or an ISO 8601 string)"),
    "until": ("time", "only sessions whose first packet is before this time (as since)"),
}


def parse_size(value: Size, name: str = "size") -> int:
    """Bytes from an int or a string such as "64M", "1.5" is refused;
    suffixes K, M, G, T are powers of 1024, as the command's."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: expected a size, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{name}: {value} is negative")
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m is None:
            raise ValueError(f"{name}: {value!r} is not a size (bytes, or a number with K, M or G)")
        return int(m.group(1)) * _UNITS[m.group(2).lower()]
    raise TypeError(f"{name}: expected a size, got {type(value).__name__}")


def native_options(options: Dict[str, Any]) -> Dict[str, Any]:
    """The dict the native module takes, from keyword arguments; raises
    TypeError for an unknown name and ValueError for a bad value."""
    out: Dict[str, Any] = {}
    for name, value in options.items():
        if name not in OPTIONS:
            raise TypeError(f"unknown option {name!r} (known: {', '.join(sorted(OPTIONS))})")
        if value is None:
            continue
        kind = OPTIONS[name][0]
        if kind == "overlap":
            if value not in OVERLAP_POLICIES:
                raise ValueError(f"overlap: {value!r} is not one of {', '.join(OVERLAP_POLICIES)}")
            out[name] = OVERLAP_POLICIES.index(value)
        elif kind == "size":
            size = parse_size(value, name)
            if name in ("max_buffer", "max_anomalies") and size == 0:
                raise ValueError(f"{name}: must be at least 1")
            out[name] = size
        elif kind == "seconds":
            out[name] = float(value)
        elif kind == "bool":
            out[name] = bool(value)
        elif kind == "filter":
            if not isinstance(value, str):
                raise TypeError(f"filter: expected a str, got {type(value).__name__}")
            out[name] = value
        elif kind == "streams":
            out[name] = _streams_text(value)
        elif kind == "time":
            out[name] = _time_text(value, name)
        elif kind == "port":
            port = int(value)
            if not 0 <= port <= 65535:
                raise ValueError(f"{name}: {value!r} is not a port")
            out[name] = port
        else:
            out[name] = str(value)
    return out


def _streams_text(value: Any) -> str:
    """The --stream text of streams=: "3,7-9" as given, an int, or ints."""
    if isinstance(value, bool):
        raise TypeError("streams: expected stream numbers, got a bool")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, range) and value.step == 1 and len(value) > 0:
        return f"{value.start}-{value.stop - 1}"
    try:
        numbers = [int(v) for v in value]
    except TypeError:
        raise TypeError(f"streams: expected stream numbers, got {type(value).__name__}") from None
    if not numbers:
        raise ValueError("streams: no stream given")
    return ",".join(str(n) for n in numbers)


def _time_text(value: Any, name: str) -> str:
    """The --since/--until text: seconds (int, float, Decimal), datetime, str."""
    import datetime
    import decimal

    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.isoformat()
    if isinstance(value, bool):
        raise TypeError(f"{name}: expected a time, got a bool")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{name}: expected a time, got {type(value).__name__}")


def option_help() -> str:
    """One line per option, for docstrings."""
    return "\n".join(f"    {name}: {what}" for name, (_, what) in OPTIONS.items())


