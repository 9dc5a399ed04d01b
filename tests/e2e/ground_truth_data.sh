#!/bin/sh
# ground_truth_data.sh — the recorded ground-truth captures in
# data/ground-truth/ (real kernel TCP through tsbridge, see harness/README.md)
# checked without root: for every connection of each manifest the engine's
# session must have exactly the bytes each side sent, in the same
# request/response order, one session per connection, and stream numbers
# equal to tshark's tcp.stream. A manifest that declares xfail=BUG must show
# that known engine bug and nothing else (and fails once the bug is fixed, so
# the pin is removed). tcpflow's and tshark's disagreements are reported only.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP, TS_TESTDATA.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
data="$TS_TESTDATA/ground-truth"
set -- "$data"/*.manifest.json
[ -f "$1" ] || skip "no manifests in $data"
bindir="$(cd "$(dirname "$TS_BIN")" && pwd)/harness"
exec python3 "$TS_SRCDIR/harness/ground_truth.py" check "$@" --tcpsession "$TS_BIN" \
    --wrap "$TS_WRAP" --bindir "$bindir"
