#!/bin/sh
# format_consistency.sh — bytes, gaps, anomalies and counters do not depend
# on the output format (issue 11): the formats that keep the bytes (jsonl,
# raw, json) and those that do not (none, tcpflow, `ls`, `follow`) compare
# retransmitted bytes with the same window and must report the same; under
# --overlap last, where a later copy rewrites delivered bytes, the streaming
# ones (tcpflow, follow) must end with the same bytes as the kept payload.
#
# For every capture of data/cases, and data/cases/vlan-mirror-copies.pcap
# (every packet twice, on two VLANs) first: runs `tcpsession ls --json` and
# `tcpsession extract` in each format (under every --overlap policy; ls, which
# has no such option, with the default one), then
# tests/checkers/format_consistency.py compares the gap and anomaly lists of
# jsonl, raw and json, the per-session counts of ls, every format's summary
# line, the bytes of every direction in jsonl, raw, json and tcpflow, and
# those of `follow --mode raw` of every stream with an overlap_conflict.
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

# conflict_streams OUT STEM: the streams of OUT/jsonl with an overlap_conflict
# (what `format_consistency.py --conflict-streams` prints, without starting
# python, which takes 0.3 s here).
conflict_streams() {
    grep '"type":"overlap_conflict"' "$1/jsonl/$2/sessions.jsonl" |
        sed -n 's/^{"stream":\([0-9]*\),.*/\1/p'
}

# run_formats CAPTURE OUT [OPTIONS...]: extract in every format into OUT,
# and follow each stream with an overlap_conflict into OUT/follow/N.txt.
run_formats() {
    _cap=$1
    _out=$2
    shift 2
    for _fmt in jsonl raw json none tcpflow; do
        ts extract --format "$_fmt" -o "$_out/$_fmt" "$@" "$_cap" >"$_out/$_fmt.out" 2>&1 ||
            fail "$(basename "$_cap") --format $_fmt $*: $(head -c 300 "$_out/$_fmt.out")"
    done
    mkdir -p "$_out/follow"
    for _n in $(conflict_streams "$_out" "$(stem "$_cap")"); do
        ts follow --mode raw "$@" "$_cap" "$_n" >"$_out/follow/$_n.txt" 2>&1 ||
            fail "$(basename "$_cap") follow $_n $*: $(head -c 300 "$_out/follow/$_n.txt")"
    done
}

# Under a wrapper (valgrind: 0.5 s a run, 18 minutes for every capture) the
# captures whose gaps, conflicts and rewrites exercise every format's code;
# the sanitizer and plain runs take them all.
captures="$cases/vlan-mirror-copies.pcap $cases/*.pcap $cases/*.pcapng $cases/*.pcap.gz"
if [ -n "$TS_WRAP" ]; then
    some="vlan-mirror-copies tcp-a-overlap-orders gap-acked-in-steps trailing-gap-fin"
    some="$some frag-overlap tunnel-nested"
    captures=
    for s in $some; do
        captures="$captures $cases/$s.pcap"
    done
    ok "under $(echo "$TS_WRAP" | cut -d' ' -f1), only: $some"
fi

n=0
# shellcheck disable=SC2086 # captures is a list of paths and patterns
for cap in $captures; do
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
    # the comparison window's options, in every format alike: unlimited;
    # where a later copy rewrites delivered bytes, under last also unlimited
    # (follow then holds the session to its end) and so small that follow
    # prints records while later copies still arrive
    runs=first-0
    [ -n "$(conflict_streams "$tmp/$n-last" "$s")" ] &&
        runs="$runs last-0 last-4"
    for run in $runs; do
        out="$tmp/$n-window-$run"
        mkdir -p "$out"
        run_formats "$cap" "$out" --overlap "${run%-*}" --retransmission-acked 0 \
            --retransmission-window "${run#*-}"
        checker format_consistency.py "$out" "$s" >"$out/check.txt" || {
            cat "$out/check.txt"
            fail "$(basename "$cap") --overlap ${run%-*}, window ${run#*-}: formats disagree"
        }
    done
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
