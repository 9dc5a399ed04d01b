#!/bin/sh
# extract_parallel.sh — `tcpsession extract -j N` on several captures
# writes the same output trees and the same stderr (summaries, warnings,
# errors, in capture order) with 4 workers as one capture after another.
#
# The captures: the slow tcp-k capture first (so later ones finish before
# it), data/sample.pcap and data/cases/*, two copies with the same stem (the
# second goes to STEM-2), a truncated copy (a warning), a garbage file (an
# error: exit status 1) and data/ground-truth/*.
#
# Environment (set by `make check`): TS_BIN, TS_WRAP, TS_TESTDATA.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.

set -u
. "$(dirname "$0")/../lib.sh"
need_bin
DATA=$TS_TESTDATA
make_tmp

# ---- the captures ------------------------------------------------------
mkdir -p "$tmp/in/copy" || exit 1
cp "$DATA/sample.pcap" "$tmp/in/sample.pcap" || exit 1
cp "$DATA/sample.pcap" "$tmp/in/copy/sample.pcap" || exit 1
cp "$DATA/cases/same-host.pcap" "$tmp/in/copy/same-host.pcap" || exit 1
head -c 3000 "$DATA/sample.pcap" >"$tmp/in/truncated.pcap" || exit 1
printf 'this is not a capture\n' >"$tmp/in/garbage.pcap"
set -- "$DATA/cases/tcp-k-reversed-1-byte.pcap.gz" "$tmp/in/sample.pcap"
for f in "$DATA"/cases/*.pcap "$DATA"/cases/*.pcapng; do
    set -- "$@" "$f"
done
set -- "$@" "$tmp/in/copy/sample.pcap" "$tmp/in/truncated.pcap" "$tmp/in/garbage.pcap" \
    "$tmp/in/copy/same-host.pcap"
for f in "$DATA"/ground-truth/*.pcap*; do
    set -- "$@" "$f"
done
[ $# -ge 20 ] || {
    echo "FAIL - only $# captures found under $DATA"
    exit 1
}

# extract NAME ARGS...: runs extract with the captures; stderr (run times
# masked) in $tmp/NAME.err, status in $tmp/NAME.rc.
extract() {
    name=$1
    shift
    ts extract "$@" 2>"$tmp/$name.raw-err"
    echo $? >"$tmp/$name.rc"
    sed 's/, [0-9][0-9.]*s$/, Ts/' "$tmp/$name.raw-err" >"$tmp/$name.err"
}

# ---- same trees and messages with -j 1 and -j 4 ------------------------
# (json and tcpflow with --js too: tcpflow+js once mixed up the two writers'
# per-session state, with GLib-CRITICAL messages)
for variant in jsonl tcpflow raw json+js tcpflow+js; do
    format=${variant%+js}
    extra=
    [ "$format" != "$variant" ] && extra=--js
    # shellcheck disable=SC2086 # $extra is empty or one option
    extract "$variant-j1" -j 1 -f "$format" $extra -o "$tmp/$variant-j1" "$@"
    # shellcheck disable=SC2086
    extract "$variant-j4" --jobs 4 -f "$format" $extra -o "$tmp/$variant-j4" "$@"
    format=$variant
    if grep -q CRITICAL "$tmp/$format-j1.err" "$tmp/$format-j4.err"; then
        fail "$format: GLib-CRITICAL: $(grep -h CRITICAL "$tmp/$format-j4.err" | head -3)"
    fi
    for j in j1 j4; do
        rc=$(cat "$tmp/$format-$j.rc")
        if [ "$rc" -eq 1 ]; then
            ok "$format -$j: exit 1 (the garbage capture)"
        else
            fail "$format -$j: exit $rc, expected 1"
        fi
    done
    if cmp -s "$tmp/$format-j1.err" "$tmp/$format-j4.err"; then
        ok "$format: same stderr with -j 1 and -j 4"
    else
        fail "$format: stderr differs: $(diff "$tmp/$format-j1.err" "$tmp/$format-j4.err" | head -20)"
    fi
    if diff -r "$tmp/$format-j1" "$tmp/$format-j4" >"$tmp/diff" 2>&1; then
        ok "$format: same output tree with -j 1 and -j 4"
    else
        fail "$format: output trees differ: $(head -20 "$tmp/diff")"
    fi
    if [ -z "$(find "$tmp/$format-j4" -name '*.tmp.*')" ]; then
        ok "$format: no temporary file left"
    else
        fail "$format: temporary files left: $(find "$tmp/$format-j4" -name '*.tmp.*' | head -5)"
    fi
done

# ---- what the messages say, in capture order ---------------------------
err=$tmp/jsonl-j4.err
# the capture each summary or error line is about, in order
sed -n -e 's/^tcpsession: \(.*\): not a pcap.*/\1/p' \
    -e 's/^\(.*\): [0-9]* sessions, .*/\1/p' "$err" >"$tmp/order"
printf '%s\n' "$@" >"$tmp/expected-order"
if cmp -s "$tmp/order" "$tmp/expected-order"; then
    ok "one summary or error per capture, in capture order"
else
    fail "summaries not in capture order: $(diff "$tmp/expected-order" "$tmp/order" | head -10)"
fi
if grep -qxF "warning: $tmp/in/copy/sample.pcap: output folder name 'sample' already used, writing to 'sample-2'" "$err" &&
    [ -s "$tmp/jsonl-j4/sample-2/sessions.jsonl" ] && [ -s "$tmp/jsonl-j4/same-host-2/sessions.jsonl" ]; then
    ok "second copies written to STEM-2"
else
    fail "STEM-2 folders or warning missing"
fi
# the truncation warning comes right before that capture's summary
if grep -A1 "^warning: $tmp/in/truncated.pcap: " "$err" | grep -q "^$tmp/in/truncated.pcap: [0-9]* sessions"; then
    ok "capture warning printed with its capture"
else
    fail "truncation warning not right before its summary"
fi
# (the "capture" key is the path given; the expected file's is sample.pcap)
sed 's/"capture":"[^"]*",//' "$tmp/jsonl-j4/sample/sessions.jsonl" >"$tmp/got.nocap"
sed 's/"capture":"[^"]*",//' "$DATA/sample.expected.jsonl" >"$tmp/want.nocap"
if cmp -s "$tmp/got.nocap" "$tmp/want.nocap"; then
    ok "parallel run writes the expected sessions.jsonl"
else
    fail "sample/sessions.jsonl differs from data/sample.expected.jsonl"
fi

# ---- default (CPUs usable) and format none ------------------------------
extract default -o "$tmp/default" "$@"
if [ "$(cat "$tmp/default.rc")" -eq 1 ] && cmp -s "$tmp/jsonl-j1.err" "$tmp/default.err" &&
    diff -r "$tmp/jsonl-j1" "$tmp/default" >/dev/null 2>&1; then
    ok "default number of workers: same output"
else
    fail "default number of workers: different output or status"
fi
extract none-j3 -j 3 -f none -o "$tmp/none" "$@"
if [ "$(cat "$tmp/none-j3.rc")" -eq 1 ] && cmp -s "$tmp/jsonl-j1.err" "$tmp/none-j3.err" &&
    [ ! -e "$tmp/none" ]; then
    ok "format none, -j 3: same messages, nothing written"
else
    fail "format none, -j 3: different messages or files written"
fi

# ---- all captures good: exit 0; -q prints nothing ------------------------
extract good -j 4 -q -o "$tmp/good" "$DATA/sample.pcap" "$DATA"/cases/*.pcap
if [ "$(cat "$tmp/good.rc")" -eq 0 ] && [ ! -s "$tmp/good.err" ]; then
    ok "all captures readable: exit 0, -q silent"
else
    fail "good captures: exit $(cat "$tmp/good.rc"), stderr $(head -c 300 "$tmp/good.err")"
fi

# ---- usage errors --------------------------------------------------------
for bad in -1 x; do
    extract bad -j "$bad" -o "$tmp/bad" "$DATA/sample.pcap"
    if [ "$(cat "$tmp/bad.rc")" -eq 2 ]; then
        ok "-j $bad: usage error (exit 2)"
    else
        fail "-j $bad: exit $(cat "$tmp/bad.rc"), expected 2"
    fi
done

# ---- interrupted while two workers write: no temporary file left ----------
# Two captures read from FIFOs that stall half way; SIGINT reaches the main
# thread (the workers block it), which removes the workers' temporary files.
if have_tool python3 && have_tool mkfifo &&
    checker legacy_check.py craft-many "$tmp/many.pcap" 40 2>/dev/null; then
    head -c 15000 "$tmp/many.pcap" >"$tmp/part.pcap"
    for format in tcpflow raw; do
        dir=$tmp/sig-$format
        mkfifo "$tmp/fifo1" "$tmp/fifo2"
        (cat "$tmp/part.pcap"; sleep 30) >"$tmp/fifo1" &
        w1=$!
        (cat "$tmp/part.pcap"; sleep 30) >"$tmp/fifo2" &
        w2=$!
        "$TS_BIN" extract -q -j 2 -f "$format" -o "$dir" "$tmp/fifo1" "$tmp/fifo2" 2>/dev/null &
        pid=$!
        i=0
        while { [ -z "$(find "$dir/fifo1" -type f 2>/dev/null)" ] ||
            [ -z "$(find "$dir/fifo2" -type f 2>/dev/null)" ]; } && [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        sleep 0.3
        kill -INT "$pid"
        wait "$pid"
        rc=$?
        kill "$w1" "$w2" 2>/dev/null
        wait "$w1" "$w2" 2>/dev/null
        rm -f "$tmp/fifo1" "$tmp/fifo2"
        left=$(find "$dir" -name '*.tmp.*')
        if [ "$rc" -gt 128 ] && [ -z "$left" ] && [ $i -lt 100 ]; then
            ok "$format: SIGINT during -j 2: no temporary file left"
        else
            fail "$format: SIGINT during -j 2: exit $rc, waited $i, left: $left"
        fi
    done
else
    echo "skip - SIGINT checks (python3 or mkfifo missing)"
fi

[ "$status" -eq 0 ] && echo "all passed"
finish
