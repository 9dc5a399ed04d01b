#!/bin/sh
# End-to-end: every capture in ../shared/seed-data, each session's bytes in
# both directions equal tshark's Follow TCP Stream (raw) for the same stream
# number, except the deliberate differences pinned in
# tests/seed_differences.tsv (which must still differ: a stale pin fails).
# Skips (77) when the seed data or tshark is absent.
set -u
seed="${TS_SHARED:-../shared}/seed-data"
[ -d "$seed" ] || { echo "skip: $seed not found"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "skip: tshark not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
n=0
for cap in "$seed"/*.pcap; do
    stem=$(basename "$cap" .pcap)
    if ! $TS_WRAP "$TS_BIN" extract -q -o "$out" --format jsonl "$cap"; then
        echo "FAIL: tcpsession extract $cap"
        status=1
        continue
    fi
    if python3 "$TS_SRCDIR/tests/follow_compare.py" --known "$TS_SRCDIR/tests/seed_differences.tsv" \
        "$cap" "$out/$stem/sessions.jsonl" >"$out/$stem.log"; then
        echo "ok: $stem ($(grep -c '^same' "$out/$stem.log") same, $(grep -c '^known' "$out/$stem.log") known differences)"
    else
        echo "FAIL: $stem"
        grep -v '^same' "$out/$stem.log"
        status=1
    fi
    n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no captures in $seed"; exit 1; }
exit $status
