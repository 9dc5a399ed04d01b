#!/usr/bin/env python3
"""ground_truth.py — record real Linux TCP traffic with known content through
an impaired network, and hold tcpsession to the bytes the applications sent.

Commands:

  ground_truth.py run --bindir DIR --tcpsession BIN [--only A,B] [--scenarios FILE]
                      [--workdir DIR] [--keep] [--summary FILE]
      record every scenario of the table (root) and check it
  ground_truth.py record NAME --bindir DIR --out DIR [--scenarios FILE]
      record one scenario into DIR/NAME.pcap (+ .pcapng) and DIR/NAME.manifest.json
  ground_truth.py check MANIFEST... --tcpsession BIN [--wrap CMD] [--bindir DIR]
                      [--summary FILE]
      check recorded captures (no root needed)
  ground_truth.py cut MANIFEST --conn ID[,ID...] --out DIR --name NAME [--xfail BUG]
      cut the 4-tuples of some connections (all the connections on them) out of
      a recorded capture into a small capture and manifest, e.g. for data/

Recording (root, /dev/net/tun, iproute2): two network namespaces, client and
server, each holding one TAP device of tsbridge, the user-space bridge that
impairs TCP frames and writes the capture. tstraffic runs the server in one
namespace and the client in the other; both log what they sent and received
per connection, and the manifest joins the two logs (every byte one side
sent is checked to be the byte the other side read). Addresses 10.77.0.0/24
and fd77::/64 exist only inside the namespaces. Everything the recording
creates (namespaces, TAPs, processes) is removed at the end, also on failure
or interruption.

Checking, for every connection of the manifest (matched to sessions by
4-tuple, then by order on that 4-tuple):
  - both directions' bytes equal what the application sent (length and MD5);
  - the request/response alternation matches (the sequence of direction
    switches with each direction's cumulative byte count);
  - the number of sessions equals the number of connections;
  - each session's `stream` is tshark's `tcp.stream` of its first frame.
tshark's Follow TCP Stream and tcpflow run on the same capture and are
compared with the manifest too; their disagreements are reported, not failed.

Exit status: 0 all checks passed (or failed as declared by xfail), 1 a check
or a recording failed, 2 usage, 77 cannot run here (reason printed).
"""
import argparse
import hashlib
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_follow  # noqa: E402 (shared with tests/ and the benchmark)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TABLE = os.path.join(HERE, "scenarios.conf")

CLIENT4, SERVER4 = "10.77.0.1", "10.77.0.2"
CLIENT6, SERVER6 = "fd77::1", "fd77::2"
SERVER_PORT = 8080

DEFAULTS = {
    "conns": "20", "par": "8", "ex": "1-3", "size": "1-64k", "family": "46",
    "closes": "fin,sfin,half,crst,srst", "reuse": "0", "mss": "0", "mtu": "1500",
    "sysctl": "", "loss-before": "0", "loss-after": "0", "reorder": "0", "dup": "0",
    "reorder-ms": "1-5", "format": "pcap", "seed": None, "xfail": "", "chunk": "0",
    "nodelay": "0", "rcvbuf": "0", "pause-us": "0", "tfo": "0", "seq-shift": "0",
    "keepalive": "0", "think-ms": "0", "duplex": "0", "urgent": "0", "vlan": "-1",
}
RECORD_TIMEOUT = 150  # seconds for one scenario's traffic, at most


# Engine bugs found by this harness and not fixed yet: a scenario (or a
# recorded manifest) declares `xfail=ID`; a wrong direction counts as expected
# only when it shows exactly that bug's signature — anything else still fails.
# ID: (description, predicate(session, side, got_bytes, expected_length, facts))
# where facts is a per-capture dict a predicate may use as a cache (e.g. for
# something it asks tshark). Fixed bugs are removed (history in
# harness/README.md).
KNOWN_BUGS = {}


def log(msg):
    print(msg, flush=True)


# ---- the scenario table ---------------------------------------------------

def parse_table(path):
    """Returns [(name, {key: value}, declaration)] in file order."""
    scenarios = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            name, opts = words[0], dict(DEFAULTS)
            for w in words[1:]:
                key, sep, value = w.partition("=")
                if not sep or key not in DEFAULTS:
                    raise SystemExit("%s:%d: bad setting %r" % (path, lineno, w))
                opts[key] = value
            if opts["seed"] is None:
                opts["seed"] = str(zlib.crc32(name.encode()))
            if opts["format"] not in ("pcap", "pcapng"):
                raise SystemExit("%s:%d: format is pcap or pcapng" % (path, lineno))
            scenarios.append((name, opts, " ".join(words[1:])))
    return scenarios


def plan_args(opts):
    """tstraffic's PLAN options for a scenario (the same for both sides)."""
    args = ["--seed", opts["seed"], "--conns", opts["conns"], "--exchanges", opts["ex"],
            "--size", opts["size"], "--family", opts["family"], "--closes", opts["closes"],
            "--port", str(SERVER_PORT)]
    if int(opts["reuse"]):
        args += ["--reuse", opts["reuse"]]
    for key in ("mss", "chunk", "rcvbuf", "pause-us", "nodelay", "tfo", "keepalive", "think-ms",
                "duplex", "urgent"):
        if int(opts[key]):
            args += ["--" + key, opts[key]]
    return args


# ---- recording --------------------------------------------------------------

class Recording:
    """Namespaces, TAPs and processes of one recording; close() removes them all."""

    def __init__(self, tag):
        self.ns = ["%sc" % tag, "%ss" % tag]
        self.taps = ["%sa" % tag, "%sb" % tag]
        self.procs = []
        self.made_ns = []
        self.files = []

    def sh(self, *args, ns=None, check=True):
        cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        if check and r.returncode:
            raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
        return r

    def spawn(self, args, ns=None, **kw):
        cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
        p = subprocess.Popen(cmd, **kw)
        self.procs.append(p)
        return p

    def add_namespaces(self):
        for ns in self.ns:
            self.sh("ip", "netns", "add", ns)
            self.made_ns.append(ns)

    def close(self):
        for f in self.files:
            f.close()
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        for ns in self.made_ns:
            # Anything still running inside our namespace was started by us.
            r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.made_ns = []


def wait_ready(proc, what, timeout=10):
    """Waits for the line 'ready' on proc's stdout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            line = proc.stdout.readline()
            if line.strip() == "ready":
                return
            if not line:
                break
        if proc.poll() is not None:
            break
    raise RuntimeError("%s did not become ready" % what)


NS_NAME = re.compile(r"tsgt(\d+)[a-z]?[cs]")


def remove_stale_namespaces():
    """Removes namespaces an earlier run of this script left behind when it was
    killed (SIGKILL): named tsgt<pid>..., whose pid no longer runs."""
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = NS_NAME.fullmatch(name)
        if not m or os.path.exists("/proc/%s" % m.group(1)):
            continue
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
        for pid in pids.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        log("# removed namespace %s left by a killed run" % name)


def record(name, opts, bindir, outdir, tag):
    """Records one scenario; returns the manifest path. Raises RuntimeError."""
    bridge_bin = os.path.join(bindir, "tsbridge")
    traffic_bin = os.path.join(bindir, "tstraffic")
    os.makedirs(outdir, exist_ok=True)
    pcap = os.path.join(outdir, name + ".pcap")
    pcapng = os.path.join(outdir, name + ".pcapng")
    logs = {role: os.path.join(outdir, "%s.%s.log" % (name, role)) for role in ("client", "server")}
    server_err_path = os.path.join(outdir, name + ".server.err")
    stats_path = os.path.join(outdir, name + ".bridge.json")
    rec = Recording(tag)
    started = time.time()
    try:
        bridge = rec.spawn([bridge_bin, "--tap", rec.taps[0], "--tap", rec.taps[1],
                            "--pcap", pcap, "--pcapng", pcapng, "--seed", opts["seed"],
                            "--loss-before", opts["loss-before"],
                            "--loss-after", opts["loss-after"], "--reorder", opts["reorder"],
                            "--reorder-ms", opts["reorder-ms"], "--dup", opts["dup"],
                            "--max-seconds", str(RECORD_TIMEOUT + 30), "--stats", stats_path] +
                           (["--seq-shift"] if int(opts["seq-shift"]) else []) +
                           (["--vlan", opts["vlan"]] if int(opts["vlan"]) >= 0 else []),
                           stdout=subprocess.PIPE, text=True)
        wait_ready(bridge, "tsbridge")
        rec.add_namespaces()
        sysctls = [kv for kv in opts["sysctl"].split(",") if kv]
        if int(opts["tfo"]):
            sysctls.append("tcp_fastopen=3")
        for i, (ns, tap) in enumerate(zip(rec.ns, rec.taps)):
            ip4, ip6 = (CLIENT4, CLIENT6) if i == 0 else (SERVER4, SERVER6)
            rec.sh("ip", "link", "set", tap, "netns", ns)
            settings = ["net/ipv6/conf/%s/addr_gen_mode=1" % tap,
                        "net/ipv6/conf/%s/router_solicitations=0" % tap,
                        "net/ipv6/conf/%s/accept_ra=0" % tap]
            settings += ["net/ipv4/%s" % kv for kv in sysctls]
            script = "; ".join("echo %s > /proc/sys/%s" % (shlex.quote(v), shlex.quote(k))
                               for k, v in (s.split("=", 1) for s in settings))
            rec.sh("sh", "-ec", script, ns=ns)
            rec.sh("ip", "link", "set", "lo", "up", ns=ns)
            rec.sh("ip", "link", "set", tap, "mtu", opts["mtu"], "up", ns=ns)
            rec.sh("ip", "addr", "add", ip4 + "/24", "dev", tap, ns=ns)
            rec.sh("ip", "-6", "addr", "add", ip6 + "/64", "dev", tap, "nodad", ns=ns)
        plan = plan_args(opts)
        server_err = open(server_err_path, "w")
        rec.files.append(server_err)
        server = rec.spawn([traffic_bin, "server"] + plan +
                           ["--listen4", SERVER4, "--listen6", SERVER6,
                            "--log", logs["server"], "--deadline", str(RECORD_TIMEOUT)],
                           ns=rec.ns[1], stdout=subprocess.PIPE, stderr=server_err, text=True)
        wait_ready(server, "tstraffic server")
        client = rec.spawn([traffic_bin, "client"] + plan +
                           ["--server4", SERVER4, "--server6", SERVER6, "--parallel", opts["par"],
                            "--log", logs["client"], "--deadline", str(RECORD_TIMEOUT - 30)],
                           ns=rec.ns[0], stderr=subprocess.PIPE, text=True)
        try:
            _, client_err = client.communicate(timeout=RECORD_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            raise RuntimeError("tstraffic client did not finish in %ds" % RECORD_TIMEOUT)
        try:
            server.wait(timeout=45)
        except subprocess.TimeoutExpired:
            raise RuntimeError("tstraffic server did not finish")
        time.sleep(0.3)  # the last ACKs
        bridge.send_signal(signal.SIGTERM)
        bridge.wait(timeout=10)
        if bridge.returncode:
            raise RuntimeError("tsbridge failed (exit %d)" % bridge.returncode)
        if client.returncode or server.returncode:
            with open(server_err_path) as f:
                err = "client: %s; server: %s" % (client_err.strip(), f.read().strip())
            for role in ("client", "server"):
                try:
                    bad = [r for r in read_log(logs[role]) if r["error"]][:3]
                except (OSError, ValueError):
                    bad = []
                err += "".join("; %s %s: %s" % (role, r["id"], r["error"]) for r in bad)
            raise RuntimeError("traffic failed: client exit %s, server exit %s: %s" % (
                client.returncode, server.returncode,
                err if len(err) < 1000 else err[:500] + " ... " + err[-500:]))
    finally:
        rec.close()
    with open(stats_path) as f:
        bridge_stats = json.load(f)
    manifest = build_manifest(name, opts, logs, bridge_stats)
    manifest["record_seconds"] = round(time.time() - started, 2)
    manifest["capture"] = os.path.basename(pcapng if opts["format"] == "pcapng" else pcap)
    path = os.path.join(outdir, name + ".manifest.json")
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    for p in list(logs.values()) + [stats_path, server_err_path]:
        os.unlink(p)
    return path


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def build_manifest(name, opts, logs, bridge_stats):
    """Joins the client's and the server's logs; raises RuntimeError when they
    disagree (then the traffic itself went wrong, not the engine)."""
    clients = {r["id"]: r for r in read_log(logs["client"])}
    servers = {r["id"]: r for r in read_log(logs["server"])}
    conns = []
    problems = []
    for cid in range(int(opts["conns"])):
        c, s = clients.get(cid), servers.get(cid)
        if not c or not s:
            problems.append("connection %d: no %s record" % (cid, "client" if not c else "server"))
            continue
        for r in (c, s):
            if r["error"]:
                problems.append("connection %d %s: %s" % (cid, r["role"], r["error"]))
        if (c["sent_md5"], c["sent_bytes"]) != (s["recv_md5"], s["recv_bytes"]) or \
                (s["sent_md5"], s["sent_bytes"]) != (c["recv_md5"], c["recv_bytes"]):
            problems.append("connection %d: what one side sent is not what the other read" % cid)
        if c["client"] != s["client"] or c["server"] != s["server"]:
            problems.append("connection %d: the two sides see different 4-tuples" % cid)
        messages = []
        for i, m in enumerate(c["sent"]):
            messages.append({"from": "client", "len": m["len"], "md5": m["md5"]})
            if i < len(s["sent"]):
                messages.append({"from": "server", "len": s["sent"][i]["len"],
                                 "md5": s["sent"][i]["md5"]})
        conns.append({
            "id": cid, "family": c["family"], "client": c["client"], "server": c["server"],
            "start_ns": c["start_ns"], "end_ns": c["end_ns"], "close": c["close"],
            "client_end": s["end"], "server_end": c["end"],
            "client_bytes": c["sent_bytes"], "client_md5": c["sent_md5"],
            "server_bytes": s["sent_bytes"], "server_md5": s["sent_md5"],
            "messages": messages})
    if problems:
        raise RuntimeError("traffic went wrong:\n  " + "\n  ".join(problems[:20]))
    conns.sort(key=lambda x: x["start_ns"])
    return {"format": "tcpsession-ground-truth-1", "scenario": name,
            "declaration": {k: v for k, v in opts.items() if v != DEFAULTS.get(k)},
            "plan": plan_args(opts), "bridge": bridge_stats, "connections": conns}


# ---- checking ---------------------------------------------------------------

def tuple_key(client, server):
    return (client["ip"], client["port"], server["ip"], server["port"])


def boundaries(seq):
    """(from, cumulative bytes of that direction) at each direction switch."""
    out, total = [], {"client": 0, "server": 0}
    for frm, n in seq:
        if n == 0:
            continue
        total[frm] += n
        if out and out[-1][0] == frm:
            out[-1] = (frm, total[frm])
        else:
            out.append((frm, total[frm]))
    return out


def run_engine(tcpsession, wrap, capture, outdir):
    cmd = shlex.split(wrap or "") + [tcpsession, "extract", "--format", "jsonl", "-o", outdir,
                                     "--quiet", capture]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("tcpsession exit %d: %s" % (r.returncode, r.stderr.strip()[-600:]))
    stem = os.path.basename(capture)
    stem = stem[:stem.rfind(".")] if "." in stem else stem
    sessions = []
    with open(os.path.join(outdir, stem, "sessions.jsonl")) as f:
        for line in f:
            s = json.loads(line)
            data = {"client": bytearray(), "server": bytearray()}
            seq = []
            for m in s["messages"]:
                b = bytes.fromhex(m["data"])
                data[m["from"]] += b
                seq.append((m["from"], len(b)))
                m["data"] = None  # free the text
            s["data"] = data
            s["seq"] = seq
            sessions.append(s)
    return sessions


def tshark_fields(tshark, capture):
    """{frame: stream} and {stream: (first frame's endpoints, syn flags)}."""
    out = subprocess.run(
        [tshark, "-r", capture, "-T", "fields", "-E", "occurrence=f", "-e", "frame.number",
         "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
         "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "tcp.flags.syn",
         "-e", "tcp.flags.ack"], capture_output=True, text=True, check=True).stdout
    frame_stream, first = {}, {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 10 or not f[1]:
            continue
        frame, stream = int(f[0]), int(f[1])
        frame_stream[frame] = stream
        src = {"ip": f[2] or f[3], "port": int(f[4])}
        dst = {"ip": f[5] or f[6], "port": int(f[7])}
        syn_only = f[8] in ("1", "True") and f[9] not in ("1", "True")
        # The client is the first SYN's sender, else the first frame's.
        if stream not in first or (syn_only and not first[stream][2]):
            first[stream] = (src, dst, syn_only)
    return frame_stream, first


def node_text(ep):
    return ("[%s]:%d" % (ep["ip"], ep["port"])) if ":" in ep["ip"] else \
        ("%s:%d" % (ep["ip"], ep["port"]))


def tcpflow_name(ep):
    if ":" in ep["ip"]:
        return "%s.%05d" % (ep["ip"], ep["port"])
    return "%s.%05d" % (".".join("%03d" % int(x) for x in ep["ip"].split(".")), ep["port"])


def tcpflow_files(tcpflow, capture, outdir):
    """{(src name, dst name): [(k, bytes)]} k = tcpflow's connection index (0, c1, c2...)."""
    os.makedirs(outdir, exist_ok=True)
    subprocess.run([tcpflow, "-r", capture, "-o", outdir], capture_output=True, check=True)
    files = {}
    for fn in os.listdir(outdir):
        m = re.fullmatch(r"(.+\.\d{5})-(.+\.\d{5})(?:--\d+)?(?:c(\d+))?", fn)  # --VLAN
        if not m:
            continue
        with open(os.path.join(outdir, fn), "rb") as f:
            files.setdefault((m.group(1), m.group(2)), []).append((int(m.group(3) or 0), f.read()))
    for v in files.values():
        v.sort()
    return files


def md5(b):
    return hashlib.md5(b).hexdigest()


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(0, n, 4096):
        if a[i:i + 4096] != b[i:i + 4096]:
            for j in range(i, min(i + 4096, n)):
                if a[j] != b[j]:
                    return j
    return n if len(a) != len(b) else -1


def expected_bytes(traffic_bin, manifest, conn, frm):
    """The bytes side `frm` of `conn` sent, regenerated with tstraffic (or None)."""
    if not traffic_bin or not os.access(traffic_bin, os.X_OK):
        return None
    r = subprocess.run([traffic_bin, "content"] + manifest["plan"] +
                       ["--conn", str(conn["id"]), "--from", frm], capture_output=True)
    return r.stdout if r.returncode == 0 else None


def direction_report(label, got, want_len, want_md5):
    if len(got) == want_len and md5(got) == want_md5:
        return None
    return "%s: %d bytes (md5 %s), the application sent %d (md5 %s)" % (
        label, len(got), md5(got)[:12], want_len, want_md5[:12])


def check_capture(manifest_path, tcpsession, wrap="", bindir=None, workdir=None):
    """Checks one recorded capture; returns a result dict (see main)."""
    with open(manifest_path) as f:
        manifest = json.load(f)
    capture = os.path.join(os.path.dirname(os.path.abspath(manifest_path)), manifest["capture"])
    name = manifest["scenario"]
    traffic_bin = os.path.join(bindir, "tstraffic") if bindir else None
    conns = manifest["connections"]
    res = {"scenario": name, "capture": capture, "connections": len(conns),
           "directions": 2 * len(conns), "failures": [], "notes": [], "expected": [],
           "bytes": sum(c["client_bytes"] + c["server_bytes"] for c in conns),
           "engine": {"exact": 0, "order": 0, "order_checked": 0, "stream": None, "sessions": 0},
           "tshark": None, "tcpflow": None,
           "xfail": manifest.get("declaration", {}).get("xfail", "")}
    own_tmp = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="gt-check.")
    try:
        return _check(manifest, capture, conns, res, tcpsession, wrap, traffic_bin, workdir)
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)


def match_connections(conns, items, key_of):
    """Pairs manifest connections with items (sessions or streams) of the same
    4-tuple, in order; returns ([(conn, item)], unmatched conns, unmatched items)."""
    by_key = {}
    for it in items:
        by_key.setdefault(key_of(it), []).append(it)
    pairs, lost = [], []
    groups = {}
    for c in conns:
        groups.setdefault(tuple_key(c["client"], c["server"]), []).append(c)
    for key, cs in groups.items():
        cs.sort(key=lambda c: c["start_ns"])
        its = by_key.pop(key, [])
        for i, c in enumerate(cs):
            if i < len(its):
                pairs.append((c, its[i]))
            else:
                lost.append(c)
        by_key[key] = its[len(cs):]
    extra = [it for its in by_key.values() for it in its]
    return pairs, lost, extra


def _check(manifest, capture, conns, res, tcpsession, wrap, traffic_bin, workdir):
    fail, note = res["failures"].append, res["notes"].append
    xfail = [b for b in res["xfail"].split(",") if b]
    for b in xfail:
        if b not in KNOWN_BUGS:
            raise RuntimeError("xfail=%s is no known bug (%s)" % (b, ", ".join(KNOWN_BUGS)))
    expected_ids, facts = set(), {}
    duplex = int(manifest.get("declaration", {}).get("duplex", "0"))
    sessions = run_engine(tcpsession, wrap, capture, os.path.join(workdir, "engine"))
    res["engine"]["sessions"] = len(sessions)
    if len(sessions) != len(conns):
        fail("%d sessions for %d connections" % (len(sessions), len(conns)))
    pairs, lost, extra = match_connections(
        conns, sorted(sessions, key=lambda s: s["stream"]),
        lambda s: tuple_key(s["client"], s["server"]))
    for c in lost:
        fail("connection %d (%s -> %s) has no session" % (
            c["id"], node_text(c["client"]), node_text(c["server"])))
    for s in extra:
        fail("session %d (%s -> %s) is no connection of the manifest" % (
            s["stream"], node_text(s["client"]), node_text(s["server"])))
    for c, s in pairs:
        for side in ("client", "server"):
            got = bytes(s["data"][side])
            problem = direction_report("connection %d stream %d %s" % (c["id"], s["stream"], side),
                                       got, c[side + "_bytes"], c[side + "_md5"])
            if s[side + "_bytes"] != len(got) or s[side + "_md5"] != md5(got):
                problem = (problem or "connection %d stream %d %s" % (c["id"], s["stream"], side)) \
                    + "; the session's %s_bytes/%s_md5 do not match its messages" % (side, side)
            if problem is None:
                res["engine"]["exact"] += 1
                continue
            want = expected_bytes(traffic_bin, manifest, c, side)
            if want is not None:
                off = first_difference(got, want)
                problem += "; first difference at offset %d" % off
            problem += "; gaps %s; anomalies %s; close %s" % (
                json.dumps(s.get("gaps", []))[:300], json.dumps(s.get("anomalies", []))[:300],
                s.get("close"))
            known = [b for b in xfail
                     if KNOWN_BUGS[b][1](s, side, got, c[side + "_bytes"], facts)]
            if known:
                expected_ids.add(c["id"])
                res["expected"].append("%s [known bug %s]" % (problem, known[0]))
            else:
                fail(problem)
        if duplex:
            continue  # both sides sent at once: no request/response order to hold
        res["engine"]["order_checked"] += 1
        want_order = boundaries((m["from"], m["len"]) for m in c["messages"])
        got_order = boundaries(s["seq"])
        if want_order == got_order:
            res["engine"]["order"] += 1
        else:
            (res["expected"].append if c["id"] in expected_ids else fail)(
                "connection %d stream %d: message order %s, the applications' %s" % (
                    c["id"], s["stream"], got_order[:8], want_order[:8]))

    tshark = shutil.which("tshark")
    if tshark:
        frame_stream, first = tshark_fields(tshark, capture)
        ok = 0
        for s in sessions:
            ts = frame_stream.get(s["first_frame"])
            if ts == s["stream"]:
                ok += 1
            else:
                fail("session stream %d (first frame %d) is tcp.stream %s in tshark" % (
                    s["stream"], s["first_frame"], ts))
        if len(first) != len(sessions):
            fail("tshark has %d TCP streams, the engine %d sessions" % (len(first), len(sessions)))
        res["engine"]["stream"] = ok
        # tshark's own reassembly against the ground truth (reported only).
        streams = []
        for st, (src, dst, syn) in sorted(first.items()):
            streams.append({"stream": st, "client": src, "server": dst})
        tpairs, tlost, _ = match_connections(conns, streams,
                                             lambda x: tuple_key(x["client"], x["server"]))
        follow = tshark_follow.run(tshark, capture, [x["stream"] for _, x in tpairs])
        exact, diffs = 0, []
        for c, x in tpairs:
            fl = follow.get(x["stream"])
            if not fl:
                diffs.append("stream %d: no follow output" % x["stream"])
                continue
            nodes, data = fl
            client_node = 0 if not nodes or nodes[0] == node_text(c["client"]) else 1
            for side, idx in (("client", client_node), ("server", 1 - client_node)):
                d = direction_report("tshark stream %d %s" % (x["stream"], side),
                                     data[idx], c[side + "_bytes"],
                                     c[side + "_md5"])
                if d:
                    diffs.append(d)
                else:
                    exact += 1
        res["tshark"] = {"exact": exact, "diffs": diffs}
    else:
        note("tshark not installed: stream numbers and tshark's follow not checked")

    tcpflow = shutil.which("tcpflow")
    if tcpflow:
        files = tcpflow_files(tcpflow, capture, os.path.join(workdir, "tcpflow"))
        exact, diffs = 0, []
        groups = {}
        for c in conns:
            groups.setdefault(tuple_key(c["client"], c["server"]), []).append(c)
        for cs in groups.values():
            cs.sort(key=lambda c: c["start_ns"])
            for k, c in enumerate(cs):
                for side, other in (("client", "server"), ("server", "client")):
                    flows = files.get((tcpflow_name(c[side]), tcpflow_name(c[other])), [])
                    got = flows[k][1] if k < len(flows) else b""
                    if k < len(flows) and flows[k][0] != k:
                        got = dict(flows).get(k, b"")
                    d = direction_report("tcpflow connection %d %s" % (c["id"], side), got,
                                         c[side + "_bytes"], c[side + "_md5"])
                    if d:
                        diffs.append(d)
                    else:
                        exact += 1
        res["tcpflow"] = {"exact": exact, "diffs": diffs}
    else:
        note("tcpflow not installed: not compared")
    return res


# ---- reporting ----------------------------------------------------------------

def report(results, strict_xfail):
    """Prints the per-scenario lines and the totals; returns the exit status.
    strict_xfail: a declared xfail that did not happen is an error (a recorded
    capture is deterministic; a live recording is not)."""
    status = 0
    tot = {"scenarios": 0, "connections": 0, "directions": 0, "bytes": 0, "exact": 0,
           "order": 0, "order_checked": 0, "tshark": 0, "tcpflow": 0, "tshark_dirs": 0,
           "tcpflow_dirs": 0}
    for r in results:
        if "error" in r:
            log("FAIL - %s: %s" % (r["scenario"], r["error"]))
            status = 1
            continue
        e = r["engine"]
        tot["scenarios"] += 1
        for k in ("connections", "directions", "bytes"):
            tot[k] += r[k]
        tot["exact"] += e["exact"]
        tot["order"] += e["order"]
        tot["order_checked"] += e["order_checked"]
        line = ("%s: %d connections, %d bytes; engine %d/%d directions exact, order %d/%d, "
                "%d sessions, streams %s" % (
                    r["scenario"], r["connections"], r["bytes"], e["exact"], r["directions"],
                    e["order"], e["order_checked"], e["sessions"],
                    "%d/%d = tshark" % (e["stream"], e["sessions"]) if e["stream"] is not None
                    else "unchecked"))
        for tool in ("tshark", "tcpflow"):
            if r[tool] is not None:
                line += "; %s %d/%d" % (tool, r[tool]["exact"], r["directions"])
                tot[tool] += r[tool]["exact"]
                tot[tool + "_dirs"] += r["directions"]
        tot["expected"] = tot.get("expected", 0) + len(r["expected"])
        if r["failures"]:
            log("FAIL - " + line)
            status = 1
        elif r["expected"]:
            log("XFAIL - %s (known engine bug %s: %s)" % (
                line, r["xfail"], "; ".join(KNOWN_BUGS[b][0] for b in r["xfail"].split(","))))
        elif r["xfail"] and strict_xfail:
            log("XPASS - %s (declared xfail=%s did not happen: the bug is fixed, remove the "
                "xfail)" % (line, r["xfail"]))
            status = 1
        else:
            log("ok - " + line + (" (xfail=%s did not trigger this run)" % r["xfail"]
                                  if r["xfail"] else ""))
        for f in r["failures"][:30]:
            log("    engine: " + f)
        if len(r["failures"]) > 30:
            log("    engine: ... %d more" % (len(r["failures"]) - 30))
        for f in r["expected"][:10]:
            log("    expected failure: " + f)
        for tool in ("tshark", "tcpflow"):
            if r[tool] is not None:
                for d in r[tool]["diffs"][:6]:
                    log("    report (not a failure): " + d)
                if len(r[tool]["diffs"]) > 6:
                    log("    report (not a failure): %s: %d more directions differ" % (
                        tool, len(r[tool]["diffs"]) - 6))
        for n in r["notes"]:
            log("    note: " + n)
    log("# totals: %d scenarios, %d connections, %d bytes; engine %d/%d directions exact, "
        "order %d/%d; tshark follow %d/%d; tcpflow %d/%d" % (
            tot["scenarios"], tot["connections"], tot["bytes"], tot["exact"], tot["directions"],
            tot["order"], tot["order_checked"], tot["tshark"], tot["tshark_dirs"], tot["tcpflow"],
            tot["tcpflow_dirs"]))
    return status, tot


def write_summary(path, results, totals):
    if not path:
        return
    slim = []
    for r in results:
        r = dict(r)
        for tool in ("tshark", "tcpflow"):
            if r.get(tool):
                r[tool] = {"exact": r[tool]["exact"], "diffs": r[tool]["diffs"][:50]}
        slim.append(r)
    with open(path, "w") as f:
        json.dump({"totals": totals, "scenarios": slim}, f, indent=1)


# ---- commands -----------------------------------------------------------------

def can_record():
    """None when this machine can record, else the reason it cannot."""
    if os.geteuid() != 0:
        return "not root (network namespaces and TAP devices need root)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    if not shutil.which("ip"):
        return "no ip command (iproute2)"
    r = subprocess.run(["ip", "netns", "list"], capture_output=True)
    if r.returncode:
        return "ip netns does not work here"
    return None


def cmd_run(args):
    why = can_record()
    if why:
        log("SKIP: " + why)
        return 77
    table = parse_table(args.scenarios)
    only = set(args.only.split(",")) if args.only else None
    if only and only - {n for n, _, _ in table}:
        raise SystemExit("unknown scenario(s): %s" % ", ".join(only - {n for n, _, _ in table}))
    remove_stale_namespaces()
    workdir = args.workdir or tempfile.mkdtemp(prefix="gt-run.")
    os.makedirs(workdir, exist_ok=True)
    results = []
    t0 = time.time()
    try:
        for i, (name, opts, decl) in enumerate(table):
            if only and name not in only:
                continue
            t = time.time()
            try:
                tag = "tsgt%d%s" % (os.getpid(), chr(97 + i % 26))
                try:
                    manifest = record(name, opts, args.bindir, os.path.join(workdir, name), tag)
                except RuntimeError as e:
                    # The traffic itself went wrong (a loaded machine): once more.
                    log("# %s: recording failed, once more: %s" % (name, str(e)[:300]))
                    manifest = record(name, opts, args.bindir, os.path.join(workdir, name), tag)
                rec_s = time.time() - t
                r = check_capture(manifest, args.tcpsession, args.wrap, args.bindir,
                                  os.path.join(workdir, name, "check"))
                r["seconds"] = {"record": round(rec_s, 1), "check": round(time.time() - t - rec_s, 1)}
            except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
                r = {"scenario": name, "error": str(e)}
            log("# %s (%s): %.1fs" % (name, decl, time.time() - t))
            results.append(r)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    status, totals = report(results, strict_xfail=False)
    totals["seconds"] = round(time.time() - t0, 1)
    log("# %.1fs in all" % totals["seconds"])
    write_summary(args.summary, results, totals)
    return status


def cmd_record(args):
    why = can_record()
    if why:
        log("SKIP: " + why)
        return 77
    table = {n: o for n, o, _ in parse_table(args.scenarios)}
    if args.name not in table:
        raise SystemExit("no scenario %s in %s" % (args.name, args.scenarios))
    remove_stale_namespaces()
    path = record(args.name, table[args.name], args.bindir, args.out, "tsgt%d" % os.getpid())
    with open(path) as f:
        keep = json.load(f)["capture"]
    for ext in (".pcap", ".pcapng"):
        if args.name + ext != keep and not args.both:
            os.unlink(os.path.join(args.out, args.name + ext))
    log("recorded %s" % path)
    return 0


def cmd_check(args):
    t0 = time.time()
    results = []
    for m in args.manifests:
        try:
            results.append(check_capture(m, args.tcpsession, args.wrap, args.bindir))
        except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
            results.append({"scenario": m, "error": str(e)})
    status, totals = report(results, strict_xfail=True)
    totals["seconds"] = round(time.time() - t0, 1)
    log("# %.1fs in all" % totals["seconds"])
    write_summary(args.summary, results, totals)
    return status


def cmd_cut(args):
    with open(args.manifest) as f:
        manifest = json.load(f)
    capture = os.path.join(os.path.dirname(os.path.abspath(args.manifest)), manifest["capture"])
    ids = {int(x) for x in args.conn.split(",")}
    keys = {tuple_key(c["client"], c["server"]) for c in manifest["connections"] if c["id"] in ids}
    if not keys:
        raise SystemExit("no connection %s in %s" % (args.conn, args.manifest))
    conns = [c for c in manifest["connections"] if tuple_key(c["client"], c["server"]) in keys]
    terms = []
    for cip, cport, sip, sport in sorted(keys):
        ipf = "ipv6" if ":" in cip else "ip"
        terms.append("(%s.addr==%s && %s.addr==%s && tcp.port==%d && tcp.port==%d)" % (
            ipf, cip, ipf, sip, cport, sport))
    os.makedirs(args.out, exist_ok=True)
    out = os.path.join(args.out, args.name + ".pcap")
    subprocess.run([shutil.which("tshark") or "tshark", "-r", capture, "-Y", " || ".join(terms),
                    "-F", "pcap", "-w", out], check=True, capture_output=True)
    manifest = dict(manifest, scenario=args.name, capture=os.path.basename(out), connections=conns,
                    cut_from={"scenario": manifest["scenario"], "connections": sorted(ids)})
    if args.xfail:
        manifest["declaration"] = dict(manifest.get("declaration", {}), xfail=args.xfail)
    path = os.path.join(args.out, args.name + ".manifest.json")
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    log("wrote %s (%d connections) and %s" % (out, len(conns), path))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--bindir", required=True)
    p.add_argument("--tcpsession", required=True)
    p.add_argument("--wrap", default="")
    p.add_argument("--only")
    p.add_argument("--scenarios", default=DEFAULT_TABLE)
    p.add_argument("--workdir")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--summary")
    p = sub.add_parser("record")
    p.add_argument("name")
    p.add_argument("--bindir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--scenarios", default=DEFAULT_TABLE)
    p.add_argument("--both", action="store_true", help="keep both the pcap and the pcapng")
    p = sub.add_parser("check")
    p.add_argument("manifests", nargs="+")
    p.add_argument("--tcpsession", required=True)
    p.add_argument("--wrap", default="")
    p.add_argument("--bindir")
    p.add_argument("--summary")
    p = sub.add_parser("cut")
    p.add_argument("manifest")
    p.add_argument("--conn", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--xfail", default="")
    args = ap.parse_args()

    # Turn SIGTERM/SIGHUP into an exception so the finally blocks tear down.
    def on_signal(sig, frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        return {"run": cmd_run, "record": cmd_record, "check": cmd_check,
                "cut": cmd_cut}[args.cmd](args)
    except KeyboardInterrupt:
        log("interrupted; everything recorded so far was torn down")
        return 1


if __name__ == "__main__":
    sys.exit(main())
