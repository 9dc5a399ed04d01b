#!/bin/sh
# data.sh — the shipped demo capture and its expected output.
#
# 1. Re-crafts sample.pcap with $TS_CRAFT into a temporary folder: it must be
#    byte-identical to $TS_SRCDIR/data/sample.pcap (crafting is deterministic).
# 2. Runs `tcpsession extract --format jsonl` on data/sample.pcap (from data/,
#    so that the lines' "capture" is "sample.pcap"): the resulting
#    sessions.jsonl must equal data/sample.expected.jsonl exactly.
#
# Environment (set by `make check`): TS_BIN, TS_CRAFT, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_craft
data="$TS_SRCDIR/data"
if [ ! -f "$data/sample.pcap" ] || [ ! -f "$data/sample.expected.jsonl" ]; then
    skip "$data/sample.pcap or sample.expected.jsonl missing"
fi
need_tool cmp diff
make_tmp

# shellcheck disable=SC2086 # TS_WRAP is a command prefix with arguments
if ! $TS_WRAP "$TS_CRAFT" "$tmp/craft" >"$tmp/craft.log" 2>&1; then
    fail "tcpsession-craft: $(head -c 400 "$tmp/craft.log")"
elif cmp "$tmp/craft/sample.pcap" "$data/sample.pcap"; then
    ok "re-crafted sample.pcap is identical to data/sample.pcap"
else
    fail "re-crafted sample.pcap differs from data/sample.pcap"
fi

# run from data/ with the relative name: the lines' "capture" is "sample.pcap"
if ! (cd "$data" && ts extract --format jsonl -o "$tmp/out" sample.pcap) \
    >"$tmp/extract.log" 2>&1; then
    fail "tcpsession extract: $(head -c 400 "$tmp/extract.log")"
elif diff -u "$data/sample.expected.jsonl" "$tmp/out/sample/sessions.jsonl" >"$tmp/diff"; then
    ok "sessions.jsonl equals data/sample.expected.jsonl"
else
    fail "sessions.jsonl differs from data/sample.expected.jsonl:"
    head -c 4000 "$tmp/diff"
fi
finish
