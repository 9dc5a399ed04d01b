#!/bin/sh
# End-to-end corpus regression: `tcpsession verify` over every capture of
# ../shared/corpus and ../shared/seed-data against tshark's Follow TCP Stream
# and tcpflow. Fails on any unexplained difference (or a capture that cannot
# be read); prints the summary table per corpus source and the unexplained
# lines. Skips (77) when ../shared or the tools are absent.
# About a minute on 2 cores (three under valgrind).
set -u
shared="${TS_SHARED:-../shared}"
dirs=""
for d in "$shared/corpus" "$shared/seed-data"; do
    [ -d "$d" ] && dirs="$dirs $d"
done
[ -n "$dirs" ] || { echo "skip: neither $shared/corpus nor $shared/seed-data"; exit 77; }
for tool in tshark tcpflow; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# shellcheck disable=SC2086
set -- -r $dirs

start=$(date +%s)
$TS_WRAP "$TS_BIN" verify --against tshark,tcpflow --log "$out/verify.log" "$@" >"$out/summary" 2>"$out/stderr"
status=$?
end=$(date +%s)
cat "$out/summary"
# tcpflow's unreadable link types are in the table; valgrind's notes on
# syscalls it does not know (pidfd_open) are noise
grep -v -e 'skipped by tcpflow' -e '^--[0-9]*--' "$out/stderr"
echo "verify took $((end - start)) s"
unexplained=$(grep -c ' unexplained' "$out/verify.log")
if [ "$status" -ne 0 ] || [ "$unexplained" -ne 0 ]; then
    echo "FAIL: tcpsession verify exited $status with $unexplained unexplained differences:"
    grep ' unexplained' "$out/verify.log" | head -50
    exit 1
fi
grep -q '^wrong\|^same' "$out/verify.log" || { echo "FAIL: empty log"; exit 1; }
echo "ok: $(grep -c '^same' "$out/verify.log") same, $(grep -c '^wrong' "$out/verify.log") explained differences"
exit 0
