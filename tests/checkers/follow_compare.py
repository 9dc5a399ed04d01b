#!/usr/bin/env python3
"""Compare tcpsession's sessions with tshark's Follow TCP Stream (raw).

Usage: follow_compare.py CAPTURE SESSIONS_JSONL [--known FILE] [--tshark PATH]
                         [--decode-as RULE]...

For every tshark stream, both directions are compared byte for byte with the
session of the same stream number. Prints one line per session and direction:
`same` or `wrong` (stream, direction, both lengths and md5s, first differing
offset). A `wrong` listed in the --known file (a TSV of capture stem, stream,
direction, reason) is reported as `known` instead; a known entry that turns
out `same` is an error too (the pin is stale). Exit status 0 when everything
is same or known, 1 otherwise, 77 when tshark is missing. Each --decode-as
RULE is handed to tshark as `-d RULE` (udp.port==8472,vxlan, say).

Glue for the tests only; the real verifier lives in verify/.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness"))
import tshark_follow as tshark_follow_lib  # noqa: E402

BATCH = 200


def tshark_streams(tshark, capture, extra=()):
    out = subprocess.run([tshark, "-r", capture] + list(extra) + ["-T", "fields", "-e", "tcp.stream"],
                         check=True, capture_output=True, text=True).stdout
    return sorted({int(x) for x in out.split() if x.strip().isdigit()})


def tshark_follow(tshark, capture, streams, extra=()):
    """{stream: (node 0, node 1, bytes of node 0, bytes of node 1)}."""
    result = {}
    for stream, (nodes, data) in tshark_follow_lib.run(tshark, capture, streams, BATCH,
                                                       extra).items():
        nodes = nodes + ["", ""]
        result[stream] = (nodes[0], nodes[1], data[0], data[1])
    return result


def endpoint(ep):
    ip = ep["ip"]
    return ("[%s]:%d" % (ip, ep["port"])) if ":" in ip else ("%s:%d" % (ip, ep["port"]))


def ours(jsonl):
    sessions = {}
    with open(jsonl) as f:
        for line in f:
            s = json.loads(line)
            data = {"client": bytearray(), "server": bytearray()}
            for m in s["messages"]:
                data[m["from"]] += bytes.fromhex(m["data"])
            sessions[s["stream"]] = (endpoint(s["client"]), endpoint(s["server"]),
                                     bytes(data["client"]), bytes(data["server"]))
    return sessions


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b)) if len(a) != len(b) else -1


def load_known(path, stem):
    known = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if cols[0] == stem:
                    known[(cols[1], cols[2])] = cols[3] if len(cols) > 3 else ""
    return known


def main():
    args = sys.argv[1:]
    known_path = None
    tshark = shutil.which("tshark")
    if "--known" in args:
        i = args.index("--known")
        known_path = args[i + 1]
        del args[i:i + 2]
    extra = []
    while "--decode-as" in args:
        i = args.index("--decode-as")
        extra += ["-d", args[i + 1]]
        del args[i:i + 2]
    if "--tshark" in args:
        i = args.index("--tshark")
        tshark = args[i + 1]
        del args[i:i + 2]
    if tshark is None:
        print("skip: tshark not installed")
        return 77
    capture, jsonl = args
    stem = os.path.basename(capture)
    for ext in (".gz",):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    stem = os.path.splitext(stem)[0]
    known = load_known(known_path, stem)
    used = set()
    ts = tshark_follow(tshark, capture, tshark_streams(tshark, capture, extra), extra)
    us = ours(jsonl)
    bad = 0

    def verdict(stream, direction, ok, detail):
        nonlocal bad
        key = (str(stream), direction)
        if key in known:
            used.add(key)
            if ok:
                print("STALE known entry (now same): %s %s %s" % (stem, stream, direction))
                bad += 1
            else:
                print("known %s stream %s %s: %s (%s)" % (stem, stream, direction, detail, known[key]))
        elif ok:
            print("same %s stream %s %s %s" % (stem, stream, direction, detail))
        else:
            print("wrong %s stream %s %s %s" % (stem, stream, direction, detail))
            bad += 1

    for stream in sorted(set(ts) | set(us)):
        if stream not in us or stream not in ts:
            verdict(stream, "presence", False,
                    "tshark has it: %s, we have it: %s" % (stream in ts, stream in us))
            continue
        n0, n1, b0, b1 = ts[stream]
        client, server, c, s = us[stream]
        if n0 == client or (n0 != server and n1 == server):
            pairs = (("client", b0, c), ("server", b1, s))
        else:
            pairs = (("client", b1, c), ("server", b0, s))
        for direction, theirs, mine in pairs:
            ok = theirs == mine
            detail = "tshark %d %s ours %d %s" % (
                len(theirs), hashlib.md5(theirs).hexdigest(), len(mine),
                hashlib.md5(mine).hexdigest())
            if not ok:
                detail += " first difference at %d" % first_difference(theirs, mine)
            verdict(stream, direction, ok, detail)
    for key in known:
        if key not in used:
            print("STALE known entry (no such stream/direction): %s %s %s" % (stem, key[0], key[1]))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
