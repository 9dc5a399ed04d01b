#!/usr/bin/env python3
"""Compare `tcpsession follow` with `tshark -q -z follow,tcp,MODE,N`, byte for byte.

Usage: follow_modes_compare.py TCPSESSION CAPTURE [--known FILE] [--modes ascii,hex,raw,yaml]

For every tshark stream of CAPTURE and every mode, our output must equal
tshark's exactly. A stream listed in the --known file (TSV: capture stem, or
a path suffix containing "/", stream, reason) must instead differ in raw mode (the data disagrees, for the
documented reason); a known stream whose raw output turns out equal is a
stale pin and fails. Prints one line per stream and mode (`same`, `known`
or `DIFF` with the first differing line). Exit status 0 when everything is
same or known, 1 otherwise, 77 when tshark is missing.

Glue for the tests only.
"""
import os
import re
import shutil
import subprocess
import sys

BATCH = 100


def tshark_streams(capture):
    out = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-e", "tcp.stream"],
                         check=True, capture_output=True).stdout.decode()
    return sorted({int(x) for x in out.split() if x.strip().isdigit()})


def tshark_blocks(capture, mode, streams):
    """{stream: bytes} of tshark's output for each stream."""
    result = {}
    for i in range(0, len(streams), BATCH):
        batch = streams[i:i + BATCH]
        args = ["tshark", "-r", capture, "-q"]
        for s in batch:
            args += ["-z", "follow,tcp,%s,%d" % (mode, s)]
        out = subprocess.run(args, check=True, capture_output=True).stdout
        if len(batch) == 1:
            result[batch[0]] = out
            continue
        if mode == "yaml":
            # one "peers:" document per stream, printed in reverse order
            parts = re.split(rb"(?m)^(?=peers:\n)", out)
            parts = [p for p in parts if p]
            for s, p in zip(reversed(batch), parts):
                result[s] = p
        else:
            sep = b"\n" + b"=" * 67 + b"\n"
            pieces = out.split(sep)
            # pieces: "", body0, "\n"?, ... each block is sep+body+sep
            blocks = []
            j = 1
            while j < len(pieces):
                body = pieces[j]
                blocks.append(sep + body + b"\n" + b"=" * 67 + b"\n")
                j += 2
            for block in blocks:
                m = re.search(rb"Filter: tcp\.stream eq (\d+)\n", block)
                if m:
                    result[int(m.group(1))] = block
    return result


def ours(binary, capture, stream, mode):
    return subprocess.run([binary, "follow", capture, str(stream), "--mode", mode],
                          capture_output=True).stdout


def first_diff(a, b):
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: tshark %r ours %r" % (i + 1, x[:70], y[:70])
    return "line %d: lengths %d/%d" % (min(len(la), len(lb)) + 1, len(la), len(lb))


def main():
    args = sys.argv[1:]
    known_file = None
    modes = ["ascii", "hex", "raw", "yaml"]
    if "--known" in args:
        i = args.index("--known")
        known_file = args[i + 1]
        del args[i:i + 2]
    if "--modes" in args:
        i = args.index("--modes")
        modes = args[i + 1].split(",")
        del args[i:i + 2]
    binary, capture = args
    if shutil.which("tshark") is None:
        print("skip: tshark not installed")
        return 77
    stem = os.path.basename(capture)
    for ext in (".gz",):
        if stem.endswith(ext):
            stem = stem[:-len(ext)]
    stem = os.path.splitext(stem)[0]
    known = {}
    if known_file:
        with open(known_file) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if cols[0] == stem or ("/" in cols[0] and capture.endswith("/" + cols[0])):
                    known[int(cols[1])] = cols[2] if len(cols) > 2 else ""
    streams = tshark_streams(capture)
    status = 0
    raw_equal = {}
    for mode in (["raw"] + [m for m in modes if m != "raw"]):
        theirs = tshark_blocks(capture, mode, streams)
        for s in streams:
            mine = ours(binary, capture, s, mode)
            same = theirs.get(s) == mine
            if mode == "raw":
                raw_equal[s] = same
            if s in known:
                if mode == "raw" and same:
                    print("STALE %s %d: known difference (%s) but raw output is equal"
                          % (stem, s, known[s]))
                    status = 1
                elif mode == "raw":
                    print("known %s %d %s: %s" % (stem, s, mode, known[s]))
                continue
            if same:
                print("same %s %d %s" % (stem, s, mode))
            else:
                print("DIFF %s %d %s: %s" % (stem, s, mode, first_diff(theirs.get(s, b""), mine)))
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
