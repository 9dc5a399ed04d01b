#!/usr/bin/env python3
"""Compare `tcpsession extract --format pcap` with tshark's selection.

Usage: pcap_compare.py [--tshark PATH] [--jobs N] [--known TSV] LIST

LIST has one line per capture: LABEL <tab> CAPTURE <tab> OUTDIR, OUTDIR
being the folder extract wrote the capture's files in (DIR/STEM). For each
capture one tshark pass

    tshark -r CAPTURE -Y tcp.stream -F pcapng -w SELECTED -P \
        -T fields -e frame.number -e tcp.stream

writes every frame tshark gives a tcp.stream (what `-Y "tcp.stream == N"
-w` writes for each N, together) and prints, frame by frame, its number
and streams (an ICMP error quoting a segment, or a frame with two TCP
layers, may list two). Per stream, the packets of our files (one per link
type: stream-NNNNNN_....pcap and ....linktype-L.pcap) must be tshark's
packets of that stream, in order: link type, timestamp (ns), caplen,
origlen and bytes; each file's link type must be one of the input's
(tshark may write another number for the same encapsulation). Differences are listed per frame:

    missing  LABEL STREAM FRAME   tshark selects it, our file lacks it
    extra    LABEL STREAM FRAME   our file has a packet tshark does not
                                  give the stream (FRAME: the input's frame
                                  with those bytes, '-' when none has)
    order    LABEL STREAM FRAME   both have it, in another order
    linktype LABEL STREAM -       a file's link type is none of the input's

A difference listed in --known (LABEL, STREAM, FRAME, KIND, reason; '#'
comments; FRAME, or STREAM and FRAME, '*': every such difference of the
stream, or of the capture) is expected: printed as `known`; a known row whose difference no
longer shows (for a capture of LIST) is printed as `stale`. Prints `same
LABEL N` for captures without other differences. Exit status: 0 when
every difference is known and no known row is stale, 1 otherwise, 77
without tshark.

Glue for the tests only.
"""
import concurrent.futures
import difflib
import gzip
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile


def read_pcap(data):
    """Packets (linktype, ts_ns, caplen, origlen, bytes) of a classic pcap."""
    magic = data[:4]
    for endian in "<>":
        m = struct.unpack(endian + "I", magic)[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise ValueError("not a pcap file")
    scale = 1 if m == 0xA1B23C4D else 1000
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    out, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pos += 16
        out.append((linktype, sec * 1000000000 + frac * scale, caplen, origlen,
                    data[pos:pos + caplen]))
        pos += caplen
    return out


def tsresol_scale(value):
    """Nanoseconds per unit of a pcapng if_tsresol option byte."""
    if value & 0x80:
        return 1e9 / (2 ** (value & 0x7F))
    return 10 ** (9 - value)


def read_pcapng(data, numbered=False):
    """Packets of a pcapng file's Enhanced, Simple and (obsolete) Packet
    Blocks; with `numbered`, None for each other block Wireshark numbers as
    a frame (Custom, Systemd Journal Export), so indexes are frame numbers
    minus 1."""
    out, pos, endian, ifaces = [], 0, "<", []
    while pos + 12 <= len(data):
        btype = struct.unpack(endian + "I", data[pos:pos + 4])[0]
        if btype == 0x0A0D0D0A:
            endian = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(endian + "I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + blen - 4]
        if btype == 1:  # interface description: link type and tsresol
            linktype = struct.unpack(endian + "H", body[:2])[0]
            scale, opos = 1000, 8
            while opos + 4 <= len(body):
                code, olen = struct.unpack(endian + "HH", body[opos:opos + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    scale = tsresol_scale(body[opos + 4])
                opos += 4 + ((olen + 3) & ~3)
            ifaces.append((linktype, scale))
        elif btype == 6:  # enhanced packet
            iface, hi, lo, caplen, origlen = struct.unpack(endian + "IIIII", body[:20])
            linktype, scale = ifaces[iface]
            ts = (hi << 32) | lo
            out.append((linktype, int(round(ts * scale)), caplen, origlen,
                        body[20:20 + caplen]))
        elif btype == 3:  # simple packet
            origlen = struct.unpack(endian + "I", body[:4])[0]
            caplen = min(origlen, len(body) - 4)
            out.append((ifaces[0][0], 0, caplen, origlen, body[4:4 + caplen]))
        elif btype == 2:  # obsolete packet block
            iface, _, hi, lo, caplen, origlen = struct.unpack(endian + "HHIIII", body[:20])
            linktype, scale = ifaces[iface]
            out.append((linktype, int(round(((hi << 32) | lo) * scale)), caplen, origlen,
                        body[20:20 + caplen]))
        elif numbered and btype in (9, 0x00000BAD, 0x40000BAD):
            out.append(None)
        pos += blen
    return out


def read_capture(path, numbered=False):
    """Packets of a pcap or pcapng file (gzip-compressed or not); see
    read_pcapng() for `numbered`."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data, numbered)
    return read_pcap(data)


class FrameNumbers:
    """Frame number of a packet (without its link type) of the input: that
    of its first copy, read when first asked for."""

    def __init__(self, capture):
        self.capture, self.index = capture, None

    def get(self, packet, default):
        if self.index is None:
            self.index = {}
            for i, p in enumerate(read_capture(self.capture, numbered=True)):
                if p is not None:
                    self.index.setdefault(p[1:], i + 1)
        return self.index.get(packet, default)


def tshark_streams(tshark, capture, tmpdir):
    """{stream: [(frame, packet)]} of what tshark gives each tcp.stream."""
    selected = os.path.join(tmpdir, "selected.pcapng")
    res = subprocess.run([tshark, "-r", capture, "-Y", "tcp.stream", "-F", "pcapng", "-w",
                          selected, "-P", "-T", "fields", "-e", "frame.number", "-e",
                          "tcp.stream"], capture_output=True, text=True)
    lines = [l.split("\t") for l in res.stdout.splitlines() if l.strip()]
    packets = read_capture(selected) if lines else []
    if len(packets) != len(lines):
        raise RuntimeError("%s: tshark printed %d frames, wrote %d (%s)" %
                           (capture, len(lines), len(packets), res.stderr.strip()[-300:]))
    streams = {}
    for cols, pkt in zip(lines, packets):
        frame = int(cols[0])
        for n in sorted({int(x) for x in cols[1].split(",") if x}):
            streams.setdefault(n, []).append((frame, pkt))
    return streams


NAME = re.compile(r"^stream-(\d+)_.*?(?:\.linktype-(\d+))?\.pcap$")


def input_linktypes(path):
    """Link types of a capture's header (pcap) or interfaces (pcapng)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        return {struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF}
    types, pos, endian = set(), 0, "<"
    while pos + 12 <= len(data):
        btype = struct.unpack(endian + "I", data[pos:pos + 4])[0]
        if btype == 0x0A0D0D0A:
            endian = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack(endian + "I", data[pos + 4:pos + 8])[0]
        if btype == 1:
            types.add(struct.unpack(endian + "H", data[pos + 8:pos + 10])[0])
        pos += max(blen, 12)
    return types


def our_streams(outdir):
    """{stream: [packet]} of our files: each stream's file of its first
    link type, then those of the others (.linktype-N) by N."""
    files = {}
    for name in os.listdir(outdir) if os.path.isdir(outdir) else []:
        m = NAME.match(name)
        if m:
            files.setdefault(int(m.group(1)), []).append((m.group(2) is not None,
                                                          int(m.group(2) or 0), name))
    return {n: [p for _, _, name in sorted(names)
                for p in read_capture(os.path.join(outdir, name))]
            for n, names in files.items()}


def group_by_linktype(frames):
    """tshark's frames of a stream in the order of our files: those of its
    first packet's link type, then the others by link type. (tshark may
    write another number for the same encapsulation, as 9 for 50, PPP in
    HDLC-like framing: link types are checked against the input's.)"""
    if not frames:
        return frames
    first = frames[0][1][0]
    return sorted(frames, key=lambda fp: (fp[1][0] != first, fp[1][0]))


def compare_stream(theirs, ours, where):
    """(kind, frame) differences of one stream: the packets without their
    link type, in order."""
    diffs = []
    t = [(f, p[1:]) for f, p in group_by_linktype(theirs)]
    o = [p[1:] for p in ours]
    sm = difflib.SequenceMatcher(None, [p for _, p in t], o, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        missing = {t[i][1]: t[i][0] for i in range(i1, i2)}
        for i in range(i1, i2):
            kind = "order" if t[i][1] in o[j1:j2] else "missing"
            diffs.append((kind, str(t[i][0])))
        for j in range(j1, j2):
            if o[j] not in missing:
                diffs.append(("extra", str(where.get(o[j], "-"))))
    return diffs


def check_capture(tshark, label, capture, outdir):
    """(label, [(stream, frame, kind)], packets compared) for one capture."""
    with tempfile.TemporaryDirectory() as tmpdir:
        theirs = tshark_streams(tshark, capture, tmpdir)
    ours = our_streams(outdir)
    where = FrameNumbers(capture)
    diffs, n = [], 0
    linktypes = input_linktypes(capture)
    for stream in sorted(set(theirs) | set(ours)):
        t, o = theirs.get(stream, []), ours.get(stream, [])
        n += len(t)
        for kind, frame in compare_stream(t, o, where):
            diffs.append((str(stream), frame, kind))
        if any(p[0] not in linktypes for p in o):
            diffs.append((str(stream), "-", "linktype"))
    return label, diffs, n


def read_known(path):
    """{(label, stream, frame, kind): reason}."""
    known = {}
    if path:
        with open(path) as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                known[tuple(cols[:4])] = cols[4] if len(cols) > 4 else ""
    return known


def main():
    args = sys.argv[1:]
    tshark, jobs, known_path = shutil.which("tshark"), os.cpu_count() or 1, None
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--tshark":
            tshark = args.pop(0)
        elif opt == "--jobs":
            jobs = int(args.pop(0))
        elif opt == "--known":
            known_path = args.pop(0)
        else:
            sys.exit("unknown option " + opt)
    if len(args) != 1:
        sys.exit(__doc__)
    if not tshark:
        print("tshark not found")
        return 77
    with open(args[0]) as f:
        rows = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    known = read_known(known_path)
    status = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda r: check_capture(tshark, *r), rows))
    seen = set()
    for label, diffs, n in results:
        unknown = 0
        for stream, frame, kind in diffs:
            key = next((k for k in ((label, stream, frame, kind), (label, stream, "*", kind),
                                    (label, "*", "*", kind)) if k in known), None)
            if key is not None:
                seen.add(key)
                print("known\t%s\t%s\t%s\t%s\t%s" % (label, stream, frame, kind, known[key]))
            else:
                print("%s\t%s\t%s\t%s" % (kind, label, stream, frame))
                unknown += 1
        if unknown:
            status = 1
        else:
            print("same\t%s\t%d packets" % (label, n))
    labels = {r[0] for r in rows}
    for key in sorted(known):
        if key[0] in labels and key not in seen:
            print("stale\t%s\t%s\t%s\t%s" % key)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
