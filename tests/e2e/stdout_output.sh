#!/bin/sh
# stdout_output.sh — `extract -o -` and `--order`:
#  - -o - writes byte for byte the sessions.jsonl of -o DIR to standard
#    output, creates no folder, and prints the summary on stderr; several
#    captures: their lines in capture order, the same with -j 2 as -j 1;
#  - a downstream `head -1` ends the run quietly (no message);
#  - -o - with a format that writes several files (raw, json, tcpflow, pcap)
#    and with --js: the exact usage error, exit status 2;
#  - --order end on a regular file: the same lines as stream order, in the
#    order the sessions ended; --order stream on a pipe: the file's
#    sessions.jsonl; an unknown order: the exact usage error.
# Environment (set by `make check`): TS_BIN, TS_WRAP, TS_TESTDATA.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
make_tmp
cap=$TS_TESTDATA/sample.pcap
[ -f "$cap" ] || skip "$cap not found"
cd "$tmp" || exit 1

ts extract -q -o dir "$cap" || fail "extract -o dir"
ts extract -o - "$cap" >one.jsonl 2>one.err || fail "extract -o -"
cmp -s one.jsonl dir/sample/sessions.jsonl || fail "-o - differs from sessions.jsonl"
[ ! -e ./- ] || fail "-o - created a folder named -"
grep -q "^$cap: 8 sessions, 76 frames, " one.err || fail "-o -: summary on stderr: $(cat one.err)"
ok "-o -: the bytes of sessions.jsonl on stdout, summary on stderr, no folder"

cat one.jsonl one.jsonl one.jsonl >three.jsonl
for j in 1 2; do
    ts extract -q -j $j -o - "$cap" "$cap" "$cap" >"j$j.jsonl" 2>"j$j.err" || fail "-o - -j $j"
    cmp -s "j$j.jsonl" three.jsonl || fail "-o - -j $j: not the three captures' lines in order"
    [ ! -s "j$j.err" ] || fail "-o - -j $j: messages: $(cat "j$j.err")"
done
ok "-o - with three captures: their lines in capture order, -j 1 and -j 2"

# head -1: the run ends quietly (death by SIGPIPE, nothing on stderr)
ts extract -o - "$cap" "$cap" "$cap" 2>head.err | head -1 >head.out
[ "$(cat head.out)" = "$(head -1 one.jsonl)" ] || fail "head -1: $(cat head.out)"
# (valgrind's own report at the signal, "==PID== ...", is not the run's)
grep -v "^$cap: " head.err | grep -v '^==[0-9]*==' >head.other
[ ! -s head.other ] || fail "head -1: messages: $(cat head.other)"
ok "-o - | head -1: first line, no error message"

for format in raw json tcpflow pcap; do
    ts extract -o - -f $format "$cap" >out 2>err
    rc=$?
    [ "$rc" = 2 ] || fail "-o - -f $format: exit status $rc, expected 2"
    printf '%s\n' "tcpsession: --format $format writes several files and cannot write to standard output (-o -); only jsonl can" \
        "Try 'tcpsession extract --help' for more information." >want
    cmp -s err want || fail "-o - -f $format: $(cat err)"
    [ ! -s out ] || fail "-o - -f $format wrote to stdout"
done
ts extract -o - --js "$cap" >out 2>err
[ "$(head -1 err)" = "tcpsession: --js writes files and cannot be used with -o -" ] ||
    fail "-o - --js: $(cat err)"
ok "-o - with raw, json, tcpflow, pcap and --js: exact usage errors"

# --order end on a regular file: every line, in end order (sample.pcap's
# sessions do not end in stream order)
ts extract -q --order end -o end "$cap" || fail "--order end"
sort end/sample/sessions.jsonl >end.sorted
sort one.jsonl >one.sorted
cmp -s end.sorted one.sorted || fail "--order end: not the same lines as stream order"
cmp -s end/sample/sessions.jsonl one.jsonl && fail "--order end: the lines are in stream order"
ends=$(python3 -c 'import json,sys
print(" ".join(str(json.loads(l)["stream"]) for l in open(sys.argv[1])))' end/sample/sessions.jsonl 2>/dev/null)
[ -z "$ends" ] || echo "# end order streams: $ends"
ts extract -q --order end -o - "$cap" | cmp -s - end/sample/sessions.jsonl ||
    fail "--order end -o -: differs from --order end's sessions.jsonl"
ok "--order end: the same lines in end order, on a file and on stdout"

# a pipe: end order by default, stream order with --order stream
# (the "capture" key names what was read: /dev/stdin, or the file)
nocap() { sed 's/"capture":"[^"]*",//' "$1"; }
cat "$cap" | ts extract -q -o pipe /dev/stdin || fail "extract /dev/stdin"
nocap pipe/stdin/sessions.jsonl | cmp -s - end.nocap 2>/dev/null ||
    { nocap end/sample/sessions.jsonl >end.nocap; nocap pipe/stdin/sessions.jsonl | cmp -s - end.nocap; } ||
    fail "pipe: not in end order by default"
cat "$cap" | ts extract -q --order stream -o pipe2 /dev/stdin || fail "extract --order stream /dev/stdin"
nocap one.jsonl >one.nocap
nocap pipe2/stdin/sessions.jsonl | cmp -s - one.nocap || fail "pipe, --order stream: not the file's sessions.jsonl"
ok "a pipe: end order by default, --order stream gives the file's sessions.jsonl"

ts extract --order sideways -o x "$cap" 2>err
rc=$?
[ "$rc" = 2 ] || fail "--order sideways: exit status $rc"
[ "$(head -1 err)" = "tcpsession: unknown order 'sideways' for --order (expected stream or end)" ] ||
    fail "--order sideways: $(cat err)"
ok "unknown --order: exact usage error"
finish
