#!/usr/bin/env python3
"""Key facts of the case captures (data/cases), asserted one by one.

Usage: check_cases.py OUTDIR

OUTDIR holds what tests/e2e/cases.sh extracted: OUTDIR/NAME/sessions.jsonl
for every row NAME of tests/expected/cases.tsv (the capture's stem, or
stem.variant for a run with options, such as
tcp-a-overlap-orders.overlap-last).

The expected .jsonl files of data/cases pin every byte of the output; this
script states, independently of them, what each case is about (see
data/README.md), so that a regenerated expected file cannot silently bless a
wrong answer. Prints `ok - ...` / `FAIL - ...` per case; exit status 0 when
everything holds, 1 otherwise.

Glue for the tests only.
"""
import hashlib
import json
import os
import sys

# tcp-a: client bytes per session under each overlap policy (sessions 0-5:
# set X in every order, 6-8: set Y, 9-14: set Z; see data/README.md).
OVERLAP_BYTES = {
    "first": ["abcdefghijk", "abcdefZhijk", "abcdXfghijk", "abcdXfghijk", "abcdefZhijk",
              "abcdXfZhijk", "abcdefghi", "abcdefghi", "abcdefghi", "abcdEFgh", "abcdefgh",
              "abcDEFgh", "abcDEFgh", "abcdefgh", "abcDefgh"],
    "last": ["abcdXfZhijk", "abcdXfghijk", "abcdefZhijk", "abcdefZhijk", "abcdXfghijk",
             "abcdefghijk", "abcdefghi", "abcdefghi", "abcdefghi", "abcDefgh", "abcDEFgh",
             "abcdefgh", "abcdefgh", "abcDEFgh", "abcdEFgh"],
    "linux": ["abcdefghijk", "abcdefZhijk", "abcdefghijk", "abcdefghijk", "abcdefZhijk",
              "abcdefghijk", "abcdefghi", "abcdefghi", "abcdefghi", "abcdEFgh", "abcdefgh",
              "abcDEFgh", "abcDEFgh", "abcdefgh", "abcDEFgh"],
}
# tcp-a: the case names (rows of tests/expected/cases.tsv) of each policy's run
OVERLAP_RUNS = {"first": "tcp-a-overlap-orders", "last": "tcp-a-overlap-orders.overlap-last",
                "linux": "tcp-a-overlap-orders.overlap-linux"}
# tcp-a, first policy: conflicts (offset, length, frame) per session; the
# same under every policy for these segment sets.
OVERLAP_CONFLICTS = [
    [(4, 1, 5), (6, 1, 6)], [(4, 3, 15)], [(4, 1, 23), (6, 1, 24)], [(6, 1, 32), (4, 1, 33)],
    [(4, 3, 42)], [(6, 1, 50), (4, 1, 51)], [], [], [],
    [(3, 1, 86), (4, 2, 87)], [(3, 3, 96)], [(3, 1, 104), (4, 2, 105)],
    [(4, 2, 113), (3, 1, 114)], [(3, 3, 123)], [(4, 2, 131), (3, 1, 132)],
]


class Failed(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)


def load(path):
    sessions = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            data = {"client": bytearray(), "server": bytearray()}
            for m in s["messages"]:
                data[m["from"]] += bytes.fromhex(m["data"])
            s["cdata"], s["sdata"] = bytes(data["client"]), bytes(data["server"])
            sessions.append(s)
    return sessions


def invariants(stem, sessions):
    """What every session of every case must satisfy."""
    expect([s["stream"] for s in sessions] == list(range(len(sessions))),
           "%s: streams not numbered 0..n-1" % stem)
    for s in sessions:
        for side, data in (("client", s["cdata"]), ("server", s["sdata"])):
            expect(s[side + "_bytes"] == len(data),
                   "%s stream %d: %s_bytes != delivered bytes" % (stem, s["stream"], side))
            expect(s[side + "_md5"] == hashlib.md5(data).hexdigest(),
                   "%s stream %d: %s_md5 wrong" % (stem, s["stream"], side))
            missing = sum(g["length"] for g in s["gaps"] if g["from"] == side)
            expect(s[side + "_missing_bytes"] == missing,
                   "%s stream %d: %s_missing_bytes != sum of gaps" % (stem, s["stream"], side))


def anoms(s, kind=None):
    return [(a["type"], a["from"], a["offset"], a["length"], a["frame"])
            for a in s["anomalies"] if kind is None or a["type"] == kind]


def gaps(s):
    return [(g["from"], g["offset"], g["length"]) for g in s["gaps"]]


def endpoint(ep):
    return "%s:%d" % (ep["ip"], ep["port"])


def n_sessions(sessions, n, stem):
    expect(len(sessions) == n, "%s: %d sessions, want %d" % (stem, len(sessions), n))


def case_tcp_a(r):
    for policy in ("first", "last", "linux"):
        ss = r[OVERLAP_RUNS[policy]]
        n_sessions(ss, 15, "tcp-a --overlap " + policy)
        for i, s in enumerate(ss):
            want = OVERLAP_BYTES[policy][i].encode()
            expect(s["cdata"] == want, "tcp-a --overlap %s stream %d: client %r, want %r"
                   % (policy, i, s["cdata"], want))
            expect(s["sdata"] == b"" and gaps(s) == [], "tcp-a stream %d: gaps or server data" % i)
            got = [(o, n, f) for (t, side, o, n, f) in anoms(s)
                   if t == "overlap_conflict" and side == "client"]
            expect(got == OVERLAP_CONFLICTS[i] and len(anoms(s)) == len(got),
                   "tcp-a --overlap %s stream %d: anomalies %s, want conflicts %s"
                   % (policy, i, anoms(s), OVERLAP_CONFLICTS[i]))
            expect(s["close"] == "fin", "tcp-a stream %d: close %s" % (i, s["close"]))


def case_tcp_b(r):
    ss = r["tcp-b-ahead-of-seq"]
    n_sessions(ss, 1, "tcp-b")
    s = ss[0]
    req = b"GET /ahead HTTP/1.1\r\nHost: www.example.test\r\nAccept: */*\r\n\r\n"
    body = bytes(ord("a") + i % 26 for i in range(1000)) + b"Z" * 40
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1040\r\n\r\n" + body
    expect(s["cdata"] == req, "tcp-b: client bytes %r" % s["cdata"][:80])
    expect(s["sdata"] == resp, "tcp-b: server bytes wrong (%d)" % len(s["sdata"]))
    expect([(m["from"], m["frame"]) for m in s["messages"]] == [("client", 6), ("server", 9)],
           "tcp-b: messages not one per direction from frames 6 and 9")
    expect(gaps(s) == [] and anoms(s) == [], "tcp-b: gaps/anomalies %s %s" % (gaps(s), anoms(s)))


def case_tcp_c(r):
    s = r["tcp-c-partly-outside-window"][0]
    want = bytes(ord("A") + i % 26 for i in range(320))
    expect(s["cdata"] == want, "tcp-c: client bytes wrong (%d)" % len(s["cdata"]))
    expect(s["sdata"] == b"ok", "tcp-c: server bytes %r" % s["sdata"])
    expect(gaps(s) == [] and anoms(s) == [], "tcp-c: gaps/anomalies %s %s" % (gaps(s), anoms(s)))


def case_tcp_d(r):
    ss = r["tcp-d-invalid-flags"]
    n_sessions(ss, 4, "tcp-d")
    for s, frame in zip(ss, (1, 6, 11, 16)):
        expect(anoms(s, "invalid_flags") == [("invalid_flags", "client", 0, 0, frame)],
               "tcp-d stream %d: %s" % (s["stream"], anoms(s)))
    expect(ss[0]["sdata"] == b"banner" and ss[0]["close"] == "fin" and not ss[0]["midstream"],
           "tcp-d stream 0 (SYN+FIN handshake) wrong")
    expect(ss[1]["close"] == "rst" and ss[1]["packets"] == 1, "tcp-d stream 1 (SYN+RST) wrong")
    expect(ss[2]["cdata"] == b"abcdefghi" and ss[2]["close"] == "fin",
           "tcp-d stream 2 (no flags): client %r" % ss[2]["cdata"])
    expect(ss[3]["midstream"] and ss[3]["close"] == "rst" and ss[3]["cdata"] == b"",
           "tcp-d stream 3 (NULL probe) wrong")


def case_tcp_e(r):
    ss = r["tcp-e-syn-after-established"]
    n_sessions(ss, 2, "tcp-e")
    a, b = ss
    expect(a["close"] == "reused" and a["cdata"] == b"abcghi" and a["sdata"] == b"def"
           and a["packets"] == 7 and anoms(a) == [], "tcp-e stream 0 wrong")
    expect(b["first_frame"] == 8 and not b["midstream"] and b["close"] == "fin",
           "tcp-e stream 1 is not a new connection from frame 8")
    expect(b["cdata"] == b"new" and b["sdata"] == b"datamore",
           "tcp-e stream 1: %r %r" % (b["cdata"], b["sdata"]))
    expect(anoms(b) == [("syn_conflict", "server", 0, 0, 13)], "tcp-e stream 1: %s" % anoms(b))


def case_tcp_f(r):
    s = r["tcp-f-urgent"][0]
    expect(s["cdata"] == b"ls\r\n\xff\xf4\xff\xf2pwd\r\n", "tcp-f: client %r" % s["cdata"])
    expect(s["sdata"] == b"/home\r\n!", "tcp-f: server %r" % s["sdata"])
    expect(anoms(s) == [("urgent_data", "client", 7, 1, 5), ("urgent_data", "server", 7, 1, 8)],
           "tcp-f: anomalies %s" % anoms(s))


def case_tcp_g(r):
    ss = r["tcp-g-rst-then-reuse"]
    n_sessions(ss, 2, "tcp-g")
    expect([s["close"] for s in ss] == ["rst", "fin"], "tcp-g: close %s"
           % [s["close"] for s in ss])
    expect(ss[0]["cdata"] == b"abc" and ss[0]["sdata"] == b"def" and ss[0]["packets"] == 7,
           "tcp-g stream 0 wrong")
    expect(ss[1]["cdata"] == b"xyz" and ss[1]["sdata"] == b"uvw" and ss[1]["first_frame"] == 8
           and not ss[1]["midstream"], "tcp-g stream 1 wrong")
    expect(all(anoms(s) == [] and gaps(s) == [] for s in ss), "tcp-g: anomalies or gaps")


def case_tcp_h(r):
    ss = r["tcp-h-bad-checksums"]
    n_sessions(ss, 2, "tcp-h")
    s = ss[0]
    expect(s["cdata"] == b"EVILFAKE" and s["sdata"] == b"ok", "tcp-h unverified: %r %r"
           % (s["cdata"], s["sdata"]))
    expect(anoms(s) == [("overlap_conflict", "client", 0, 4, 5),
                        ("overlap_conflict", "client", 4, 3, 9)], "tcp-h: %s" % anoms(s))
    expect(ss[1]["first_frame"] == 13 and ss[1]["cdata"] == b"v6", "tcp-h stream 1 unverified")
    ss = r["tcp-h-bad-checksums.verify-checksums"]
    n_sessions(ss, 2, "tcp-h --verify-checksums")
    s = ss[0]
    expect(s["sdata"] == b"ok", "tcp-h --verify-checksums: server %r" % s["sdata"])
    # frame 8 has a wrong IPv4 header checksum: a receiver drops it, so
    # "FAKE" is never delivered and "MORE" (frame 9) is the real data
    expect(s["cdata"] == b"GOODMORE", "tcp-h --verify-checksums: client %r, want b'GOODMORE' "
           "(frame 8 has a bad IPv4 header checksum)" % s["cdata"])
    expect(anoms(s) == [("bad_checksum", "client", 0, 0, 4), ("bad_checksum", "server", 0, 0, 6),
                        ("bad_checksum", "client", 0, 0, 8)],
           "tcp-h --verify-checksums: anomalies %s" % anoms(s))
    expect(ss[1]["first_frame"] == 14 and ss[1]["cdata"] == b"v6" and not ss[1]["midstream"],
           "tcp-h --verify-checksums: stream 1 must start at the good SYN (frame 14)")


def case_tcp_i(r):
    s = r["tcp-i-seq-wrap"][0]
    expect(s["cdata"] == b"0123456789abcdefghijklmnopqrst" and s["sdata"] == b"helloworld",
           "tcp-i: %r %r" % (s["cdata"], s["sdata"]))
    expect(gaps(s) == [] and anoms(s) == [] and s["close"] == "fin", "tcp-i: gaps/anomalies")


def case_tcp_j(r):
    ss = r["tcp-j-syn-with-other-flags"]
    n_sessions(ss, 4, "tcp-j")
    for s in ss:
        expect(not s["midstream"] and s["cdata"] == b"req" and s["sdata"] == b"resp"
               and anoms(s) == [] and s["close"] == "fin", "tcp-j stream %d wrong" % s["stream"])
        expect(endpoint(s["client"]) == "10.1.0.1:%d" % (40000 + s["stream"]),
               "tcp-j stream %d: client %s" % (s["stream"], endpoint(s["client"])))


def case_tcp_k(r):
    ss = r["tcp-k-reversed-1-byte"]
    n_sessions(ss, 1, "tcp-k")
    s = ss[0]
    want = bytes((i * 7 + i // 251) & 0xFF for i in range(20000))
    expect(s["client_bytes"] == 20000 and s["cdata"] == want, "tcp-k: client bytes wrong")
    expect(gaps(s) == [] and anoms(s) == [], "tcp-k: gaps/anomalies %s %s"
           % (gaps(s)[:5], anoms(s)[:5]))
    expect([m["frame"] for m in s["messages"]] == [20003], "tcp-k: not one message from frame "
           "20003 (the segment carrying byte 0)")
    expect(s["close"] == "fin" and s["packets"] == 20006, "tcp-k: close/packets")


def case_gap(r):
    s = r["gap-never-filled"][0]
    expect(s["cdata"] == b"abcdeklmno" and s["sdata"] == b"ok", "gap-never-filled: bytes")
    expect(gaps(s) == [("client", 5, 5)], "gap-never-filled: gaps %s" % gaps(s))
    expect([(m["from"], m["frame"]) for m in s["messages"]]
           == [("client", 4), ("server", 6), ("client", 5)], "gap-never-filled: messages")
    expect(s["close"] == "rst" and anoms(s) == [], "gap-never-filled: close/anomalies")


def case_syn_data(r):
    s = r["syn-with-data"][0]
    expect(s["cdata"] == b"hello world" and s["sdata"] == b"hi!", "syn-with-data: bytes")
    expect(anoms(s) == [("syn_with_data", "client", 0, 5, 1), ("syn_with_data", "server", 0, 2, 2)],
           "syn-with-data: %s" % anoms(s))


def case_rst_data(r):
    s = r["rst-with-data"][0]
    expect(s["sdata"] == b"HTTP/1.1 200 OK\r\n", "rst-with-data: server %r" % s["sdata"])
    expect(anoms(s) == [("rst_with_data", "server", 17, 26, 6)], "rst-with-data: %s" % anoms(s))
    expect(s["close"] == "rst", "rst-with-data: close")


def case_after_fin(r):
    ss = r["data-after-fin"]
    n_sessions(ss, 2, "data-after-fin")
    expect(ss[0]["cdata"] == b"abc" and anoms(ss[0]) == [
        ("data_after_fin", "client", 3, 3, 6), ("data_after_fin", "client", 3, 2, 7)],
        "data-after-fin stream 0: %r %s" % (ss[0]["cdata"], anoms(ss[0])))
    expect(ss[1]["cdata"] == b"abc" and anoms(ss[1]) == [("data_after_fin", "client", 10, 5, 16)],
           "data-after-fin stream 1: %r %s" % (ss[1]["cdata"], anoms(ss[1])))
    expect(all(gaps(s) == [] and s["close"] == "fin" for s in ss), "data-after-fin: gaps/close")


def case_midstream(r):
    ss = r["midstream"]
    n_sessions(ss, 3, "midstream")
    a, b, c = ss
    expect(a["midstream"] and endpoint(a["server"]) == "10.1.0.2:80"
           and anoms(a) == [("roles_inferred", "server", 0, 0, 1)]
           and a["cdata"] == b"HELO x\r\n" and a["sdata"] == b"220 ready\r\n250 ok\r\n",
           "midstream stream 0 wrong")
    expect(b["midstream"] and endpoint(b["client"]) == "10.1.0.2:20"
           and endpoint(b["server"]) == "10.1.0.1:40001" and anoms(b) == []
           and b["cdata"] == b"file contents\n", "midstream stream 1 (SYN-ACK first) wrong")
    expect(c["midstream"] and c["cdata"] == b"xyz" and gaps(c) == [("client", 0, 10)],
           "midstream stream 2: %r %s" % (c["cdata"], gaps(c)))


def case_same_host(r):
    ss = r["same-host"]
    n_sessions(ss, 2, "same-host")
    expect(endpoint(ss[0]["client"]) == "127.0.0.1:40000" and ss[0]["cdata"] == b"ping!"
           and ss[0]["sdata"] == b"pong", "same-host stream 0 wrong")
    expect(endpoint(ss[1]["client"]) == "::1:40001" and ss[1]["cdata"] == b"ping6"
           and ss[1]["sdata"] == b"pong6", "same-host stream 1 wrong")


def case_snaplen(r):
    s = r["snaplen-cut"][0]
    expect(s["cdata"] == b"0123456789ABCDEFGHIJKLMNOPQRST", "snaplen-cut: %r" % s["cdata"])
    expect(anoms(s) == [("snaplen_cut", "client", 20, 20, 4)] and gaps(s) == [("client", 20, 20)],
           "snaplen-cut: %s %s" % (anoms(s), gaps(s)))


def simple_sessions(r, stem, pairs):
    ss = r[stem]
    n_sessions(ss, len(pairs), stem)
    for s, (req, resp) in zip(ss, pairs):
        expect(s["cdata"] == req and s["sdata"] == resp and s["packets"] == 8
               and s["close"] == "fin" and not s["midstream"] and anoms(s) == [],
               "%s stream %d: %r %r" % (stem, s["stream"], s["cdata"], s["sdata"]))


def case_links(r):
    simple_sessions(r, "ipv6-ext-headers",
                    [(b"GET /v6-ext HTTP/1.1\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n")])
    simple_sessions(r, "vlan-qinq", [(b"qinq request", b"qinq response"),
                                     (b"vlan request", b"vlan response"),
                                     (b"tagged request", b"untagged response")])
    simple_sessions(r, "sll2", [(b"sll2 over IPv4", b"ok v4"), (b"sll2 over IPv6", b"ok v6")])
    simple_sessions(r, "pcapng-multi-linktype", [(b"on ethernet", b"eth ok"),
                                                 (b"on linux cooked", b"sll ok"),
                                                 (b"client on ethernet", b"server on raw ip")])


# ---- link types (harness/craft_link.c) ---------------------------------------

def case_link_types(r):
    """One scripted session per link type (two on 802.11: a plain data frame,
    then QoS data); the bytes behind each link header are the same TCP."""
    for stem, pairs in (
            ("link-ppp", [(b"ppp request", b"ppp response")]),
            ("link-ppp-hdlc", [(b"ppp hdlc request", b"ppp hdlc response")]),
            ("link-c-hdlc", [(b"cisco hdlc request", b"cisco hdlc response")]),
            ("link-ieee802-11", [(b"802.11 data request", b"802.11 data response"),
                                 (b"802.11 qos request", b"802.11 qos response")]),
            ("link-radiotap", [(b"radiotap request", b"radiotap response")]),
            ("link-ppi", [(b"ppi request", b"ppi response")]),
            ("link-nflog", [(b"nflog request", b"nflog response")]),
            ("link-ipoib", [(b"ipoib request", b"ipoib response")])):
        simple_sessions(r, stem, pairs)
    expect(r["link-ieee802-11"][1]["first_frame"] == 9,
           "link-ieee802-11: QoS session from frame %d" % r["link-ieee802-11"][1]["first_frame"])


# ---- consistency fixes (harness/craft_consistency.c) -------------------------

def mirror_bytes(base, n):
    return bytes(ord(base) + i % 26 for i in range(n))


def case_vlan_mirror(r):
    """Every packet twice (VLAN 201, 202): the delivered bytes are the first
    copies; the changed client byte 500 (3000 bytes back) is a conflict in
    both copies; the changed server byte 50, 17408 bytes below the client's
    acknowledgement, is unchecked by default (16 KiB tail) and a conflict in
    both copies with --retransmission-acked 0."""
    conflicts = [("overlap_conflict", "client", 500, 1, 17),
                 ("overlap_conflict", "client", 500, 1, 18)]
    for name, tail in (("vlan-mirror-copies",
                        [("unchecked_retransmission", "server", 0, 100, 55),
                         ("unchecked_retransmission", "server", 0, 100, 56)]),
                       ("vlan-mirror-copies.acked-0",
                        [("overlap_conflict", "server", 50, 1, 55),
                         ("overlap_conflict", "server", 50, 1, 56)])):
        ss = r[name]
        n_sessions(ss, 1, name)
        s = ss[0]
        expect(s["cdata"] == mirror_bytes("a", 3200) and s["sdata"] == mirror_bytes("A", 17408),
               "%s: delivered bytes wrong" % name)
        expect(s["packets"] == 62 and s["close"] == "fin" and gaps(s) == [],
               "%s: %d packets, close %s, gaps %s" % (name, s["packets"], s["close"], gaps(s)))
        expect(anoms(s) == conflicts + tail, "%s: %s" % (name, anoms(s)))


# ---- IP fragments (harness/craft_fragment.c; data/README.md "IP fragments") ----

def frag_text(side, n):
    """The 60 bytes session n's client (request) or server (response) sends."""
    pre = (b"request %d " if side == "client" else b"response %d ") % n
    base = ord("a") if side == "client" else ord("A")
    return pre + bytes(base + i % 26 for i in range(60 - len(pre)))


def evil(data, lo, hi, start):
    """`data` with bytes [lo, hi) replaced by an evil copy that begins at
    stream offset `start` ('!' + (offset - start) % 8)."""
    b = bytearray(data)
    for j in range(lo, hi):
        b[j] = 0x21 + (j - start) % 8
    return bytes(b)


def frag_session(stem, s, n, frames, client=None, server=None, gaps_=(), anomalies=()):
    """Session n: bytes (default: the whole request / response), message
    frames [(side, frame)], gaps, anomalies (type ip_overlap_conflict:
    (side, offset, length, frame)), close fin."""
    what = "%s stream %d" % (stem, n)
    want_c = frag_text("client", n) if client is None else client
    want_s = frag_text("server", n) if server is None else server
    expect(s["cdata"] == want_c, "%s: client %r, want %r" % (what, s["cdata"], want_c))
    expect(s["sdata"] == want_s, "%s: server %r, want %r" % (what, s["sdata"], want_s))
    got = [(m["from"], m["frame"]) for m in s["messages"]]
    expect(got == frames, "%s: message frames %s, want %s" % (what, got, frames))
    expect(gaps(s) == list(gaps_), "%s: gaps %s, want %s" % (what, gaps(s), list(gaps_)))
    want_a = [("ip_overlap_conflict",) + a for a in anomalies]
    expect(anoms(s) == want_a, "%s: anomalies %s, want %s" % (what, anoms(s), want_a))
    expect(s["close"] == "fin" and not s["midstream"], "%s: close %s" % (what, s["close"]))


def frag_frames(*pairs):
    return [("client", pairs[0]), ("server", pairs[1])] if len(pairs) == 2 else list(pairs)


def case_frag_orders(r):
    # frames that complete each datagram: the last missing fragment
    frames = [(7, 11), (20, 24), (32, 34), (47, 51), (46, 50), (61, 62), (70, 72)]
    for stem, n in (("frag-ipv4", 7), ("frag-ipv6", 6)):
        ss = r[stem]
        n_sessions(ss, n, stem)
        for i, s in enumerate(ss):
            frag_session(stem, s, i, frag_frames(*frames[i]))
            expect(s["packets"] == 8, "%s stream %d: %d packets" % (stem, i, s["packets"]))
        other = "10.1.0.3" if stem == "frag-ipv4" else "2001:db8:1::3"
        expect(ss[3]["client"]["ip"] == other and ss[4]["client"]["port"] == 40004,
               "%s: streams 3/4 (same IP id, other host pair) not told apart" % stem)


def case_frag_ipv6_ext(r):
    ss = r["frag-ipv6-ext"]
    n_sessions(ss, 4, "frag-ipv6-ext")
    for i, f in enumerate([(5, 9), (17, 19), (27, 30), (37, 38)]):
        frag_session("frag-ipv6-ext", ss[i], i, frag_frames(*f))


LAST_FRAMES = [(4, 5, 6, 7), (14, 15, 16, 17), (24, 25, 26, 27), (34, 35, 36, 37)]


def case_frag_last(r):
    """Two last fragments (ends 80 and 64, IP payload; 64 is stream offset
    44): first keeps the first end, last the latest, linux drops it."""
    for policy, name in (("first", "frag-last-fragments"),
                         ("last", "frag-last-fragments.overlap-last"),
                         ("linux", "frag-last-fragments.overlap-linux")):
        ss = r[name]
        n_sessions(ss, 4, name)
        for i, s in enumerate(ss):
            t1, t2, head, resp = LAST_FRAMES[i]
            if policy == "linux":
                frag_session(name, s, i, [("server", resp)], client=b"",
                             gaps_=[("client", 0, 60)])
                continue
            # sessions 0, 2: the true (long) tail first; 1, 3: the short one
            short = (i % 2 == 0) == (policy == "last")
            conflicts = [("client", 44, 0, t1), ("client", 44, 0, t2)]
            if short:
                frag_session(name, s, i, frag_frames(head, resp),
                             client=frag_text("client", i)[:44], gaps_=[("client", 44, 16)],
                             anomalies=conflicts)
            else:
                frag_session(name, s, i, frag_frames(head, resp), anomalies=conflicts)


def case_frag_overlap(r):
    """Different bytes: sessions 0, 1 (request: evil copy inside the first
    half; response: evil copy over 24..48 of the IP payload after 0..24 and
    24..40), 2, 3 (request: evil copy at a lower offset than the piece it
    overlaps, filling a hole)."""
    f = [(4, 5, 6, 8, 9, 10), (17, 18, 19, 21, 22, 23)]
    for policy, name in (("first", "frag-overlap"), ("last", "frag-overlap.overlap-last"),
                         ("linux", "frag-overlap.overlap-linux")):
        ss = r[name]
        n_sessions(ss, 4, name)
        for i in (0, 1):
            p1, bad, p2, r2, rbad, r3 = f[i]
            req, resp = frag_text("client", i), frag_text("server", i)
            creq = [("client", 4, 16, p1), ("client", 4, 16, bad)]
            cresp = [("server", 4, 16, r2), ("server", 4, 16, rbad),
                     ("server", 20, 8, rbad), ("server", 20, 8, r3)]
            if policy == "first":
                frag_session(name, ss[i], i, frag_frames(p2, r3), server=evil(resp, 20, 28, 4),
                             anomalies=creq + cresp)
            elif policy == "last":
                frag_session(name, ss[i], i, frag_frames(p2, r3), client=evil(req, 4, 20, 4),
                             server=evil(resp, 4, 20, 4), anomalies=creq + cresp)
            else:  # the response's datagram is dropped: no conflict to report
                frag_session(name, ss[i], i, [("client", p2)], server=b"",
                             gaps_=[("server", 0, 60)], anomalies=creq)
        for i, (lo, bad) in ((2, (31, 32)), (3, (41, 42))):
            req = frag_text("client", i)
            conflicts = [("client", 12, 8, lo), ("client", 12, 8, bad)]
            if policy == "first":
                frag_session(name, ss[i], i, frag_frames(bad, bad + 1),
                             client=evil(req, 4, 12, 4), anomalies=conflicts)
            elif policy == "last":
                frag_session(name, ss[i], i, frag_frames(bad, bad + 1),
                             client=evil(req, 4, 20, 4), anomalies=conflicts)
            else:
                frag_session(name, ss[i], i, [("server", bad + 1)], client=b"",
                             gaps_=[("client", 0, 60)])


def case_frag_timeout_memory(r):
    ss = r["frag-timeout"]
    n_sessions(ss, 2, "frag-timeout")
    frag_session("frag-timeout", ss[0], 0, frag_frames(5, 6))
    frag_session("frag-timeout", ss[1], 1, frag_frames(14, 15))
    ss = r["frag-timeout.timeout-2"]
    for i, resp in ((0, 6), (1, 15)):
        frag_session("frag-timeout --ip-fragment-timeout 2", ss[i], i, [("server", resp)],
                     client=b"", gaps_=[("client", 0, 60)])
    ss = r["frag-memory"]
    n_sessions(ss, 2, "frag-memory")
    frag_session("frag-memory", ss[0], 0, frag_frames(10, 11))
    frag_session("frag-memory", ss[1], 1, frag_frames(9, 15))
    ss = r["frag-memory.memory-1k"]
    frag_session("frag-memory --ip-fragment-memory 1K", ss[0], 0, [("server", 11)], client=b"",
                 gaps_=[("client", 0, 60)])
    frag_session("frag-memory --ip-fragment-memory 1K", ss[1], 1, frag_frames(9, 15))


def case_frag_carriers(r):
    for stem, carried in (("frag-vlan", [{"kind": "vlan", "id": 100}]), ("frag-sll", None)):
        ss = r[stem]
        n_sessions(ss, 2, stem)
        for i, f in enumerate([(7, 11), (21, 25)]):
            frag_session(stem, ss[i], i, frag_frames(*f))
            expect(ss[i].get("carried") == carried, "%s stream %d: carried %s"
                   % (stem, i, ss[i].get("carried")))
    ss = r["frag-tunnel"]
    n_sessions(ss, 5, "frag-tunnel")
    v4 = {"src": "192.0.2.1", "dst": "192.0.2.2"}
    v6 = {"src": "2001:db8:ff::1", "dst": "2001:db8:ff::2"}
    want = [{"kind": "ipip", "variant": "4in4", "outer": v4}, {"kind": "gre", "outer": v4},
            {"kind": "ipip", "variant": "4in4", "outer": v4},
            {"kind": "ipip", "variant": "4in6", "outer": v6}, {"kind": "gre", "outer": v4}]
    for i, f in enumerate([(7, 11), (21, 25), (33, 35), (43, 45), (53, 55)]):
        frag_session("frag-tunnel", ss[i], i, frag_frames(*f))
        expect(ss[i].get("carried") == [want[i]], "frag-tunnel stream %d: carried %s"
               % (i, ss[i].get("carried")))


FRAGMENT_CASES = [
    ("frag-ipv4/frag-ipv6 fragment orders, duplicates, tiny first fragments, same IP id",
     case_frag_orders),
    ("frag-ipv6-ext extension headers around the fragment header", case_frag_ipv6_ext),
    ("frag-last-fragments two last fragments under each policy", case_frag_last),
    ("frag-overlap conflicting fragments under each policy", case_frag_overlap),
    ("frag-timeout / frag-memory dropped datagrams leave gaps", case_frag_timeout_memory),
    ("frag-vlan, frag-sll, frag-tunnel fragments on other links and in tunnels",
     case_frag_carriers),
]
def pattern(rel, n):
    """The bytes harness/craft_consistency.c sends at offset rel."""
    return bytes(ord("A") + (rel + i) % 26 for i in range(n))


def case_gap_steps(r):
    ss = r["gap-acked-in-steps"]
    n_sessions(ss, 3, "gap-acked-in-steps")
    for s in ss:
        what = "gap-acked-in-steps stream %d" % s["stream"]
        expect(s["cdata"] == pattern(0, 1460) + pattern(4380, 1460), what + ": client bytes")
        expect(gaps(s) == [("client", 1460, 2920)], what + ": one gap, not %s" % gaps(s))
    expect(ss[1]["close"] == "rst" and anoms(ss[1]) == [], "gap-acked-in-steps 1: rst")
    expect(anoms(ss[2]) == [("late_data", "client", 2000, 1000, 26)],
           "gap-acked-in-steps 2: one late_data, not %s" % anoms(ss[2]))


def case_trailing_fin(r):
    ss = r["trailing-gap-fin"]
    n_sessions(ss, 5, "trailing-gap-fin")
    want = [[], [("client", 100, 100)], [("client", 100, 100)], [("client", 100, 100)], []]
    for s, g in zip(ss, want):
        what = "trailing-gap-fin stream %d" % s["stream"]
        expect(s["cdata"] == pattern(0, 100), what + ": client bytes")
        expect(gaps(s) == g, what + ": gaps %s, not %s" % (gaps(s), g))
    expect([s["close"] for s in ss] == ["end_of_capture", "end_of_capture", "fin", "rst",
                                        "end_of_capture"], "trailing-gap-fin: close reasons")


def case_vlan_tcpflow(r):
    simple_sessions(r, "vlan-tcpflow", [(b"vlan 201", b"ok 201"), (b"priority 5", b"priority 3"),
                                        (b"qinq", b"qinq ok"), (b"two tags", b"two tags ok"),
                                        (b"tagged", b"untagged"), (b"first", b"first ok"),
                                        (b"second", b"second ok"), (b"third", b"third ok"),
                                        (b"changing", b"changing ok")])


# ---- tunnels and encapsulations (harness/craft_tunnel.c) -------------------

def ip_layer(kind, src, dst, **more):
    """A carried layer with outer addresses, as jsonl writes it."""
    layer = {"kind": kind}
    layer.update({k: v for k, v in more.items() if k != "id"})
    layer["outer"] = {"src": src, "dst": dst}
    if "id" in more:
        layer["id"] = more["id"]
    return layer


V4 = ("192.0.2.1", "192.0.2.2")
V6 = ("2001:db8:ff::1", "2001:db8:ff::2")


def tunnel_sessions(r, stem, expected, packets=8, differently=None):
    """Sessions of `stem`: (label, carried) each; bytes "<label> request" /
    "<label> response", `packets` packets, FIN close, no anomaly, and
    carried_differently absent unless listed in `differently`."""
    ss = r[stem]
    n_sessions(ss, len(expected), stem)
    for s, (label, carried) in zip(ss, expected):
        what = "%s stream %d" % (stem, s["stream"])
        expect(s["cdata"] == (label + " request").encode()
               and s["sdata"] == (label + " response").encode(),
               "%s: bytes %r %r" % (what, s["cdata"], s["sdata"]))
        expect(s["packets"] == packets and s["close"] == "fin" and not s["midstream"]
               and anoms(s) == [] and gaps(s) == [],
               "%s: packets %d close %s anomalies %s" % (what, s["packets"], s["close"], anoms(s)))
        expect(s.get("carried") == carried, "%s: carried %s, want %s"
               % (what, s.get("carried"), carried))
        want = (differently or {}).get(s["stream"])
        expect(s.get("carried_differently") == want, "%s: carried_differently %s, want %s"
               % (what, s.get("carried_differently"), want))


def case_tunnels(r):
    tunnel_sessions(r, "tunnel-gre", [
        ("gre csum key seq", [ip_layer("gre", *V4, id=1001)]),
        ("gre ipv6", [ip_layer("gre", *V4, id=1002)]),
        ("gre ethernet", [ip_layer("gre", *V6, id=1003)])])
    expect([s["client"]["ip"] for s in r["tunnel-gre"]] == ["10.1.0.1", "2001:db8:1::1",
                                                            "10.1.0.1"],
           "tunnel-gre: inner client addresses")
    mirror = ip_layer("gre", "192.0.2.10", "192.0.2.20")
    tunnel_sessions(r, "tunnel-erspan", [
        ("erspan type 1", [mirror, {"kind": "erspan", "type": 1}]),
        ("erspan type 2", [mirror, {"kind": "erspan", "type": 2, "id": 100}]),
        ("erspan type 3", [mirror, {"kind": "erspan", "type": 3, "id": 200}])])
    tunnel_sessions(r, "tunnel-vxlan", [
        ("vxlan", [ip_layer("vxlan", *V4, id=5001)]),
        ("vxlan vlans", [{"kind": "vlan", "id": 7}, ip_layer("vxlan", *V4, id=5002),
                         {"kind": "vlan", "id": 42}]),
        ("vxlan ipv6", [ip_layer("vxlan", *V6, id=5003)])])
    n_sessions(r["tunnel-vxlan-port"], 0, "tunnel-vxlan-port (UDP 8472 is not VXLAN by default)")
    tunnel_sessions(r, "tunnel-vxlan-port.tunnel-port", [
        ("vxlan port 8472", [ip_layer("vxlan", *V4, id=5004)])])
    tunnel_sessions(r, "tunnel-geneve", [
        ("geneve option", [ip_layer("geneve", *V4, id=6001)]),
        ("geneve ipv4", [ip_layer("geneve", *V4, id=6002)])])
    tunnel_sessions(r, "tunnel-mpls", [
        ("mpls two labels", [{"kind": "mpls", "id": 100}, {"kind": "mpls", "id": 200}]),
        ("mpls three labels", [{"kind": "mpls", "id": i} for i in (300, 400, 500)]),
        ("mpls pseudowire", [{"kind": "mpls", "id": 600},
                             {"kind": "mpls", "pseudowire": True, "id": 700}])])
    tunnel_sessions(r, "tunnel-pppoe", [("pppoe ipv4", [{"kind": "pppoe", "id": 0x1234}]),
                                        ("pppoe ipv6", [{"kind": "pppoe", "id": 0x1235}])])
    tunnel_sessions(r, "tunnel-ipip", [
        ("4in4", [ip_layer("ipip", *V4, variant="4in4")]),
        ("6in4", [ip_layer("ipip", *V4, variant="6in4")]),
        ("4in6", [ip_layer("ipip", *V6, variant="4in6")]),
        ("6in6", [ip_layer("ipip", *V6, variant="6in6")])])
    # the uplink TEID (the client's first packet); the downlink's differs
    # and is not counted as carried differently
    tunnel_sessions(r, "tunnel-gtpu", [
        ("gtpu", [ip_layer("gtpu", *V4, id=0x11111111)]),
        ("gtpu extension", [ip_layer("gtpu", *V4, id=0x33333333)])])
    tunnel_sessions(r, "tunnel-teredo", [("teredo", [ip_layer("teredo", *V4)])])
    tunnel_sessions(r, "tunnel-nested", [
        ("vxlan in gre", [ip_layer("gre", "198.51.100.1", "198.51.100.2", id=7),
                          ip_layer("vxlan", *V4, id=8001)]),
        ("mpls in gre in geneve", [ip_layer("geneve", *V6, id=8002), {"kind": "vlan", "id": 9},
                                   ip_layer("gre", *V4), {"kind": "mpls", "id": 800}])])
    # 12 layers are followed; the session in 13 is not produced (its frames
    # are counted as too deep: tests/e2e/tunnels.sh)
    deep = [ip_layer("gre", "192.0.2.%d" % (2 * i + 1), "192.0.2.%d" % (2 * i + 2))
            for i in range(12)]
    tunnel_sessions(r, "tunnel-too-deep", [("12 gre", deep)])
    # every packet twice: through GRE then plainly, or plainly then through
    # GRE; one session each, carried as its first packet, the 8 copies of
    # the other kind counted
    tunnel_sessions(r, "tunnel-direct-and-tunneled", [
        ("tunnel first", [ip_layer("gre", *V4, id=9)]), ("plain first", None)],
        packets=16, differently={0: 8, 1: 8})
    # vlan-qinq stream 2: the client's packets double-tagged, the server's
    # 3 packets untagged
    s = r["vlan-qinq"][2]
    expect(s.get("carried_differently") == 3, "vlan-qinq stream 2: carried_differently %s"
           % s.get("carried_differently"))
    # PPTP: GRE version 1, the client's call id (the server's is 0x8001)
    tunnel_sessions(r, "tunnel-pptp", [("pptp", [ip_layer("gre", *V4, id=0x4001)]),
                                       ("pptp compressed ppp", [ip_layer("gre", *V4, id=0x4001)])])
    # the TCP header an sFlow sample quotes is no session: only the plain one
    tunnel_sessions(r, "tunnel-sflow-sample", [("beside an sflow sample", None)])
def case_pcapng_numbered(r):
    """Frame numbers are tshark 4.0.17's frame.number: the Custom Blocks and
    Systemd Journal Export Blocks are frames 1, 2, 6 and 7 (DSB, NRB, ISB are
    not numbered), so the SYN is frame 3 and the request and response are
    frames 8 and 9."""
    name = "pcapng-numbered-blocks"
    ss = r[name]
    n_sessions(ss, 1, name)
    s = ss[0]
    expect(s["first_frame"] == 3, "%s: first_frame %d, want 3" % (name, s["first_frame"]))
    got = [(m["from"], m["frame"]) for m in s["messages"]]
    expect(got == [("client", 8), ("server", 9)], "%s: message frames %s" % (name, got))
    expect(s["cdata"] == b"after custom blocks" and s["sdata"] == b"numbered like tshark",
           "%s: delivered bytes wrong" % name)
    expect(s["packets"] == 8 and s["close"] == "fin" and anoms(s) == [],
           "%s: %d packets, close %s, anomalies %s" % (name, s["packets"], s["close"], anoms(s)))


CASES = [
    ("tcp-a overlapping segments in every order", case_tcp_a),
    ("tcp-b segments ahead of the expected sequence number", case_tcp_b),
    ("tcp-c segments partly outside the window", case_tcp_c),
    ("tcp-d invalid flag combinations", case_tcp_d),
    ("tcp-e SYN after established", case_tcp_e),
    ("tcp-f urgent data", case_tcp_f),
    ("tcp-g RST then reuse", case_tcp_g),
    ("tcp-h bad checksums", case_tcp_h),
    ("tcp-i sequence wrap", case_tcp_i),
    ("tcp-j SYN with other flags", case_tcp_j),
    ("tcp-k reversed 1-byte segments", case_tcp_k),
    ("gap never filled", case_gap),
    ("SYN with data", case_syn_data),
    ("RST with data", case_rst_data),
    ("data after FIN", case_after_fin),
    ("mid-stream pickup", case_midstream),
    ("same host", case_same_host),
    ("snap length cut", case_snaplen),
    ("IPv6 extension headers, VLAN/QinQ, SLL2, pcapng link types", case_links),
    ("link types: PPP, PPP_HDLC, C_HDLC, 802.11, radiotap, PPI, NFLOG, IPoIB", case_link_types),
    ("vlan-mirror-copies: retransmissions compared alike in every mode", case_vlan_mirror),
    *FRAGMENT_CASES,
    ("a hole declared in pieces is one gap", case_gap_steps),
    ("a trailing gap ends before an uncaptured FIN", case_trailing_fin),
    ("VLAN tags for tcpflow names", case_vlan_tcpflow),
    ("tunnels and encapsulations", case_tunnels),
    ("pcapng-numbered-blocks: custom and journal blocks numbered like tshark",
     case_pcapng_numbered),
]


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out = sys.argv[1]
    results = {}
    status = 0
    try:
        for name in sorted(os.listdir(out)):
            results[name] = load(os.path.join(out, name, "sessions.jsonl"))
        for stem, sessions in results.items():
            invariants(stem, sessions)
        print("ok - every session: numbering, byte counts, md5s, missing bytes")
    except (OSError, ValueError, KeyError, Failed) as e:
        print("FAIL - reading the extracted sessions: %s" % e)
        return 1
    for name, check in CASES:
        try:
            check(results)
            print("ok - %s" % name)
        except (Failed, IndexError) as e:
            print("FAIL - %s: %s" % (name, e))
            status = 1
        except KeyError as e:
            print("FAIL - %s: no output for %s" % (name, e))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
