#!/bin/sh
# e2e_ground_truth_live.sh — records every scenario of harness/scenarios.conf
# (real kernel TCP between two network namespaces through tsbridge, with
# seeded loss, reordering and duplication) and holds the engine to the bytes
# the applications sent: harness/ground_truth.py run. tcpflow's and tshark's
# disagreements with the ground truth are printed as reports, not failures.
#
# Needs root, /dev/net/tun, iproute2 and python3; skips (77) with the reason
# otherwise. Under valgrind (TS_WRAP set) it skips too: the live scenarios run
# in the plain and the sanitizer builds, and e2e_ground_truth_data.sh checks
# the recorded captures under valgrind.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP; optional
# TS_GT_ONLY (comma-separated scenario names), TS_GT_SUMMARY (JSON summary
# file to write).
# Exit status: 0 all passed, 1 a check failed, 77 cannot run here.
set -u

if [ -z "${TS_BIN:-}" ] || [ ! -x "$TS_BIN" ]; then
    echo "SKIP: TS_BIN is not an executable"
    exit 77
fi
if [ -n "${TS_WRAP:-}" ]; then
    echo "SKIP: under valgrind only the recorded captures are checked (e2e_ground_truth_data.sh);" \
        "the live scenarios run in the plain and sanitizer builds"
    exit 77
fi
bindir="$(cd "$(dirname "$TS_BIN")" && pwd)/harness"
for prog in tsbridge tstraffic; do
    if [ ! -x "$bindir/$prog" ]; then
        echo "SKIP: $bindir/$prog is not built"
        exit 77
    fi
done
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not installed"
    exit 77
fi
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: not root (network namespaces and TAP devices need root)"
    exit 77
fi
if [ ! -c /dev/net/tun ]; then
    echo "SKIP: no /dev/net/tun"
    exit 77
fi
if ! command -v ip >/dev/null 2>&1; then
    echo "SKIP: no ip command (iproute2)"
    exit 77
fi

set -- run --bindir "$bindir" --tcpsession "$TS_BIN"
[ -n "${TS_GT_ONLY:-}" ] && set -- "$@" --only "$TS_GT_ONLY"
[ -n "${TS_GT_SUMMARY:-}" ] && set -- "$@" --summary "$TS_GT_SUMMARY"
exec python3 "${TS_SRCDIR:-.}/harness/ground_truth.py" "$@"
