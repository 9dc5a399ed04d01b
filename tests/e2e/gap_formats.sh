#!/bin/sh
# End-to-end: gaps (and the anomalies around them) are the same under every
# format and with or without kept payload (issue 11): a hole declared in
# pieces is one gap, a trailing gap ends before an uncaptured FIN. On
# data/cases/gap-acked-in-steps.pcap and trailing-gap-fin.pcap (see
# data/README.md): the summary line of extract in every format (jsonl, json,
# raw keep payload; tcpflow, none do not), the gaps of jsonl, json and raw,
# the counts of `ls --json`, and follow's missing-bytes text.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
make_tmp

steps=$TS_TESTDATA/cases/gap-acked-in-steps.pcap
trailing=$TS_TESTDATA/cases/trailing-gap-fin.pcap

# summary CAPTURE WANT: "N gaps, M anomalies" of extract in every format.
summary() {
    cap=$1
    want=$2
    stem=$(basename "$cap" .pcap)
    for fmt in jsonl json raw tcpflow none; do
        line=$(ts extract -f "$fmt" -o "$tmp/$fmt" "$cap" 2>&1)
        got=$(printf '%s\n' "$line" | sed -n 's/.* bytes delivered, \(.*\), [0-9.]*s$/\1/p')
        if [ "$got" = "$want" ]; then
            ok "$stem --format $fmt: $want"
        else
            fail "$stem --format $fmt: '$line', want '$want'"
        fi
    done
    # the same gaps and anomalies in the three formats that list them
    checker gap_formats.py jsonl "$tmp/jsonl/$stem" >"$tmp/$stem.jsonl.txt"
    for fmt in json raw; do
        checker gap_formats.py "$fmt" "$tmp/$fmt/$stem" >"$tmp/$stem.$fmt.txt"
        if cmp -s "$tmp/$stem.jsonl.txt" "$tmp/$stem.$fmt.txt"; then
            ok "$stem: $fmt lists the gaps and anomalies jsonl lists"
        else
            fail "$stem: $fmt differs from jsonl: $(diff "$tmp/$stem.jsonl.txt" "$tmp/$stem.$fmt.txt" | head -4)"
        fi
    done
    rm -rf "$tmp/jsonl" "$tmp/json" "$tmp/raw" "$tmp/tcpflow" "$tmp/none"
}

# expect_text NAME FILE WANT: the file's content is exactly WANT.
expect_text() {
    if [ "$(cat "$2")" = "$3" ]; then
        ok "$1"
    else
        fail "$1: got $(cat "$2" | tr '\n' '|')"
    fi
}

summary "$steps" "3 gaps, 1 anomalies"
ts extract -o "$tmp/j" "$steps" >/dev/null 2>&1
checker gap_formats.py jsonl "$tmp/j/gap-acked-in-steps" >"$tmp/steps.txt"
expect_text "gap-acked-in-steps: one gap per hole, one late_data across the pieces" "$tmp/steps.txt" \
    "0 gaps client+1460+2920 anomalies 
1 gaps client+1460+2920 anomalies 
2 gaps client+1460+2920 anomalies late_data@26:client+2000+1000"
ts ls --json "$steps" >"$tmp/ls.jsonl"
checker gap_formats.py ls "$tmp/ls.jsonl" >"$tmp/ls.txt"
expect_text "gap-acked-in-steps: ls --json counts" "$tmp/ls.txt" "0 gaps 1 anomalies 0
1 gaps 1 anomalies 0
2 gaps 1 anomalies 1"
for n in 0 1 2; do
    ts follow "$steps" "$n" --mode ascii >"$tmp/follow.$n" 2>&1
    missing=$(grep -a -o '\[[0-9]* bytes missing in capture file\]' "$tmp/follow.$n" | tr '\n' ' ')
    if [ "$missing" = "[2920 bytes missing in capture file] " ]; then
        ok "gap-acked-in-steps: follow stream $n shows one hole of 2920 bytes"
    else
        fail "gap-acked-in-steps: follow stream $n: '$missing'"
    fi
done

summary "$trailing" "3 gaps, 0 anomalies"
ts extract -o "$tmp/t" "$trailing" >/dev/null 2>&1
checker gap_formats.py jsonl "$tmp/t/trailing-gap-fin" >"$tmp/trailing.txt"
expect_text "trailing-gap-fin: no byte for an uncaptured FIN" "$tmp/trailing.txt" \
    "0 gaps  anomalies 
1 gaps client+100+100 anomalies 
2 gaps client+100+100 anomalies 
3 gaps client+100+100 anomalies 
4 gaps  anomalies "
finish
