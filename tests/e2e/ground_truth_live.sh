#!/bin/sh
# ground_truth_live.sh — records every scenario of harness/scenarios.conf
# (real kernel TCP between two network namespaces through tsbridge, with
# seeded loss, reordering and duplication) and holds the engine to the bytes
# the applications sent: harness/ground_truth.py run. tcpflow's and tshark's
# disagreements with the ground truth are printed as reports, not failures.
#
# Needs root, /dev/net/tun, iproute2 and python3; skips (77) with the reason
# otherwise. Under valgrind (TS_WRAP set) it skips too: the live scenarios run
# in the plain and the sanitizer builds, and ground_truth_data.sh checks
# the recorded captures under valgrind.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP; optional
# TS_GT_ONLY (comma-separated scenario names), TS_GT_SUMMARY (JSON summary
# file to write).
# Exit status: 0 all passed, 1 a check failed, 77 cannot run here.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
if [ -n "$TS_WRAP" ]; then
    skip "under valgrind only the recorded captures are checked (ground_truth_data.sh);" \
        "the live scenarios run in the plain and sanitizer builds"
fi
bindir="$(cd "$(dirname "$TS_BIN")" && pwd)/harness"
for prog in tsbridge tstraffic; do
    [ -x "$bindir/$prog" ] || skip "$bindir/$prog is not built"
done
need_python
[ "$(id -u)" = 0 ] || skip "not root (network namespaces and TAP devices need root)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
have_tool ip || skip "no ip command (iproute2)"

set -- run --bindir "$bindir" --tcpsession "$TS_BIN"
[ -n "${TS_GT_ONLY:-}" ] && set -- "$@" --only "$TS_GT_ONLY"
[ -n "${TS_GT_SUMMARY:-}" ] && set -- "$@" --summary "$TS_GT_SUMMARY"
exec python3 "$TS_SRCDIR/harness/ground_truth.py" "$@"
