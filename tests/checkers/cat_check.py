#!/usr/bin/env python3
"""Checks `tcpsession cat` outputs against the raw format and the jsonl lines.

Usage: cat_check.py NAME SESSIONS_JSONL RAW_DIR CAT_DIR [NAME ...]

For each capture NAME (four arguments per capture), for every session of SESSIONS_JSONL, CAT_DIR holds N.client, N.server and
N.both, the outputs of `cat --on-gap skip --from client|server|both CAPTURE N`
(N the stream). N.client must equal RAW_DIR's client.bin of the session byte
for byte, N.server its server.bin, and N.both the data of the session's jsonl
messages one after the other (the exchange order). Prints one ok line per
capture, or a FAIL line per difference; exit status 1 when one differs. Glue
for
tests/e2e/cat.sh.
"""
import json
import os
import sys


def read(path):
    with open(path, "rb") as f:
        return f.read()


def check_capture(name, jsonl, raw_dir, cat_dir):
    with open(jsonl) as f:
        sessions = [json.loads(line) for line in f]
    status = 0
    compared = 0
    for s in sessions:
        n = s["stream"]
        c, v = s["client"], s["server"]
        folder = os.path.join(raw_dir, "%06d-%s_%d-%s_%d" % (n, c["ip"], c["port"], v["ip"],
                                                              v["port"]))
        want = {
            "client": read(os.path.join(folder, "client.bin")),
            "server": read(os.path.join(folder, "server.bin")),
            "both": b"".join(bytes.fromhex(m["data"]) for m in s["messages"]),
        }
        for side, data in want.items():
            got = read(os.path.join(cat_dir, "%d.%s" % (n, side)))
            compared += 1
            if got != data:
                status = 1
                at = next((i for i, (a, b) in enumerate(zip(got, data)) if a != b),
                          min(len(got), len(data)))
                print("FAIL - %s: stream %d --from %s: %d bytes, expected %d, first difference "
                      "at %d" % (name, n, side, len(got), len(data), at))
    if status == 0:
        print("ok - %s: %d streams, %d outputs equal client.bin, server.bin and the messages"
              % (name, len(sessions), compared))
    return status


def main():
    args = sys.argv[1:]
    if not args or len(args) % 4 != 0:
        sys.exit(__doc__)
    status = 0
    for i in range(0, len(args), 4):
        status |= check_capture(*args[i:i + 4])
    return status


if __name__ == "__main__":
    sys.exit(main())
