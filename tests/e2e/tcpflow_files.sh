#!/bin/sh
# End-to-end: `tcpsession extract --format tcpflow` writes the same files as
# tcpflow 1.6.1 itself (names and contents, byte for byte) on captures where
# tcpflow is right: a capture this test crafts and public corpus captures
# (many sessions, IPv6 names, raw IP links, reordered handshakes, missing
# SYNs, TCP fast open, urgent data, a large gap). Where tcpflow is wrong
# (Ethernet trailers counted as payload, zero-filled holes, merged reused
# ports) the verifier classifies the differences (tcpsession verify).
# Skips (77) without tcpflow or python3; the corpus part skips without
# ../shared.
set -u
. "$(dirname "$0")/../lib.sh"
need_tool tcpflow python3
make_tmp
out=$tmp
n=0
compare() {
    cap=$1
    n=$((n + 1))
    stem=$(basename "$cap")
    stem=${stem%.gz}
    stem=${stem%.*}
    mkdir -p "$out/theirs/$n"
    (cd "$out/theirs/$n" && tcpflow -r "$cap" -o . >/dev/null 2>&1 && rm -f report.xml) ||
        { fail "tcpflow -r $cap"; return; }
    ts extract -q -f tcpflow -o "$out/ours/$n" "$cap" ||
        { fail "tcpsession extract -f tcpflow $cap"; return; }
    if diff -r "$out/theirs/$n" "$out/ours/$n/$stem" >"$out/diff"; then
        ok "$stem: $(ls "$out/theirs/$n" | wc -l) files equal tcpflow's"
    else
        fail "$cap"
        head -5 "$out/diff"
    fi
}

checker legacy_check.py craft "$out/crafted.pcap" || exit 1
compare "$out/crafted.pcap"

# VLAN tags in the names (data/cases/vlan-tcpflow.pcap, see data/README.md):
# "--TCI" of an outermost 802.1Q tag (priority bits included, per
# direction, from its first packet), none for an 802.1ad outer tag.
vlan_cap=$TS_TESTDATA/cases/vlan-tcpflow.pcap
compare "$vlan_cap"
vlan_names="010.001.000.001.40000-010.001.000.002.00080--201
010.001.000.001.40001-010.001.000.002.00080--41162
010.001.000.001.40002-010.001.000.002.00080
010.001.000.001.40003-010.001.000.002.00080--400
010.001.000.001.40004-010.001.000.002.00080--500
010.001.000.001.40005-010.001.000.002.00080--206
010.001.000.001.40005-010.001.000.002.00080--206c1
010.001.000.001.40005-010.001.000.002.00080--207
010.001.000.001.40008-010.001.000.002.00080--601
010.001.000.002.00080-010.001.000.001.40000--201
010.001.000.002.00080-010.001.000.001.40001--24778
010.001.000.002.00080-010.001.000.001.40002
010.001.000.002.00080-010.001.000.001.40003--400
010.001.000.002.00080-010.001.000.001.40004
010.001.000.002.00080-010.001.000.001.40005--206
010.001.000.002.00080-010.001.000.001.40005--206c1
010.001.000.002.00080-010.001.000.001.40005--207
010.001.000.002.00080-010.001.000.001.40008--603"
if [ "$(ls "$out/ours/$n/vlan-tcpflow")" = "$vlan_names" ]; then
    ok "vlan-tcpflow: the 18 names with tcpflow's --VLAN suffixes"
else
    fail "vlan-tcpflow names: $(ls "$out/ours/$n/vlan-tcpflow" | tr '\n' ' ')"
fi

corpus="$TS_SHARED/corpus"
if ! have_shared corpus; then
    echo "SKIP: $corpus not found (corpus captures)"
    finish
fi
for cap in ndpi/tests/cfgs/default/pcap/WebattackRCE.pcap \
    suricata-verify/tests/http-range-multiflows/input.pcap \
    zeek/testing/btest/Traces/wikipedia.pcap \
    zeek/testing/btest/Traces/ftp/ipv6.pcap \
    zeek/testing/btest/Traces/tcp/handshake-reorder.pcap \
    zeek/testing/btest/Traces/tcp/missing-syn.pcap \
    zeek/testing/btest/Traces/tcp/tcp-fast-open.pcap \
    zeek/testing/btest/Traces/http/http-large-gap.pcap \
    tcpreplay/test/test.pcap \
    pcapplusplus/Tests/Pcap++Test/PcapExamples/raw_ip.pcap \
    pcapplusplus/Tests/Pcap++Test/PcapExamples/four_ipv6_http_streams.pcap \
    suricata-verify/tests/tcp-urgp-01-oob/tcp-urgent1.pcap \
    tcpflow/tests/test1.pcap \
    dpkt/examples/data/http.pcap; do
    if [ -f "$corpus/$cap" ]; then
        compare "$corpus/$cap"
    else
        fail "corpus capture missing: $cap"
    fi
done
finish
