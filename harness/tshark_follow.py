"""tshark_follow.py — reading tshark's Follow TCP Stream (raw) output, shared
by the ground-truth harness, the seed comparison test and the benchmark.

`tshark -q -z follow,tcp,raw,N` prints, per stream, a block between lines of
67 '=': "Filter: tcp.stream eq N", "Node 0: ADDR", "Node 1: ADDR", then one
hex line per chunk, indented with a tab when node 1 sent it. A line that is
not hex (tshark's "[N bytes missing in capture file]") is kept as its text.
"""

import re
import subprocess


def parse(text):
    """{stream: (nodes, [bytes of node 0, bytes of node 1])} of every block of
    `text`; nodes is the list of "Node" addresses in order (may be short)."""
    result = {}
    for block in text.split("=" * 67):
        m = re.search(r"Filter: tcp\.stream eq (\d+)", block)
        if not m:
            continue
        nodes = [n for _, n in re.findall(r"Node (\d): (\S+)", block)]
        data = [bytearray(), bytearray()]
        for line in block.splitlines():
            if not line.strip() or line.startswith(("Follow:", "Filter:", "Node ")):
                continue
            side = 1 if line.startswith("\t") else 0
            text = line.strip()
            if re.fullmatch(r"[0-9a-fA-F]*", text):
                data[side] += bytes.fromhex(text)
            else:
                data[side] += text.encode()
        result[int(m.group(1))] = (nodes, [bytes(data[0]), bytes(data[1])])
    return result


def run(tshark, capture, streams, batch=100, extra=()):
    """parse() of tshark following `streams` of `capture`, `batch` taps per
    tshark run; `extra`: more tshark arguments (e.g. "-d", "udp.port==8472,vxlan")."""
    result = {}
    for i in range(0, len(streams), batch):
        args = [tshark, "-r", capture, "-q"] + list(extra)
        for s in streams[i:i + batch]:
            args += ["-z", "follow,tcp,raw,%d" % s]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        result.update(parse(out))
    return result
