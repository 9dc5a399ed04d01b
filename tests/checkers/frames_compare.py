#!/usr/bin/env python3
"""Compare the frames of tcpsession's messages with the frames in which
tshark dissects TCP payload.

Usage: frames_compare.py CAPTURE SESSIONS_JSONL [--tshark PATH]

For captures whose messages are one segment each (the IP fragment cases of
data/cases): per stream, the list of our messages' frames must equal the
frames where tshark shows TCP payload of that stream (`-T fields -e
frame.number -e tcp.stream -e tcp.len`; in a tunnel, the innermost TCP
layer). For a segment carried by IP fragments that is the frame whose
fragment completed the datagram (tshark's "Reassembled IPv4/IPv6 in
frame"). Prints `same`/`wrong` per stream; exit status 0 when all are the
same, 1 otherwise, 77 when tshark is missing.

Glue for the tests only.
"""
import json
import shutil
import subprocess
import sys


def tshark_frames(tshark, capture):
    out = subprocess.run([tshark, "-r", capture, "-T", "fields", "-e", "frame.number",
                          "-e", "tcp.stream", "-e", "tcp.len"],
                         check=True, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) < 3 or not cols[1] or not cols[2]:
            continue
        stream, length = cols[1].split(",")[-1], cols[2].split(",")[-1]
        if int(length) > 0:
            frames.setdefault(int(stream), []).append(int(cols[0]))
    return frames


def main():
    args = sys.argv[1:]
    tshark = shutil.which("tshark")
    if "--tshark" in args:
        i = args.index("--tshark")
        tshark = args[i + 1]
        del args[i:i + 2]
    if tshark is None:
        print("skip: tshark not installed")
        return 77
    capture, jsonl = args
    theirs = tshark_frames(tshark, capture)
    bad = 0
    seen = set()
    with open(jsonl) as f:
        for line in f:
            s = json.loads(line)
            ours = [m["frame"] for m in s["messages"]]
            want = theirs.get(s["stream"], [])
            seen.add(s["stream"])
            verdict = "same" if ours == want else "wrong"
            bad += verdict == "wrong"
            print("%s %s stream %d: ours %s tshark %s" % (verdict, capture, s["stream"], ours, want))
    for stream in sorted(set(theirs) - seen):
        print("wrong %s stream %d: only tshark has it" % (capture, stream))
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
