#!/bin/sh
# End-to-end: output files are written atomically and never outside the
# output folder.
#  - A capture read from a FIFO stalls half way; tcpsession is interrupted
#    (SIGINT, then SIGTERM) while it waits: no temporary file (NAME.tmp.*)
#    is left, sessions.jsonl does not exist (it was not complete), and every
#    file of the json, raw and tcpflow formats that exists is complete
#    (byte for byte the file a full run writes).
#  - Captures named so that their stem would be "..": the output goes to a
#    sanitised folder inside OUT, nothing is created beside OUT.
# Skips (77) without python3 or mkfifo.
set -u
. "$(dirname "$0")/../lib.sh"
need_python
need_tool mkfifo
make_tmp
out=$tmp
writer=
at_exit '[ -n "$writer" ] && kill "$writer" 2>/dev/null'

checker legacy_check.py craft-many "$out/many.pcap" 40 || exit 1
# the first 20 sessions (10 frames of 54-63 bytes each, 100 s apart)
head -c 15000 "$out/many.pcap" >"$out/part.pcap"

for format in jsonl json raw tcpflow; do
    for sig in INT TERM; do
        dir="$out/$format-$sig"
        full="$out/full-$format"
        [ -d "$full" ] || "$TS_BIN" extract -q -f "$format" -o "$full" "$out/part.pcap" 2>/dev/null ||
            fail "extract -f $format"
        rm -f "$out/part"
        mkfifo "$out/part"
        (cat "$out/part.pcap"; sleep 30) >"$out/part" &
        writer=$!
        # a FIFO's lines are in end order by default (one complete line per
        # session as it ends): stream order here, end order checked below
        order=
        [ "$format" = jsonl ] && order="--order stream"
        # shellcheck disable=SC2086 # $order is empty or two words
        "$TS_BIN" extract -q -f "$format" $order -o "$dir" "$out/part" 2>/dev/null &
        pid=$!
        # wait until the run has written something, then interrupt it
        i=0
        while [ -z "$(find "$dir" -type f 2>/dev/null)" ] && [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        sleep 0.3
        kill -"$sig" "$pid"
        wait "$pid"
        rc=$?
        kill "$writer" 2>/dev/null
        wait "$writer" 2>/dev/null
        writer=
        [ "$rc" -gt 128 ] || fail "$format/$sig: exit status $rc, expected death by signal"
        left=$(find "$dir" -name '*.tmp.*')
        [ -z "$left" ] || fail "$format/$sig: temporary files left: $left"
        [ ! -e "$dir/part/sessions.jsonl" ] || fail "$format/$sig: incomplete sessions.jsonl visible"
        n=0
        for f in $(cd "$dir" && find . -type f); do
            n=$((n + 1))
            # the JSON "capture" key names what was read: the FIFO or the file
            sed 's/"capture":"[^"]*",//' "$dir/$f" >"$out/a.cmp"
            sed 's/"capture":"[^"]*",//' "$full/part/${f#./part/}" >"$out/b.cmp"
            cmp -s "$out/a.cmp" "$out/b.cmp" || fail "$format/$sig: $f is not the complete file"
        done
        if [ "$format" != jsonl ] && [ $n -eq 0 ]; then
            fail "$format/$sig: nothing written before the interruption"
        fi
        ok "-f $format, SIG$sig while reading: $n complete files, no temporary file"
    done
done

# jsonl in end order (the default on a FIFO): sessions.jsonl exists from the
# start and holds only complete lines, each the line the full run writes
for sig in INT TERM; do
    dir="$out/end-$sig"
    rm -f "$out/part"
    mkfifo "$out/part"
    (cat "$out/part.pcap"; sleep 30) >"$out/part" &
    writer=$!
    "$TS_BIN" extract -q -o "$dir" "$out/part" 2>/dev/null &
    pid=$!
    i=0
    while [ ! -s "$dir/part/sessions.jsonl" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    sleep 0.3
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    kill "$writer" 2>/dev/null
    wait "$writer" 2>/dev/null
    writer=
    [ "$rc" -gt 128 ] || fail "end order/$sig: exit status $rc, expected death by signal"
    lines=$(wc -l <"$dir/part/sessions.jsonl")
    [ "$lines" -gt 0 ] || fail "end order/$sig: no line written before the interruption"
    sed 's/"capture":"[^"]*",//' "$out/full-jsonl/part/sessions.jsonl" >"$out/full.nocap"
    missing=$(sed 's/"capture":"[^"]*",//' "$dir/part/sessions.jsonl" | grep -cvxF -f "$out/full.nocap")
    [ "$missing" = 0 ] || fail "end order/$sig: $missing lines that are not complete lines of the full run"
    [ "$(tail -c 1 "$dir/part/sessions.jsonl" | od -An -c | tr -d ' ')" = '\n' ] ||
        fail "end order/$sig: the file does not end with a complete line"
    ok "jsonl end order, SIG$sig while reading: $lines complete lines"
done

# names that would leave the output folder
mkdir -p "$out/names/box"
cp "$out/part.pcap" "$out/names/...pcap"
cp "$out/part.pcap" "$out/names/..pcap.gz"
for format in jsonl json raw tcpflow; do
    "$TS_BIN" extract -q -f "$format" -o "$out/names/box/out" "$out/names/...pcap" "$out/names/..pcap.gz" 2>/dev/null ||
        fail "extract -f $format of oddly named captures"
done
outside=$(cd "$out/names" && find . -mindepth 1 ! -path './box*' ! -name '...pcap' ! -name '..pcap.gz')
[ -z "$outside" ] || fail "files created outside the output folder: $outside"
# "...pcap" has the stem "..", "..pcap.gz" the stem "."
inside=$(ls -A "$out/names/box/out" | tr '\n' ' ')
[ "$inside" = "_ capture " ] || fail "output folders: $inside"
(cd "$out/names" && "$TS_BIN" -p "$out/names/...pcap" -o box/orig -q -n 2>/dev/null) || fail "original -p ...pcap"
[ -d "$out/names/box/orig/tcpsession/_" ] || fail "original mode did not sanitise the stem"
outside=$(cd "$out/names" && find . -mindepth 1 ! -path './box*' ! -name '...pcap' ! -name '..pcap.gz' ! -name tcpsessions_from_pcap.log)
[ -z "$outside" ] || fail "original mode created files outside: $outside"
"$TS_BIN" -p "$out/part.pcap" -o "$out/t" -c -t ../escape -q 2>/dev/null
[ $? -eq 2 ] || fail "-t ../escape was accepted"
[ ! -e "$out/escape-session-JSON.tar.gz" ] || fail "-t ../escape wrote outside the output folder"
finish
