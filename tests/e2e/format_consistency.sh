#!/bin/sh
# format_consistency.sh — gaps, anomalies and counters do not depend on the
# output format (issue 11): the formats that keep the bytes (jsonl, raw,
# json) and those that do not (none, tcpflow, and `ls`) compare retransmitted
# bytes with the same window and must report the same.
#
# For every capture of data/cases, and data/cases/vlan-mirror-copies.pcap
# (every packet twice, on two VLANs) first: runs `tcpsession ls --json` and
# `tcpsession extract` in each format (under every --overlap policy; ls, which
# has no such option, with the default one), then
# tests/checkers/format_consistency.py compares the gap and anomaly lists of
# jsonl, raw and json, the per-session counts of ls and every format's
# summary line.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_tool python3
cases="$TS_SRCDIR/data/cases"
[ -f "$cases/vlan-mirror-copies.pcap" ] || skip "$cases/vlan-mirror-copies.pcap missing"
make_tmp

# stem CAPTURE: the output folder name extract gives the capture.
stem() {
    basename "$1" | sed -e 's/\.gz$//' -e 's/\.[^.]*$//'
}

# run_formats CAPTURE OUT [OPTIONS...]: extract in every format into OUT.
run_formats() {
    _cap=$1
    _out=$2
    shift 2
    for _fmt in jsonl raw json none tcpflow; do
        ts extract --format "$_fmt" -o "$_out/$_fmt" "$@" "$_cap" >"$_out/$_fmt.out" 2>&1 ||
            fail "$(basename "$_cap") --format $_fmt $*: $(head -c 300 "$_out/$_fmt.out")"
    done
}

n=0
for cap in "$cases/vlan-mirror-copies.pcap" "$cases"/*.pcap "$cases"/*.pcapng "$cases"/*.pcap.gz; do
    [ -f "$cap" ] || continue
    [ "$n" -gt 0 ] && [ "$cap" = "$cases/vlan-mirror-copies.pcap" ] && continue
    n=$((n + 1))
    s=$(stem "$cap")
    for policy in first last linux; do
        out="$tmp/$n-$policy"
        mkdir -p "$out"
        run_formats "$cap" "$out" --overlap "$policy"
        extra=
        if [ "$policy" = first ]; then
            ts ls --json "$cap" >"$out/ls.jsonl" 2>"$out/ls.err" || fail "ls --json $cap"
            extra=--with-ls
        fi
        # shellcheck disable=SC2086 # extra is one word or empty
        if checker format_consistency.py "$out" "$s" $extra >"$out/check.txt"; then
            ok "$(basename "$cap") --overlap $policy: $(sed 's/^ok - [^:]*: //' "$out/check.txt")"
        else
            sed "s|^|    $policy: |" "$out/check.txt"
            fail "$(basename "$cap") --overlap $policy: formats disagree"
        fi
    done
    # the comparison window's options, in every format alike
    out="$tmp/$n-acked-0"
    mkdir -p "$out"
    run_formats "$cap" "$out" --retransmission-acked 0 --retransmission-window 0
    checker format_consistency.py "$out" "$s" >"$out/check.txt" ||
        { cat "$out/check.txt"; fail "$(basename "$cap") with an unlimited window: formats disagree"; }
done

# the capture of the issue: what every format says, exactly
out="$tmp/1-first"
want="0 gaps, 4 anomalies"
for f in jsonl raw json none tcpflow; do
    grep -q ": 1 sessions, 62 frames, 20608 bytes delivered, $want" "$out/$f.out" ||
        fail "vlan-mirror-copies --format $f: $(cat "$out/$f.out"), want $want"
done
grep -q '"anomalies":4,"gaps":0' "$out/ls.jsonl" || fail "vlan-mirror-copies ls: $(cat "$out/ls.jsonl")"
ok "vlan-mirror-copies: $want in ls and every format"
finish
