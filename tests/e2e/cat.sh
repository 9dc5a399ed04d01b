#!/bin/sh
# cat.sh — `tcpsession cat CAPTURE STREAM [--from client|server|both]`.
#
# 1. Every stream of data/sample.pcap and of every capture of data/cases
#    (reordering, retransmissions, conflicting overlaps, gaps, mid-stream,
#    tunnels, fragments...): `cat --on-gap skip --from client` equals the raw
#    format's client.bin byte for byte, `--from server` its server.bin, and
#    `--from both` the jsonl messages one after the other (exchange order)
#    (tests/checkers/cat_check.py).
# 2. The gap of sample.pcap's stream 5 (15 server bytes at offset 39): by
#    default the output stops before it, with the exact message and exit
#    status 1; --on-gap mark and --marker write the marker exactly there.
# 3. A stream that does not exist, and the usage errors, with their messages.
# 4. A capture the test makes (tests/checkers/cat_capture.py): a 48 MiB
#    session, a second one 300 s later, then a record cut short. cat of the
#    first equals the bytes sent, with bounded memory, and stops reading
#    once the session is done (the cut record's warning is never printed);
#    `| head -c 10` ends it quietly with exit status 0.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP.
# Exit status: 0 passed, 1 a check failed, 77 python3 missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
need_tool cmp
make_tmp
data=$TS_TESTDATA

# expect_run WHAT RC STDOUT_FILE STDERR_TEXT: the last run ($tmp/out, $tmp/err,
# $rc) exited RC, wrote exactly STDOUT_FILE's bytes and exactly STDERR_TEXT.
expect_run() {
    printf '%s' "$4" >"$tmp/want.err"
    [ -n "$4" ] && printf '\n' >>"$tmp/want.err"
    if [ "$rc" -ne "$2" ]; then
        fail "$1: exit status $rc, expected $2 ($(head -c 300 "$tmp/err"))"
    elif ! cmp -s "$3" "$tmp/out"; then
        fail "$1: standard output differs: $(od -c "$tmp/out" | head -5)"
    elif ! cmp -s "$tmp/want.err" "$tmp/err"; then
        fail "$1: standard error: '$(cat "$tmp/err")'"
    else
        ok "$1"
    fi
}

# run_cat ARGS...: runs cat, stdout to $tmp/out, stderr to $tmp/err, status in rc.
run_cat() {
    ts cat "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# ---- 1. every stream equals the raw files and the messages ------------------
set --
# under a wrapper (valgrind, about 0.5 s a run) the sample and the cases with
# gaps, conflicts and reordering; the sanitizer and plain runs take them all
captures="$data/sample.pcap $data/cases/*.pcap $data/cases/*.pcapng $data/cases/*.pcap.gz"
if [ -n "$TS_WRAP" ]; then
    captures="$data/sample.pcap"
    for s in vlan-mirror-copies tcp-a-overlap-orders gap-acked-in-steps trailing-gap-fin; do
        captures="$captures $data/cases/$s.pcap"
    done
fi
# shellcheck disable=SC2086 # a list of paths and patterns
for cap in $captures; do
    [ -f "$cap" ] || continue
    s=$(basename "$cap")
    s=${s%.gz}
    s=${s%.*}
    if ! ts extract -q -f raw -o "$tmp/raw" "$cap" 2>"$tmp/x.err" ||
        ! ts extract -q -o "$tmp/jsonl" "$cap" 2>>"$tmp/x.err"; then
        fail "$s: extract: $(head -c 300 "$tmp/x.err")"
        continue
    fi
    mkdir -p "$tmp/cat/$s"
    streams=$(sed -n 's/^{"stream":\([0-9]*\),.*/\1/p' "$tmp/jsonl/$s/sessions.jsonl")
    bad=
    for n in $streams; do
        for side in client server both; do
            ts cat --on-gap skip --from "$side" "$cap" "$n" >"$tmp/cat/$s/$n.$side" \
                2>"$tmp/cat.err" || bad="$bad $n.$side"
            [ -s "$tmp/cat.err" ] && bad="$bad $n.$side:$(head -c 200 "$tmp/cat.err")"
        done
    done
    if [ -n "$bad" ]; then
        fail "$s: cat failed or printed messages:$bad"
    else
        set -- "$@" "$s" "$tmp/jsonl/$s/sessions.jsonl" "$tmp/raw/$s" "$tmp/cat/$s"
    fi
done
least=200
[ -z "$TS_WRAP" ] || least=20 # five captures
if [ $# -lt $least ]; then
    fail "only $(($# / 4)) captures compared"
elif checker cat_check.py "$@" >"$tmp/check.txt"; then
    cat "$tmp/check.txt"
else
    cat "$tmp/check.txt"
    fail "cat differs from the raw files or the messages (above)"
fi

# ---- 2. the gap of sample.pcap's stream 5 -----------------------------------
sample=$data/sample.pcap
printf 'GET /gap HTTP/1.1\r\nHost: www.example.test\r\n\r\n' >"$tmp/request"
printf 'HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\n' >"$tmp/head"
cat "$tmp/request" "$tmp/head" >"$tmp/before-gap"
run_cat "$sample" 5
expect_run "a gap stops the output (default)" 1 "$tmp/before-gap" \
    "tcpsession: $sample: stream 5: 15 bytes from the server missing at offset 39 (not in the capture); the output stops before them (--on-gap skip goes on past missing bytes, --on-gap mark writes a marker in their place)"
run_cat "$sample" 5 --from server --on-gap stop
cp "$tmp/head" "$tmp/want"
expect_run "--from server --on-gap stop: the server's bytes before the hole" 1 "$tmp/want" \
    "tcpsession: $sample: stream 5: 15 bytes from the server missing at offset 39 (not in the capture); the output stops before them (--on-gap skip goes on past missing bytes, --on-gap mark writes a marker in their place)"
run_cat "$sample" 5 --from client
expect_run "--from client: no hole on that side, exit 0" 0 "$tmp/request" ""
{ cat "$tmp/before-gap"; printf 'received'; } >"$tmp/want"
run_cat --on-gap skip "$sample" 5
expect_run "--on-gap skip goes on past the hole" 0 "$tmp/want" ""
{ cat "$tmp/before-gap"; printf '[15 bytes missing]received'; } >"$tmp/want"
run_cat --on-gap mark "$sample" 5
expect_run "--on-gap mark writes the default marker" 0 "$tmp/want" ""
{ cat "$tmp/before-gap"; printf '<15@39 server>\n\\x{none}received'; } >"$tmp/want"
run_cat "$sample" 5 --marker '<{length}@{offset} {from}>\n\x{none}'
expect_run "--marker TEXT: placeholders and escapes replaced, the rest as it is" 0 \
    "$tmp/want" ""
{ cat "$tmp/head"; printf 'MISSINGreceived'; } >"$tmp/want"
run_cat "$sample" 5 --from server --on-gap mark --marker MISSING
expect_run "--from server --on-gap mark --marker MISSING" 0 "$tmp/want" ""

# ---- 3. no such stream, usage errors ----------------------------------------
: >"$tmp/empty"
run_cat "$sample" 9
expect_run "a stream that does not exist" 1 "$tmp/empty" \
    "tcpsession: $sample: no stream 9 (the capture has streams 0-7)"
one=$data/cases/gap-never-filled.pcap
run_cat "$one" 1
expect_run "a stream that does not exist (one stream)" 1 "$tmp/empty" \
    "tcpsession: $one: no stream 1 (the capture has stream 0 only)"
hint="Try 'tcpsession cat --help' for more information."
run_cat "$sample" 0 --from sideways
expect_run "--from sideways" 2 "$tmp/empty" \
    "tcpsession: unknown side 'sideways' for --from (expected client, server or both)
$hint"
run_cat "$sample" 0 --on-gap fill
expect_run "--on-gap fill" 2 "$tmp/empty" \
    "tcpsession: unknown action 'fill' for --on-gap (expected stop, skip or mark)
$hint"
run_cat "$sample" 0 --on-gap skip --marker X
expect_run "--marker with --on-gap skip" 2 "$tmp/empty" \
    "tcpsession: --marker goes with --on-gap mark only
$hint"
run_cat "$sample" 0 --overlap last
expect_run "--overlap last is refused" 2 "$tmp/empty" \
    "tcpsession: cat writes bytes as they are delivered and cannot take them back: --overlap last, which may rewrite delivered bytes, is not supported (extract --format raw --overlap last applies the rewrites)
$hint"
for args in "$sample" "$sample x" "$sample 1 2" "$sample -1"; do
    # shellcheck disable=SC2086 # the words of the case
    run_cat -- $args
    expect_run "cat $args: usage" 2 "$tmp/empty" "tcpsession: expected CAPTURE and a STREAM number
$hint"
done
run_cat "$tmp/no-such.pcap" 0
if [ "$rc" -eq 1 ] && grep -q "^tcpsession: $tmp/no-such.pcap: " "$tmp/err"; then
    ok "a missing capture: exit 1, message names it"
else
    fail "a missing capture: exit $rc, '$(cat "$tmp/err")'"
fi

# ---- 4. a long session: bytes, memory, early stop, closed pipe --------------
big=$tmp/big.pcap
read -r sha len <<EOF
$(checker cat_capture.py "$big" 48)
EOF
run_cat "$big" 0 --from server
got=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$tmp/out")
if [ "$rc" -eq 0 ] && [ "$got" = "$sha" ] && [ ! -s "$tmp/err" ]; then
    ok "48 MiB session: the server's bytes as sent, and the reading stopped once it was done"
else
    fail "48 MiB session: exit $rc, sha256 $got (expected $sha, $len bytes), '$(head -c 300 "$tmp/err")'"
fi
run_cat "$big" 1
printf 'GET /late\r\nlate reply' >"$tmp/want"
expect_run "the later stream is read to the end of the capture (its cut record warned about)" 0 \
    "$tmp/want" "warning: $big: offset $(($(wc -c <"$big") - 16)): last record truncated (16 of 1048592 bytes)"
if [ -z "$TS_WRAP" ]; then
    if python3 - "$TS_BIN" "$big" >"$tmp/rss" 2>&1 <<'PY'; then ok "cat holds no session in memory: $(cat "$tmp/rss")"; else fail "memory: $(cat "$tmp/rss")"; fi
import os, subprocess, sys
p = subprocess.Popen([sys.argv[1], "cat", sys.argv[2], "0"], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(p.pid, 0)
assert status == 0, status
# the session is 48 MiB; what extract --format raw keeps of it is more
assert usage.ru_maxrss < 32 * 1024, "max RSS %d KiB" % usage.ru_maxrss
print("max RSS %d KiB for a 48 MiB session" % usage.ru_maxrss)
PY
fi
{
    ts cat "$big" 0 2>"$tmp/pipe.err"
    echo $? >"$tmp/pipe.rc"
} | head -c 10 >"$tmp/out"
printf 'GET /big\r\n' >"$tmp/want"
if [ "$(cat "$tmp/pipe.rc")" = 0 ] && [ ! -s "$tmp/pipe.err" ] && cmp -s "$tmp/want" "$tmp/out"; then
    ok "| head -c 10: ten bytes, no message, exit status 0"
else
    fail "| head -c 10: exit $(cat "$tmp/pipe.rc"), '$(cat "$tmp/pipe.err")', $(od -c "$tmp/out" | head -2)"
fi
finish
