#!/bin/sh
# End-to-end: the original tcpsession's command line (tcpsessions_from_pcap.py
# options) run for real on a folder tree of captures (.pcap, .pcapng, .cap,
# .pcap.gz; crafted here, plus ../shared seed captures when present):
#  - -i DIR -r -o OUT -c -t PREFIX: OUT/tcpsession/RELDIR/STEM/*.json are
#    byte for byte `extract --format json` (itself checked against the
#    original's output by legacy_json.sh), OUT/js_extraction/... the
#    `--js` files, the per-capture and final archives hold exactly those files
#    (tests/checkers/original_check.py), the log is written in the current folder and
#    holds the verifier's line for every session (same / wrong, explained),
#    OUT/tcpflow/RELDIR/STEM holds tcpflow's own files; -w verifies against
#    tshark instead;
#  - `tcpsession original ...` is the same command; -p PCAP without -o writes
#    into the current folder; -n writes no JavaScript; without -r the
#    subfolders are ignored;
#  - bad input: exit status 2 for usage errors, 1 for missing or unreadable
#    captures (the readable ones are still written); a progress line on a
#    terminal (script(1)), none when stderr is not a terminal or with -q, no
#    summary with -q; -k 1 logs its timings.
# Skips (77) without python3.
set -u
. "$(dirname "$0")/../lib.sh"
need_python
make_tmp
out=$tmp
bin="$TS_WRAP $TS_BIN"

# the input tree and, per capture, `extract --format json --js` as reference
mkdir -p "$out/in/sub/deeper" "$out/ref" "$out/run"
checker legacy_check.py craft "$out/in/crafted.cap" || exit 1
gzip -c "$out/in/crafted.cap" >"$out/in/sub/zipped.pcap.gz"
cp "$out/in/crafted.cap" "$out/in/sub/deeper/again.pcap"
printf 'not a capture' >"$out/in/notes.txt"
printf '\tcrafted\nsub\tzipped\nsub/deeper\tagain\n' >"$out/caps.tsv"
seed="$TS_SHARED/seed-data"
if have_shared seed-data; then
    cp "$seed/simple_test.pcap" "$seed/Heartbleed-86.245.105.27-172.18.5.22-Issue2318790-2020-04-12.pcap" "$out/in/sub/"
    printf 'sub\tsimple_test\nsub\tHeartbleed-86.245.105.27-172.18.5.22-Issue2318790-2020-04-12\n' >>"$out/caps.tsv"
    if have_tool editcap; then
        editcap -F pcapng "$seed/window-scale-option-change-after-handshake-test.pcap" "$out/in/ws.pcapng"
        printf '\tws\n' >>"$out/caps.tsv"
    fi
fi
find "$out/in" -type f ! -name '*.txt' | while read -r cap; do
    $bin extract -q -f json --js -o "$out/ref" "$cap" || echo "FAIL: extract $cap"
done

# -i -r -c -t: the whole layout
(cd "$out/run" && $bin -i "$out/in" -r -o "$out/full" -c -t pfx >"$out/full.stdout" 2>"$out/full.stderr")
rc=$?
[ $rc -eq 0 ] || fail "-i -r -o -c -t: exit status $rc"
checker original_check.py "$out/full" "$out/ref" "$out/caps.tsv" --tar pfx || status=1
[ -s "$out/run/tcpsessions_from_pcap.log" ] || fail "no tcpsessions_from_pcap.log in the current folder"
grep -q 'Going to work on pcap: .*crafted.cap' "$out/run/tcpsessions_from_pcap.log" || fail "log lacks the captures"
grep -q '^tcpsession: .* captures (0 failed), .* sessions, .* bytes delivered, .* anomalies' "$out/full.stderr" ||
    fail "no summary on stderr: $(cat "$out/full.stderr")"
if grep -q "$(printf '\r')" "$out/full.stderr"; then fail "progress line written to a non-terminal"; fi
[ ! -s "$out/full.stdout" ] || fail "unexpected standard output"
# verification against tcpflow (the verifier), tcpflow's own files kept
if have_tool tcpflow; then
    log="$out/run/tcpsessions_from_pcap.log"
    for cp in 40000 40001 40002 40003; do
        grep -q "^same tcpflow $out/in/crafted.cap stream [0-9] 10.0.0.1:$cp-10.0.0.2:80\$" "$log" ||
            fail "no 'same' line for crafted session $cp"
    done
    ! grep -q '^wrong .* unexplained' "$log" || fail "unexplained differences: $(grep '^wrong .* unexplained' "$log")"
    if [ -d "$seed" ]; then
        grep -q "^wrong tcpflow .*simple_test.pcap .* explained: tcpflow-trailer-bytes" "$log" ||
            fail "simple_test's trailer bytes not reported"
    fi
    grep -q 'against tcpflow: [1-9][0-9]* sessions same, [0-9]* differences explained, 0 unexplained, 0 captures not verified' \
        "$out/full.stderr" || fail "summary lacks the verification: $(cat "$out/full.stderr")"
    "$TS_BIN" extract -q -f tcpflow -o "$out/flowref" "$out/in/crafted.cap" &&
        diff -r "$out/flowref/crafted" "$out/full/tcpflow/crafted" >/dev/null ||
        fail "OUT/tcpflow/crafted does not hold tcpflow's files"
    [ -n "$(ls "$out/full/tcpflow/sub/zipped" 2>/dev/null)" ] || fail "no tcpflow files for the .gz capture"
fi
# -w: verification against tshark instead
if have_tool tshark; then
    (cd "$out/run" && $bin -p "$out/in/crafted.cap" -o "$out/w" -w -q) || fail "-w"
    [ "$(grep -c "^same tshark $out/in/crafted.cap stream" "$out/run/tcpsessions_from_pcap.log")" -eq 4 ] ||
        fail "-w: $(grep -v INFO "$out/run/tcpsessions_from_pcap.log")"
    [ ! -e "$out/w/tcpflow" ] && [ ! -e "$out/w/js_extraction" ] || fail "-w wrote tcpflow or JavaScript output"
fi

# `original` subcommand, -p without -o (current folder), -n, no -r
mkdir -p "$out/cwd"
(cd "$out/cwd" && $bin original -p "$out/in/crafted.cap" -n -q 2>"$out/p.stderr") || fail "original -p -n -q"
printf '\tcrafted\n' >"$out/one.tsv"
mkdir -p "$out/cwd-tree" && mv "$out/cwd/tcpsession" "$out/cwd-tree/" &&
    checker original_check.py "$out/cwd-tree" "$out/ref" "$out/one.tsv" --no-js || status=1
[ ! -e "$out/cwd/js_extraction" ] || fail "-n still extracted JavaScript"
# (lines of valgrind's own, "==PID==" or "--PID--", do not count)
! grep -v -e '^==[0-9]*==' -e '^--[0-9]*--' "$out/p.stderr" | grep -q . ||
    fail "--quiet printed: $(cat "$out/p.stderr")"
(cd "$out/run" && $bin -i "$out/in" -o "$out/flat" -q) || fail "-i without -r"
[ -d "$out/flat/tcpsession/crafted" ] && [ ! -e "$out/flat/tcpsession/sub" ] ||
    fail "-i without -r: $(ls "$out/flat/tcpsession")"

# bad input
expect_status() {
    want=$1
    shift
    (cd "$out/run" && $bin "$@" >/dev/null 2>"$out/bad.stderr")
    got=$?
    [ "$got" -eq "$want" ] || fail "tcpsession $*: exit status $got, expected $want"
    [ -s "$out/bad.stderr" ] || fail "tcpsession $*: no message"
}
expect_status 2 original
expect_status 2 -o "$out/x"
expect_status 2 -p "$out/in/crafted.cap" -w -k 2
expect_status 2 -p "$out/in/crafted.cap" extra-argument
expect_status 2 -p "$out/in/crafted.cap" -k notanumber
expect_status 1 -p "$out/missing.pcap" -o "$out/x"
expect_status 1 -i "$out/in/notes.txt" -o "$out/x"
mkdir -p "$out/bad"
cp "$out/in/crafted.cap" "$out/bad/good.pcap"
head -c 100 "$out/in/crafted.cap" >"$out/bad/cut.pcap"
printf 'garbage!garbage!garbage!' >"$out/bad/junk.pcap"
expect_status 1 -i "$out/bad" -o "$out/badout" -q
[ -n "$(ls "$out/badout/tcpsession/good" 2>/dev/null)" ] || fail "the readable capture was not written"

# on a terminal: a progress line (rewritten in place, erased at the end)
if have_tool script; then
    (cd "$out/run" && script -qec "$TS_BIN -p $out/in/crafted.cap -o $out/tty -n" "$out/tty.txt" >/dev/null 2>&1)
    grep -q "$(printf '\r\033\[K')crafted.cap: " "$out/tty.txt" || fail "no progress line on a terminal"
    (cd "$out/run" && script -qec "$TS_BIN -p $out/in/crafted.cap -o $out/tty -n -q" "$out/ttyq.txt" >/dev/null 2>&1)
    ! grep -q "crafted.cap: " "$out/ttyq.txt" || fail "progress line shown with -q"
fi

# -k 1: timings logged
(cd "$out/run" && $bin -p "$out/in/crafted.cap" -o "$out/k" -k 1 -q) || fail "-k 1"
grep -q 'Total time taken by tcpsession for 1 iterations' "$out/run/tcpsessions_from_pcap.log" ||
    fail "-k 1 did not log its timing"
if have_tool tshark && have_tool tcpflow; then
    grep -q 'Time taken by verification against tshark is [0-9.]* times of verification against tcpflow' \
        "$out/run/tcpsessions_from_pcap.log" || fail "-k 1 did not log the ratio"
fi
finish
