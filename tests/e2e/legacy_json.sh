#!/bin/sh
# End-to-end: `tcpsession extract --format json` writes the original
# tcpsession's session files.
#  - On every capture the original handled (../shared/seed-data/original-output),
#    the same file names, and each file byte for byte the original's up to its
#    closing brace, followed by our "stream", "gaps" and "anomalies" keys only.
#  - On every seed capture, each file agrees with the JSON lines output (the
#    bytes each side delivered, md5s computed as the original did, gaps,
#    anomalies) and is exactly what Python's json.dump(indent=1) writes.
#  - On the captures the original got wrong, the files are pinned
#    (tests/expected/legacy_failed_expected.tsv).
#  - On a capture this test crafts, every payload decodes and escapes exactly
#    as Python's decode("utf-8", "backslashreplace") + json.dumps, and --js
#    writes exactly the .js files the original's extraction makes from our
#    JSON files (with any --format).
# Skips (77) without python3; the seed-data parts skip without ../shared.
set -u
. "$(dirname "$0")/../lib.sh"
need_python
check="checker legacy_check.py"
make_tmp
out=$tmp

# a capture of our own, always
$check craft "$out/crafted.pcap" || exit 1
if ts extract -q -f json --js -o "$out/json" "$out/crafted.pcap" &&
    ts extract -q -o "$out/jsonl" "$out/crafted.pcap"; then
    $check decode "$out/json/crafted" || status=1
    $check js "$out/json/crafted" "$out/json/crafted/js" || status=1
    $check jsonl "$out/json/crafted" "$out/jsonl/crafted/sessions.jsonl" || status=1
    # --js with another format writes the same .js files
    ts extract -q -f raw --js -o "$out/rawjs" "$out/crafted.pcap" &&
        diff -r "$out/json/crafted/js" "$out/rawjs/crafted/js" >/dev/null ||
        fail "extract -f raw --js"
else
    fail "tcpsession extract on the crafted capture"
fi

seed="$TS_SHARED/seed-data"
if ! have_shared seed-data; then
    echo "SKIP: $seed not found (seed-data checks)"
    finish
fi
n=0
for cap in "$seed"/*.pcap; do
    stem=$(basename "$cap" .pcap)
    if ! ts extract -q -f json -o "$out/json" "$cap" ||
        ! ts extract -q -o "$out/jsonl" "$cap"; then
        fail "tcpsession extract $cap"
        continue
    fi
    $check jsonl "$out/json/$stem" "$out/jsonl/$stem/sessions.jsonl" || status=1
    if [ -d "$seed/original-output/$stem" ]; then
        $check original "$seed/original-output/$stem" "$out/json/$stem" || status=1
        n=$((n + 1))
    fi
done
[ "$n" -gt 0 ] || fail "no original output in $seed"
$check pinned "$EXPECTED/legacy_failed_expected.tsv" "$out/json" || status=1
finish
