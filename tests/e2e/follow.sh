#!/bin/sh
# End-to-end: `tcpsession follow CAPTURE STREAM --mode ascii|hex|raw|yaml`
# prints exactly what `tshark -q -z follow,tcp,MODE,STREAM` prints, byte for
# byte, for every stream of every capture below in every mode
# (tests/checkers/follow_modes_compare.py): a capture the test crafts, the seed
# captures and a set of public corpus captures (sequence wrap-around, IPv6,
# raw IP and SLL2 links, multi-interface pcapng, nanosecond timestamps, gaps
# shown as tshark's "[N bytes missing in capture file]", overlaps, huge
# holes). Streams whose data differs on purpose are pinned in
# tests/expected/follow_differences.tsv (and must still differ). Also: a stream that
# does not exist prints tshark's empty output with exit status 1.
# Skips (77) without tshark or python3; shared captures skip without ../shared.
set -u
. "$(dirname "$0")/../lib.sh"
need_tool tshark python3
make_tmp
out=$tmp
compare() {
    if checker follow_modes_compare.py "$TS_BIN" "$1" \
        --known "$EXPECTED/follow_differences.tsv" >"$out/log"; then
        ok "$(basename "$1"): $(grep -c '^same' "$out/log") same, $(grep -c '^known' "$out/log") known"
    else
        fail "$1"
        grep -v -e '^same' -e '^known' "$out/log"
    fi
}

checker legacy_check.py craft "$out/crafted.pcap" || exit 1
compare "$out/crafted.pcap"

# a stream that does not exist: tshark's output for it, and exit status 1
for mode in ascii yaml; do
    tshark -r "$out/crafted.pcap" -q -z "follow,tcp,$mode,99" 2>/dev/null >"$out/t"
    "$TS_BIN" follow "$out/crafted.pcap" 99 --mode "$mode" >"$out/o" 2>/dev/null
    rc=$?
    [ $rc -eq 1 ] || fail "follow of a missing stream: exit status $rc"
    cmp -s "$out/t" "$out/o" || fail "follow of a missing stream ($mode) differs"
done
"$TS_BIN" follow "$out/crafted.pcap" 0 --mode utf8 >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown mode accepted"
"$TS_BIN" follow "$out/crafted.pcap" >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing STREAM accepted"

shared=$TS_SHARED
if ! have_shared seed-data; then
    echo "SKIP: $shared not found (seed and corpus captures)"
    finish
fi
for cap in "$shared"/seed-data/*.pcap; do
    compare "$cap"
done
pp="$shared/corpus/pcapplusplus/Tests/Pcap++Test/PcapExamples"
sv="$shared/corpus/suricata-verify/tests"
for cap in "$pp/one_tcp_stream.pcap" "$pp/one_tcp_stream_max_seq.pcap" "$pp/three_http_streams.pcap" \
    "$pp/one_http_stream_rst.pcap" "$pp/one_ipv6_http_stream.pcap" "$pp/four_ipv6_http_streams.pcap" \
    "$pp/raw_ip.pcap" "$pp/sll2.pcap" "$pp/many_interfaces-1.pcapng" "$pp/nanosecs_big_endian.pcap" \
    "$pp/frag_http_req.pcap" "$sv/http-gap-simple/input.pcap" "$sv/http-gap-double/input.pcap" \
    "$sv/eve-payload-05-tcp-data-gap/tcp-simple-gap2.pcap" \
    "$sv/eve-payload-04-partial-overlap/tcp-overlap2.pcap" \
    "$sv/bug-6244-tcp-rst-with-data/tcp-rst-with-data.pcap" \
    "$shared/corpus/zeek/testing/btest/Traces/ftp/bigtransfer.pcap" \
    "$shared/corpus/tcpflow/tests/test1-out-of-order.pcap"; do
    if [ -f "$cap" ]; then
        compare "$cap"
    else
        fail "corpus capture missing: $cap"
    fi
done
finish
