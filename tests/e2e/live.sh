#!/bin/sh
# live.sh — live capture (extract -i, ls -i) on the loopback of a network
# namespace the test makes (unshare --net), with known traffic: a python3
# TCP client sends 100000 known bytes, the server answers 50000, both close
# with FIN.
#  - extract -i lo --close-linger 1 --format raw: the session's folder
#    appears while the capture still runs; SIGINT then stops it: exit 0,
#    client.bin and server.bin are exactly the bytes sent, the summary and
#    "lo: N packets received, 0 dropped by the kernel, 0 dropped by the
#    interface" on stderr;
#  - the same with --format jsonl and SIGTERM: the line is in
#    sessions.jsonl before the stop, with the right byte counts, md5s,
#    server port and close reason; -o - gives it on standard output (the
#    same but for the times);
#  - ls -i prints the session's row before the stop;
#  - a missing interface and -i with a capture give their exact errors.
# Needs root, unshare and ip (iproute2), python3 and extract's
# --close-linger; skips (77) otherwise, and under valgrind (timings).
# Environment (set by `make check`): TS_BIN, TS_WRAP.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
need_tool unshare ip
[ -z "$TS_WRAP" ] || skip "live capture timings are not checked under valgrind"
[ "$(id -u)" = 0 ] || skip "not root (live capture in a network namespace needs root)"
"$TS_BIN" extract --help | grep -q -- '--close-linger' || skip "extract has no --close-linger"
if [ -z "${TS_LIVE_IN_NS:-}" ]; then
    unshare --net true 2>/dev/null || skip "network namespaces not permitted (unshare --net)"
    TS_LIVE_IN_NS=1 exec unshare --net sh "$0" "$@"
fi
ip link set lo up || fail "ip link set lo up"
make_tmp
pids=
at_exit 'for p in $pids; do kill -9 "$p" 2>/dev/null; done'

# the traffic: python3 traffic.py PORT DIR (writes DIR/client.bin and
# DIR/server.bin, the bytes each side sent)
cat >"$tmp/traffic.py" <<'EOF'
import os, socket, sys, threading
port, out = int(sys.argv[1]), sys.argv[2]
client_bytes = bytes((i * 7 + 3) % 256 for i in range(100000))
server_bytes = bytes((i * 13 + 5) % 251 for i in range(50000))
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
def serve():
    c, _ = srv.accept()
    got = b""
    while len(got) < len(client_bytes):
        got += c.recv(65536)
    c.sendall(server_bytes)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close()
t = threading.Thread(target=serve)
t.start()
cl = socket.create_connection(("127.0.0.1", port))
cl.sendall(client_bytes)
got = b""
while len(got) < len(server_bytes):
    got += cl.recv(65536)
cl.shutdown(socket.SHUT_WR)
while cl.recv(65536):
    pass
cl.close()
t.join()
open(os.path.join(out, "client.bin"), "wb").write(client_bytes)
open(os.path.join(out, "server.bin"), "wb").write(server_bytes)
EOF

# wait_for COMMAND: polls the shell command COMMAND (evaluated each time)
# for up to 10 s; false on timeout.
wait_for() {
    _i=0
    while ! eval "$1"; do
        [ $_i -ge 100 ] && return 1
        sleep 0.1
        _i=$((_i + 1))
    done
}

# sockets N: waits until N packet sockets are open in the namespace (the
# captures are active).
sockets() {
    _i=0
    while [ "$(($(wc -l </proc/net/packet) - 1))" -lt "$1" ]; do
        [ $_i -ge 100 ] && return 1
        sleep 0.1
        _i=$((_i + 1))
    done
}

# check_counts FILE: the packet counts line of stderr FILE.
check_counts() {
    grep -Eq '^lo: [1-9][0-9]* packets received, 0 dropped by the kernel, 0 dropped by the interface$' "$1" ||
        fail "$1: no packet counts line: $(cat "$1")"
}

expected=$tmp/expected
mkdir -p "$expected"
# The captures run in the background as "$TS_BIN" itself (not through the
# ts function: $! would be a subshell, which ignores SIGINT).

# ---- extract --format raw, SIGINT ------------------------------------------
"$TS_BIN" extract -i lo --close-linger 1 -f raw -o "$tmp/raw" 2>"$tmp/raw.err" &
raw_pid=$!
pids="$pids $raw_pid"
sockets 1 || fail "raw: the capture did not start"
python3 "$tmp/traffic.py" 5001 "$expected" || fail "traffic to port 5001"
if wait_for '[ -n "$(find "$tmp/raw/lo" -name server.bin 2>/dev/null)" ]'; then
    kill -0 "$raw_pid" 2>/dev/null && ok "raw: the session's files are there while the capture runs" ||
        fail "raw: the capture ended by itself"
else
    fail "raw: no session folder before the stop"
fi
kill -INT "$raw_pid"
wait "$raw_pid"
rc=$?
[ "$rc" = 0 ] || fail "raw: exit status $rc after SIGINT, expected 0"
folder=$(find "$tmp/raw/lo" -mindepth 1 -maxdepth 1 -type d)
case "$folder" in
*/000000-127.0.0.1_*-127.0.0.1_5001) ok "raw: one session folder, stream 0, server port 5001" ;;
*) fail "raw: session folders: $folder" ;;
esac
cmp -s "$folder/client.bin" "$expected/client.bin" || fail "raw: client.bin differs from the bytes sent"
cmp -s "$folder/server.bin" "$expected/server.bin" || fail "raw: server.bin differs from the bytes sent"
grep -Eq '^lo: 1 sessions, [0-9]+ frames, 150000 bytes delivered, 0 gaps, 0 anomalies, ' "$tmp/raw.err" ||
    fail "raw: summary: $(cat "$tmp/raw.err")"
check_counts "$tmp/raw.err"
[ -z "$(find "$tmp/raw" -name '*.tmp.*')" ] || fail "raw: temporary files left"
ok "raw: SIGINT: exit 0, exact client.bin and server.bin, summary and counts"

# ---- extract --format jsonl (and -o -), SIGTERM ------------------------------
"$TS_BIN" extract -i lo --close-linger 1 -f jsonl -o "$tmp/jsonl" 2>"$tmp/jsonl.err" &
jsonl_pid=$!
"$TS_BIN" extract -i lo --close-linger 1 -o - >"$tmp/stdout.jsonl" 2>"$tmp/stdout.err" &
stdout_pid=$!
pids="$pids $jsonl_pid $stdout_pid"
sockets 2 || fail "jsonl: the captures did not start"
python3 "$tmp/traffic.py" 5002 "$expected" || fail "traffic to port 5002"
wait_for '[ -s "$tmp/jsonl/lo/sessions.jsonl" ]' && kill -0 "$jsonl_pid" 2>/dev/null &&
    ok "jsonl: the line is in sessions.jsonl while the capture runs" ||
    fail "jsonl: no line before the stop"
wait_for '[ -s "$tmp/stdout.jsonl" ]' && kill -0 "$stdout_pid" 2>/dev/null &&
    ok "-o -: the line is on standard output while the capture runs" ||
    fail "-o -: no line before the stop"
kill -TERM "$jsonl_pid" "$stdout_pid"
wait "$jsonl_pid"
rc=$?
[ "$rc" = 0 ] || fail "jsonl: exit status $rc after SIGTERM, expected 0"
wait "$stdout_pid"
rc=$?
[ "$rc" = 0 ] || fail "-o -: exit status $rc after SIGTERM, expected 0"
check_counts "$tmp/jsonl.err"
check_counts "$tmp/stdout.err"
# two captures stamp the same packets a few ns apart: times left out
python3 - "$tmp/jsonl/lo/sessions.jsonl" "$tmp/stdout.jsonl" <<'EOF' || fail "-o - differs from sessions.jsonl"
import json, sys
def untimed(path):
    out = []
    for line in open(path):
        s = json.loads(line)
        del s["start"], s["end"]
        for m in s["messages"]:
            del m["ts"]
        out.append(s)
    return out
a, b = untimed(sys.argv[1]), untimed(sys.argv[2])
assert len(a) == 1 and a == b, (a, b)
EOF
python3 - "$tmp/jsonl/lo/sessions.jsonl" "$expected" <<'EOF' || fail "jsonl: fields"
import hashlib, json, os, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
s = json.loads(lines[0])
c = open(os.path.join(sys.argv[2], "client.bin"), "rb").read()
v = open(os.path.join(sys.argv[2], "server.bin"), "rb").read()
want = {"stream": 0, "client_bytes": len(c), "server_bytes": len(v),
        "client_md5": hashlib.md5(c).hexdigest(), "server_md5": hashlib.md5(v).hexdigest(),
        "close": "fin", "midstream": False, "gaps": [], "anomalies": []}
got = {k: s[k] for k in want}
assert got == want, (got, want)
assert s["server"] == {"ip": "127.0.0.1", "port": 5002}, s["server"]
EOF
ok "jsonl: SIGTERM: exit 0, one line with the exact counts and md5s; -o - the same"

# ---- ls -i ---------------------------------------------------------------
"$TS_BIN" ls -i lo --close-linger 1 >"$tmp/ls.out" 2>"$tmp/ls.err" &
ls_pid=$!
pids="$pids $ls_pid"
sockets 1 || fail "ls: the capture did not start"
python3 "$tmp/traffic.py" 5003 "$expected" || fail "traffic to port 5003"
if wait_for 'grep -q " 127.0.0.1:5003 " "$tmp/ls.out"'; then
    kill -0 "$ls_pid" 2>/dev/null && ok "ls -i: the row is printed while the capture runs" ||
        fail "ls -i: the capture ended by itself"
else
    fail "ls -i: no row before the stop: $(cat "$tmp/ls.out")"
fi
kill -INT "$ls_pid"
wait "$ls_pid"
rc=$?
[ "$rc" = 0 ] || fail "ls -i: exit status $rc after SIGINT, expected 0"
[ "$(head -1 "$tmp/ls.out" | awk '{print $1, $2, $3}')" = "stream client server" ] ||
    fail "ls -i: header: $(head -1 "$tmp/ls.out")"
[ "$(wc -l <"$tmp/ls.out")" = 2 ] || fail "ls -i: $(wc -l <"$tmp/ls.out") lines, expected 2"
row=$(sed -n 2p "$tmp/ls.out" | awk '{print $1, $3, $6, $7, $8, $9}')
[ "$row" = "0 127.0.0.1:5003 $(sed -n 2p "$tmp/ls.out" | awk '{print $6}') 100000 50000 0" ] ||
    fail "ls -i: row: $(sed -n 2p "$tmp/ls.out")"
check_counts "$tmp/ls.err"
ok "ls -i: SIGINT: exit 0, header and one row, counts"

# ---- errors -----------------------------------------------------------------
ts extract -i nosuch0 -o "$tmp/none" 2>"$tmp/err" && fail "extract -i nosuch0 succeeded"
[ "$(cat "$tmp/err")" = "tcpsession: nosuch0: cannot capture: no such interface" ] ||
    fail "bad interface: $(cat "$tmp/err")"
[ ! -e "$tmp/none" ] || fail "bad interface: an output folder was created"
ts ls -i nosuch0 2>"$tmp/err" && fail "ls -i nosuch0 succeeded"
[ "$(cat "$tmp/err")" = "tcpsession: nosuch0: cannot capture: no such interface" ] ||
    fail "ls, bad interface: $(cat "$tmp/err")"
ts extract -i lo x.pcap 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] || fail "-i with a capture: exit status $rc, expected 2"
[ "$(head -1 "$tmp/err")" = "tcpsession: -i IFACE and captures cannot be given together" ] ||
    fail "-i with a capture: $(cat "$tmp/err")"
ok "missing interface and -i with a capture: exact errors"

finish
