#!/bin/sh
# fragments.sh — the IP fragment case captures (data/cases/frag-*.pcap,
# harness/craft_fragment.c) beyond their sessions.jsonl (cases.sh checks
# those):
#
# 1. the summary line of `tcpsession extract` (stderr), time left out, for
#    every row of tests/expected/fragment_summaries.tsv (CAPTURE | OPTIONS |
#    line): the fragment counters are in no output file;
# 2. with tshark: each capture's bytes equal tshark's Follow TCP Stream
#    (tests/checkers/follow_compare.py, the deliberate differences pinned in
#    tests/expected/fragment_tshark_differences.tsv), and every message's
#    frame is the frame tshark reassembles its segment in
#    (tests/checkers/frames_compare.py).
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
cases="$TS_SRCDIR/data/cases"
table="$EXPECTED/fragment_summaries.tsv"
[ -f "$table" ] || skip "$table missing"
make_tmp

# ---- 1. the summary lines ----------------------------------------------------
n=0
while IFS='|' read -r capture options want; do
    case "$capture" in '' | '#'*) continue ;; esac
    n=$((n + 1))
    [ -f "$cases/$capture" ] || {
        fail "$capture missing in data/cases"
        continue
    }
    # shellcheck disable=SC2086 # OPTIONS are words
    if ! (cd "$cases" && ts extract --format none -o "$tmp/sum.$n" $options "$capture") \
        >"$tmp/out.$n" 2>"$tmp/err.$n"; then
        fail "extract $options $capture: $(head -c 300 "$tmp/err.$n")"
        continue
    fi
    got=$(grep "^$capture: " "$tmp/err.$n" | sed -e 's/, [0-9.]*s$//')
    if [ "$got" = "$want" ]; then
        ok "$capture${options:+ $options}: $want"
    else
        fail "$capture${options:+ $options}: summary '$got', want '$want'"
    fi
done <"$table"
[ "$n" -gt 0 ] || fail "$table has no rows"

# ---- 2. against tshark ---------------------------------------------------------
if ! have_tool tshark || ! have_tool python3; then
    echo "# tshark or python3 missing: the comparison with tshark is skipped"
    finish
fi
captures=$(cd "$cases" && ls frag-*.pcap)
# shellcheck disable=SC2086 # capture names have no spaces
(cd "$cases" && ts extract --quiet -o "$tmp/j" $captures) >"$tmp/j.log" 2>&1 ||
    fail "extract $captures: $(head -c 300 "$tmp/j.log")"
for c in $captures; do
    s=${c%.pcap}
    if checker follow_compare.py "$cases/$c" "$tmp/j/$s/sessions.jsonl" \
        --known "$EXPECTED/fragment_tshark_differences.tsv" >"$tmp/f.$s" 2>&1; then
        ok "$c: bytes as tshark's ($(grep -c '^known' "$tmp/f.$s") known differences)"
    else
        fail "$c: bytes differ from tshark's:"
        grep -v '^same\|^known' "$tmp/f.$s" | head -20
    fi
    if checker frames_compare.py "$cases/$c" "$tmp/j/$s/sessions.jsonl" >"$tmp/r.$s" 2>&1; then
        ok "$c: message frames are tshark's reassembling frames"
    else
        fail "$c: message frames differ from tshark's:"
        grep -v '^same' "$tmp/r.$s" | head -20
    fi
done
finish
