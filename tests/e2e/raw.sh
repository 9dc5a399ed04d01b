#!/bin/sh
# End-to-end: `tcpsession extract --format raw` writes, per session, a folder
# with client.bin, server.bin and session.json that agree exactly with the
# JSON lines output (tests/checkers/raw_check.py), and whose .bin files equal tshark's
# Follow TCP Stream (raw) byte for byte on every seed capture, except the
# deliberate differences pinned in tests/expected/seed_differences.tsv. Uses a capture
# the test crafts, and ../shared/seed-data when present. Skips (77) without
# python3.
set -u
. "$(dirname "$0")/../lib.sh"
need_python
make_tmp
out=$tmp

check_capture() {
    cap=$1
    stem=$(basename "$cap" .pcap)
    if ! ts extract -q -f raw -o "$out/raw" "$cap" ||
        ! ts extract -q -o "$out/jsonl" "$cap"; then
        fail "tcpsession extract $cap"
        return 1
    fi
    checker raw_check.py "$out/raw/$stem" "$out/jsonl/$stem/sessions.jsonl" \
        "$out/$stem.rebuilt.jsonl" || return 1
    if have_tool tshark; then
        checker follow_compare.py --known "$EXPECTED/seed_differences.tsv" \
            "$cap" "$out/$stem.rebuilt.jsonl" >"$out/$stem.tshark.log" || {
            fail "$stem: .bin files against tshark"
            grep -v '^same' "$out/$stem.tshark.log"
            return 1
        }
        ok "$stem: .bin files equal tshark's follow ($(grep -c '^same' "$out/$stem.tshark.log") same, $(grep -c '^known' "$out/$stem.tshark.log") known)"
    fi
}

checker legacy_check.py craft "$out/crafted.pcap" || exit 1
check_capture "$out/crafted.pcap" || status=1

seed="$TS_SHARED/seed-data"
if have_shared seed-data; then
    for cap in "$seed"/*.pcap; do
        check_capture "$cap" || status=1
    done
else
    echo "SKIP: $seed not found (seed-data checks)"
fi
finish
