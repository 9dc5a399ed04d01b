#!/bin/sh
# End-to-end: every capture in ../shared/seed-data, each session's bytes in
# both directions equal tshark's Follow TCP Stream (raw) for the same stream
# number, except the deliberate differences pinned in
# tests/expected/seed_differences.tsv (which must still differ: a stale pin fails).
# Skips (77) when the seed data or tshark is absent.
set -u
. "$(dirname "$0")/../lib.sh"
seed="$TS_SHARED/seed-data"
need_shared seed-data
need_tool tshark python3
make_tmp
out=$tmp
n=0
for cap in "$seed"/*.pcap; do
    stem=$(basename "$cap" .pcap)
    if ! ts extract -q -o "$out" --format jsonl "$cap"; then
        fail "tcpsession extract $cap"
        continue
    fi
    if checker follow_compare.py --known "$EXPECTED/seed_differences.tsv" \
        "$cap" "$out/$stem/sessions.jsonl" >"$out/$stem.log"; then
        ok "$stem ($(grep -c '^same' "$out/$stem.log") same, $(grep -c '^known' "$out/$stem.log") known differences)"
    else
        fail "$stem"
        grep -v '^same' "$out/$stem.log"
    fi
    n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no captures in $seed"; exit 1; }
finish
