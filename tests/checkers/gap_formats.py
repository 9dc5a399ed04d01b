#!/usr/bin/env python3
"""gap_formats.py — prints the gaps and anomalies one format wrote, in one
canonical text, so that tests/e2e/gap_formats.sh can compare formats.

usage: gap_formats.py jsonl|json|raw|ls DIR_OR_FILE

One line per session, in stream order:
  STREAM gaps FROM+OFFSET+LENGTH... anomalies TYPE@FRAME:FROM+OFFSET+LENGTH...
(jsonl: DIR/sessions.jsonl; json: DIR/*.json; raw: DIR/*/session.json;
ls: the output of `tcpsession ls --json`, counts only: STREAM gaps N
anomalies M)."""
import glob
import json
import os
import sys


def line(s):
    gaps = " ".join("%s+%d+%d" % (g["from"], g["offset"], g["length"]) for g in s["gaps"])
    anomalies = " ".join("%s@%d:%s+%d+%d" % (a["type"], a["frame"], a["from"], a["offset"],
                                             a["length"]) for a in s["anomalies"])
    return "%d gaps %s anomalies %s" % (s["stream"], gaps, anomalies)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[4], file=sys.stderr)
        return 2
    kind, where = sys.argv[1], sys.argv[2]
    if kind == "ls":
        with open(where, encoding="utf-8") as f:
            for l in f:
                s = json.loads(l)
                print("%d gaps %d anomalies %d" % (s["stream"], s["gaps"], s["anomalies"]))
        return 0
    if kind == "jsonl":
        with open(os.path.join(where, "sessions.jsonl"), encoding="utf-8") as f:
            sessions = [json.loads(l) for l in f]
    elif kind == "json":
        sessions = [json.load(open(p, encoding="utf-8"))
                    for p in glob.glob(os.path.join(where, "*.json"))]
    elif kind == "raw":
        sessions = [json.load(open(p, encoding="utf-8"))
                    for p in glob.glob(os.path.join(where, "*", "session.json"))]
    else:
        print("unknown kind %s" % kind, file=sys.stderr)
        return 2
    for s in sorted(sessions, key=lambda s: s["stream"]):
        print(line(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
