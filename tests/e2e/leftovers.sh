#!/bin/sh
# End-to-end: nothing is left behind by a killed run.
#  - A run reading a capture from a FIFO that stalls half way is killed with
#    SIGKILL while its temporary files (.NAME.tcpsession.tmp.PID.XXXXXX) are
#    open; they are there. A later run into the same folder removes them,
#    says "tcpsession: DIR: removed N temporary files left by an interrupted
#    run (pid PID)" and writes what a clean run writes.
#  - A run going on (a live process id) keeps its temporary files while
#    another run writes into the same folder, and finishes complete.
# Skips (77) without python3 or mkfifo.
set -u
. "$(dirname "$0")/../lib.sh"
need_python
need_tool mkfifo
make_tmp
out=$tmp
writer=
pid=
at_exit '[ -n "$writer" ] && kill "$writer" 2>/dev/null; [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null'

gen="$(dirname "$TS_BIN")/harness/bench/bench-gen"
[ -x "$gen" ] || skip "no bench-gen at $gen"
# jsonl: 20 complete sessions of 40 (their lines are in the temporary file)
checker legacy_check.py craft-many "$out/jsonl-whole.pcap" 40 || exit 1
head -c 15000 "$out/jsonl-whole.pcap" >"$out/jsonl-part.pcap"
# tcpflow, pcap: one big session, cut in its middle (past the writer's buffers)
"$gen" "$out/big-whole.pcap" --size 1 --connections 1 --concurrency 1 --seed 5 >/dev/null ||
    fail "bench-gen"
head -c 700000 "$out/big-whole.pcap" >"$out/big-part.pcap"

# start_stalled FORMAT DIR KIND: a run of FORMAT into DIR reading $out/part
# (a FIFO fed $out/KIND-part.pcap, then kept open), in the background
# ($pid), once it has temporary files.
start_stalled() {
    rm -f "$out/part"
    mkfifo "$out/part"
    sh -c 'cat "$1"; exec sleep 30' sh "$out/$3-part.pcap" >"$out/part" &
    writer=$!
    # shellcheck disable=SC2086 # TS_WRAP is a command prefix
    $TS_WRAP "$TS_BIN" extract -q -f "$1" --order stream -o "$2" "$out/part" 2>/dev/null &
    pid=$!
    i=0
    while [ -z "$(find "$2" -name '.*.tcpsession.tmp.*' 2>/dev/null)" ] && [ $i -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

for f in jsonl tcpflow pcap; do
    dir="$out/$f"
    kind=big
    [ "$f" = jsonl ] && kind=jsonl
    start_stalled "$f" "$dir" "$kind"
    sleep 0.2
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    killed=$pid
    pid=
    kill "$writer" 2>/dev/null
    wait "$writer" 2>/dev/null
    writer=
    n=$(find "$dir" -name ".*.tcpsession.tmp.$killed.*" | wc -l)
    [ "$n" -gt 0 ] || fail "-f $f: no temporary file after SIGKILL"
    # the next run, on the whole capture under the same name, into the same folder
    rm -f "$out/part"
    cp "$out/$kind-whole.pcap" "$out/part"
    ts extract -q -f "$f" -o "$dir" "$out/part" 2>"$out/err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "-f $f: second run exit status $rc"
    s=s
    [ "$n" -eq 1 ] && s=
    want="tcpsession: $dir/part: removed $n temporary file$s left by an interrupted run (pid $killed)"
    [ "$(cat "$out/err")" = "$want" ] || fail "-f $f: stderr '$(cat "$out/err")', expected '$want'"
    left=$(find "$dir" -name '*.tmp.*')
    [ -z "$left" ] || fail "-f $f: left after the second run: $left"
    ts extract -q -f "$f" -o "$out/clean-$f" "$out/part" || fail "-f $f: clean run"
    diff -r "$out/clean-$f/part" "$dir/part" >/dev/null || fail "-f $f: output differs from a clean run's"
    ok "-f $f: $n temporary files of a SIGKILLed run removed by the next run"
done

# raw: a session folder a killed run was building
dead=$(sh -c 'echo $$')
mkdir -p "$out/raw/whole/.000000-x.tcpsession.tmp.$dead.AbCdEf"
echo partial >"$out/raw/whole/.000000-x.tcpsession.tmp.$dead.AbCdEf/client.bin"
cp "$out/jsonl-whole.pcap" "$out/whole.pcap"
ts extract -q -f raw -o "$out/raw" "$out/whole.pcap" 2>"$out/err" || fail "raw: exit status $?"
want="tcpsession: $out/raw/whole: removed 1 temporary file left by an interrupted run (pid $dead)"
[ "$(cat "$out/err")" = "$want" ] || fail "raw: stderr '$(cat "$out/err")'"
[ -z "$(find "$out/raw" -name '*.tmp.*')" ] || fail "raw: the half-built folder is still there"
ok "raw: a half-built session folder of a dead run removed"

# a live run's temporary files are kept while another run writes there
start_stalled tcpflow "$out/live" big
live=$(find "$out/live" -name ".*.tcpsession.tmp.$pid.*" | wc -l)
[ "$live" -gt 0 ] || fail "live: no temporary file"
mkdir -p "$out/other"
cp "$out/jsonl-whole.pcap" "$out/other/part" # same stem: the same folder
ts extract -q -f tcpflow -o "$out/live" "$out/other/part" 2>"$out/err" || fail "live: second run"
[ ! -s "$out/err" ] || fail "live: stderr '$(cat "$out/err")'"
now=$(find "$out/live" -name ".*.tcpsession.tmp.$pid.*" | wc -l)
[ "$now" -ge "$live" ] || fail "live: a running process's temporary files were removed ($live, then $now)"
kill "$writer" 2>/dev/null # end of the FIFO: the first run finishes
wait "$writer" 2>/dev/null
writer=
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] || fail "live: the first run ended with $rc"
[ -z "$(find "$out/live" -name '*.tmp.*')" ] || fail "live: temporary files left"
rm -f "$out/part"
cp "$out/big-part.pcap" "$out/part"
ts extract -q -f tcpflow -o "$out/clean-live" "$out/part" || fail "live: clean run"
n=0
for file in $(ls "$out/clean-live/part"); do
    n=$((n + 1))
    cmp -s "$out/clean-live/part/$file" "$out/live/part/$file" || fail "live: $file differs from a clean run's"
done
[ "$n" -gt 0 ] || fail "live: a clean run wrote nothing"
ok "a running process's $live temporary files are kept; it finishes with $n files"
finish
