#!/bin/sh
# pcap_format.sh — `tcpsession extract --format pcap` writes, for each
# stream, packet for packet what `tshark -r CAPTURE -Y "tcp.stream == N" -w`
# writes: the same frames (link type, timestamp, caplen, origlen, bytes) in
# the same order.
#
# Captures: every one of data/ (data/cases, data/ground-truth, sample.pcap);
# when ../shared is there, every seed capture (../shared/seed-data) and a
# fixed sample of ../shared/corpus (those of at most 256 KiB, every fifth by
# path: about 30). Under a wrapper (TS_WRAP: valgrind) four small captures of
# data/ only. Each capture is extracted on its own, then
# tests/checkers/pcap_compare.py runs one tshark pass per capture (frame
# numbers and tcp.stream values, and the selected frames written once) and
# compares every stream's file(s) with tshark's frames of that stream.
# Every difference must be pinned, with its reason, in
# tests/expected/pcap_differences.tsv, and every pinned difference of a
# capture that ran must still show.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP, TS_SHARED.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_tool tshark python3
make_tmp
list="$tmp/captures.tsv"
: >"$list"

# add LABEL CAPTURE: extracts CAPTURE and lists it for the comparison.
n=0
add() {
    n=$((n + 1))
    _stem=$(basename "$2" | sed -e 's/\.gz$//' -e 's/\.[^.]*$//')
    if ts extract --quiet --format pcap -o "$tmp/out/$n" "$2" >"$tmp/extract.log" 2>&1; then
        printf '%s\t%s\t%s\n' "$1" "$2" "$tmp/out/$n/$_stem" >>"$list"
    else
        fail "extract --format pcap $1: $(head -c 300 "$tmp/extract.log")"
    fi
}

data=$TS_TESTDATA
if [ -n "$TS_WRAP" ]; then
    for c in sample.pcap cases/frag-ipv4.pcap cases/pcapng-multi-linktype.pcapng \
        cases/tunnel-mpls.pcap; do
        add "data/$c" "$data/$c"
    done
else
    for c in $(cd "$data" && find . -type f \( -name '*.pcap' -o -name '*.pcapng' \) |
        sed 's|^\./||' | LC_ALL=C sort); do
        add "data/$c" "$data/$c"
    done
    if have_shared seed-data; then
        for c in $(cd "$TS_SHARED/seed-data" && ls ./*.pcap | sed 's|^\./||' | LC_ALL=C sort); do
            add "shared/seed-data/$c" "$TS_SHARED/seed-data/$c"
        done
    fi
    if have_shared corpus; then
        i=0
        for c in $(cd "$TS_SHARED/corpus" && find . -type f -size -257k \
            \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.pcap.gz' \) |
            sed 's|^\./||' | LC_ALL=C sort); do
            i=$((i + 1))
            [ $((i % 5)) -eq 1 ] && add "shared/corpus/$c" "$TS_SHARED/corpus/$c"
        done
    fi
fi
[ -s "$list" ] || fail "no capture extracted"

if checker pcap_compare.py --jobs 2 --known "$EXPECTED/pcap_differences.tsv" "$list" \
    >"$tmp/compare.log" 2>&1; then
    ok "$(grep -c '^same' "$tmp/compare.log") captures as tshark writes them," \
        "$(grep -c '^known' "$tmp/compare.log") known differences"
else
    fail "the pcap files differ from tshark's selection:"
    grep -v '^same\|^known' "$tmp/compare.log" | head -40
fi
finish
