#!/bin/sh
# e2e_data.sh — the shipped demo capture and its expected output.
#
# 1. Re-crafts sample.pcap with $TS_CRAFT into a temporary folder: it must be
#    byte-identical to $TS_SRCDIR/data/sample.pcap (crafting is deterministic).
# 2. Runs `tcpsession extract --format jsonl` on data/sample.pcap: the
#    resulting sessions.jsonl must equal data/sample.expected.jsonl exactly.
#
# Environment (set by `make check`): TS_BIN, TS_CRAFT, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u

for var in TS_BIN TS_CRAFT; do
    eval "prog=\${$var:-}"
    if [ -z "$prog" ] || [ ! -x "$prog" ]; then
        echo "SKIP: $var is not an executable"
        exit 77
    fi
done
data="${TS_SRCDIR:-.}/data"
if [ ! -f "$data/sample.pcap" ] || [ ! -f "$data/sample.expected.jsonl" ]; then
    echo "SKIP: $data/sample.pcap or sample.expected.jsonl missing"
    exit 77
fi
if ! command -v cmp >/dev/null 2>&1 || ! command -v diff >/dev/null 2>&1; then
    echo "SKIP: cmp/diff not installed"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/e2e_data.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

# shellcheck disable=SC2086 # TS_WRAP is a command prefix with arguments
if ! ${TS_WRAP:-} "$TS_CRAFT" "$tmp/craft" >"$tmp/craft.log" 2>&1; then
    echo "FAIL - tcpsession-craft: $(head -c 400 "$tmp/craft.log")"
    status=1
elif cmp "$tmp/craft/sample.pcap" "$data/sample.pcap"; then
    echo "ok - re-crafted sample.pcap is identical to data/sample.pcap"
else
    echo "FAIL - re-crafted sample.pcap differs from data/sample.pcap"
    status=1
fi

# shellcheck disable=SC2086
if ! ${TS_WRAP:-} "$TS_BIN" extract --format jsonl -o "$tmp/out" "$data/sample.pcap" \
    >"$tmp/extract.log" 2>&1; then
    echo "FAIL - tcpsession extract: $(head -c 400 "$tmp/extract.log")"
    status=1
elif diff -u "$data/sample.expected.jsonl" "$tmp/out/sample/sessions.jsonl" >"$tmp/diff"; then
    echo "ok - sessions.jsonl equals data/sample.expected.jsonl"
else
    echo "FAIL - sessions.jsonl differs from data/sample.expected.jsonl:"
    head -c 4000 "$tmp/diff"
    status=1
fi
exit $status
