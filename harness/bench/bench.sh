#!/bin/sh
# bench.sh — tcpsession's benchmark harness (issue 6): a script, not a test.
#
#   harness/bench/bench.sh [--quick] [--rounds R] [--size MB] [--connections N]
#                          [--tshark-size MB] [--tshark-connections N] [--parts P]
#                          [--seed S] [--cache DIR] [--workdir DIR]
#                          [--tcpsession PATH] [--bench-gen PATH]
#
# Generates the benchmark captures with bench-gen (cached, by default in
# ~/.cache/tcpsession-bench), runs tcpsession against tcpflow, libnids, cat
# and tshark, several rounds, and prints a Markdown table (medians of wall
# time, CPU time, peak RSS; throughput; ratios; targets met or not). The work
# itself is bench.py next to this script (python3); see its header comment.
# Build first (make): it looks for ./tcpsession and harness/bench/bench-gen in
# the build tree ($TS_BIN and $TS_BENCH_GEN override).
here=$(dirname "$0")
command -v python3 >/dev/null 2>&1 || { echo "bench.sh: python3 is required" >&2; exit 1; }
exec python3 "$here/bench.py" "$@"
