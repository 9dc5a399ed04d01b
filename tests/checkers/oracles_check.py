#!/usr/bin/env python3
"""Checks tcpsession against the expected outputs of other projects' test suites.

Usage: oracles_check.py CORPUS_DIR [WRAPPER...] TCPSESSION

CORPUS_DIR is ../shared/corpus (captures under it, expected outputs under
oracles/, described in ORACLES.tsv). For every expected output that is plain
reassembled bytes, the capture is extracted with `tcpsession extract --format
jsonl` and the session compared byte for byte:

- PcapPlusPlus tcpreassembly_sides: one file per direction;
- PcapPlusPlus *_output.txt, one_ipv6_http_stream*.txt, tcpreassembly_sanity
  and tcpreassembly_multiple_streams: both directions interleaved, in the
  order the bytes were delivered, each gap shown as "[N bytes missing]" where
  the data after it comes;
- Zeek contents_*_{orig,resp}.dat: one direction each, after the BTest header
  line; Zeek large-file-reassembly: the file chunks at their offsets across
  gaps and 32-bit wraparound, and conn.log's byte count and missed bytes;
- Suricata lua-output-streaming: the server-to-client stream;
- Suricata eve-payload stream payloads (flow timeout): one direction with each
  gap shown as "[N bytes missing]".

Prints one line per oracle ("ok:", or "FAIL:" with lengths and the first
differing offset); exit status 0 when all match, 1 otherwise, 77 when the
oracles are absent.
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

PPP = "pcapplusplus/Tests/Pcap++Test/PcapExamples"
PPE = "pcapplusplus/Tests/ExamplesTest"


def extract(tool, capture, workdir):
    """Our sessions of `capture` (list of dicts from sessions.jsonl)."""
    out = tempfile.mkdtemp(dir=workdir)
    subprocess.run(tool + ["extract", "-q", "-o", out, "--format", "jsonl", capture],
                   check=True)
    [stem] = os.listdir(out)
    with open(os.path.join(out, stem, "sessions.jsonl")) as f:
        return [json.loads(line) for line in f]


def endpoint(ep):
    return "%s.%d" % (ep["ip"], ep["port"])


def direction(session, side, gap_text=None):
    """Delivered bytes of one side; with gap_text, each gap rendered in place."""
    data = b"".join(bytes.fromhex(m["data"]) for m in session["messages"] if m["from"] == side)
    if gap_text is None:
        return data
    gaps = sorted((g["offset"], g["length"]) for g in session["gaps"] if g["from"] == side)
    out, pos, missing = b"", 0, 0
    for offset, length in gaps:
        at = offset - missing  # position in the delivered bytes
        out += data[pos:at] + (gap_text % length).encode()
        pos, missing = at, missing + length
    return out + data[pos:]


def interleaved(session, gap_text="[%d bytes missing]"):
    """Both sides in delivery order; a gap shown where the data after it comes."""
    gaps = {"client": [], "server": []}
    for g in sorted(session["gaps"], key=lambda g: g["offset"]):
        gaps[g["from"]].append((g["offset"], g["length"]))
    pos = {"client": 0, "server": 0}
    missing = {"client": 0, "server": 0}
    out = b""
    for m in session["messages"]:
        side, data = m["from"], bytes.fromhex(m["data"])
        while gaps[side] and gaps[side][0][0] - missing[side] <= pos[side]:
            offset, length = gaps[side].pop(0)
            out += (gap_text % length).encode()
            missing[side] += length
        out += data
        pos[side] += len(data)
    return out


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


class Checker:
    def __init__(self, corpus, tool, workdir):
        self.corpus, self.tool, self.workdir = corpus, tool, workdir
        self.cache, self.failed, self.checked = {}, 0, 0

    def sessions(self, capture):
        if capture not in self.cache:
            self.cache[capture] = extract(self.tool, os.path.join(self.corpus, capture),
                                          self.workdir)
        return self.cache[capture]

    def expect(self, what, expected, actual):
        self.checked += 1
        if expected == actual:
            print("ok: %s (%d bytes)" % (what, len(expected)))
        else:
            self.failed += 1
            print("FAIL: %s: expected %d bytes, ours %d, first difference at %d"
                  % (what, len(expected), len(actual), first_difference(expected, actual)))

    def oracle(self, path):
        full = os.path.join(self.corpus, "oracles", path)
        if not os.path.exists(full):
            return None
        with open(full, "rb") as f:
            return f.read()

    def by_endpoints(self, capture, src, dst):
        """The session whose client and server are src and dst ("ip.port")."""
        for s in self.sessions(capture):
            if {endpoint(s["client"]), endpoint(s["server"])} == {src, dst}:
                return s
        return None

    # -- the oracles ---------------------------------------------------------

    def pcapplusplus_sides(self):
        capture = PPE + "/pcap_examples/tcp-reassembly.pcap"
        base = PPE + "/expected_output/tcpreassembly_sides/"
        for name in ("172.16.133.54.64370-23.21.118.18.80.txt",
                     "23.21.118.18.80-172.16.133.54.64370.txt"):
            expected = self.oracle(base + name)
            if expected is None:
                continue
            src, dst = name[:-4].split("-")
            s = self.by_endpoints(capture, src, dst)
            side = "client" if s and endpoint(s["client"]) == src else "server"
            self.expect("PcapPlusPlus tcpreassembly_sides/" + name, expected,
                        direction(s, side) if s else b"")

    def pcapplusplus_interleaved(self):
        pairs = [
            (PPP + "/one_tcp_stream.pcap", PPP + "/one_tcp_stream_output.txt"),
            (PPP + "/one_tcp_stream_max_seq.pcap", PPP + "/one_tcp_stream_output.txt"),
            (PPP + "/one_http_stream_fin.pcap", PPP + "/one_http_stream_fin_output.txt"),
            (PPP + "/one_http_stream_fin2.pcap", PPP + "/one_http_stream_fin2_output.txt"),
            (PPP + "/one_http_stream_rst.pcap", PPP + "/one_http_stream_rst_output.txt"),
            (PPP + "/one_ipv6_http_stream.pcap", PPP + "/one_ipv6_http_stream.txt"),
            (PPE + "/pcap_examples/tcp-reassembly.pcap",
             PPE + "/expected_output/tcpreassembly_sanity/172.16.133.54.64370-23.21.118.18.80.txt"),
        ]
        for capture, path in pairs:
            expected = self.oracle(path)
            if expected is None:
                continue
            [s] = self.sessions(capture)
            self.expect("PcapPlusPlus %s on %s" % (os.path.basename(path),
                                                   os.path.basename(capture)),
                        expected, interleaved(s))
        # one connection per file, the mapping being the upstream test's: any session
        for capture, paths in (
                (PPP + "/four_ipv6_http_streams.pcap",
                 [PPP + "/one_ipv6_http_stream%d.txt" % i for i in (2, 3, 4)]),
                (PPP + "/three_http_streams.pcap",
                 [PPP + "/three_http_streams_conn_%d_output.txt" % i for i in (1, 2, 3)])):
            for path in paths:
                expected = self.oracle(path)
                if expected is None:
                    continue
                ours = [interleaved(s) for s in self.sessions(capture)]
                best = expected if expected in ours else max(
                    ours, key=lambda o: first_difference(expected, o), default=b"")
                self.expect("PcapPlusPlus %s (a session of %s)" % (
                    os.path.basename(path), os.path.basename(capture)), expected, best)
        # http-packets.pcap: one file per connection, named after it
        capture = PPE + "/pcap_examples/http-packets.pcap"
        folder = os.path.join(self.corpus, "oracles", PPE,
                              "expected_output/tcpreassembly_multiple_streams")
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                m = re.fullmatch(r"(.+\.\d+)-(.+\.\d+)\.txt", name)
                if not m:
                    continue
                s = self.by_endpoints(capture, m.group(1), m.group(2))
                self.expect("PcapPlusPlus tcpreassembly_multiple_streams/" + name,
                            self.oracle(PPE + "/expected_output/tcpreassembly_multiple_streams/"
                                        + name), interleaved(s) if s else b"")

    def zeek_contents(self):
        capture = "zeek/testing/btest/Traces/ftp/ipv6.pcap"
        base = ("zeek/testing/btest/Baseline/scripts.base.protocols.conn.contents-default-extract/"
                "contents_[2001-470-1f11-81f-c999-d94-aa7c-2e3e]-49185-"
                "[2001-470-4867-99--21]-21_%s.dat")
        for side, name in (("client", "orig"), ("server", "resp")):
            expected = self.oracle(base % name)
            if expected is None:
                continue
            expected = expected.split(b"\n", 1)[1]  # the BTest header line
            s = self.by_endpoints(capture, "2001:470:1f11:81f:c999:d94:aa7c:2e3e.49185",
                                  "2001:470:4867:99::21.21")
            self.expect("Zeek contents %s.dat" % name, expected, direction(s, side) if s else b"")

    def zeek_large_file(self):
        """file_chunk offsets and data across gaps and 32-bit wraparound, and
        conn.log's byte count and missed bytes, of an FTP transfer of 5 GB
        of which 23,822 bytes were captured."""
        base = "zeek/testing/btest/Baseline/core.tcp.large-file-reassembly/"
        out, conn = self.oracle(base + "out"), self.oracle(base + "conn.log")
        capture = "zeek/testing/btest/Traces/ftp/bigtransfer.pcap"
        if out is None or not os.path.exists(os.path.join(self.corpus, capture)):
            return
        s = self.by_endpoints(capture, "192.168.56.1.59764", "192.168.56.101.37150")
        if s is None:
            self.expect("Zeek large-file-reassembly session", b"x", b"")
            return
        data = direction(s, "server")
        gaps = sorted((g["offset"], g["length"]) for g in s["gaps"] if g["from"] == "server")

        def position(offset):  # stream offset -> position in the delivered bytes
            return offset - sum(min(length, max(0, offset - start)) for start, length in gaps)

        chunks = re.findall(rb"^file_chunk, (\d+), (\d+), (.*)$", out, re.M)
        for length, offset, text in chunks[1:]:  # the first chunk is the FTP listing
            length, offset = int(length), int(offset)
            expected = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), text)
            at = position(offset)
            self.expect("Zeek file_chunk at offset %d" % offset, expected[:length],
                        data[at:at + min(length, len(expected))])
        if conn is not None:
            for line in conn.decode().splitlines():
                f = line.split("\t")
                if len(f) > 14 and f[3] == "59764" and f[5] == "37150":
                    missing = sum(length for _, length in gaps)
                    self.expect("Zeek conn.log resp_bytes and missed_bytes",
                                ("%s %s" % (f[10], f[14])).encode(),
                                ("%d %d" % (len(data) + missing, missing)).encode())

    def suricata_streaming(self):
        expected = self.oracle(
            "suricata-verify/tests/lua-output-streaming/expected/6-172.16.1.68-162.209.114.75-58384-80")
        if expected is None:
            return
        s = self.by_endpoints("suricata-verify/tests/filestore-v2.1-forced/suricata-update-pdf.pcap",
                              "172.16.1.68.58384", "162.209.114.75.80")
        self.expect("Suricata lua-output-streaming (server to client)", expected,
                    direction(s, "server") if s else b"")

    def suricata_eve_payloads(self):
        """Stream payloads reported at flow timeout, gaps as "[N bytes missing]"."""
        tests = {
            "eve-payload-01-tcp-exact-overlap": "tcp-overlap.pcap",
            "eve-payload-04-partial-overlap": "tcp-overlap2.pcap",
            "eve-payload-05-tcp-data-gap": "tcp-simple-gap2.pcap",
            "eve-payload-06-tcp-data-leading-gap": "tcp-leading-gap.pcap",
        }
        for test, pcap in tests.items():
            text = self.oracle("suricata-verify/tests/%s/test.yaml" % test)
            capture = "suricata-verify/tests/%s/%s" % (test, pcap)
            if text is None or not os.path.exists(os.path.join(self.corpus, capture)):
                continue
            # the alert whose packet source is the stream at flow timeout
            for block in text.decode().split("- filter:"):
                if 'pkt_src: "stream (flow timeout)"' not in block:
                    continue
                m = re.search(r'payload: "([^"]*)"', block)
                if not m:
                    continue
                expected = base64.b64decode(m.group(1))
                [s] = self.sessions(capture)
                self.expect("Suricata %s stream payload" % test, expected,
                            direction(s, "client", "[%d bytes missing]"))


def main():
    corpus, tool = sys.argv[1], sys.argv[2:]
    if not os.path.isdir(os.path.join(corpus, "oracles")):
        print("skip: %s/oracles not found" % corpus)
        return 77
    with tempfile.TemporaryDirectory() as workdir:
        c = Checker(corpus, tool, workdir)
        c.pcapplusplus_sides()
        c.pcapplusplus_interleaved()
        c.zeek_contents()
        c.zeek_large_file()
        c.suricata_streaming()
        c.suricata_eve_payloads()
    print("%d oracles checked, %d failed" % (c.checked, c.failed))
    if c.checked == 0:
        return 77
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
