#!/usr/bin/env python3
"""Checks `tcpsession extract --format raw` against the JSON lines output.

Usage: raw_check.py RAW_DIR SESSIONS_JSONL OUT_JSONL

Every session of SESSIONS_JSONL has exactly one folder
"{stream:06}-{client ip}_{port}-{server ip}_{port}" in RAW_DIR (and there is
nothing else) holding client.bin and server.bin, the bytes of each side's
messages, and session.json, the session's object with each message's data
replaced by its offset and length in the side's .bin file. Writes OUT_JSONL,
the sessions rebuilt from the raw folders (for follow_compare.py). Glue for
tests/e2e/raw.sh.
"""
import json
import os
import sys


def main():
    raw_dir, jsonl, out_jsonl = sys.argv[1:]
    status = 0
    expected = set()
    rebuilt = []
    with open(jsonl) as f:
        sessions = [json.loads(line) for line in f]
    for s in sessions:
        c, v = s["client"], s["server"]
        name = "%06d-%s_%d-%s_%d" % (s["stream"], c["ip"], c["port"], v["ip"], v["port"])
        expected.add(name)
        folder = os.path.join(raw_dir, name)
        if sorted(os.listdir(folder)) != ["client.bin", "server.bin", "session.json"]:
            print("FAIL: %s: %s" % (name, sorted(os.listdir(folder))))
            status = 1
            continue
        data = {}
        for side in ("client", "server"):
            with open(os.path.join(folder, side + ".bin"), "rb") as b:
                data[side] = b.read()
        with open(os.path.join(folder, "session.json")) as j:
            text = j.read()
        meta = json.loads(text)
        if not text.endswith("}\n") or text.count("\n") != 1:
            print("FAIL: %s: session.json is not one line" % name)
            status = 1
        want = {side: bytearray() for side in ("client", "server")}
        for m in s["messages"]:
            want[m["from"]] += bytes.fromhex(m["data"])
        for side in ("client", "server"):
            if data[side] != bytes(want[side]):
                print("FAIL: %s: %s.bin differs from the messages" % (name, side))
                status = 1
        for key in s:
            if key != "messages" and meta.get(key) != s[key]:
                print("FAIL: %s: %s %r != %r" % (name, key, meta.get(key), s[key]))
                status = 1
        pos = {"client": 0, "server": 0}
        messages = []
        if len(meta["messages"]) != len(s["messages"]):
            print("FAIL: %s: message count" % name)
            status = 1
        for m, r in zip(s["messages"], meta["messages"]):
            n = len(m["data"]) // 2
            if (r["from"], r["frame"], r["ts"], r["offset"], r["length"]) != \
                    (m["from"], m["frame"], m["ts"], pos[m["from"]], n):
                print("FAIL: %s: message %r vs %r" % (name, r, m))
                status = 1
            chunk = data[r["from"]][r["offset"]:r["offset"] + r["length"]]
            messages.append({"from": r["from"], "data": chunk.hex()})
            pos[m["from"]] += n
        rebuilt.append({"stream": meta["stream"], "client": meta["client"],
                        "server": meta["server"], "messages": messages})
    have = set(os.listdir(raw_dir)) if os.path.isdir(raw_dir) else set()
    if have != expected:
        print("FAIL: folders %s, expected %s" % (sorted(have ^ expected)[:5], len(expected)))
        status = 1
    with open(out_jsonl, "w") as f:
        for r in rebuilt:
            f.write(json.dumps(r) + "\n")
    if status == 0:
        print("ok: %d raw session folders agree with %s" % (len(sessions), os.path.basename(jsonl)))
    return status


if __name__ == "__main__":
    sys.exit(main())
