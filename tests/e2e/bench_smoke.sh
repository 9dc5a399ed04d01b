#!/bin/sh
# End-to-end: the benchmark harness keeps working. Runs
# `harness/bench/bench.sh --quick` (tiny captures from bench-gen, one round)
# and checks it completes and prints its Markdown table with every
# comparison, and that the tcpflow-format files equal tcpflow's. The numbers
# themselves are not checked (a test is no benchmark). Takes a few seconds.
# Skips (77) without tcpflow, tshark or python3.
set -u
. "$(dirname "$0")/../lib.sh"
need_tool tcpflow tshark python3
gen="$(dirname "$TS_BIN")/harness/bench/bench-gen"
[ -x "$gen" ] || { echo "FAIL: $gen not built"; exit 1; }
make_tmp
out=$tmp
if ! timeout 120 sh "$TS_SRCDIR/harness/bench/bench.sh" --quick --tcpsession "$TS_BIN" \
    --baseline "$TS_BIN" --bench-gen "$gen" --workdir "$out" >"$out/report.md" 2>"$out/log"; then
    echo "FAIL: bench.sh --quick"
    cat "$out/log" "$out/report.md"
    exit 1
fi
cat "$out/report.md"
for want in '^| comparison | command | wall (min) | CPU | peak RSS | throughput | ratio (CPU) | target | met |$' \
    '^| tcpflow files | `tcpsession extract --format tcpflow` |' '^| tcpflow files | `tcpflow -r` |' \
    '^| raw speed | `tcpsession extract --format none` |' '^| raw speed | `cat` > /dev/null |' \
    '^| follow every stream | tshark' '^| several files | .*processes in parallel |' \
    '^- tcpflow-format files identical to tcpflow.s: yes' \
    '^- tshark.s per-stream byte counts (one pass) equal tcpsession.s: yes' \
    '^- tshark.s per-stream byte counts (one run per stream) equal tcpsession.s: yes' \
    '^| follow every stream | tshark, one run per stream |' \
    '^Against the baseline build' '^| `--format none` vs `cat` | [0-9.]*x' \
    '^| `--format tcpflow` vs tcpflow | [0-9.]*x'; do
    grep -q -- "$want" "$out/report.md" || fail "no line matching: $want"
done
# libnids-dev (installed by bootstrap.sh) makes the libnids rows appear
if [ -f /usr/include/nids.h ]; then
    for want in '^| vs libnids (IPv4 only) | libnids' '^| `--format none` vs libnids (IPv4 only) | [0-9.]*x'; do
        grep -q -- "$want" "$out/report.md" || fail "no line matching: $want"
    done
fi
[ $status -eq 0 ] && ok "bench.sh --quick printed its table"
finish
