#!/bin/sh
# End-to-end corpus regression: `tcpsession verify` over every capture of
# ../shared/corpus and ../shared/seed-data against tshark's Follow TCP Stream
# and tcpflow. Fails on any unexplained difference (or a capture that cannot
# be read); prints the summary table per corpus source and the unexplained
# lines. Skips (77) when ../shared or the tools are absent.
# About a minute on 2 cores (three under valgrind).
set -u
. "$(dirname "$0")/../lib.sh"
shared=$TS_SHARED
dirs=""
for d in corpus seed-data; do
    have_shared "$d" && dirs="$dirs $shared/$d"
done
[ -n "$dirs" ] || skip "neither $shared/corpus nor $shared/seed-data"
need_tool tshark tcpflow
make_tmp
out=$tmp

# shellcheck disable=SC2086
set -- -r $dirs

start=$(date +%s)
ts verify --against tshark,tcpflow --log "$out/verify.log" "$@" >"$out/summary" 2>"$out/stderr"
rc=$?
end=$(date +%s)
cat "$out/summary"
# tcpflow's unreadable link types are in the table; valgrind's notes on
# syscalls it does not know (pidfd_open) are noise
grep -v -e 'skipped by tcpflow' -e '^--[0-9]*--' "$out/stderr"
echo "verify took $((end - start)) s"
unexplained=$(grep -c ' unexplained' "$out/verify.log")
if [ "$rc" -ne 0 ] || [ "$unexplained" -ne 0 ]; then
    echo "FAIL: tcpsession verify exited $rc with $unexplained unexplained differences:"
    grep ' unexplained' "$out/verify.log" | head -50
    exit 1
fi
grep -q '^wrong\|^same' "$out/verify.log" || { echo "FAIL: empty log"; exit 1; }
ok "$(grep -c '^same' "$out/verify.log") same, $(grep -c '^wrong' "$out/verify.log") explained differences"
exit 0
