#!/bin/sh
# engine_options.sh — the reassembly options (--overlap, --verify-checksums,
# --max-buffer, --ip-fragment-timeout, --ip-fragment-memory, --tunnel-port,
# --max-memory) are one table shared by extract, ls and follow: each command
# accepts them, rejects bad values with the same message naming itself, and
# gives the same sessions as extract under the same options.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
cases=$TS_TESTDATA/cases
bad=$cases/tcp-h-bad-checksums.pcap
[ -f "$bad" ] || skip "$bad missing"
make_tmp

# ---- bad values: one message per option, naming the command -----------------
# expect_usage NAME EXPECTED-FIRST-LINE COMMAND ARGS...
expect_usage() {
    name=$1 line=$2 cmd=$3
    shift 3
    ts "$cmd" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    hint="Try 'tcpsession $cmd --help' for more information."
    if [ "$rc" -eq 2 ] && [ "$(sed -n 1p "$tmp/err")" = "$line" ] &&
        [ "$(sed -n 2p "$tmp/err")" = "$hint" ] && [ ! -s "$tmp/out" ]; then
        ok "$cmd $name: status 2, '$line'"
    else
        fail "$cmd $name: status $rc, stderr: $(head -c 300 "$tmp/err")"
    fi
}
for cmd in extract ls follow; do
    set -- "$bad"
    [ "$cmd" = follow ] && set -- "$bad" 0
    expect_usage "--overlap middle" \
        "tcpsession: unknown overlap policy 'middle' (expected first, last or linux)" \
        "$cmd" --overlap middle "$@"
    expect_usage "--max-buffer lots" "tcpsession: invalid byte count 'lots' for --max-buffer" \
        "$cmd" --max-buffer lots "$@"
    expect_usage "--max-buffer 0" \
        "tcpsession: --max-buffer must be at least 1 byte (got '0'; for no per-direction limit give a size as large as --max-session-memory)" \
        "$cmd" --max-buffer 0 "$@"
    expect_usage "--max-session-memory lots" \
        "tcpsession: invalid byte count 'lots' for --max-session-memory" \
        "$cmd" --max-session-memory lots "$@"
    expect_usage "--ip-fragment-timeout -1" \
        "tcpsession: invalid number of seconds '-1' for --ip-fragment-timeout" \
        "$cmd" --ip-fragment-timeout=-1 "$@"
    expect_usage "--ip-fragment-memory 4X" \
        "tcpsession: invalid byte count '4X' for --ip-fragment-memory" \
        "$cmd" --ip-fragment-memory 4X "$@"
    expect_usage "--tunnel-port vxlan=-1" \
        "tcpsession: invalid --tunnel-port 'vxlan=-1' (expected KIND=PORT,... with KIND vxlan, geneve, gtpu or teredo)" \
        "$cmd" --tunnel-port vxlan=-1 "$@"
done
expect_usage "--tunnel-port gre=1" \
    "tcpsession: invalid --tunnel-port 'gre=1' (expected KIND=PORT,... with KIND vxlan, geneve, gtpu or teredo)" \
    ls --tunnel-port gre=1 "$bad"
# ls keeps no payload: --max-memory would do nothing there, so it is unknown
expect_usage "--max-memory 1M" "tcpsession: Unknown option --max-memory" ls --max-memory 1M "$bad"

# ---- the options take effect, as in extract ------------------------------------
# tcp-h (data/README.md): without --verify-checksums the client sends EVILFAKE
# in 12 packets; with it GOODMORE in 9, and three bad_checksum anomalies.
ts extract -q --format jsonl --verify-checksums -o "$tmp/x" "$bad" 2>"$tmp/x.err" ||
    fail "extract --verify-checksums: $(head -c 300 "$tmp/x.err")"
ts ls --json --verify-checksums "$bad" >"$tmp/ls.json" 2>"$tmp/ls.err" ||
    fail "ls --json --verify-checksums: $(head -c 300 "$tmp/ls.err")"
ts ls --json "$bad" >"$tmp/ls-default.json" 2>>"$tmp/ls.err" || fail "ls --json"
for opt in "" --verify-checksums; do
    # shellcheck disable=SC2086 # $opt is empty or one word
    ts follow -m raw $opt "$bad" 0 >"$tmp/follow$opt.txt" 2>"$tmp/follow.err" ||
        fail "follow $opt: $(head -c 300 "$tmp/follow.err")"
done
python3 - "$tmp" <<'PY' || fail "ls and follow under --verify-checksums differ from extract (see above)"
import json, sys
tmp = sys.argv[1]
def lines(p):
    return [json.loads(l) for l in open(p) if l.strip()]
ext = {s["stream"]: s for s in lines(tmp + "/x/tcp-h-bad-checksums/sessions.jsonl")}
ls = {s["stream"]: s for s in lines(tmp + "/ls.json")}
default = {s["stream"]: s for s in lines(tmp + "/ls-default.json")}
bad = 0
def check(what, got, want):
    global bad
    if got == want:
        print("ok - %s: %r" % (what, got))
    else:
        print("FAIL - %s: %r, expected %r" % (what, got, want))
        bad += 1
check("ls --verify-checksums streams", sorted(ls), sorted(ext))
for n, s in ext.items():
    for key in ("packets", "client_bytes", "server_bytes", "close"):
        check("ls --verify-checksums stream %d %s" % (n, key), ls[n][key], s[key])
    check("ls --verify-checksums stream %d anomalies" % n, ls[n]["anomalies"], len(s["anomalies"]))
check("ls stream 0 packets without the option", default[0]["packets"], 12)
check("ls stream 0 packets with it", ls[0]["packets"], 9)
# follow raw: node 0 lines unindented, node 1 lines after a tab
def follow_bytes(path):
    out = [b"", b""]
    body = open(path).read().split("=" * 67)[1].splitlines()
    for line in body:
        if line and not line.startswith(("Follow:", "Filter:", "Node ")):
            out[line.startswith("\t")] += bytes.fromhex(line.strip())
    return out
def ext_bytes(s):
    out = [b"", b""]
    for m in s["messages"]:
        out[m["from"] == "server"] += bytes.fromhex(m["data"])
    return out
check("follow --verify-checksums = extract --verify-checksums", follow_bytes(tmp + "/follow--verify-checksums.txt"), ext_bytes(ext[0]))
check("follow without the option: client bytes", follow_bytes(tmp + "/follow.txt")[0], b"EVILFAKE")
sys.exit(1 if bad else 0)
PY
finish
