#!/usr/bin/env python3
"""Checks of `tcpsession extract --format json` (the original tcpsession's
session files) and of its JavaScript extraction. Glue for tests/e2e/legacy_json.sh.

  legacy_check.py original ORIGINAL_DIR OURS_DIR
      Same file names; each of our files is the original file byte for byte
      up to its closing brace, followed by exactly our three extra keys.
  legacy_check.py jsonl OURS_DIR SESSIONS_JSONL
      Every file agrees with the JSON lines output: combined md5s are the
      md5s of the bytes each side delivered, the concatenated payload of each
      side is those bytes, the md5 fields are computed as the original did,
      the extra keys equal the session's stream, gaps and anomalies.
  legacy_check.py pinned EXPECTED_TSV OURS_ROOT
      The files of the captures the original got wrong equal the pinned
      table (names, entry counts, byte counts and md5s), and there are no
      other files in those captures' folders.
  legacy_check.py craft OUT.pcap
      Writes a capture (our own bytes) whose payloads exercise the UTF-8
      decoding, JSON escaping and JavaScript extraction.
  legacy_check.py craft-many OUT.pcap N
      Writes N small sessions 100 s of capture time apart (each is finished,
      and written, while the next is read).
  legacy_check.py decode OURS_DIR
      The ASCII fields equal Python's decode("utf-8", "backslashreplace")
      serialised by json.dumps, for every entry.
  legacy_check.py js OURS_DIR JS_DIR
      Runs the original's JavaScript extraction (same regular expressions)
      on our JSON files; the .js files must be exactly ours.
"""
import hashlib
import json
import os
import re
import struct
import sys

EXTRA_KEYS = ["stream", "gaps", "anomalies"]
ORIGINAL_KEYS = ["sip", "dip", "sport", "dport", "proto", "tcp_payload_hex",
                 "tcp_ordered_hex_payload_md5sum", "tcp_payload_ascii", "tcp_ordered_payload_md5sum",
                 "combined_src_payload", "combined_src_payload_md5sum", "combined_dst_payload",
                 "combined_dst_payload_md5sum"]


def fail(msg):
    print("FAIL: " + msg)
    return 1


def load(path):
    """The file's bytes and its object (keys in file order)."""
    with open(path, "rb") as f:
        text = f.read()
    return text, json.loads(text)


def cmd_original(orig_dir, ours_dir):
    status = 0
    orig = sorted(os.listdir(orig_dir))
    ours = sorted(f for f in os.listdir(ours_dir) if f.endswith(".json")) if os.path.isdir(ours_dir) else []
    if orig != ours:
        return fail("%s: file names differ: original %s, ours %s" % (orig_dir, orig, ours))
    for name in orig:
        with open(os.path.join(orig_dir, name), "rb") as f:
            o = f.read()
        u, d = load(os.path.join(ours_dir, name))
        assert o.endswith(b"\n}")
        prefix = o[:-2]
        if not u.startswith(prefix):
            n = next((i for i in range(min(len(u), len(prefix))) if u[i] != prefix[i]),
                     min(len(u), len(prefix)))
            status = fail("%s: differs from the original at byte %d: original %r ours %r"
                          % (name, n, prefix[n:n + 60], u[n:n + 60]))
            continue
        if list(d) != ORIGINAL_KEYS + EXTRA_KEYS:
            status = fail("%s: keys %s" % (name, list(d)))
            continue
        # the tail is exactly our three keys, formatted as json.dump(indent=1)
        tail = ",\n" + json.dumps({k: d[k] for k in EXTRA_KEYS}, indent=1)[2:]
        if u[len(prefix):] != tail.encode():
            status = fail("%s: extra keys %r, expected %r" % (name, u[len(prefix):], tail))
            continue
        print("same: %s (%d entries)" % (name, len(d["tcp_payload_hex"])))
    return status


def md5(b):
    return hashlib.md5(b).hexdigest()


def cmd_jsonl(ours_dir, jsonl):
    status = 0
    sessions = {}
    with open(jsonl) as f:
        for line in f:
            s = json.loads(line)
            sessions[s["stream"]] = s
    seen = set()
    for name in sorted(os.listdir(ours_dir)):
        if not name.endswith(".json"):
            continue
        text, d = load(os.path.join(ours_dir, name))
        # the file is exactly what Python's json.dump(indent=1) writes
        if text != json.dumps(d, indent=1).encode():
            status = fail("%s: not formatted as json.dump(indent=1)" % name)
        s = sessions.get(d["stream"])
        if s is None:
            status = fail("%s: no session %d in %s" % (name, d["stream"], jsonl))
            continue
        seen.add(d["stream"])
        side = {"client": bytearray(), "server": bytearray()}
        for m in s["messages"]:
            side[m["from"]] += bytes.fromhex(m["data"])
        ip = {"client": s["client"]["ip"], "server": s["server"]["ip"]}
        if (d["sip"], d["sport"], d["dip"], d["dport"]) != (ip["client"], s["client"]["port"],
                                                            ip["server"], s["server"]["port"]):
            status = fail("%s: endpoints" % name)
        k = name.rsplit("-", 1)[1][:-len(".json")]
        expected_name = "%s_%d-%s_%d-6-%s.json" % (d["sip"], d["sport"], d["dip"], d["dport"], k)
        if name != expected_name:
            status = fail("%s: name does not match its endpoints" % name)
        hexes = [e[2] for e in d["tcp_payload_hex"]]
        raw = [bytes.fromhex(h) for h in hexes]
        # entries name their sender by address only (as the original did):
        # the client's entries can be picked out when the addresses differ
        src = b"".join(r for e, r in zip(d["tcp_payload_hex"], raw) if e[0] == d["sip"])
        checks = [
            (d["combined_src_payload_md5sum"], md5(bytes(side["client"])), "client md5"),
            (d["combined_dst_payload_md5sum"], md5(bytes(side["server"])), "server md5"),
            (d["combined_src_payload_md5sum"], s["client_md5"], "client md5 (jsonl)"),
            (d["combined_dst_payload_md5sum"], s["server_md5"], "server md5 (jsonl)"),
            (d["tcp_ordered_hex_payload_md5sum"], md5("".join(hexes).encode()), "hex md5"),
            (d["tcp_ordered_payload_md5sum"], md5(b"".join(raw)), "ordered md5"),
            ([e[:2] for e in d["tcp_payload_ascii"]], [e[:2] for e in d["tcp_payload_hex"]], "ascii list"),
            (d["gaps"], s["gaps"], "gaps"),
            (d["anomalies"], s["anomalies"], "anomalies"),
        ]
        if d["sip"] != d["dip"]:
            checks.append((src, bytes(side["client"]), "client entries"))
        for got, want, what in checks:
            if got != want:
                status = fail("%s: %s: %r != %r" % (name, what, str(got)[:80], str(want)[:80]))
        ns = [e[1] for e in d["tcp_payload_hex"]]
        if len(set(ns)) != len(ns) and 0 not in ns:
            status = fail("%s: a packet is listed twice" % name)
    missing = set(sessions) - seen
    for stream in sorted(missing):
        if sessions[stream]["packets"] > 0:
            status = fail("stream %d has no file" % stream)
    if status == 0:
        print("ok: %d files agree with %s" % (len(seen), os.path.basename(jsonl)))
    return status


def cmd_pinned(expected_tsv, root):
    status = 0
    want = {}
    with open(expected_tsv) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            want.setdefault(cols[0], {})[cols[1]] = cols[2:]
    for stem, files in sorted(want.items()):
        folder = os.path.join(root, stem)
        have = sorted(f for f in os.listdir(folder) if f.endswith(".json")) if os.path.isdir(folder) else []
        if have != sorted(files):
            status = fail("%s: files %s, pinned %s" % (stem, have, sorted(files)))
            continue
        for name, cols in sorted(files.items()):
            with open(os.path.join(folder, name)) as fp:
                d = json.load(fp)
            src = b"".join(bytes.fromhex(e[2]) for e in d["tcp_payload_hex"] if e[0] == d["sip"])
            dst = b"".join(bytes.fromhex(e[2]) for e in d["tcp_payload_hex"] if e[0] != d["sip"])
            got = [str(len(d["tcp_payload_hex"])), str(len(src)), str(len(dst)),
                   d["combined_src_payload_md5sum"], d["combined_dst_payload_md5sum"],
                   d["tcp_ordered_hex_payload_md5sum"]]
            if got != cols:
                status = fail("%s/%s: %s, pinned %s" % (stem, name, got, cols))
        if status == 0:
            print("pinned: %s (%d files)" % (stem, len(files)))
    return status


# ---- a crafted capture -------------------------------------------------

PAYLOADS_CLIENT = [
    b"GET /page HTTP/1.1\r\nHost: example\r\n\r\n",
    bytes(range(0, 128)),                                      # every ASCII control and printable
    b"\x80\xbf\xc0\xaf\xc1\xbf\xe0\x80\x80\xed\xa0\x80\xf5\x80\xff\xfe",  # invalid sequences
    "caf\u00e9 \u20ac \U0001F600 \uFFFD".encode(),              # valid 2-, 3-, 4-byte sequences
    b"split \xe2\x82",                                         # a sequence cut at the end of a packet
    b"\xac done \"quoted\" back\\slash \x7f",
]
PAYLOADS_SERVER = [
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><script>var a = 1;\n</script>",
    b"<p>x</p><script></script><script>if (a < 2) { b(\"\xe9\"); }</script><script>tail\nonly",
    b"\n",
]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp


SESSIONS = [
    (40000, PAYLOADS_CLIENT, PAYLOADS_SERVER),
    # JavaScript edge cases: empty scripts in a row, a script ending the
    # text, an unterminated one before a final newline
    (40001, [b"GET / HTTP/1.0\r\n\r\n"],
     [b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<script></script><script></script>",
      b"<script>one</script>x<script>two\n"]),
    (40002, [b"POST / HTTP/1.0\r\nContent-Type: text/html\r\n\r\n<script>"], [b"<script>no"]),
    # no text/html: no .js even with a script
    (40003, [b"GET / HTTP/1.0\r\n\r\n"], [b"HTTP/1.0 200 OK\r\n\r\n<script>x</script>"]),
]


def session_frames(c, s, cp, sp, client_payloads, server_payloads):
    cseq, sseq = 1000 + cp, 5000 + cp
    frames = [frame(c, s, cp, sp, cseq, 0, 0x02, b""),
              frame(s, c, sp, cp, sseq, cseq + 1, 0x12, b""),
              frame(c, s, cp, sp, cseq + 1, sseq + 1, 0x10, b"")]
    cn, sn = cseq + 1, sseq + 1
    for i in range(max(len(client_payloads), len(server_payloads))):
        if i < len(client_payloads):
            p = client_payloads[i]
            frames.append(frame(c, s, cp, sp, cn, sn, 0x18, p))
            cn += len(p)
            frames.append(frame(s, c, sp, cp, sn, cn, 0x10, b""))
        if i < len(server_payloads):
            p = server_payloads[i]
            frames.append(frame(s, c, sp, cp, sn, cn, 0x18, p))
            sn += len(p)
            frames.append(frame(c, s, cp, sp, cn, sn, 0x10, b""))
    frames += [frame(c, s, cp, sp, cn, sn, 0x11, b""), frame(s, c, sp, cp, sn, cn + 1, 0x11, b""),
               frame(c, s, cp, sp, cn + 1, sn + 1, 0x10, b"")]
    return frames


def cmd_craft(out):
    c, s = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    frames = []
    for cp, cl, sv in SESSIONS:
        frames += session_frames(c, s, cp, 80, cl, sv)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
            f.write(fr)
    return 0


def cmd_craft_many(out, n):
    c, s = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(int(n)):
            cp = 1024 + i % 60000
            frames = session_frames(c, s, cp, 80, [b"hello %d" % i], [b"world %d" % i])
            for j, fr in enumerate(frames):
                f.write(struct.pack("<IIII", 1700000000 + 100 * i, j, len(fr), len(fr)))
                f.write(fr)
    return 0


def cmd_decode(ours_dir):
    status = 0
    n = 0
    for name in sorted(os.listdir(ours_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(ours_dir, name), "rb") as f:
            text = f.read()
        d = json.loads(text)
        for h, a in zip(d["tcp_payload_hex"], d["tcp_payload_ascii"]):
            want = bytes.fromhex(h[2]).decode("utf-8", "backslashreplace")
            if a[2] != want:
                status = fail("%s: N=%d decodes to %r, Python gives %r" % (name, h[1], a[2], want))
            # and the escaped text in the file is json.dumps' (ensure_ascii)
            if json.dumps(want).encode() not in text:
                status = fail("%s: N=%d not escaped as json.dumps" % (name, h[1]))
            n += 1
        for key, side in (("combined_src_payload", d["sip"]), ("combined_dst_payload", d["dip"])):
            want = "".join(bytes.fromhex(h[2]).decode("utf-8", "backslashreplace")
                           for h in d["tcp_payload_hex"] if h[0] == side)
            if d[key] != want:
                status = fail("%s: %s" % (name, key))
    if status == 0:
        print("ok: %d entries decode and escape as Python does" % n)
    return status


def cmd_js(ours_dir, js_dir):
    """The original's extract_js_with_python(), on our JSON files."""
    http_pattern = re.compile(r'Content-Type: text/html')
    pattern = re.compile(r"(?<=<script>).*?(?=</script>|$)", re.DOTALL)
    status = 0
    expected = {}
    for name in sorted(os.listdir(ours_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(ours_dir, name)) as fp:
            d = json.load(fp)
        out = None
        for value in (d["combined_src_payload"], d["combined_dst_payload"]):
            if http_pattern.findall(value):
                res = pattern.findall(value)
                if res:
                    out = (out or "") + "".join(r + "\n" for r in res)
        if out is not None:
            expected[os.path.splitext(name)[0] + ".js"] = out.encode()
    have = sorted(os.listdir(js_dir)) if os.path.isdir(js_dir) else []
    if have != sorted(expected):
        return fail("js files %s, expected %s" % (have, sorted(expected)))
    for name, want in expected.items():
        with open(os.path.join(js_dir, name), "rb") as f:
            got = f.read()
        if got != want:
            status = fail("%s: %r, expected %r" % (name, got[:100], want[:100]))
    if status == 0:
        print("ok: %d .js files as the original would write them" % len(expected))
    return status


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    return {"original": cmd_original, "jsonl": cmd_jsonl, "pinned": cmd_pinned, "craft": cmd_craft,
            "craft-many": cmd_craft_many,
            "decode": cmd_decode, "js": cmd_js}[cmd](*args)


if __name__ == "__main__":
    sys.exit(main())
