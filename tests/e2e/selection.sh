#!/bin/sh
# selection.sh — --filter, --stream, --since and --until.
#   - --filter EXPR selects exactly the frames tcpdump selects with EXPR:
#     `extract --filter EXPR CAPTURE` equals `extract` of `tcpdump -r CAPTURE
#     -w SEL EXPR`, frame and stream numbers mapped back to the whole capture
#     (tests/checkers/filter_compare.py), on the sample and every crafted case
#     capture tcpdump can filter, for several expressions; the summary counts
#     the frames left out.
#   - --stream, --since, --until: the selected sessions' output is exactly the
#     full run's for them (jsonl lines, raw folders, tcpflow files).
#   - the exact usage errors, and the warning for a link type a filter does
#     not apply to.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP.
# Exit status: 0 passed, 1 a check failed, 77 without tcpdump or python3.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
need_tool tcpdump
make_tmp
sample=$TS_TESTDATA/sample.pcap

# ---- --filter against tcpdump ------------------------------------------------
filters='port 80
tcp and src portrange 1-1024 or dst host 192.168.1.10
greater 60
ip6
tcp[tcpflags] & tcp-syn == 0
vlan or not vlan and port 80'
n=0
: >"$tmp/list"
# under a wrapper (valgrind, about 0.5 s a run) the sample and a few cases
captures="$sample $TS_TESTDATA/cases/*.pcap"
least=300
if [ -n "$TS_WRAP" ]; then
    captures=$sample
    for s in vlan-tcpflow tcp-g-rst-then-reuse frag-ipv4 tunnel-nested; do
        captures="$captures $TS_TESTDATA/cases/$s.pcap"
    done
    least=20
fi
# shellcheck disable=SC2086 # a list of paths and patterns
for cap in $captures; do
    stem=$(basename "$cap" .pcap)
    while IFS= read -r expr; do
        n=$((n + 1))
        d=$tmp/c$n
        mkdir "$d"
        # link types tcpdump cannot filter (IPoIB, NFLOG...) are not compared
        tcpdump -r "$cap" -w "$d/sel.pcap" "$expr" 2>/dev/null || continue
        ts extract -q --filter "$expr" -o "$d/a" "$cap" 2>"$tmp/err" ||
            fail "extract --filter '$expr' $stem: $(cat "$tmp/err")"
        ts extract -q -o "$d/b" "$d/sel.pcap" 2>/dev/null
        touch "$d/a/$stem/sessions.jsonl" "$d/b/sel/sessions.jsonl"
        printf '%s\t%s\t%s\t%s\t%s\n' "$stem [$expr]" "$cap" "$d/sel.pcap" \
            "$d/a/$stem/sessions.jsonl" "$d/b/sel/sessions.jsonl" >>"$tmp/list"
    done <<FILTERS
$filters
FILTERS
done
compared=$(wc -l <"$tmp/list")
if py_package "$CHECKERS/filter_compare.py" "$tmp/list" >"$tmp/cmp" 2>&1; then
    [ "$compared" -gt "$least" ] && ok "--filter equals tcpdump's selection ($compared captures x filters)" ||
        fail "only $compared filter comparisons ran"
else
    fail "--filter differs from tcpdump's selection:"
    grep -v '^same' "$tmp/cmp" | grep -B1 -v '^==' | head -40
fi

# the sample's port reuse (streams 6 and 7): without the SYNs they are still
# two; stream 3 is IPv6, which tcp[] does not reach
expr='tcp[tcpflags] & tcp-syn == 0'
ts extract -q --filter "$expr" -o "$tmp/r" "$sample"
got=$(sed 's/^{"stream":\([0-9]*\),.*/\1/' "$tmp/r/sample/sessions.jsonl" | tr '\n' ' ')
[ "$got" = "0 1 2 4 5 6 7 " ] && ok "a filter keeps the whole capture's stream numbers" ||
    fail "streams without SYNs: $got"

expr='port 80 and host 192.168.1.10'
left_out=$((76 - $(tcpdump -r "$sample" "$expr" 2>/dev/null | wc -l)))
ts extract --filter "$expr" -o "$tmp/s" "$sample" >"$tmp/out" 2>&1
grep -q "^$sample: 7 sessions, 76 frames ($left_out not selected by the filter), " "$tmp/out" &&
    ok "the summary counts the $left_out frames left out" || fail "summary: $(cat "$tmp/out")"

# ---- --stream, --since, --until: the full run's output of those sessions ------
for format in jsonl raw tcpflow pcap; do
    rm -rf "$tmp/full" "$tmp/part"
    ts extract -q --format $format -o "$tmp/full" "$sample"
    ts extract -q --format $format --stream 2,5- -o "$tmp/part" "$sample"
    (cd "$tmp/part/sample" && find . -type f | sort) >"$tmp/part.files"
    n=0
    while read -r f; do
        case $f in ./sessions.jsonl) continue ;; esac
        cmp -s "$tmp/full/sample/$f" "$tmp/part/sample/$f" || fail "$format: $f differs"
        n=$((n + 1))
    done <"$tmp/part.files"
    [ $format = jsonl ] || [ $n -gt 0 ] || fail "$format: --stream wrote nothing"
    ok "$format --stream 2,5-: $n files, each as the full run's"
done
rm -rf "$tmp/full" "$tmp/part"
ts extract -q -o "$tmp/full" "$sample"
ts extract -q --stream 2,5- -o "$tmp/part" "$sample"
sed -n '3p;6,8p' "$tmp/full/sample/sessions.jsonl" | cmp -s - "$tmp/part/sample/sessions.jsonl" &&
    ok "jsonl --stream 2,5-: lines 2, 5, 6, 7 of the full run" || fail "jsonl --stream 2,5-"

# the sample's sessions start at 2024-01-01T00:00:0K (K = stream)
for range in "--since 1704067203 --until 2024-01-01T00:00:06Z" \
    "--since 2024-01-01T01:00:03+01:00 --until 1704067205.5" \
    "--since 2024-01-01T00:00:02.5 --until 1704067206"; do
    # shellcheck disable=SC2086 # the options
    ts extract -q $range -o "$tmp/t" "$sample"
    got=$(sed 's/^{"stream":\([0-9]*\),.*/\1/' "$tmp/t/sample/sessions.jsonl" | tr '\n' ' ')
    [ "$got" = "3 4 5 " ] && ok "$range: streams $got" || fail "$range: streams $got"
    rm -rf "$tmp/t"
done

# ---- follow and verify ------------------------------------------------------
# follow --filter prints what follow prints on tcpdump's selection, but for
# the whole capture's stream number (the sample's 7 is the selection's 6)
expr='not host 192.168.1.10 or port 50006'
tcpdump -r "$sample" -w "$tmp/f.pcap" "$expr" 2>/dev/null
# (yaml's packet numbers are the whole capture's too: compared without them)
for mode in ascii hex raw yaml; do
    ts follow --mode $mode --filter "$expr" "$sample" 7 2>&1 | sed '/^  - packet: /d' >"$tmp/f1"
    ts follow --mode $mode "$tmp/f.pcap" 2 | sed 's/^Filter: tcp.stream eq 2$/Filter: tcp.stream eq 7/' |
        sed '/^  - packet: /d' >"$tmp/f2"
    cmp -s "$tmp/f1" "$tmp/f2" && ok "follow --mode $mode --filter: tcpdump's selection" ||
        fail "follow --mode $mode --filter: $(diff "$tmp/f1" "$tmp/f2" | head -5)"
done
if have_tool tshark && have_tool tcpflow; then
    ts verify -q --filter 'port 80 and host 192.168.1.10' "$sample" >"$tmp/v" 2>&1
    rc=$?
    grep -q '^data  *1  *7 ' "$tmp/v" && [ $rc -eq 0 ] &&
        ok "verify --filter verifies the 7 selected sessions" || fail "verify --filter: exit $rc $(cat "$tmp/v")"
fi

# ---- errors ------------------------------------------------------------------
usage() {
    expected=$1
    shift
    ts "$@" >"$tmp/out" 2>&1
    rc=$?
    printf '%s\n' "$expected" "Try 'tcpsession extract --help' for more information." >"$tmp/want"
    [ $rc -eq 2 ] && cmp -s "$tmp/want" "$tmp/out" && ok "usage error: $expected" ||
        fail "exit $rc for '$*': $(cat "$tmp/out")"
}
usage "tcpsession: --stream '3,x': expected stream numbers and ranges such as 3,7-9,12-" \
    extract --stream 3,x "$sample"
usage "tcpsession: --stream '9-3': expected stream numbers and ranges such as 3,7-9,12-" \
    extract --stream 9-3 "$sample"
usage "tcpsession: --since 'yesterday': expected seconds since the epoch or an ISO 8601 time such as 2026-12-04T10:00:00Z" \
    extract --since yesterday "$sample"
usage "tcpsession: filter 'port eighty': unknown port 'eighty'" \
    extract --filter 'port eighty' "$sample"

# a link type the expression cannot apply to: nothing of it selected, said once
nflog=$TS_TESTDATA/cases/link-nflog.pcap
if [ -f "$nflog" ]; then
    ts extract --filter 'ether host 00:00:00:00:00:01' -o "$tmp/n" "$nflog" >"$tmp/out" 2>&1
    grep -q "^warning: $nflog: filter 'ether host 00:00:00:00:00:01' does not apply to link type 239 (" "$tmp/out" &&
        ok "a filter that does not apply to a link type is a warning" || fail "$(cat "$tmp/out")"
fi
finish
