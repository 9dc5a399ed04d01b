#!/usr/bin/env python3
"""format_consistency.py — the same bytes, gaps and anomalies under every format.

usage: format_consistency.py OUT STEM [--with-ls]
       format_consistency.py --conflict-streams OUT STEM

OUT holds one folder per run of `tcpsession extract` on one capture (stem
STEM): OUT/jsonl, OUT/raw, OUT/json (formats that keep the bytes),
OUT/none, OUT/tcpflow (formats that do not), each with the command's
output in OUT/<format>.out; with --with-ls, OUT/ls.jsonl is `tcpsession ls
--json` of the same capture. Checks, for every session:
- the gap and anomaly lists of jsonl, raw and json (the original's files)
  are identical;
- ls counts the same anomalies and gaps per session;
- every format's summary line counts the same sessions, bytes, gaps and
  anomalies;
- the bytes are the same: each direction's client_md5/server_md5 in jsonl
  is the md5 of raw's client.bin/server.bin and of the original's
  client/server payload, and the tcpflow files hold the same bytes (the md5
  of every file against those of the directions that delivered any);
- OUT/follow/N.txt, when present, is `tcpsession follow --mode raw` of
  stream N: its two nodes' records (gap stand-in texts left out) hold the
  same bytes as jsonl's client and server.
Prints one ok/FAIL line per check; exit status 1 when one fails. With
--conflict-streams, prints the streams of OUT/jsonl with an overlap_conflict
anomaly (those whose bytes depend on the --overlap policy), one per line.
"""
import collections
import glob
import hashlib
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


def md5_file(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


EMPTY_MD5 = hashlib.md5(b"").hexdigest()


def byte_failures(out, stem, ref):
    """The md5 of every direction in raw, json and tcpflow against jsonl's."""
    failures = []
    for d in sorted(glob.glob(os.path.join(out, "raw", stem, "*", ""))):
        with open(os.path.join(d, "session.json"), encoding="utf-8") as f:
            stream = json.load(f)["stream"]
        for side in ("client", "server"):
            have = md5_file(os.path.join(d, side + ".bin"))
            want = ref[stream][side + "_md5"] if stream in ref else None
            if have != want:
                failures.append("raw stream %d %s bytes: md5 %s, jsonl %s"
                                % (stream, side, have, want))
    for stream, s in legacy_sessions(out, stem).items():
        r = ref.get(stream)
        if r is None or r["client"]["ip"] == r["server"]["ip"]:
            continue  # the original's packet lists name the sender by address only
        for side in ("client", "server"):
            data = b"".join(bytes.fromhex(hexdata) for ip, _, hexdata in s["tcp_payload_hex"]
                            if ip == r[side]["ip"])
            have = hashlib.md5(data).hexdigest()
            if have != r[side + "_md5"]:
                failures.append("json stream %d %s bytes: md5 %s, jsonl %s"
                                % (stream, side, have, r[side + "_md5"]))
    files = [p for p in glob.glob(os.path.join(out, "tcpflow", stem, "*")) if os.path.isfile(p)]
    have = collections.Counter(md5_file(p) for p in files)
    want = collections.Counter(s[side + "_md5"] for s in ref.values()
                               for side in ("client", "server")
                               if s[side + "_md5"] != EMPTY_MD5)
    if have != want:
        failures.append("tcpflow files: md5s %s not in jsonl, jsonl's %s not in files"
                        % (sorted(have - want), sorted(want - have)))
    return failures


# tshark's stand-in for a hole, as `follow` prints it (with its NUL)
MISSING = re.compile(rb"^\[\d+ bytes missing in capture file\]\x00$")


def follow_bytes(path):
    """Node 0's endpoint and both nodes' bytes of a `follow --mode raw` output."""
    node0, data = None, [bytearray(), bytearray()]
    with open(path, encoding="ascii") as f:
        lines = f.read().split("\n")
    for line in lines:
        if line.startswith("Node 0: "):
            node0 = line[len("Node 0: "):]
        elif re.fullmatch(r"\t?[0-9a-f]+", line) and not line.startswith("="):
            b = bytes.fromhex(line.strip())
            if not MISSING.match(b):
                data[1 if line.startswith("\t") else 0] += b
    return node0, data


def follow_failures(out, ref):
    failures = []
    for path in sorted(glob.glob(os.path.join(out, "follow", "*.txt"))):
        stream = int(os.path.basename(path)[:-4])
        node0, data = follow_bytes(path)
        s = ref[stream]
        c = s["client"]
        client_first = node0 in ("%s:%d" % (c["ip"], c["port"]), "[%s]:%d" % (c["ip"], c["port"]))
        got = {"client": data[0 if client_first else 1], "server": data[1 if client_first else 0]}
        for side in ("client", "server"):
            have = hashlib.md5(bytes(got[side])).hexdigest()
            if have != s[side + "_md5"]:
                failures.append("follow stream %d %s bytes %r: md5 %s, jsonl %s"
                                % (stream, side, bytes(got[side][:40]), have, s[side + "_md5"]))
    return failures


def conflict_streams(out, stem):
    for stream, s in sorted(jsonl_sessions(out, stem).items()):
        if any(a["type"] == "overlap_conflict" for a in s["anomalies"]):
            print(stream)
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--conflict-streams":
        return conflict_streams(sys.argv[2], sys.argv[3])
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
    failures += byte_failures(out, stem, ref)
    failures += follow_failures(out, ref)
    for f in failures:
        print("FAIL - %s: %s" % (stem, f))
    n_follow = len(glob.glob(os.path.join(out, "follow", "*.txt")))
    if not failures:
        print("ok - %s: %d sessions, the same bytes, gaps and anomalies in every format%s%s"
              % (stem, len(ref), " and ls" if with_ls else "",
                 " (and follow of %d streams)" % n_follow if n_follow else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
