#!/bin/sh
# ls_community_id.sh — what `tcpsession ls` shows, and the Community ID.
#
# 1. The table of data/sample.pcap and of data/cases/midstream.pcap, exactly
#    (gaps and missing bytes per side, close reason, mid-stream, anomaly
#    kinds); --community-id-seed's usage error.
# 2. `ls --json` of the sample and of every capture of data/cases agrees
#    with the jsonl lines of extract: capture, community_id, per-side missing
#    bytes and gaps, anomalies by type, close, midstream.
# 3. With tshark (its communityid dissector): the "community_id" of every
#    session of the sample and of the cases (but the link-type and IP
#    fragment ones) equals tshark's for the stream,
#    seed 0, and seed 1 on the sample (--community-id-seed 1 of extract and
#    ls against -o communityid.seed:1).
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP.
# Exit status: 0 passed, 1 a check failed, 77 python3 missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
need_tool diff
make_tmp
data=$TS_TESTDATA
cases=$data/cases

# expect_table WHAT FILE: FILE holds the expected text; $tmp/out the output.
expect_table() {
    if diff -u "$2" "$tmp/out" >"$tmp/diff"; then
        ok "$1"
    else
        fail "$1:"
        cat "$tmp/diff"
    fi
}

# ---- 1. the tables ----------------------------------------------------------
cat >"$tmp/want" <<'TABLE'
stream  client                server             start                        duration  packets  client_bytes  server_bytes  client_missing  server_missing  gaps  close  anomalies  notes
     0  192.168.1.10:50000    192.168.1.20:80    2024-01-01T00:00:00.000000Z    0.009s       10            52            78               0               0     0  fin            0  -
     1  192.168.1.10:50001    192.168.1.20:80    2024-01-01T00:00:01.000000Z    0.012s       13            49            63               0               0     0  fin            0  -
     2  192.168.1.10:50002    192.168.1.20:80    2024-01-01T00:00:02.000000Z    0.009s       10            50            45               0               0     0  fin            1  overlap_conflict=1
     3  [2001:db8::10]:50003  [2001:db8::20]:80  2024-01-01T00:00:03.000000Z    0.008s        9            44            42               0               0     0  fin            0  -
     4  192.168.1.10:50004    192.168.1.20:80    2024-01-01T00:00:04.000000Z    0.005s        6            48            27               0               0     0  fin            1  midstream roles_inferred=1
     5  192.168.1.10:50005    192.168.1.20:80    2024-01-01T00:00:05.000000Z    0.009s       10            45            47               0              15     1  fin            0  -
     6  192.168.1.10:50006    192.168.1.20:80    2024-01-01T00:00:06.000000Z    0.008s        9            58            41               0               0     0  fin            0  -
     7  192.168.1.10:50006    192.168.1.20:80    2024-01-01T00:00:07.000000Z    0.008s        9            59            41               0               0     0  fin            0  -
TABLE
(cd "$data" && ts ls sample.pcap) >"$tmp/out" 2>"$tmp/err" || fail "ls sample.pcap: $(cat "$tmp/err")"
expect_table "ls sample.pcap: the hole of stream 5, the mid-stream stream 4, the overlap of stream 2" "$tmp/want"
cat >"$tmp/want" <<'TABLE'
stream  client          server          start                        duration  packets  client_bytes  server_bytes  client_missing  server_missing  gaps  close           anomalies  notes
     0  10.1.0.1:40000  10.1.0.2:80     2024-01-02T00:00:00.000000Z    0.003s        4             8            19               0               0     0  end_of_capture          1  midstream roles_inferred=1
     1  10.1.0.2:20     10.1.0.1:40001  2024-01-02T00:00:01.000000Z    0.005s        6            14             0               0               0     0  fin                     0  midstream
     2  10.1.0.1:40002  10.1.0.2:80     2024-01-02T00:00:02.000000Z    0.001s        2             3             5              10               0     1  end_of_capture          1  midstream roles_inferred=1
TABLE
(cd "$cases" && ts ls midstream.pcap) >"$tmp/out" 2>"$tmp/err" || fail "ls midstream.pcap: $(cat "$tmp/err")"
expect_table "ls midstream.pcap: close reasons, missing client bytes, notes" "$tmp/want"
ts ls --community-id-seed 65536 "$data/sample.pcap" >"$tmp/out" 2>"$tmp/err"
rc=$?
printf '%s\n' "tcpsession: invalid Community ID seed '65536' for --community-id-seed (expected 0 to 65535)" \
    "Try 'tcpsession ls --help' for more information." >"$tmp/want"
if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && diff "$tmp/want" "$tmp/err" >/dev/null; then
    ok "--community-id-seed 65536: usage error"
else
    fail "--community-id-seed 65536: exit $rc, '$(cat "$tmp/err")'"
fi

# ---- 2. ls --json agrees with the jsonl lines -------------------------------
set --
# under a wrapper (valgrind) the sample and a few cases; else every capture
captures="$data/sample.pcap $cases/*.pcap $cases/*.pcapng $cases/*.pcap.gz"
if [ -n "$TS_WRAP" ]; then
    captures="$data/sample.pcap $cases/vlan-mirror-copies.pcap $cases/tunnel-nested.pcap"
fi
# shellcheck disable=SC2086 # a list of paths and patterns
for cap in $captures; do
    [ -f "$cap" ] || continue
    s=$(basename "$cap")
    s=${s%.gz}
    s=${s%.*}
    ts extract -q -o "$tmp/jsonl" "$cap" 2>/dev/null || fail "extract $cap"
    ts ls --json "$cap" >"$tmp/$s.ls" 2>/dev/null || fail "ls --json $cap"
    set -- "$@" "$cap" "$tmp/jsonl/$s/sessions.jsonl" "$tmp/$s.ls"
done
least_sessions=100
[ -z "$TS_WRAP" ] || least_sessions=8 # three captures under a wrapper
if LEAST=$least_sessions python3 - "$@" >"$tmp/py" 2>&1 <<'PY'; then ok "ls --json: $(cat "$tmp/py")"; else fail "ls --json: $(cat "$tmp/py")"; fi
import collections, json, os, sys
args = sys.argv[1:]
n = 0
for i in range(0, len(args), 3):
    cap, jsonl, ls = args[i:i + 3]
    want = [json.loads(l) for l in open(jsonl)]
    got = [json.loads(l) for l in open(ls)]
    assert [g["stream"] for g in got] == [w["stream"] for w in want], cap
    for w, g in zip(want, got):
        what = "%s stream %d" % (cap, w["stream"])
        assert list(g)[:3] == ["stream", "capture", "community_id"], (what, list(g))
        assert g["capture"] == cap == w["capture"], what
        for key in ("community_id", "client", "server", "start", "end", "packets",
                    "client_bytes", "server_bytes", "midstream", "close",
                    "client_missing_bytes", "server_missing_bytes", "anomalies_dropped"):
            assert g[key] == w[key], (what, key, g[key], w[key])
        for side in ("client", "server"):
            assert g[side + "_gaps"] == sum(x["from"] == side for x in w["gaps"]), what
        assert g["gaps"] == len(w["gaps"]), what
        assert g["anomalies"] == len(w["anomalies"]) + w["anomalies_dropped"], what
        assert g["anomaly_types"] == dict(collections.Counter(a["type"] for a in w["anomalies"])), what
        n += 1
assert n > int(os.environ["LEAST"]), n
print("%d sessions of %d captures agree with the jsonl lines" % (n, len(args) // 3))
PY

# ---- 3. the Community ID against tshark's ----------------------------------
if ! have_tool tshark; then
    echo "SKIP: tshark not installed: Community IDs not compared"
    finish
fi
# tshark_ids CAPTURE [TSHARK OPTION...]: "STREAM ID" per TCP stream
tshark_ids() {
    _cap=$1
    shift
    tshark --enable-protocol communityid "$@" -r "$_cap" -Y tcp -T fields -e tcp.stream \
        -e communityid 2>/dev/null | awk -F'\t' '$1 != "" { n = split($2, a, ","); print $1, a[n] }' |
        LC_ALL=C sort -u
}
# our_ids JSONL: "STREAM ID" per line
our_ids() {
    sed -n 's/^{"stream":\([0-9]*\),"capture":[^,]*,"community_id":"\([^"]*\)".*/\1 \2/p' "$1" |
        LC_ALL=C sort
}
compared=0
# shellcheck disable=SC2086 # a list of paths and patterns
for cap in $captures; do
    [ -f "$cap" ] || continue
    s=$(basename "$cap")
    s=${s%.gz}
    s=${s%.*}
    case $s in link-* | frag-*) continue ;; esac # link types, IP fragments: not the ID's business
    tshark_ids "$cap" >"$tmp/t"
    our_ids "$tmp/jsonl/$s/sessions.jsonl" >"$tmp/o"
    # streams both have (a few tunnelled streams are decoded by one tool only:
    # tests/expected/tunnel_differences.tsv)
    LC_ALL=C join "$tmp/t" "$tmp/o" >"$tmp/both"
    bad=$(awk '$2 != $3' "$tmp/both")
    [ -z "$bad" ] || fail "$s: Community IDs differ from tshark's (stream tshark ours): $bad"
    compared=$((compared + $(wc -l <"$tmp/both")))
done
least=100
[ -z "$TS_WRAP" ] || least=8 # three captures
if [ "$compared" -ge "$least" ]; then
    ok "$compared Community IDs equal tshark's (seed 0)"
else
    fail "only $compared Community IDs compared with tshark's"
fi
ts extract -q --community-id-seed 1 -o "$tmp/seed1" "$data/sample.pcap" 2>/dev/null
tshark_ids "$data/sample.pcap" -o communityid.seed:1 >"$tmp/t"
our_ids "$tmp/seed1/sample/sessions.jsonl" >"$tmp/o"
ts ls --json --community-id-seed 1 "$data/sample.pcap" >"$tmp/ls1" 2>/dev/null
our_ids "$tmp/ls1" >"$tmp/l"
our_ids "$tmp/jsonl/sample/sessions.jsonl" >"$tmp/seed0"
if [ "$(wc -l <"$tmp/t")" -eq 8 ] && cmp -s "$tmp/t" "$tmp/o" && cmp -s "$tmp/t" "$tmp/l" &&
    ! cmp -s "$tmp/o" "$tmp/seed0"; then
    ok "seed 1: extract and ls equal tshark -o communityid.seed:1 on the 8 streams of the sample"
else
    fail "seed 1: tshark $(tr '\n' ' ' <"$tmp/t"), extract $(tr '\n' ' ' <"$tmp/o"), ls $(tr '\n' ' ' <"$tmp/l")"
fi
finish
