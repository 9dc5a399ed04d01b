#!/bin/sh
# End-to-end: the `tcpsession verify` command line on the project's own
# capture (data/sample.pcap): one log line per session per tool, the
# explained differences of its gap, overlap and reuse sessions, --log,
# --json, -r on folders, gzip captures, usage errors, and the message and
# exit status when tshark or tcpflow is not installed.
set -u
. "$(dirname "$0")/../lib.sh"
sample="$TS_TESTDATA/sample.pcap"
[ -f "$sample" ] || skip "$sample not found"
make_tmp
out=$tmp
check() { # check DESCRIPTION COMMAND...: fails the test when COMMAND fails
    what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
run() { # run EXPECTED-STATUS ARGS...: tcpsession verify, output in $out/stdout, $out/stderr
    want=$1
    shift
    ts verify "$@" >"$out/stdout" 2>"$out/stderr"
    got=$?
    [ "$got" -eq "$want" ] || { echo "  exit status $got, expected $want"; cat "$out/stderr"; return 1; }
}

# Without the tools: a clear message, exit status 3 (nothing compared).
TS_TSHARK=/nonexistent/tshark TS_TCPFLOW=/nonexistent/tcpflow $TS_WRAP "$TS_BIN" verify "$sample" \
    >"$out/stdout" 2>"$out/stderr"
check "no tools: exit status 3" test $? -eq 3
check "no tools: tshark named as not installed" \
    grep -q "skipped tshark: not installed ('/nonexistent/tshark' not found" "$out/stderr"
check "no tools: tcpflow named as not installed" \
    grep -q "skipped tcpflow: not installed ('/nonexistent/tcpflow' not found" "$out/stderr"

# Usage errors.
check "a folder needs -r" run 2 "$TS_TESTDATA"
check "the folder message" grep -q "is a folder (use -r" "$out/stderr"
check "unknown tool" run 2 --against wireshark "$sample"
check "no capture" run 2

if ! have_tool tshark || ! have_tool tcpflow; then
    [ "$status" -eq 0 ] || exit 1
    skip "tshark or tcpflow not installed (the rest compares with them)"
fi

# Only tcpflow present: tshark's absence is said, tcpflow still compared.
TS_TSHARK=/nonexistent/tshark $TS_WRAP "$TS_BIN" verify --against tshark,tcpflow "$sample" \
    >"$out/stdout" 2>"$out/stderr"
check "tshark missing: said" grep -q "skipped tshark: not installed" "$out/stderr"
check "tshark missing: tcpflow still compared" grep -q "^same tcpflow " "$out/stdout"

# Both tools: 8 sessions, one line each per tool (a wrong line per direction).
check "both tools: exit 0" run 0 "$sample"
for tool in tshark tcpflow; do
    n=$(grep -E "^(same|wrong) $tool " "$out/stdout" | awk '{print $5}' | sort -u | wc -l)
    check "$tool: a line for each of the 8 sessions" test "$n" -eq 8
done
check "stream 5: tshark's missing-bytes text explained" grep -q \
    "^wrong tshark $sample stream 5 192.168.1.10:50005-192.168.1.20:80 server ours 47 .* tshark 82 .* explained: tshark-missing-text" \
    "$out/stdout"
check "stream 5: tcpflow's zero-filled hole explained" grep -q \
    "^wrong tcpflow $sample stream 5 .* server ours 47 .* tcpflow 62 .* explained: tcpflow-zero-filled-holes" \
    "$out/stdout"
check "stream 2: tcpflow's last copy of overlapping bytes explained" grep -q \
    "^wrong tcpflow $sample stream 2 .* explained: tcpflow-last-write-wins" "$out/stdout"
check "no unexplained line" sh -c "! grep -q '^wrong.* unexplained' '$out/stdout'"
check "summary table" grep -q "^== tshark" "$out/stdout"

# --log: lines to the file, the summary on standard output.
check "--log: exit 0" run 0 --log "$out/log" "$sample"
check "--log: the lines are in the file" test "$(grep -c '^same\|^wrong' "$out/log")" -ge 16
check "--log: standard output has the summary only" sh -c "! grep -q '^same' '$out/stdout'"

# --json: one JSON object with every result and the totals.
if have_tool python3; then
    check "--json: exit 0" run 0 --json "$sample"
    check "--json: valid, with totals" python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
t = doc["total"]
assert t["tshark"]["sessions"] == 8 and t["tcpflow"]["sessions"] == 8, t
assert t["tshark"]["unexplained"] == 0 and t["tcpflow"]["unexplained"] == 0, t
wrong = [r for r in doc["results"] if r["verdict"] != "same"]
assert all(r["categories"] for r in wrong), wrong
assert any(r["tool"] == "tshark" and r["stream"] == 5 and
           r["categories"] == ["tshark-missing-text"] for r in wrong), wrong
' "$out/stdout"
fi

# -r on a folder: captures found by their content (a text file is skipped),
# gzip captures read as such; the same results as the plain capture.
mkdir -p "$out/dir/sub"
cp "$sample" "$out/dir/a.pcap"
gzip -c "$sample" >"$out/dir/sub/b.pcap.gz"
echo "not a capture" >"$out/dir/notes.txt"
check "-r: exit 0" run 0 -r "$out/dir"
check "-r: both captures verified" test "$(grep -c '^same tshark\|^wrong tshark' "$out/stdout")" -eq 16
check "-r: the gzip capture like the plain one" test \
    "$(grep "dir/sub/b.pcap.gz" "$out/stdout" | sed 's/ [^ ]*b.pcap.gz / X /' | md5sum)" = \
    "$(grep "dir/a.pcap" "$out/stdout" | sed 's/ [^ ]*a.pcap / X /' | md5sum)"
check "-r: the summary groups by folder" grep -q "^dir/sub " "$out/stdout"

# A file that is not a capture, given by name: said, exit 1.
check "not a capture: exit 1" run 1 "$out/dir/notes.txt"
check "not a capture: said" grep -q "notes.txt" "$out/stderr"

finish
