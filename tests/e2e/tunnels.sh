#!/bin/sh
# tunnels.sh — the tunnel case captures of data/cases (harness/craft_tunnel.c)
# beyond their expected files (tests/e2e/cases.sh):
#
# 1. tunnel-too-deep.pcap: the frames nested deeper than the decoder follows
#    are counted in the summary (8 frames, "nested in too many
#    encapsulations") and make no session; the one nested 12 deep does.
# 2. With tshark: every tunnel capture's sessions equal tshark's Follow TCP
#    Stream (raw), stream by stream, both directions, the same number of
#    streams (follow_compare.py), tshark given the decode-as rules listed
#    below and we the same options as tests/expected/cases.tsv; deliberate
#    differences are pinned in tests/expected/tunnel_differences.tsv.
# 3. `tcpsession verify` explains the TCP header quoted in the sFlow sample
#    of tunnel-sflow-sample.pcap as `sampled-packet-header`.
#
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
cases="$TS_SRCDIR/data/cases"
[ -f "$cases/tunnel-too-deep.pcap" ] || skip "$cases/tunnel-too-deep.pcap missing"
make_tmp

# ---- 1. too deep: counted, no session ---------------------------------------
want="tunnel-too-deep.pcap: 1 sessions, 16 frames (8 nested in too many encapsulations),"
if ! (cd "$cases" && ts extract -f none -o "$tmp/none" tunnel-too-deep.pcap) >"$tmp/deep.log" 2>&1; then
    fail "tcpsession extract tunnel-too-deep.pcap: $(head -c 400 "$tmp/deep.log")"
elif grep -qF "$want" "$tmp/deep.log"; then
    ok "tunnel-too-deep: 8 frames nested too deep, 1 session"
else
    fail "tunnel-too-deep summary: $(cat "$tmp/deep.log"), want '$want...'"
fi

# ---- 2. against tshark -------------------------------------------------------
if ! have_tool tshark; then
    echo "# tshark not installed: comparison skipped"
    finish
fi
# CAPTURE|OUR OPTIONS|TSHARK DECODE-AS RULES (space-separated)
i=0
while IFS='|' read -r capture options rules; do
    i=$((i + 1))
    stem=$(basename "$capture" .pcap)
    # shellcheck disable=SC2086 # OPTIONS are words
    if ! (cd "$cases" && ts extract -q -o "$tmp/run.$i" $options "$capture") >"$tmp/run.$i.log" 2>&1; then
        fail "tcpsession extract $options $capture: $(head -c 400 "$tmp/run.$i.log")"
        continue
    fi
    decode=
    for r in $rules; do decode="$decode --decode-as $r"; done
    what="$capture${options:+ $options}${rules:+ (tshark -d $rules)}"
    # shellcheck disable=SC2086 # decode-as arguments are words
    if checker follow_compare.py --known "$EXPECTED/tunnel_differences.tsv" $decode \
        "$cases/$capture" "$tmp/run.$i/$stem/sessions.jsonl" >"$tmp/cmp.$i.log" 2>&1; then
        ok "$what: $(grep -c '^same' "$tmp/cmp.$i.log") directions same as tshark's, $(grep -c '^known' "$tmp/cmp.$i.log") known"
    else
        fail "$what against tshark:"
        grep -v '^same' "$tmp/cmp.$i.log"
    fi
done <<ROWS
tunnel-gre.pcap||
tunnel-erspan.pcap||
tunnel-vxlan.pcap||
tunnel-vxlan-port.pcap||
tunnel-vxlan-port.pcap|--tunnel-port vxlan=8472|udp.port==8472,vxlan
tunnel-geneve.pcap||
tunnel-mpls.pcap||mpls.label==700,pwethcw
tunnel-pppoe.pcap||
tunnel-ipip.pcap||
tunnel-gtpu.pcap||
tunnel-teredo.pcap||
tunnel-nested.pcap||
tunnel-too-deep.pcap||
tunnel-direct-and-tunneled.pcap||
tunnel-pptp.pcap||
tunnel-sflow-sample.pcap||
ROWS

# ---- 3. the verifier explains the sFlow sample --------------------------------
# the one tshark stream of tunnel-sflow-sample.pcap we make no session for is
# the TCP header its sFlow sample quotes: `sampled-packet-header`, nothing
# unexplained, the real session the same as tshark's and tcpflow's
if ts verify --against tshark,tcpflow --log "$tmp/sflow.log" "$cases/tunnel-sflow-sample.pcap" \
    >"$tmp/sflow.out" 2>&1; then
    got=$(sed -e 's|^\([a-z]*\) \([a-z]*\) [^ ]* stream \([^ ]*\).*explained: \([a-z-]*\).*|\1 \2 \3 \4|' \
        -e 's|^\([a-z]*\) \([a-z]*\) [^ ]* stream \([^ ]*\) .*|\1 \2 \3|' "$tmp/sflow.log" | sort | tr '\n' ';')
    want="same tcpflow 0;same tshark 0;wrong tshark - sampled-packet-header;"
    if [ "$got" = "$want" ]; then
        ok "verify tunnel-sflow-sample: the sampled header explained as sampled-packet-header"
    else
        fail "verify tunnel-sflow-sample: '$got', want '$want':"
        cat "$tmp/sflow.log"
    fi
else
    fail "tcpsession verify tunnel-sflow-sample.pcap: $(head -c 400 "$tmp/sflow.out")"
fi
finish
