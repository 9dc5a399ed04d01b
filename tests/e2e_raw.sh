#!/bin/sh
# End-to-end: `tcpsession extract --format raw` writes, per session, a folder
# with client.bin, server.bin and session.json that agree exactly with the
# JSON lines output (tests/raw_check.py), and whose .bin files equal tshark's
# Follow TCP Stream (raw) byte for byte on every seed capture, except the
# deliberate differences pinned in tests/seed_differences.tsv. Uses a capture
# the test crafts, and ../shared/seed-data when present. Skips (77) without
# python3.
set -u
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

check_capture() {
    cap=$1
    stem=$(basename "$cap" .pcap)
    if ! $TS_WRAP "$TS_BIN" extract -q -f raw -o "$out/raw" "$cap" ||
        ! $TS_WRAP "$TS_BIN" extract -q -o "$out/jsonl" "$cap"; then
        echo "FAIL: tcpsession extract $cap"
        return 1
    fi
    python3 "$TS_SRCDIR/tests/raw_check.py" "$out/raw/$stem" "$out/jsonl/$stem/sessions.jsonl" \
        "$out/$stem.rebuilt.jsonl" || return 1
    if command -v tshark >/dev/null 2>&1; then
        python3 "$TS_SRCDIR/tests/follow_compare.py" --known "$TS_SRCDIR/tests/seed_differences.tsv" \
            "$cap" "$out/$stem.rebuilt.jsonl" >"$out/$stem.tshark.log" || {
            echo "FAIL: $stem: .bin files against tshark"
            grep -v '^same' "$out/$stem.tshark.log"
            return 1
        }
        echo "ok: $stem: .bin files equal tshark's follow ($(grep -c '^same' "$out/$stem.tshark.log") same, $(grep -c '^known' "$out/$stem.tshark.log") known)"
    fi
}

python3 "$TS_SRCDIR/tests/legacy_check.py" craft "$out/crafted.pcap" || exit 1
check_capture "$out/crafted.pcap" || status=1

seed="${TS_SHARED:-../shared}/seed-data"
if [ -d "$seed" ]; then
    for cap in "$seed"/*.pcap; do
        check_capture "$cap" || status=1
    done
else
    echo "skip: $seed not found (seed-data checks)"
fi
exit $status
