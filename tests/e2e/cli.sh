#!/bin/sh
# cli.sh — end-to-end tests of the tcpsession command line.
#
# Environment (set by `make check`):
#   TS_BIN     the tcpsession binary
#   TS_WRAP    a prefix to run it under (valgrind) or empty
#   TS_SHARED  the read-only ../shared folder; its seed-data captures are used
#              when present, those checks are skipped otherwise
# python3 is used as glue to read JSON; tshark, when installed, provides the
# reference byte counts of Follow TCP Stream.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.

set -u
. "$(dirname "$0")/../lib.sh"
need_bin
SEED=$TS_SHARED/seed-data
make_tmp

# run ARGS...: runs the command; stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
    ts "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# expect_rc NAME STATUS: checks the last status.
expect_rc() {
    if [ "$rc" -eq "$2" ]; then
        ok "$1 (exit $2)"
    else
        fail "$1: exit $rc, expected $2; stderr: $(head -c 400 "$tmp/err")"
    fi
}

# expect_grep NAME FILE PATTERN: checks that FILE has a line matching PATTERN (fixed string).
expect_grep() {
    if grep -qF -- "$3" "$2"; then
        ok "$1"
    else
        fail "$1: '$3' not in $(basename "$2"): $(head -c 400 "$2")"
    fi
}

# ---- usage -------------------------------------------------------------
run
expect_rc "no arguments" 2
expect_grep "no arguments prints usage" "$tmp/err" "Usage:"

run frobnicate
expect_rc "unknown command" 2
expect_grep "unknown command is named" "$tmp/err" "tcpsession: unknown command 'frobnicate'"

run --version
expect_rc "--version" 0
if grep -qE '^tcpsession [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out"; then ok "--version text"; else fail "--version text: $(cat "$tmp/out")"; fi

for cmd in "" extract ls; do
    # shellcheck disable=SC2086 # empty $cmd must vanish
    run $cmd --help
    expect_rc "${cmd:-tcpsession} --help" 0
    expect_grep "${cmd:-tcpsession} --help prints usage" "$tmp/out" "Usage:"
done

run extract --no-such-option x.pcap
expect_rc "extract with an unknown option" 2
expect_grep "unknown option is named" "$tmp/err" "--no-such-option"

run ls --no-such-option x.pcap
expect_rc "ls with an unknown option" 2

run extract
expect_rc "extract without a capture" 2
expect_grep "extract without a capture says so" "$tmp/err" "tcpsession: no capture given"

run extract --format xml x.pcap
expect_rc "extract --format xml" 2
expect_grep "bad format is named" "$tmp/err" "unknown format 'xml'"

run extract --overlap middle x.pcap
expect_rc "extract --overlap middle" 2

run extract --max-buffer lots x.pcap
expect_rc "extract --max-buffer lots" 2

run ls
expect_rc "ls without a capture" 2

# ---- bad input ---------------------------------------------------------
missing="$tmp/does-not-exist.pcap"
run extract -o "$tmp/o1" "$missing"
expect_rc "extract of a missing file" 1
expect_grep "missing file message" "$tmp/err" "tcpsession: $missing"
expect_grep "missing file reason" "$tmp/err" "No such file or directory"
if [ ! -e "$tmp/o1/does-not-exist/sessions.jsonl" ]; then
    ok "no output for a missing file"
else
    fail "sessions.jsonl written for a missing file"
fi

run ls "$missing"
expect_rc "ls of a missing file" 1
expect_grep "ls missing file message" "$tmp/err" "tcpsession: $missing"

printf 'This is not a packet capture, just some text long enough to be read.\n' >"$tmp/notes.pcap"
run extract -o "$tmp/o2" "$tmp/notes.pcap"
expect_rc "extract of a text file" 1
expect_grep "text file message names the file" "$tmp/err" "tcpsession: $tmp/notes.pcap"

: >"$tmp/empty.pcap"
run extract -o "$tmp/o3" "$tmp/empty.pcap"
expect_rc "extract of an empty file" 1

# ---- seed captures -----------------------------------------------------
if ! have_shared seed-data; then
    echo "SKIP: no seed data at $SEED; capture checks skipped"
elif ! have_tool python3; then
    echo "SKIP: python3 not found; capture checks skipped"
else
    simple="$SEED/simple_test.pcap"
    out="$tmp/seed"
    run extract -o "$out" --format jsonl "$simple"
    expect_rc "extract simple_test.pcap" 0
    expect_grep "summary line" "$tmp/err" "$simple: 1 sessions,"
    jsonl="$out/simple_test/sessions.jsonl"

    # Facts of simple_test.pcap: one HTTP session, nothing missing.
    if python3 - "$jsonl" "$simple" >"$tmp/py" 2>&1 <<'EOF'; then ok "simple_test.pcap session facts"; else fail "simple_test.pcap session facts: $(cat "$tmp/py")"; fi
import hashlib, json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, "%d sessions" % len(lines)
s = json.loads(lines[0])
keys = ["stream", "capture", "community_id", "client", "server", "start", "end", "packets",
        "midstream", "client_bytes", "server_bytes", "client_md5", "server_md5", "messages",
        "gaps", "anomalies"]
assert list(s)[:len(keys)] == keys, list(s)
assert s["stream"] == 0
assert s["capture"] == sys.argv[2], s["capture"]
assert s["client"] == {"ip": "100.1.21.181", "port": 7201}, s["client"]
assert s["server"] == {"ip": "200.1.9.163", "port": 80}, s["server"]
assert s["midstream"] is False and s["gaps"] == [], (s["midstream"], s["gaps"])
assert s["packets"] == 16, s["packets"]
assert s["start"] <= s["end"]
for side in ("client", "server"):
    data = b"".join(bytes.fromhex(m["data"]) for m in s["messages"] if m["from"] == side)
    assert len(data) == s[side + "_bytes"], (side, len(data), s[side + "_bytes"])
    assert hashlib.md5(data).hexdigest() == s[side + "_md5"], side
print(s["client_bytes"], s["server_bytes"], s["client_md5"], s["server_md5"])
EOF
    read -r cbytes sbytes cmd5 smd5 <"$tmp/py" || true

    # Byte counts and md5s of tshark's Follow TCP Stream (raw) for stream 0.
    if have_tool tshark; then
        tshark -r "$simple" -q -z follow,tcp,raw,0 2>/dev/null >"$tmp/follow"
        if python3 - "$tmp/follow" "${cbytes:-x}" "${sbytes:-x}" "${cmd5:-x}" "${smd5:-x}" >"$tmp/py" 2>&1 <<'EOF'; then ok "simple_test.pcap bytes equal tshark follow"; else fail "simple_test.pcap vs tshark: $(cat "$tmp/py")"; fi
import hashlib, sys
text = open(sys.argv[1]).read().splitlines()
node0 = [l for l in text if l.startswith("Node 0:")][0].split()[2]
assert node0 == "100.1.21.181:7201", node0
body = text[[i for i, l in enumerate(text) if l.startswith("Node 1:")][0] + 1:]
side = {0: b"", 1: b""}
for line in body:
    if line.startswith("="):
        break
    node = 1 if line.startswith("\t") else 0
    side[node] += bytes.fromhex(line.strip())
got = (sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
want = (str(len(side[0])), str(len(side[1])), hashlib.md5(side[0]).hexdigest(),
        hashlib.md5(side[1]).hexdigest())
assert got == want, "tcpsession %s, tshark %s" % (got, want)
EOF
    else
        echo "SKIP: tshark not found; follow comparison skipped"
    fi

    # tcpflow format: one file per direction that delivered bytes, named like
    # tcpflow's. The server of simple_test.pcap sends no payload (tcpflow 1.6.1
    # writes 4 bytes for it anyway: Ethernet trailer bytes), so one file only.
    run extract -q -o "$tmp/flow" --format tcpflow "$simple"
    expect_rc "extract --format tcpflow" 0
    dir="$tmp/flow/simple_test"
    c2s="$dir/100.001.021.181.07201-200.001.009.163.00080"
    nfiles=$(find "$dir" -type f | wc -l)
    if [ "$nfiles" -eq 1 ] && [ -f "$c2s" ] && [ "${sbytes:-x}" = 0 ]; then
        ok "tcpflow file names"
    else
        fail "tcpflow file names: $(find "$dir" -type f | tr '\n' ' ')"
    fi
    if [ -s "$tmp/err" ]; then fail "--quiet printed: $(head -c 200 "$tmp/err")"; else ok "--quiet is quiet"; fi
    fmd5() { python3 -c 'import hashlib,sys; print(hashlib.md5(open(sys.argv[1],"rb").read()).hexdigest())' "$1" 2>/dev/null; }
    if [ "$(fmd5 "$c2s")" = "${cmd5:-x}" ]; then
        ok "tcpflow file matches client_md5"
    else
        fail "tcpflow file md5 differs from client_md5"
    fi

    # --format none writes nothing.
    run extract -o "$tmp/none" --format none "$simple"
    expect_rc "extract --format none" 0
    if [ ! -e "$tmp/none" ]; then ok "--format none writes nothing"; else fail "--format none wrote $(ls -R "$tmp/none")"; fi

    # ls: a header and one line; --json agrees with the jsonl output.
    run ls "$simple"
    expect_rc "ls" 0
    if [ "$(wc -l <"$tmp/out")" -eq 2 ] && head -1 "$tmp/out" | grep -q '^stream  *client  *server' &&
        sed -n 2p "$tmp/out" | grep -q '^ *0  *100\.1\.21\.181:7201  *200\.1\.9\.163:80  '; then
        ok "ls table"
    else
        fail "ls table: $(cat "$tmp/out")"
    fi
    run ls --json "$simple"
    expect_rc "ls --json" 0
    if python3 - "$tmp/out" "${cbytes:-x}" "${sbytes:-x}" >"$tmp/py" 2>&1 <<'EOF'; then ok "ls --json"; else fail "ls --json: $(cat "$tmp/py")"; fi
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1, rows
r = rows[0]
assert r["stream"] == 0 and r["client"]["port"] == 7201 and r["gaps"] == 0, r
assert (str(r["client_bytes"]), str(r["server_bytes"])) == (sys.argv[2], sys.argv[3]), r
EOF

    # Every seed capture: sorted streams, messages consistent with md5s, and
    # tcpflow files identical to the jsonl md5s (naming with c1, c2... too).
    # The failed_* captures are damaged or odd on purpose: only exit <= 1 matters.
    run extract -q -o "$tmp/all" --format jsonl "$SEED"/*.pcap
    if [ "$rc" -le 1 ]; then ok "extract all seed captures (exit $rc)"; else fail "extract all seed captures: exit $rc"; fi
    run extract -q -o "$tmp/allflow" --format tcpflow "$SEED"/*.pcap
    if [ "$rc" -le 1 ]; then ok "extract all seed captures as tcpflow (exit $rc)"; else fail "tcpflow all: exit $rc"; fi
    if python3 - "$tmp/all" "$tmp/allflow" >"$tmp/py" 2>&1 <<'EOF'; then ok "all seed captures: jsonl and tcpflow agree"; else fail "seed captures jsonl/tcpflow: $(cat "$tmp/py")"; fi
import hashlib, json, os, sys
def name(ep):
    if ":" in ep["ip"]:
        return "%s.%05d" % (ep["ip"], ep["port"])
    return "%s.%05d" % (".".join("%03d" % int(o) for o in ep["ip"].split(".")), ep["port"])
checked = 0
for stem in sorted(os.listdir(sys.argv[1])):
    lines = open(os.path.join(sys.argv[1], stem, "sessions.jsonl")).read().splitlines()
    sessions = [json.loads(l) for l in lines]
    streams = [s["stream"] for s in sessions]
    assert streams == sorted(streams) and len(set(streams)) == len(streams), (stem, streams)
    seen = {}
    expected_files = set()
    for s in sessions:
        pair = tuple(sorted((name(s["client"]), name(s["server"]))))
        k = seen.get(pair, 0)
        seen[pair] = k + 1
        suffix = "c%d" % k if k else ""
        for side, src, dst in (("client", s["client"], s["server"]), ("server", s["server"], s["client"])):
            data = b"".join(bytes.fromhex(m["data"]) for m in s["messages"] if m["from"] == side)
            assert hashlib.md5(data).hexdigest() == s[side + "_md5"], (stem, s["stream"], side)
            assert len(data) == s[side + "_bytes"], (stem, s["stream"], side)
            path = os.path.join(sys.argv[2], stem, name(src) + "-" + name(dst) + suffix)
            if data:
                expected_files.add(os.path.basename(path))
                got = hashlib.md5(open(path, "rb").read()).hexdigest()
                assert got == s[side + "_md5"], (path, got)
            checked += 1
    flowdir = os.path.join(sys.argv[2], stem)
    files = set(os.listdir(flowdir)) if os.path.isdir(flowdir) else set()
    assert files == expected_files, (stem, sorted(files ^ expected_files))
assert checked > 0
EOF

    merged="$tmp/allflow/100.1.21.181-7201-200.1.9.163-80-two-sessions-merged"
    if [ -f "$merged/100.001.021.181.07201-200.001.009.163.00080c1" ]; then
        ok "second session on a 4-tuple gets the c1 suffix"
    else
        fail "no c1 file for the reused 4-tuple: $(find "$merged" -type f | tr '\n' ' ')"
    fi

    # A good capture after a bad one is still processed; the status is 1.
    run extract -q -o "$tmp/mixed" "$missing" "$simple"
    expect_rc "bad then good capture" 1
    if [ -s "$tmp/mixed/simple_test/sessions.jsonl" ]; then ok "good capture written after a bad one"; else fail "good capture not written after a bad one"; fi
fi

[ "$status" -eq 0 ] && echo "all checks passed"
finish
