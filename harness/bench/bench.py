#!/usr/bin/env python3
"""bench.py — tcpsession's benchmark harness (issue 6); run it via bench.sh.

Generates (or reuses from a cache) benchmark captures with bench-gen, then
runs, side by side, round after round (tools interleaved within a round so
machine noise spreads over all of them), and prints a Markdown table of
median wall time, CPU time (user+sys), peak RSS, throughput and ratios:

  - `tcpsession extract --format tcpflow` vs `tcpflow -r` (files compared:
    same names, same bytes);
  - `tcpsession extract --format none` vs `cat CAPTURE > /dev/null` (the
    read limit; page cache warm), and vs nids-reassemble (libnids, built here
    from nids-reassemble.c when libnids-dev is installed) on an IPv4-only
    capture of the same shape (libnids does not see IPv6);
  - `tcpsession extract` (jsonl) vs tshark following every stream on a
    smaller capture (per-stream byte counts compared), two ways: one tshark
    pass with a `-q -z follow,tcp,raw,N` tap for every N (the fastest way to
    drive tshark, what `tcpsession verify` does), and one tshark run per
    stream, as a user following streams one by one does (measured once, in
    the first round: it takes minutes);
  - one capture vs the same volume in P captures (P = number of CPUs, at least
    2): one `tcpsession extract A B ...` invocation, and P `tcpsession`
    processes started in parallel.

Outputs are written under --outdir (default: the work directory); the
report names its file system, since creating thousands of files costs the
tools more on a journalled disk than on tmpfs.

Measurements come from os.wait4 (ru_utime + ru_stime, ru_maxrss); for the
parallel case CPU is summed and peak RSS summed over the processes. Only the
command is timed: output directories are removed between runs, untimed.
Targets (issue 6) are printed with yes/no; they never change the exit status.
Exit status: 0 when every tool ran (whatever the numbers), 1 when a tool
failed or the tcpflow-format files differ from tcpflow's, 2 for usage errors.
"""

import argparse
import filecmp
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tshark_follow  # noqa: E402 (harness/tshark_follow.py)

HERE = os.path.dirname(os.path.abspath(__file__))
MB = 1e6


# ---- helpers ----------------------------------------------------------------


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(1)


def find_tcpsession(given):
    for cand in (given, os.environ.get("TS_BIN"), os.path.join(HERE, "..", "..", "tcpsession"),
                 shutil.which("tcpsession")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    die("tcpsession not found (build it with make, or pass --tcpsession PATH)")


def find_bench_gen(given, tcpsession):
    for cand in (given, os.environ.get("TS_BENCH_GEN"),
                 os.path.join(os.path.dirname(tcpsession), "harness", "bench", "bench-gen"),
                 os.path.join(HERE, "bench-gen")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    die("bench-gen not found (make harness/bench/bench-gen, or pass --bench-gen PATH)")


def first_line(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=30).stdout.decode("utf-8", "replace")
        return out.strip().splitlines()[0] if out.strip() else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def mem_total_gb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0


def loadavg():
    try:
        return " ".join("%.2f" % x for x in os.getloadavg())
    except OSError:
        return "?"


def human_bytes(n):
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return "%.1f %s" % (n / size, unit)
    return "%d B" % n


def parse_kv(line):
    return {k: int(v) if v.isdigit() else v for k, v in re.findall(r"(\w+)=(\S+)", line)}


# ---- running and measuring --------------------------------------------------


class Result:
    def __init__(self, wall, cpu, rss_kb):
        self.wall, self.cpu, self.rss_kb = wall, cpu, rss_kb


# GNU time reports the peak RSS of the command alone. os.wait4 cannot: a
# child forked from this Python process keeps Python's resident set as its
# high-water mark across exec.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_measured(cmds, stdout, errpath, work):
    """Starts every command of `cmds` at once and waits for all: wall time to
    the last exit, CPU (user+sys, from os.wait4, which includes the command
    run by GNU time) summed, peak RSS (from GNU time) summed. Raises on
    failure."""
    procs = []
    rss_files = []
    t0 = time.perf_counter()
    with open(errpath, "wb") as err, open(stdout, "wb") as out:
        for i, cmd in enumerate(cmds):
            if GNU_TIME:
                rss_files.append(os.path.join(work, "rss.%d" % i))
                cmd = [GNU_TIME, "-f", "%M", "-o", rss_files[-1]] + cmd
            procs.append(subprocess.Popen(cmd, stdout=out, stderr=err))
        cpu = 0.0
        failed = []
        for p in procs:
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            cpu += ru.ru_utime + ru.ru_stime
            if p.returncode != 0:
                failed.append((p.args, p.returncode))
    wall = time.perf_counter() - t0
    if failed:
        with open(errpath, "rb") as f:
            tail = f.read()[-2000:].decode("utf-8", "replace")
        raise RuntimeError("%s exited with %d\n%s" % (" ".join(failed[0][0]), failed[0][1], tail))
    rss = 0
    for path in rss_files:
        with open(path) as f:
            rss += int(f.read().split()[-1])
    return Result(wall, cpu, rss if GNU_TIME else float("nan"))


class Case:
    """One command measured every round. `argv` is a list of argv lists (more
    than one = run in parallel); `outdirs` are removed before each run."""

    def __init__(self, key, label, argv, nbytes, outdirs=(), stdout_name=None, once=False):
        self.key, self.label, self.argv, self.nbytes = key, label, argv, nbytes
        self.outdirs, self.stdout_name = list(outdirs), stdout_name
        self.once = once  # measured in the first round only
        self.results = []

    def med(self, attr):
        return statistics.median(getattr(r, attr) for r in self.results)

    def best(self):
        return min(r.wall for r in self.results)

    def throughput(self):
        return self.nbytes / self.med("wall")


# ---- captures ----------------------------------------------------------------


def gen_version(bench_gen):
    """Identity of the generator for the cache: its source when next to this
    script, else the binary."""
    src = os.path.join(HERE, "bench-gen.c")
    h = hashlib.sha1()
    with open(src if os.path.isfile(src) else bench_gen, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:12]


def make_capture(bench_gen, cache, name, size, conns, seed, ipv6=30):
    """Generates (or reuses) a capture; returns (path, facts)."""
    tag = "%s-%gMB-%dc-s%d-v6_%d-%s" % (name, size, conns, seed, ipv6, gen_version(bench_gen))
    path = os.path.join(cache, tag + ".pcap")
    facts_path = os.path.join(cache, tag + ".facts")
    if os.path.isfile(path) and os.path.isfile(facts_path):
        with open(facts_path) as f:
            facts = parse_kv(f.read())
        if facts.get("bytes") == os.path.getsize(path):
            return path, facts
    t0 = time.perf_counter()
    tmp = path + ".tmp"
    out = subprocess.run([bench_gen, tmp, "--size", "%g" % size, "--connections", str(conns),
                          "--seed", str(seed), "--ipv6", str(ipv6)], stdout=subprocess.PIPE,
                         check=True)
    os.replace(tmp, path)
    with open(facts_path, "wb") as f:
        f.write(out.stdout)
    facts = parse_kv(out.stdout.decode())
    print("  generated %s (%s) in %.1f s" % (os.path.basename(path), human_bytes(facts["bytes"]),
                                             time.perf_counter() - t0), file=sys.stderr)
    return path, facts


def build_nids(tmp):
    """Compiles nids-reassemble.c when libnids is installed; returns the
    binary or None with a reason."""
    src = os.path.join(HERE, "nids-reassemble.c")
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None, "no C compiler"
    if not os.path.isfile(src):
        return None, "nids-reassemble.c not found"
    exe = os.path.join(tmp, "nids-reassemble")
    for libs in (["-lnids", "-lpcap"], ["-lnids", "-lpcap", "-lnet", "-lgthread-2.0",
                                          "-lglib-2.0"]):
        r = subprocess.run([cc, "-std=gnu11", "-O2", "-Wall", "-o", exe, src] + libs,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode == 0:
            return exe, ""
    return None, "libnids not available (apt-get install libnids-dev)"


# ---- checks -------------------------------------------------------------------


def compare_tcpflow_dirs(theirs, ours):
    """Compares tcpflow's files with ours; returns (identical, nfiles,
    description lines)."""
    t = set(os.listdir(theirs)) - {"report.xml"}
    o = set(os.listdir(ours)) if os.path.isdir(ours) else set()
    lines = []
    for name in sorted(t - o)[:5]:
        lines.append("only tcpflow wrote %s (%d bytes)" %
                     (name, os.path.getsize(os.path.join(theirs, name))))
    for name in sorted(o - t)[:5]:
        lines.append("only tcpsession wrote %s (%d bytes)" %
                     (name, os.path.getsize(os.path.join(ours, name))))
    differ = 0
    for name in sorted(t & o):
        a, b = os.path.join(theirs, name), os.path.join(ours, name)
        if filecmp.cmp(a, b, shallow=False):
            continue
        differ += 1
        if differ > 5:
            continue
        with open(a, "rb") as fa, open(b, "rb") as fb:
            da, db = fa.read(), fb.read()
        n = min(len(da), len(db))
        first = next((i for i in range(n) if da[i] != db[i]), n)
        if first == n and len(da) > len(db):
            why = "tcpflow has %d more bytes at the end" % (len(da) - len(db))
            if not da[n:].strip(b"\0"):
                why += " (zeros: tcpflow fills holes)"
        elif first == n:
            why = "tcpsession has %d more bytes at the end" % (len(db) - len(da))
        else:
            why = "first difference at byte %d (tcpflow %d bytes, tcpsession %d)" % (
                first, len(da), len(db))
        lines.append("%s: %s" % (name, why))
    if differ > 5:
        lines.append("... %d files differ in all" % differ)
    ok = t == o and differ == 0
    return ok, len(t), lines


def follow_bytes(path):
    """Per-stream byte totals from tshark's `-q -z follow,tcp,raw,N` output."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return {stream: len(data[0]) + len(data[1])
                for stream, (_, data) in tshark_follow.parse(f.read()).items()}


def jsonl_bytes(path):
    totals = {}
    with open(path, "rb") as f:
        for line in f:
            s = json.loads(line)
            totals[s["stream"]] = s["client_bytes"] + s["server_bytes"]
    return totals


# ---- main ----------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description="tcpsession benchmark (issue 6)")
    ap.add_argument("--quick", action="store_true",
                    help="tiny captures, one round (for CI: checks the script works)")
    ap.add_argument("--rounds", type=int, help="rounds per tool (default 5, --quick 1)")
    ap.add_argument("--size", type=float, help="main capture size in MB (default 500)")
    ap.add_argument("--connections", type=int, help="connections in it (default 5000)")
    ap.add_argument("--tshark-size", type=float, help="tshark capture size in MB (default 20)")
    ap.add_argument("--tshark-connections", type=int, help="its connections (default 200)")
    ap.add_argument("--parts", type=int, help="captures for the multi-file case (default: CPUs)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", help="capture cache directory (default $TS_BENCH_CACHE or "
                    "~/.cache/tcpsession-bench; --quick: a temporary directory)")
    ap.add_argument("--workdir", help="where outputs go (default: a temporary directory)")
    ap.add_argument("--outdir", help="where the tools write their files (default: inside "
                    "--workdir); e.g. /dev/shm to measure the tools rather than the disk")
    ap.add_argument("--no-tshark-loop", action="store_true",
                    help="skip the one-tshark-per-stream run (minutes)")
    ap.add_argument("--tcpsession", help="tcpsession binary")
    ap.add_argument("--bench-gen", help="bench-gen binary")
    ap.add_argument("--baseline", help="another tcpsession binary (e.g. a build of main) "
                    "measured in the same rounds: prints both builds' ratios against "
                    "libnids and tcpflow and how much they differ")
    args = ap.parse_args()

    quick = args.quick
    rounds = args.rounds or (1 if quick else 5)
    size = args.size or (4 if quick else 500)
    conns = args.connections or (40 if quick else 5000)
    ts_size = args.tshark_size or (1 if quick else 20)
    ts_conns = args.tshark_connections or (10 if quick else 200)
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = args.parts or max(2, min(ncpu or 2, 8))
    if rounds < 1 or size <= 0 or conns < 1 or parts < 2:
        print("bench: bad arguments", file=sys.stderr)
        sys.exit(2)

    tcpsession = find_tcpsession(args.tcpsession)
    bench_gen = find_bench_gen(args.bench_gen, tcpsession)
    tcpflow = shutil.which("tcpflow")
    tshark = shutil.which("tshark")

    work = tempfile.mkdtemp(prefix="tcpsession-bench.", dir=args.workdir)
    try:
        status = bench(args, quick, rounds, size, conns, ts_size, ts_conns, parts, ncpu,
                       tcpsession, bench_gen, tcpflow, tshark, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(status)


def bench(args, quick, rounds, size, conns, ts_size, ts_conns, parts, ncpu, tcpsession,
          bench_gen, tcpflow, tshark, work):
    if quick and not args.cache:
        cache = os.path.join(work, "cache")
    else:
        cache = args.cache or os.environ.get("TS_BENCH_CACHE") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
            "tcpsession-bench")
    os.makedirs(cache, exist_ok=True)
    load_before = loadavg()

    print("preparing captures in %s" % cache, file=sys.stderr)
    main_cap, main_facts = make_capture(bench_gen, cache, "main", size, conns, args.seed)
    part_caps = [make_capture(bench_gen, cache, "part%d" % i, size / parts,
                              max(1, conns // parts), args.seed + 100 + i)
                 for i in range(parts)]
    ts_cap, ts_facts = make_capture(bench_gen, cache, "tshark", ts_size, ts_conns, args.seed)
    nids, nids_why = build_nids(work)
    if nids:  # libnids only sees IPv4: compare on a capture it can fully process
        v4_cap, v4_facts = make_capture(bench_gen, cache, "ipv4", size, conns, args.seed, ipv6=0)
    else:
        v4_cap, v4_facts = None, None
    main_bytes = main_facts["bytes"]
    parts_bytes = sum(f["bytes"] for _, f in part_caps)
    ts_bytes = ts_facts["bytes"]
    out = os.path.join(work, "out")
    if args.outdir:
        out = tempfile.mkdtemp(prefix="tcpsession-bench-out.", dir=args.outdir)
    stem = os.path.splitext(os.path.basename(main_cap))[0]
    ts_stem = os.path.splitext(os.path.basename(ts_cap))[0]

    cases = [
        Case("cat", "`cat` > /dev/null", [["cat", main_cap]], main_bytes),
        Case("none", "`tcpsession extract --format none`",
             [[tcpsession, "extract", "--format", "none", main_cap]], main_bytes),
    ]
    if nids:
        cases.append(Case("none_v4", "`tcpsession extract --format none`",
                          [[tcpsession, "extract", "--format", "none", v4_cap]],
                          v4_facts["bytes"]))
        cases.append(Case("nids", "libnids (nids-reassemble)",
                          [[nids, "-n", str(max(65536, 2 * conns)), v4_cap]], v4_facts["bytes"],
                          stdout_name="nids.out"))
    cases.append(Case("tf_ours", "`tcpsession extract --format tcpflow`",
                      [[tcpsession, "extract", "-q", "--format", "tcpflow", "-o",
                        os.path.join(out, "ours"), main_cap]], main_bytes,
                      outdirs=[os.path.join(out, "ours")]))
    if tcpflow:
        cases.append(Case("tf_theirs", "`tcpflow -r`",
                          [[tcpflow, "-r", main_cap, "-o", os.path.join(out, "theirs")]],
                          main_bytes, outdirs=[os.path.join(out, "theirs")]))
    cases.append(Case("raw_ours", "`tcpsession extract --format raw`",
                      [[tcpsession, "extract", "-q", "--format", "raw", "-o",
                        os.path.join(out, "raw"), main_cap]], main_bytes,
                      outdirs=[os.path.join(out, "raw")]))
    py = python_case(tcpsession, main_cap, main_bytes)
    if py is not None:
        cases.append(py)
    cases.append(Case("rss_jsonl", "`tcpsession extract` (jsonl)",
                      [[tcpsession, "extract", "-q", "-o", os.path.join(out, "rss_jsonl"),
                        main_cap]], main_bytes, outdirs=[os.path.join(out, "rss_jsonl")],
                      once=True))
    cases.append(Case("multi_seq", "`tcpsession extract --format none` on %d files, one "
                      "process" % parts,
                      [[tcpsession, "extract", "-q", "--format", "none"] +
                       [c for c, _ in part_caps]], parts_bytes))
    cases.append(Case("multi_par", "`tcpsession extract --format none`, %d processes in "
                      "parallel" % parts,
                      [[tcpsession, "extract", "-q", "--format", "none", c]
                       for c, _ in part_caps], parts_bytes))
    cases.append(Case("js_ours", "`tcpsession extract` (jsonl)",
                      [[tcpsession, "extract", "-q", "-o", os.path.join(out, "jsonl"), ts_cap]],
                      ts_bytes, outdirs=[os.path.join(out, "jsonl")]))
    cases.append(Case("js_none", "`tcpsession extract --format none`",
                      [[tcpsession, "extract", "-q", "--format", "none", ts_cap]], ts_bytes))
    if tshark:
        follow = []
        for n in range(ts_facts["connections"]):
            follow += ["-z", "follow,tcp,raw,%d" % n]
        cases.append(Case("tshark", "tshark, follow every stream (one pass, a tap per stream)",
                          [[tshark, "-n", "-r", ts_cap, "-q"] + follow], ts_bytes,
                          stdout_name="tshark.out"))
        if not args.no_tshark_loop:
            loop = ('for n in $(seq 0 %d); do "$0" -n -r "$1" -q -z follow,tcp,raw,$n || exit 1; '
                    'done' % (ts_facts["connections"] - 1))
            cases.append(Case("tshark_loop", "tshark, one run per stream",
                              [["sh", "-c", loop, tshark, ts_cap]], ts_bytes,
                              stdout_name="tshark_loop.out", once=True))
    if args.baseline:
        base = os.path.abspath(args.baseline)
        cases.append(Case("none_base", "baseline `--format none`",
                          [[base, "extract", "--format", "none", main_cap]], main_bytes))
        if nids:
            cases.append(Case("none_v4_base", "baseline `--format none`",
                              [[base, "extract", "--format", "none", v4_cap]],
                              v4_facts["bytes"]))
        cases.append(Case("tf_base", "baseline `--format tcpflow`",
                          [[base, "extract", "-q", "--format", "tcpflow", "-o",
                            os.path.join(out, "base"), main_cap]], main_bytes,
                          outdirs=[os.path.join(out, "base")]))
    by = {c.key: c for c in cases}

    # warm the page cache: every tool reads the captures from memory
    for path in [main_cap, ts_cap] + [c for c, _ in part_caps]:
        subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)

    status = 0
    checks = {}
    for r in range(rounds):
        print("round %d/%d" % (r + 1, rounds), file=sys.stderr)
        for c in cases:
            if c.once and r > 0:
                continue
            for d in c.outdirs:
                shutil.rmtree(d, ignore_errors=True)
                os.makedirs(os.path.dirname(d), exist_ok=True)
            if c.key == "tf_theirs":
                os.makedirs(c.outdirs[0], exist_ok=True)
            stdout = os.path.join(work, c.stdout_name) if c.stdout_name else os.devnull
            try:
                res = run_measured(c.argv, stdout, os.path.join(work, c.key + ".err"), work)
            except RuntimeError as e:
                print("bench: %s" % e, file=sys.stderr)
                return 1
            c.results.append(res)
            print("  %-10s %7.3f s wall %7.3f s cpu %7.1f MB" %
                  (c.key, res.wall, res.cpu, res.rss_kb / 1024), file=sys.stderr)
            if r == 0:
                first_round_check(c, checks, work, out, stem, ts_stem)
    if "tf_theirs" in by and not checks["tcpflow"][0]:
        status = 1
    for d in (os.path.join(out, "ours"), os.path.join(out, "theirs"), os.path.join(out, "base"),
              os.path.join(out, "raw")):
        shutil.rmtree(d, ignore_errors=True)
    out_fs = first_line(["stat", "-f", "-c", "%T", out])
    if args.outdir:
        shutil.rmtree(out, ignore_errors=True)

    report(args, quick, rounds, parts, ncpu, by, checks, (main_cap, main_facts), part_caps,
           (ts_cap, ts_facts), (v4_cap, v4_facts), nids_why, tcpflow, tshark, load_before,
           out_fs)
    return status


# Every session of the capture in Python, every byte touched (crc32 of both
# directions), through the package staged beside the command.
PY_ITERATE = """import sys, zlib, tcpsession
n = total = 0
for s in tcpsession.sessions(sys.argv[1]):
    n += 1
    total += len(s.client_data) + len(s.server_data)
    zlib.crc32(s.client_data); zlib.crc32(s.server_data)
print("python", n, "sessions", total, "bytes", file=sys.stderr)
"""


def python_case(tcpsession, capture, nbytes):
    """The Python package's case, or None when it is not built."""
    stage = os.path.join(os.path.dirname(os.path.abspath(tcpsession)), "engine", "python",
                         "stage")
    python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    module = os.path.join(stage, "tcpsession", "_native.so")
    if not os.path.isfile(module):
        return None
    with open(module, "rb") as f:
        if b"__asan_init" in f.read():  # a sanitizer build: not a benchmark
            return None
    return Case("python", "Python: `for s in tcpsession.sessions(...)`, every byte touched",
                [["env", "PYTHONPATH=" + stage, python, "-c", PY_ITERATE, capture]], nbytes)


def first_round_check(c, checks, work, out, stem, ts_stem):
    """Checks outputs once, right after the first round's run of `c`."""
    if c.key in ("none", "none_v4"):
        with open(os.path.join(work, c.key + ".err")) as f:  # the summary line
            m = re.search(r"(\d+) sessions, (\d+) frames, (\d+) bytes delivered", f.read())
        checks[c.key] = tuple(int(x) for x in m.groups()) if m else (0, 0, 0)
    elif c.key == "nids":
        with open(os.path.join(work, "nids.out")) as f:
            nf = parse_kv(f.read())
        checks["nids"] = (nf.get("streams", 0), nf.get("bytes", 0))
    elif c.key == "tf_theirs":
        checks["tcpflow"] = compare_tcpflow_dirs(os.path.join(out, "theirs"),
                                                 os.path.join(out, "ours", stem))
    elif c.key in ("tshark", "tshark_loop"):
        theirs = follow_bytes(os.path.join(work, c.stdout_name))
        ours = jsonl_bytes(os.path.join(out, "jsonl", ts_stem, "sessions.jsonl"))
        differ = sorted(s for s in set(theirs) | set(ours) if theirs.get(s) != ours.get(s))
        checks[c.key] = (not differ, len(ours), differ[:5])


def yn(ok):
    return "yes" if ok else "**no**"


def report(args, quick, rounds, parts, ncpu, by, checks, main, part_caps, ts, v4, nids_why,
           tcpflow, tshark, load_before, out_fs):
    p = print
    main_cap, main_facts = main
    p("")
    p("# tcpsession benchmark%s" % (" (--quick: tiny captures, numbers meaningless)"
                                    if quick else ""))
    p("")
    p("- machine: %d CPUs (%s), %.1f GB RAM, Linux %s; load average %s before, %s after" %
      (ncpu, cpu_model(), mem_total_gb(), platform.release(), load_before, loadavg()))
    p("- tools: %s; %s; %s; libnids %s" % (
        first_line([args_tcpsession(by), "--version"]),
        first_line(["tcpflow", "-V"]) if tcpflow else "tcpflow not installed",
        first_line(["tshark", "-v"]).split(" (Git")[0] if tshark else "tshark not installed",
        first_line(["dpkg-query", "-W", "-f", "${Version}", "libnids-dev"])
        if "nids" in by else "not used (%s)" % nids_why))

    def cap_line(name, path, f):
        return ("- %s: `%s`, %s, %d packets, %d connections (%d IPv6), up to %d concurrent, "
                "largest message %s, %d reordered pairs, %d retransmissions" %
                (name, os.path.basename(path), human_bytes(f["bytes"]), f["packets"],
                 f["connections"], f["ipv6"], f["max_concurrent"], human_bytes(f["max_message"]),
                 f["reordered"], f["retransmitted"]))

    p(cap_line("main capture", main_cap, main_facts))
    if "none" in checks:
        p("  (tcpsession: %d sessions, %d frames, %s delivered)" %
          (checks["none"][0], checks["none"][1], human_bytes(checks["none"][2])))
    p("- multi-file: %d captures of %s each (%s in all)" %
      (parts, human_bytes(part_caps[0][1]["bytes"]), human_bytes(sum(f["bytes"]
                                                                     for _, f in part_caps))))
    if v4[0]:
        p(cap_line("IPv4-only capture (for libnids)", *v4))
    p(cap_line("tshark capture", *ts))
    p("- %d round%s, tools interleaved in each round; medians (wall: median and minimum); "
      "page cache warm; CPU = user+sys; RSS = peak resident set (summed over parallel "
      "processes%s); outputs written to a %s file system" %
      (rounds, "" if rounds == 1 else "s", "" if GNU_TIME else "; n/a: /usr/bin/time missing",
       out_fs))
    p("")
    p("| comparison | command | wall (min) | CPU | peak RSS | throughput | ratio (CPU) | target "
      "| met |")
    p("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")

    def rate(bps):
        return "%.2f GB/s" % (bps / 1e9) if bps >= 1e8 else "%.1f MB/s" % (bps / 1e6)

    def row(comp, c, ratio="", target="", met=""):
        p("| %s | %s | %.3f s (%.3f) | %.3f s | %.1f MB | %s | %s | %s | %s |" %
          (comp, c.label, c.med("wall"), c.best(), c.med("cpu"), c.med("rss_kb") / 1024,
           rate(c.throughput()), ratio, target, met))

    def rx(a, b):
        """How many times faster a is than b (wall)."""
        return b.med("wall") / a.med("wall")

    def rxs(a, b, fmt="%.1fx"):
        """rx(a, b) as text, followed by the same ratio on CPU time."""
        return (fmt + " (" + fmt + ")") % (rx(a, b), b.med("cpu") / a.med("cpu"))

    none = by["none"]
    tf = by["tf_ours"]
    if "tf_theirs" in by:
        ratio = rx(tf, by["tf_theirs"])
        ok, nfiles, _ = checks["tcpflow"]
        row("tcpflow files", tf, rxs(tf, by["tf_theirs"]),
            ">= 3x faster than tcpflow, identical files",
            yn(ratio >= 3 and ok))
        row("tcpflow files", by["tf_theirs"], "1.0x")
    else:
        row("tcpflow files", tf, "", "tcpflow not installed", "n/a")
    row("raw speed", none, "", ">= 1 GB/s of capture on one core",
        yn(none.throughput() >= 1e9))
    row("raw speed", by["cat"], "%.2fx" % (none.med("wall") / by["cat"].med("wall")),
        "(read limit; ratio = tcpsession wall / cat wall)", "")
    if "nids" in by:
        ours, nids = by["none_v4"], by["nids"]
        ratio = rx(ours, nids)
        row("vs libnids (IPv4 only)", ours, rxs(ours, nids, "%.2fx"),
            "at least as fast as libnids", yn(ratio >= 1))
        row("vs libnids (IPv4 only)", nids, "1.00x")
    js = by["js_ours"]
    if "tshark" in by:
        ratio = rx(js, by["tshark"])
        row("follow every stream", js, rxs(js, by["tshark"], "%.0fx"),
            ">= 100x faster than tshark",
            yn(ratio >= 100))
        row("follow every stream", by["js_none"], rxs(by["js_none"], by["tshark"], "%.0fx"),
            "(engine alone, nothing written)", "")
        row("follow every stream", by["tshark"], "1x")
        if "tshark_loop" in by:
            loop = by["tshark_loop"]
            ratio = rx(js, loop)
            row("follow every stream", loop, "%.0fx (jsonl vs this)" % ratio,
                ">= 100x faster than tshark (one run per stream)", yn(ratio >= 100))
    else:
        row("follow every stream", js, "", "tshark not installed", "n/a")
    raw = by["raw_ours"]
    row("Python package", raw, rxs(raw, none, "%.2fx"), "(vs `--format none`)", "")
    if "python" in by:
        py = by["python"]
        row("Python package", py, "%s; %s" % (rxs(py, none, "%.2fx"), rxs(py, raw, "%.2fx")),
            "(vs `--format none`; vs `--format raw`)", "")
    else:
        row("Python package", raw, "", "package not built", "n/a")
    seq, par = by["multi_seq"], by["multi_par"]
    one = none.throughput()
    row("several files", none, "1.00x", "(one file, one process)", "")
    row("several files", seq, "%.2fx" % (seq.throughput() / one),
        ">= 1.8x vs one core (one invocation)", yn(seq.throughput() / one >= 1.8))
    row("several files", par, "%.2fx" % (par.throughput() / one),
        ">= 1.8x vs one core (separate processes)", yn(par.throughput() / one >= 1.8))
    p("")
    p("Ratios: times faster than the row's competitor by median wall time (in parentheses: "
      "by CPU time, steadier on a busy machine); targets are judged on wall time; for several "
      "files, throughput relative to one file in one process.")
    p("")
    p("Checks:")
    if "tcpflow" in checks:
        ok, nfiles, lines = checks["tcpflow"]
        p("- tcpflow-format files identical to tcpflow's: %s (%d files)" % (yn(ok), nfiles))
        for line in lines:
            p("  - %s" % line)
    if "nids" in checks and "none_v4" in checks:
        streams, nbytes = checks["nids"]
        ours = checks["none_v4"]
        p("- IPv4-only capture: libnids reassembled %d streams, %d bytes; tcpsession %d "
          "sessions, %d bytes (equal: %s)" % (streams, nbytes, ours[0], ours[2],
                                              yn(streams == ours[0] and nbytes == ours[2])))
    for key, how in (("tshark", "one pass"), ("tshark_loop", "one run per stream")):
        if key in checks:
            ok, n, differ = checks[key]
            p("- tshark's per-stream byte counts (%s) equal tcpsession's: %s (%d streams)%s" %
              (how, yn(ok), n, "" if ok else "; differing streams: %s" % differ))
    p("- %d processes in parallel kept %.2f CPUs busy on average (CPU time / wall time; "
      "ideal: %d; see the load average above for what other work took)" %
      (parts, par.med("cpu") / par.med("wall"), min(parts, ncpu or parts)))
    rss = {k: by[k].med("rss_kb") / 1024 for k in ("none", "tf_ours", "rss_jsonl")}
    p("- peak RSS on the main capture (up to %d concurrent sessions, largest message %s): "
      "`--format none` %.1f MB, `--format tcpflow` %.1f MB, jsonl %.1f MB%s; target: under "
      "~64 MB plus the out-of-order data held: %s" %
      (main_facts["max_concurrent"], human_bytes(main_facts["max_message"]), rss["none"],
       rss["tf_ours"], rss["rss_jsonl"],
       " (libnids on the IPv4-only capture: %.1f MB)" % (by["nids"].med("rss_kb") / 1024)
       if "nids" in by else "",
       yn(max(rss.values()) < 64 + 2 * main_facts["max_message"] / 2**20)))
    if "none_base" in by:
        report_baseline(by)


def report_baseline(by):
    """With --baseline: each build's ratio against its competitor (median
    wall and CPU), and the change of the ratio in percent."""
    p = print
    pairs = [("none", "cat", "`--format none` vs `cat`")]
    if "nids" in by:
        pairs.append(("none_v4", "nids", "`--format none` vs libnids (IPv4 only)"))
    if "tf_theirs" in by:
        pairs.append(("tf_ours", "tf_theirs", "`--format tcpflow` vs tcpflow"))
    p("")
    p("Against the baseline build (%s), same rounds:" % by["none_base"].argv[0][0])
    p("")
    p("| comparison | this build: ratio wall (CPU) | baseline: ratio wall (CPU) | change wall "
      "(CPU) |")
    p("| --- | ---: | ---: | ---: |")
    for ours, theirs, label in pairs:
        base = by[ours.replace("_ours", "") + "_base"]
        a, b, t = by[ours], base, by[theirs]
        ra = (t.med("wall") / a.med("wall"), t.med("cpu") / a.med("cpu"))
        rb = (t.med("wall") / b.med("wall"), t.med("cpu") / b.med("cpu"))
        p("| %s | %.3fx (%.3fx) | %.3fx (%.3fx) | %+.1f%% (%+.1f%%) |" %
          (label, ra[0], ra[1], rb[0], rb[1], 100 * (ra[0] / rb[0] - 1),
           100 * (ra[1] / rb[1] - 1)))
    p("")
    p("Ratio = how many times faster than the competitor; change = this build's ratio "
      "relative to the baseline's (negative: slower).")


def args_tcpsession(by):
    return by["none"].argv[0][0]


if __name__ == "__main__":
    main()
