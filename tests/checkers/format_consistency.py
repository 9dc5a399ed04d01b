#!/usr/bin/env python3
"""format_consistency.py — the same gaps and anomalies under every format.

usage: format_consistency.py OUT STEM [--with-ls]

OUT holds one folder per run of `tcpsession extract` on one capture (stem
STEM): OUT/jsonl, OUT/raw, OUT/json (formats that keep the bytes),
OUT/none, OUT/tcpflow (formats that do not), each with the command's
output in OUT/<format>.out; with --with-ls, OUT/ls.jsonl is `tcpsession ls
--json` of the same capture. Checks, for every session:
- the gap and anomaly lists of jsonl, raw and json (the original's files)
  are identical;
- ls counts the same anomalies and gaps per session;
- every format's summary line counts the same sessions, bytes, gaps and
  anomalies.
Prints one ok/FAIL line per check; exit status 1 when one fails.
"""
import glob
import json
import os
import re
import sys


def jsonl_sessions(out, stem):
    path = os.path.join(out, "jsonl", stem, "sessions.jsonl")
    with open(path, encoding="utf-8") as f:
        return {s["stream"]: s for s in map(json.loads, f)}


def raw_sessions(out, stem):
    found = {}
    for path in glob.glob(os.path.join(out, "raw", stem, "*", "session.json")):
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        found[s["stream"]] = s
    return found


def legacy_sessions(out, stem):
    found = {}
    for path in glob.glob(os.path.join(out, "json", stem, "*.json")):
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        found[s["stream"]] = s
    return found


def lists(s):
    return (s["gaps"], s["anomalies"])


# the whole summary line but its time: sessions, frames (and the IP fragment
# counters in parentheses), bytes, gaps, anomalies
SUMMARY = re.compile(r": (\d+ sessions, \d+ frames(?: \([^)]*\))?, \d+ bytes delivered, "
                     r"\d+ gaps, \d+ anomalies)")


def summary(out, fmt):
    with open(os.path.join(out, fmt + ".out"), encoding="utf-8") as f:
        m = SUMMARY.search(f.read())
    return m.groups() if m else None


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out, stem = sys.argv[1], sys.argv[2]
    with_ls = sys.argv[3:] == ["--with-ls"]
    failures = []
    ref = jsonl_sessions(out, stem)
    for name, got in (("raw", raw_sessions(out, stem)), ("json", legacy_sessions(out, stem))):
        for stream, s in ref.items():
            if stream not in got:
                if name == "json" and s["packets"] == 0:
                    continue  # ICMP-only sessions get no original-style file
                failures.append("%s: no session %d" % (name, stream))
            elif lists(got[stream]) != lists(s):
                failures.append("%s stream %d: gaps/anomalies %s, jsonl %s"
                                % (name, stream, lists(got[stream]), lists(s)))
        for stream in got:
            if stream not in ref:
                failures.append("%s: session %d not in jsonl" % (name, stream))
    if with_ls:
        with open(os.path.join(out, "ls.jsonl"), encoding="utf-8") as f:
            ls = {s["stream"]: s for s in map(json.loads, f)}
        if sorted(ls) != sorted(ref):
            failures.append("ls: streams %s, jsonl %s" % (sorted(ls), sorted(ref)))
        for stream, s in ref.items():
            if stream in ls:
                want = (len(s["gaps"]), len(s["anomalies"]) + s["anomalies_dropped"])
                have = (ls[stream]["gaps"], ls[stream]["anomalies"])
                if have != want:
                    failures.append("ls stream %d: %d gaps, %d anomalies; jsonl %d, %d"
                                    % ((stream,) + have + want))
    sums = {fmt: summary(out, fmt) for fmt in ("jsonl", "raw", "json", "none", "tcpflow")}
    if len(set(sums.values())) != 1 or None in sums.values():
        failures.append("summary lines (sessions, frames, bytes, gaps, anomalies) differ: %s"
                        % sums)
    for f in failures:
        print("FAIL - %s: %s" % (stem, f))
    if not failures:
        print("ok - %s: %d sessions, the same gaps and anomalies in every format%s"
              % (stem, len(ref), " and ls" if with_ls else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
