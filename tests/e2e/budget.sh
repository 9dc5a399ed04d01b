#!/bin/sh
# budget.sh — the session memory budget (--max-session-memory) on a SYN
# flood of 50k flows (tests/e2e/budget_flood.py): ls and extract --format
# jsonl finish the oldest idle sessions early, say how many in the warning
# and the summary, mark them "evicted" in the output, and stay within a peak
# RSS computed from the budget; a budget large enough changes nothing.
# The full-size numbers are in README, "Memory budgets".
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_python
make_tmp
flood=$tmp/flood.pcap
# under valgrind or sanitizers (TS_WRAP): a tenth of the flood, a smaller budget
n=50000 budget=4M budget_text="4 MiB"
if [ -n "$TS_WRAP" ]; then n=5000 budget=512K budget_text="512 KiB"; fi
python3 "$TS_SRCDIR/tests/e2e/budget_flood.py" syn "$n" "$flood" || fail "budget_flood.py failed"
python3 "$TS_SRCDIR/tests/e2e/budget_flood.py" syn 10 "$tmp/small.pcap"

# peak RSS in KiB of a run of ts ARGS (stdout/stderr to $tmp/out, $tmp/err)
peak_kib() {
    /usr/bin/time -f '%M' -o "$tmp/rss" "$TS_BIN" "$@" >"$tmp/out" 2>"$tmp/err"
    tail -1 "$tmp/rss"
}

# ---- extract --format jsonl with a 4 MiB budget (512 KiB) -----------------------------------
ts extract --format jsonl --max-session-memory "$budget" -o "$tmp/o4" "$flood" >"$tmp/out" 2>"$tmp/err" ||
    fail "extract with a 4M budget failed: $(head -c 300 "$tmp/err")"
lines=$(wc -l <"$tmp/o4/flood/sessions.jsonl")
evicted=$(grep -c '"close":"evicted"' "$tmp/o4/flood/sessions.jsonl")
[ "$lines" -eq "$n" ] && ok "jsonl: $n sessions" || fail "jsonl: $lines sessions"
# the budget holds a few thousand SYN-only sessions (a few hundred under
# TS_WRAP): the rest, at least 80%, were evicted
if [ "$evicted" -gt $((n * 8 / 10)) ] && [ "$evicted" -lt "$n" ]; then
    ok "jsonl: $evicted sessions evicted"
else
    fail "jsonl: $evicted sessions evicted"
fi
warning="warning: $evicted sessions finished early: session memory budget $budget_text reached (--max-session-memory)"
grep -qxF "$warning" "$tmp/err" && ok "warning: $warning" ||
    fail "no warning '$warning' in: $(head -c 500 "$tmp/err")"
grep -qF "flood.pcap: $n sessions ($evicted evicted by --max-session-memory), $n frames" "$tmp/err" &&
    ok "summary counts the evictions" || fail "summary: $(tail -1 "$tmp/err")"
# the sessions still open at the end are the newest: the last stream is not evicted
tail -1 "$tmp/o4/flood/sessions.jsonl" | grep -q "\"stream\":$((n - 1)),.*\"close\":\"end_of_capture\"" &&
    ok "the newest session ends with the capture" || fail "last line: $(tail -1 "$tmp/o4/flood/sessions.jsonl" | head -c 300)"

# ---- ls: the close column says evicted ------------------------------------------
ts ls --max-session-memory "$budget" "$flood" >"$tmp/ls" 2>"$tmp/err" || fail "ls failed: $(head -c 300 "$tmp/err")"
n=$(grep -c ' evicted ' "$tmp/ls")
[ "$n" -eq "$evicted" ] && ok "ls: $n evicted rows" || fail "ls: $n evicted rows, jsonl $evicted"
grep -qxF "$warning" "$tmp/err" && ok "ls: the same warning" || fail "ls: $(head -c 300 "$tmp/err")"

# ---- a budget large enough: no eviction, the same lines as no limit ---------------
ts extract --format jsonl --max-session-memory 0 -o "$tmp/o0" "$flood" >/dev/null 2>&1
ts extract --format jsonl --max-session-memory 1G -o "$tmp/o1" "$flood" >/dev/null 2>"$tmp/err"
if cmp -s "$tmp/o0/flood/sessions.jsonl" "$tmp/o1/flood/sessions.jsonl" && ! grep -q "finished early" "$tmp/err" &&
    [ "$(grep -c '"close":"evicted"' "$tmp/o1/flood/sessions.jsonl")" -eq 0 ]; then
    ok "--max-session-memory 1G: the same output as no limit"
else
    fail "--max-session-memory 1G differs from no limit"
fi

# ---- peak RSS within the budget (plain builds only: sanitizers and valgrind
# change the footprint) --------------------------------------------------------------
if [ -n "$TS_WRAP" ] || [ ! -x /usr/bin/time ] || ldd "$TS_BIN" 2>/dev/null | grep -q libasan; then
    echo "# peak RSS checks skipped (wrapped, sanitized or no /usr/bin/time)"
else
    base=$(peak_kib extract --format jsonl -o "$tmp/b" "$tmp/small.pcap")
    for cmd in "extract --format jsonl -o $tmp/r" "ls"; do
        # shellcheck disable=SC2086 # $cmd is words
        rss=$(peak_kib $cmd --max-session-memory 4M "$flood")
        nolimit=$(peak_kib $cmd --max-session-memory 0 "$flood")
        rm -rf "$tmp/r"
        # the budget and slack; ls also keeps a row per session for its
        # aligned table (about 1 KiB each: 50k rows), which no budget bounds
        bound=$((base + 4096 + 50000))
        [ "$cmd" = ls ] || bound=$((base + 4096 + 8192))
        if [ "$rss" -le "$bound" ] && [ "$nolimit" -gt "$rss" ]; then
            ok "${cmd%% *}: peak RSS $rss KiB <= $bound (no limit: $nolimit KiB)"
        else
            fail "${cmd%% *}: peak RSS $rss KiB, bound $bound (no limit: $nolimit KiB)"
        fi
    done
fi
finish
