#!/bin/sh
# End-to-end: `tcpsession follow CAPTURE STREAM --mode ascii|hex|raw|yaml`
# prints exactly what `tshark -q -z follow,tcp,MODE,STREAM` prints, byte for
# byte, for every stream of every capture below in every mode
# (tests/follow_modes_compare.py): a capture the test crafts, the seed
# captures and a set of public corpus captures (sequence wrap-around, IPv6,
# raw IP and SLL2 links, multi-interface pcapng, nanosecond timestamps, gaps
# shown as tshark's "[N bytes missing in capture file]", overlaps, huge
# holes). Streams whose data differs on purpose are pinned in
# tests/follow_differences.tsv (and must still differ). Also: a stream that
# does not exist prints tshark's empty output with exit status 1.
# Skips (77) without tshark or python3; shared captures skip without ../shared.
set -u
command -v tshark >/dev/null 2>&1 || { echo "skip: tshark not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
compare() {
    if python3 "$TS_SRCDIR/tests/follow_modes_compare.py" "$TS_BIN" "$1" \
        --known "$TS_SRCDIR/tests/follow_differences.tsv" >"$out/log"; then
        echo "ok: $(basename "$1"): $(grep -c '^same' "$out/log") same, $(grep -c '^known' "$out/log") known"
    else
        echo "FAIL: $1"
        grep -v -e '^same' -e '^known' "$out/log"
        status=1
    fi
}

python3 "$TS_SRCDIR/tests/legacy_check.py" craft "$out/crafted.pcap" || exit 1
compare "$out/crafted.pcap"

# a stream that does not exist: tshark's output for it, and exit status 1
for mode in ascii yaml; do
    tshark -r "$out/crafted.pcap" -q -z "follow,tcp,$mode,99" 2>/dev/null >"$out/t"
    "$TS_BIN" follow "$out/crafted.pcap" 99 --mode "$mode" >"$out/o" 2>/dev/null
    rc=$?
    [ $rc -eq 1 ] || { echo "FAIL: follow of a missing stream: exit status $rc"; status=1; }
    cmp -s "$out/t" "$out/o" || { echo "FAIL: follow of a missing stream ($mode) differs"; status=1; }
done
"$TS_BIN" follow "$out/crafted.pcap" 0 --mode utf8 >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: unknown mode accepted"; status=1; }
"$TS_BIN" follow "$out/crafted.pcap" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: missing STREAM accepted"; status=1; }

shared="${TS_SHARED:-../shared}"
if [ ! -d "$shared/seed-data" ]; then
    echo "skip: $shared not found (seed and corpus captures)"
    exit $status
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
        echo "FAIL: corpus capture missing: $cap"
        status=1
    fi
done
exit $status
