#!/bin/sh
# End-to-end: the engine against the expected outputs of other projects'
# test suites that are plain reassembled bytes (../shared/corpus/oracles,
# described in ORACLES.tsv): PcapPlusPlus per-direction and interleaved
# files, Zeek contents files, Suricata's streamed bytes and stream payloads.
# Skips (77) when the oracles or python3 are absent.
set -u
corpus="${TS_SHARED:-../shared}/corpus"
[ -d "$corpus/oracles" ] || { echo "skip: $corpus/oracles not found"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
# shellcheck disable=SC2086
exec python3 "$TS_SRCDIR/tests/oracles_check.py" "$corpus" $TS_WRAP "$TS_BIN"
