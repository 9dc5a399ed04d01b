#!/usr/bin/env python3
"""Check `extract --filter EXPR` against tcpdump's selection of the same frames.

Usage: filter_compare.py LIST

LIST has one line per comparison, tab-separated:
LABEL CAPTURE SELECTED FILTERED_JSONL PREFILTERED_JSONL.

SELECTED is `tcpdump -r CAPTURE -w SELECTED EXPR`; FILTERED_JSONL is the
sessions.jsonl of `tcpsession extract --filter EXPR CAPTURE`;
PREFILTERED_JSONL that of `tcpsession extract SELECTED`. They must hold the
same sessions, byte for byte, except for the numbers: the prefiltered run
numbers frames and streams within SELECTED, the filtered one as in the whole
CAPTURE. So every frame number of the prefiltered run ("frame",
"first_frame") is mapped to the CAPTURE frame with the same record (frames
are matched in order by time, lengths and bytes), and every stream number
to the stream the whole-capture run (the Python package, frames=True) gives
the session's first frame. Then the two runs' lines, in stream order, must
be equal. One difference is by design: where the selected frames of two
streams of the whole capture look like one connection (a port reused
without its SYNs selected), the prefiltered run makes one session, the
filtered run two, each with its stream's number. Such a prefiltered
session is not compared; the filtered run must then have exactly one session
per stream its frames belong to (printed as `split STREAMS`). Prints `same N`
(N sessions compared) or the first differences, per LABEL; exit 0 when
every comparison is the same, else 1.

Glue for the tests only (needs the tcpsession package on PYTHONPATH).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_compare import read_pcap  # noqa: E402

import tcpsession  # noqa: E402


def frame_map(capture, selected):
    """Frame number in SELECTED -> frame number in CAPTURE."""
    whole = read_pcap(open(capture, "rb").read())
    picked = read_pcap(open(selected, "rb").read())
    out, i = {}, 0
    for k, p in enumerate(picked, 1):
        _, ts, caplen, origlen, data = p
        while i < len(whole):
            _, wts, wcap, worig, wdata = whole[i]
            i += 1
            # tcpdump -w keeps microseconds: compare at that precision
            if (wcap, worig, wdata) == (caplen, origlen, data) and wts // 1000 == ts // 1000:
                out[k] = i
                break
        else:
            sys.exit(f"frame {k} of {selected} is not in {capture}")
    return out


def renumber(value, frames):
    """`value` with its "frame"/"first_frame" numbers mapped."""
    if isinstance(value, dict):
        return {k: (frames[v] if k in ("frame", "first_frame") else renumber(v, frames))
                for k, v in value.items()}
    if isinstance(value, list):
        return [renumber(v, frames) for v in value]
    return value


def compare(capture, selected, filtered, prefiltered):
    frames = frame_map(capture, selected)
    stream_of = {}
    for s in tcpsession.sessions(capture, frames=True):
        for f in s.frames:
            stream_of[f.number] = s.stream
    ours = [json.loads(line) for line in open(filtered)]
    # the whole-capture streams of each prefiltered session's frames
    spans = {}
    for s in tcpsession.sessions(selected, frames=True):
        spans[s.stream] = sorted({stream_of[frames[f.number]] for f in s.frames})
    theirs, split = [], set()
    for line in open(prefiltered):
        d = json.loads(line)
        streams = spans.get(d["stream"], [])
        if len(streams) > 1:
            print("split " + ",".join(map(str, streams)))
            split.update(streams)
            continue
        d = renumber(d, frames)
        d["stream"] = stream_of[d["first_frame"]]
        d["capture"] = capture  # the filtered run read the whole capture
        theirs.append(d)
    have = sorted(d["stream"] for d in ours if d["stream"] in split)
    if have != sorted(split):
        print(f"split streams {sorted(split)}: the filtered run has {have}")
        return 1
    ours = [d for d in ours if d["stream"] not in split]
    ours.sort(key=lambda d: d["stream"])
    theirs.sort(key=lambda d: d["stream"])
    bad = 0
    if len(ours) != len(theirs):
        print(f"sessions: {len(ours)} filtered, {len(theirs)} prefiltered")
        bad += 1
    for a, b in zip(ours, theirs):
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            print(f"stream {a['stream']}/{b['stream']}: differs in {', '.join(keys)}")
            bad += 1
            if bad > 5:
                break
    if bad:
        return 1
    print(f"same {len(ours)}")
    return 0


def main(argv):
    status = 0
    for line in open(argv[1]):
        label, *paths = line.rstrip("\n").split("\t")
        print(f"== {label}")
        status |= compare(*paths)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
