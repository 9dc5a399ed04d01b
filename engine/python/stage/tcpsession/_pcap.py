"""Writing frames to a capture file: classic pcap (microsecond timestamps
when every frame has whole microseconds, else nanosecond pcap), or pcapng
when the frames have more than one link type."""

from __future__ import annotations

import os
import struct
from typing import BinaryIO, Iterable, List, Sequence, Tuple

# (time_ns, linktype, origlen, data)
Record = Tuple[int, int, int, bytes]

SNAPLEN = 262144


def _write_pcap(fp: BinaryIO, records: Sequence[Record]) -> None:
    micro = all(r[0] % 1000 == 0 for r in records)
    linktype = records[0][1] if records else 1
    fp.write(struct.pack("<IHHiIII", 0xA1B2C3D4 if micro else 0xA1B23C4D, 2, 4, 0, 0,
                         SNAPLEN, linktype))
    for ts_ns, _, origlen, data in records:
        sec, frac = divmod(ts_ns, 1_000_000_000)
        fp.write(struct.pack("<IIII", sec & 0xFFFFFFFF, frac // 1000 if micro else frac,
                             len(data), max(origlen, len(data))))
        fp.write(data)


def _block(block_type: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def _write_pcapng(fp: BinaryIO, records: Sequence[Record]) -> None:
    fp.write(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    interfaces: List[int] = []
    for _, linktype, _, _ in records:
        if linktype not in interfaces:
            interfaces.append(linktype)
            # if_tsresol 9 (nanoseconds), then opt_endofopt
            fp.write(_block(1, struct.pack("<HHI", linktype, 0, SNAPLEN)
                            + struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)))
    for ts_ns, linktype, origlen, data in records:
        fp.write(_block(6, struct.pack("<IIIII", interfaces.index(linktype), ts_ns >> 32,
                                       ts_ns & 0xFFFFFFFF, len(data), max(origlen, len(data)))
                        + data))


def write_capture(path: str, records: Iterable[Record]) -> None:
    """Writes `records` to `path` (replaced atomically: a temporary file in
    the same folder, renamed when complete)."""
    records = list(records)
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "wb") as fp:
            if len({r[1] for r in records}) > 1:
                _write_pcapng(fp, records)
            else:
                _write_pcap(fp, records)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
