#!/bin/sh
# inputs.sh — where captures come from: standard input ("-"), pipes, gzip
# through a pipe, a FIFO that stays open (the wall-time bound), rotated
# captures read as one (--series), folders (extract -r, "is a folder").
#
# 1. "-" equals the file for pcap, pcapng and gzip of each (crafted from
#    the crafted sample with editcap -F pcapng and gzip -c), through a pipe:
#    extract (jsonl and raw, byte for byte; output folder stdin), ls,
#    ls --json and follow; the summary names stdin.
# 2. gzip through a pipe cut short, and damaged: the exact messages.
# 3. A FIFO kept open after a complete FIN-closed connection: with
#    --close-linger 1 the session's raw files exist while the writer still
#    holds the FIFO open (and with the default 60 s they do not); an open
#    session with --idle-timeout 1 likewise; bad values are usage errors.
# 4. --series: the sample cut into parts (editcap -c) gives the jsonl of the
#    whole, from the parts given in order and from a folder whose name order
#    is not the time order; parts given out of order give the exact warning
#    and the sessions of mergecap -a on the same order; ls and follow too.
# 5. extract -r on a tree (order, folders, summaries); extract DIR without
#    -r: the message and exit status 2, as verify.
# 6. verify - (when tshark or tcpflow is installed): the results of the
#    file, and the temporary copy is gone after.
#
# Environment (set by `make check`): TS_BIN, TS_CRAFT, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_craft
need_tool editcap gzip mkfifo cmp diff
make_tmp

"$TS_CRAFT" "$tmp" >/dev/null || skip "tcpsession-craft failed"
pcap=$tmp/sample.pcap
editcap -F pcapng "$pcap" "$tmp/sample.pcapng" || skip "editcap -F pcapng failed"
gzip -c "$pcap" >"$tmp/sample.pcap.gz"
gzip -c "$tmp/sample.pcapng" >"$tmp/sample.pcapng.gz"

# same NAME FILE-A FILE-B: ok when the two files are byte for byte equal.
same() {
    # the JSON "capture" key names what was read: the file, or "-"
    sed -i 's/"capture":"[^"]*",//' "$2" "$3"
    if cmp -s "$2" "$3"; then
        ok "$1"
    else
        fail "$1: $2 and $3 differ"
        diff "$2" "$3" | head -10
    fi
}

# summary_of FILE: the summary lines of stderr FILE without their timing.
summary_of() {
    sed -n 's/, [0-9.]*s$//p' "$1"
}

# ---- 1. standard input equals the file ------------------------------------
for f in sample.pcap sample.pcapng sample.pcap.gz sample.pcapng.gz; do
    stem=${f%.gz}
    stem=${stem%.*}
    # jsonl: in both orders (a pipe's default is end order, a file's stream order)
    for fmt in jsonl:stream jsonl:end raw:stream; do
        order=${fmt#*:}
        fmt=${fmt%:*}
        out=$fmt-$order-$f
        ts extract -f "$fmt" --order "$order" -o "$tmp/file-$out" "$tmp/$f" 2>"$tmp/file.err"
        rc_file=$?
        cat "$tmp/$f" | ts extract -f "$fmt" --order "$order" -o "$tmp/in-$out" - 2>"$tmp/in.err"
        rc_in=$?
        # the jsonl "capture" field names what was read: the file, or "-"
        find "$tmp/file-$out/$stem" "$tmp/in-$out/stdin" -name '*.json*' \
            -exec sed -i 's/"capture":"[^"]*",//' {} +
        if [ "$rc_file" -ne 0 ] || [ "$rc_in" -ne 0 ]; then
            fail "extract -f $fmt $f: exit status $rc_file (file) and $rc_in (stdin)"
        elif [ ! -d "$tmp/in-$out/stdin" ]; then
            fail "extract -f $fmt - ($f): no output folder stdin: $(ls "$tmp/in-$out")"
        elif diff -r "$tmp/file-$out/$stem" "$tmp/in-$out/stdin" >"$tmp/d"; then
            ok "extract -f $fmt --order $order - < $f through a pipe: the output of the file, byte for byte"
        else
            fail "extract -f $fmt --order $order $f: stdin differs: $(head -5 "$tmp/d")"
        fi
    done
    want="stdin: 8 sessions, 76 frames, 789 bytes delivered, 1 gaps, 2 anomalies"
    got=$(summary_of "$tmp/in.err")
    [ "$got" = "$want" ] && ok "extract - ($f): the summary names stdin" ||
        fail "extract - ($f): summary '$got', expected '$want'"
    for args in "ls" "ls --json" "follow 2" "follow 1 --mode raw"; do
        # shellcheck disable=SC2086 # args are words
        set -- $args
        cmd=$1
        shift
        ts "$cmd" "$tmp/$f" "$@" >"$tmp/file.out" 2>"$tmp/file.err"
        cat "$tmp/$f" | ts "$cmd" - "$@" >"$tmp/in.out" 2>"$tmp/in.err"
        if [ ! -s "$tmp/file.out" ] || [ -s "$tmp/in.err" ]; then
            fail "$args - ($f): no output, or messages: $(head -3 "$tmp/in.err")"
        else
            same "$args - ($f) through a pipe equals the file" "$tmp/file.out" "$tmp/in.out"
        fi
    done
done
# standard input redirected from a regular file (mapped like a file)
ts ls --json - <"$tmp/sample.pcap.gz" >"$tmp/in.out" 2>&1
ts ls --json "$pcap" >"$tmp/file.out" 2>&1
same "ls --json - < sample.pcap.gz (a regular file as standard input)" "$tmp/file.out" "$tmp/in.out"
# ... read from where it stands: a line before the capture, read by the shell
{
    echo "a line before the capture"
    cat "$pcap"
} >"$tmp/prefixed"
sh -c 'read -r line && exec "$@"' sh $TS_WRAP "$TS_BIN" ls --json - <"$tmp/prefixed" >"$tmp/in.out" 2>&1
same "ls --json - reads a regular file from its current offset" "$tmp/file.out" "$tmp/in.out"

# ---- 2. gzip through a pipe: cut short, damaged -----------------------------
size=$(wc -c <"$pcap")
gzsize=$(wc -c <"$tmp/sample.pcap.gz")
head -c $((gzsize - 200)) "$tmp/sample.pcap.gz" >"$tmp/cut.gz"
ts ls "$tmp/cut.gz" >"$tmp/file.out" 2>"$tmp/file.err"
cat "$tmp/cut.gz" | ts ls - >"$tmp/in.out" 2>"$tmp/in.err"
rc=$?
sed "s|$tmp/cut.gz|stdin|" "$tmp/file.err" >"$tmp/want.err"
if [ "$rc" -eq 0 ] && grep -q '^warning: stdin: offset [0-9]*: last record truncated' "$tmp/in.err"; then
    same "gzip cut short through a pipe: the file's sessions and warning" "$tmp/want.err" "$tmp/in.err"
    same "gzip cut short through a pipe: the file's listing" "$tmp/file.out" "$tmp/in.out"
else
    fail "gzip cut short through a pipe: exit status $rc, $(cat "$tmp/in.err")"
fi
# damaged_gzip NAME OFFSET BYTES WANT: gzip -n of the sample with BYTES
# (printf escapes) written at OFFSET (negative: from the end), through a
# pipe to ls: exit status 1 and exactly the message WANT.
damaged_gzip() {
    gzip -nc "$pcap" >"$tmp/bad.gz"
    at=$2
    [ "$at" -lt 0 ] && at=$(($(wc -c <"$tmp/bad.gz") + at))
    # shellcheck disable=SC2059 # the bytes are printf escapes
    printf "$3" | dd of="$tmp/bad.gz" bs=1 seek="$at" conv=notrunc 2>/dev/null
    cat "$tmp/bad.gz" | ts ls - >/dev/null 2>"$tmp/bad.err"
    rc=$?
    if [ "$rc" -eq 1 ] && [ "$(cat "$tmp/bad.err")" = "$4" ]; then
        ok "$1 through a pipe: exit status 1, '$4'"
    else
        fail "$1 through a pipe: exit status $rc, '$(cat "$tmp/bad.err")', expected '$4'"
    fi
}
damaged_gzip "gzip with a wrong CRC" -8 '\000\000\000\000' \
    "tcpsession: stdin: offset $size: gzip: incorrect data check"
damaged_gzip "gzip with an invalid first block" 10 '\377' \
    "tcpsession: stdin: offset 0: gzip: invalid block type"

# ---- 3. a FIFO kept open: the wall-time bound ------------------------------
# one FIN-closed connection (frames 1-10 of the sample: stream 0)
editcap -F pcap -r "$pcap" "$tmp/one.pcap" 1-10
editcap -F pcap -r "$pcap" "$tmp/open.pcap" 1-5 # the same, not closed yet
session=000000-192.168.1.10_50000-192.168.1.20_80
ts extract -f raw -o "$tmp/one-file" "$tmp/one.pcap" 2>/dev/null
# fifo_run NAME CAPTURE HOLD WANT-FILES OPTIONS...: a writer sends CAPTURE
# into a FIFO and keeps it open HOLD seconds; extract -f raw reads it. The
# session's client.bin must (WANT-FILES yes) or must not (no) appear while
# the writer still holds the FIFO open, watched for HOLD - 1 seconds.
fifo_run() {
    name=$1 capture=$2 hold=$3 want=$4
    shift 4
    out=$tmp/fifo-out-$hold-$want
    fifo=$tmp/fifo-$hold-$want
    rm -rf "$out" "$fifo"
    mkfifo "$fifo"
    (
        cat "$capture"
        sleep "$hold"
    ) >"$fifo" &
    writer=$!
    ts extract -f raw -o "$out" "$@" "$fifo" 2>"$out.err" &
    reader=$!
    file=$out/fifo-$hold-$want/$session/client.bin
    waited=0
    while [ ! -f "$file" ] && [ "$waited" -lt $(((hold - 1) * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    seen=no
    [ -f "$file" ] && kill -0 "$writer" 2>/dev/null && seen=yes
    wait "$writer"
    wait "$reader"
    rc=$?
    if [ "$seen" != "$want" ]; then
        fail "$name: files while the FIFO is open: $seen, expected $want"
    elif [ "$rc" -ne 0 ]; then
        fail "$name: exit status $rc: $(cat "$out.err")"
    else
        ok "$name: files while the FIFO is open: $want (after $((waited / 10)).$((waited % 10))s)"
    fi
}
fifo_run "FIN-closed session, --close-linger 1" "$tmp/one.pcap" 6 yes --close-linger 1
find "$tmp/one-file/one/$session" "$tmp/fifo-out-6-yes/fifo-6-yes/$session" -name '*.json' \
    -exec sed -i 's/"capture":"[^"]*",//' {} +
if diff -r "$tmp/one-file/one/$session" "$tmp/fifo-out-6-yes/fifo-6-yes/$session" >"$tmp/d"; then
    ok "the files written before the FIFO closed are those of the file"
else
    fail "FIFO files differ from the file's: $(head -5 "$tmp/d")"
fi
fifo_run "FIN-closed session, default --close-linger (60)" "$tmp/one.pcap" 3 no
fifo_run "open session, --idle-timeout 1" "$tmp/open.pcap" 6 yes --idle-timeout 1
grep -q '"close":"idle"' "$tmp/fifo-out-6-yes/fifo-6-yes/$session/session.json" &&
    ok "the idle session's close reason is idle" ||
    fail "idle session: $(cat "$tmp/fifo-out-6-yes/fifo-6-yes/$session/session.json")"
for opt in close-linger idle-timeout; do
    for cmd in extract ls follow; do
        set -- "$pcap"
        [ "$cmd" = follow ] && set -- "$pcap" 0
        ts "$cmd" "--$opt" soon "$@" >/dev/null 2>"$tmp/err"
        rc=$?
        want="tcpsession: invalid number of seconds 'soon' for --$opt"
        if [ "$rc" -eq 2 ] && [ "$(sed -n 1p "$tmp/err")" = "$want" ]; then
            ok "$cmd --$opt soon: status 2, '$want'"
        else
            fail "$cmd --$opt soon: status $rc, $(cat "$tmp/err")"
        fi
    done
done

# ---- 4. rotated captures: --series -----------------------------------------
mkdir "$tmp/parts"
editcap -F pcap -c 7 "$pcap" "$tmp/parts/p.pcap"
set -- "$tmp"/parts/*
nparts=$#
[ "$nparts" -eq 11 ] && ok "editcap -c 7 cut the sample into 11 parts" ||
    fail "editcap -c 7: $nparts parts"
ts extract -o "$tmp/whole" "$pcap" 2>/dev/null
whole=$tmp/whole/sample/sessions.jsonl
first=$(basename "$1" .pcap)
ts extract --series -o "$tmp/given" "$@" 2>"$tmp/given.err"
same "extract --series PARTS... (as given): the jsonl of the whole" "$whole" \
    "$tmp/given/$first/sessions.jsonl"
want="$1 (series of 11 captures): 8 sessions, 76 frames, 789 bytes delivered, 1 gaps, 2 anomalies"
got=$(summary_of "$tmp/given.err")
[ "$got" = "$want" ] && [ "$(ls "$tmp/given")" = "$first" ] &&
    ok "extract --series: one output folder ($first) and one summary" ||
    fail "extract --series: folders $(ls "$tmp/given"), summary '$got', expected '$want'"
# a folder whose name order is the reverse of the time order
mkdir "$tmp/shuffled"
i=$nparts
for p in "$@"; do
    cp "$p" "$tmp/shuffled/part-$i.pcap"
    i=$((i - 1))
done
ts extract --series -o "$tmp/folder" "$tmp/shuffled" 2>"$tmp/folder.err"
same "extract --series FOLDER (names in reverse time order): the jsonl of the whole" "$whole" \
    "$tmp/folder/part-$nparts/sessions.jsonl"
if grep -q '^warning' "$tmp/folder.err"; then
    fail "extract --series FOLDER: warnings: $(cat "$tmp/folder.err")"
else
    ok "extract --series FOLDER: no warning (read in time order)"
fi
ts ls --json --series "$tmp/shuffled" >"$tmp/ls-series" 2>&1
ts ls --json "$pcap" >"$tmp/ls-whole" 2>&1
same "ls --json --series FOLDER equals ls --json of the whole" "$tmp/ls-whole" "$tmp/ls-series"
ts follow --series "$tmp/shuffled" 5 >"$tmp/follow-series" 2>&1
ts follow "$pcap" 5 >"$tmp/follow-whole" 2>&1
same "follow --series FOLDER 5 equals follow of the whole" "$tmp/follow-whole" \
    "$tmp/follow-series"
# out of order: part 3 before part 2
p2=$tmp/parts/$(basename "$2") p3=$tmp/parts/$(basename "$3")
ts ls --series "$1" "$3" "$2" >/dev/null 2>"$tmp/ooo.err"
if have_tool tshark; then
    t2=$(tshark -r "$2" -c 1 -T fields -e frame.time_epoch 2>/dev/null)
    t3=$(tshark -r "$3" -T fields -e frame.time_epoch 2>/dev/null | sort -n | tail -1)
    want="warning: $p2: starts at $t2, before the end of the previous capture ($t3); read after it, as mergecap -a would"
    [ "$(cat "$tmp/ooo.err")" = "$want" ] && ok "parts out of order: '$want'" ||
        fail "parts out of order: '$(cat "$tmp/ooo.err")', expected '$want'"
else
    grep -q "^warning: $p2: starts at .*, before the end of the previous capture" "$tmp/ooo.err" &&
        ok "parts out of order: the warning (tshark missing: times not checked)" ||
        fail "parts out of order: '$(cat "$tmp/ooo.err")'"
fi
if have_tool mergecap; then
    mergecap -F pcap -a -w "$tmp/merged.pcap" "$1" "$3" "$2" "$4"
    ts extract -o "$tmp/merged" "$tmp/merged.pcap" 2>/dev/null
    ts extract --series -o "$tmp/ooo" "$1" "$3" "$2" "$4" 2>/dev/null
    same "extract --series on parts out of order: the jsonl of mergecap -a on them" \
        "$tmp/merged/merged/sessions.jsonl" "$tmp/ooo/$first/sessions.jsonl"
    if cmp -s "$tmp/merged/merged/sessions.jsonl" "$whole"; then
        fail "the out-of-order parts gave the whole's sessions: the check above proves nothing"
    fi
else
    echo "# mergecap not installed: the mergecap -a check is skipped"
fi
# the parts without --series: separate captures
ts ls "$1" "$2" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "ls takes exactly one capture" "$tmp/err" &&
    ok "ls with two captures and no --series: usage error" || fail "ls A B: $(cat "$tmp/err")"
ts extract --series -o "$tmp/none" "$tmp/whole" >/dev/null 2>"$tmp/err"
rc=$?
want="tcpsession: $tmp/whole: no capture in this folder"
[ "$rc" -eq 1 ] && [ "$(cat "$tmp/err")" = "$want" ] && ok "--series on a folder without captures: '$want'" ||
    fail "--series on an empty folder: $(cat "$tmp/err")"

# ---- 5. extract -r, extract DIR ---------------------------------------------
mkdir -p "$tmp/tree/a/sub" "$tmp/tree/b"
cp "$pcap" "$tmp/tree/a/x.pcap"
cp "$tmp/sample.pcapng" "$tmp/tree/a/sub/y.pcapng"
cp "$tmp/sample.pcap.gz" "$tmp/tree/b/z.pcap.gz"
echo "not a capture" >"$tmp/tree/b/notes.txt"
ts extract -r -o "$tmp/rec" "$tmp/tree" 2>"$tmp/rec.err"
rc=$?
w="8 sessions, 76 frames, 789 bytes delivered, 1 gaps, 2 anomalies"
printf '%s\n' "$tmp/tree/a/sub/y.pcapng: $w" "$tmp/tree/a/x.pcap: $w" "$tmp/tree/b/z.pcap.gz: $w" \
    >"$tmp/rec.want"
summary_of "$tmp/rec.err" >"$tmp/rec.got"
if [ "$rc" -eq 0 ] && cmp -s "$tmp/rec.want" "$tmp/rec.got" &&
    [ "$(ls "$tmp/rec" | tr '\n' ' ')" = "x y z " ]; then
    ok "extract -r TREE: its three captures, folder by folder in name order, the text file skipped"
else
    fail "extract -r TREE: status $rc, folders $(ls "$tmp/rec"), summaries $(cat "$tmp/rec.got")"
fi
for s in x y z; do
    same "extract -r: $s's sessions" "$whole" "$tmp/rec/$s/sessions.jsonl"
done
ts extract -o "$tmp/dir" "$tmp/tree" >"$tmp/out" 2>"$tmp/err"
rc=$?
want="tcpsession: $tmp/tree is a folder (use -r to extract its captures)"
ts verify "$tmp/tree" >/dev/null 2>"$tmp/verr"
vrc=$?
if [ "$rc" -eq 2 ] && [ "$rc" -eq "$vrc" ] && [ "$(cat "$tmp/err")" = "$want" ] &&
    [ ! -e "$tmp/dir" ]; then
    ok "extract DIR: '$want', exit status 2 as verify's, nothing written"
else
    fail "extract DIR: status $rc (verify $vrc), '$(cat "$tmp/err")'"
fi

# ---- 6. verify - --------------------------------------------------------------
if have_tool tshark || have_tool tcpflow; then
    mkdir "$tmp/vtmp"
    ts verify "$pcap" >"$tmp/v-file" 2>/dev/null
    cat "$pcap" | TMPDIR=$tmp/vtmp ts verify - >"$tmp/v-in" 2>/dev/null
    # the result lines, the capture's name (third word) aside
    awk '$1 == "same" || $1 == "wrong" { $3 = "CAPTURE"; print }' "$tmp/v-file" >"$tmp/v-file.n"
    awk '$1 == "same" || $1 == "wrong" { $3 = "CAPTURE"; print }' "$tmp/v-in" >"$tmp/v-in.n"
    same "verify - gives the results of the file" "$tmp/v-file.n" "$tmp/v-in.n"
    [ -z "$(ls -A "$tmp/vtmp")" ] && ok "verify -: the copy of standard input is removed" ||
        fail "verify -: left $(ls -A "$tmp/vtmp")"
    [ -s "$tmp/v-in.n" ] || fail "verify -: no result line: $(head -3 "$tmp/v-in")"
else
    echo "# neither tshark nor tcpflow installed: verify - is not checked"
fi

finish
