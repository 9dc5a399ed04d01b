#!/bin/sh
# End-to-end: the engine against the expected outputs of other projects'
# test suites that are plain reassembled bytes (../shared/corpus/oracles,
# described in ORACLES.tsv): PcapPlusPlus per-direction and interleaved
# files, Zeek contents files, Suricata's streamed bytes and stream payloads.
# Skips (77) when the oracles or python3 are absent.
set -u
. "$(dirname "$0")/../lib.sh"
corpus="$TS_SHARED/corpus"
need_shared corpus/oracles
need_python
# shellcheck disable=SC2086
exec python3 "$CHECKERS/oracles_check.py" "$corpus" $TS_WRAP "$TS_BIN"
