#!/bin/sh
# cases.sh — the case captures of data/cases through the tcpsession command,
# driven by the table tests/expected/cases.tsv (one row per case: NAME,
# CAPTURE, EXPECTED, OPTIONS; see its header).
#
# 1. Re-crafts every case capture with `$TS_CRAFT --cases` into a temporary
#    folder: the set of files and their bytes must equal data/cases (for the
#    gzip-compressed capture, its uncompressed bytes: deflate output may
#    differ between zlib builds).
# 2. The table covers data/cases: every capture has a row, every expected
#    file is some row's.
# 3. Runs `tcpsession extract --format jsonl OPTIONS` for every row (rows
#    with the same OPTIONS in one command): each sessions.jsonl must equal
#    the row's expected file exactly.
# 4. tests/checkers/check_cases.py asserts the key facts of each case on its
#    own, so that a regenerated expected file cannot silently bless a wrong
#    answer.
#
# Environment (set by `make check`): TS_BIN, TS_CRAFT, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
need_craft
cases="$TS_SRCDIR/data/cases"
table="$EXPECTED/cases.tsv"
if [ ! -d "$cases" ] || [ ! -f "$table" ] || [ ! -f "$CHECKERS/check_cases.py" ]; then
    skip "$cases, $table or $CHECKERS/check_cases.py missing"
fi
need_tool python3 cmp diff
make_tmp

# names CAPTURE-DIR: the captures of a folder, one line each, sorted.
names() {
    for f in "$1"/*.pcap "$1"/*.pcapng "$1"/*.pcap.gz; do
        [ -f "$f" ] && basename "$f"
    done | LC_ALL=C sort
}
# same_capture A B: same bytes (uncompressed, for .gz).
same_capture() {
    case "$1" in
    *.gz)
        python3 -c 'import gzip, sys
sys.exit(gzip.open(sys.argv[1]).read() != gzip.open(sys.argv[2]).read())' "$1" "$2"
        ;;
    *) cmp -s "$1" "$2" ;;
    esac
}
# stem CAPTURE: the output folder name extract gives the capture.
stem() {
    echo "$1" | sed -e 's/\.gz$//' -e 's/\.[^.]*$//'
}

captures=$(names "$cases")
if [ -z "$captures" ]; then
    echo "FAIL - no captures in $cases"
    exit 1
fi

# ---- 1. crafting is deterministic ------------------------------------------
if ! ${TS_WRAP:-} "$TS_CRAFT" --cases "$tmp/craft" >"$tmp/craft.log" 2>&1; then
    fail "tcpsession-craft --cases: $(head -c 400 "$tmp/craft.log")"
else
    crafted=$(names "$tmp/craft")
    if [ "$crafted" != "$captures" ]; then
        fail "tcpsession-craft --cases writes {" $crafted "}, data/cases holds {" $captures "}"
    fi
    same=0
    for f in $crafted; do
        [ -f "$cases/$f" ] || continue
        if same_capture "$tmp/craft/$f" "$cases/$f"; then
            same=$((same + 1))
        else
            fail "re-crafted $f differs from data/cases/$f"
        fi
    done
    ok "$same re-crafted captures identical to data/cases"
fi

# ---- 2. the table: rows, and what it covers ---------------------------------
# $tmp/rows: NAME CAPTURE EXPECTED GROUP, one line per row; GROUP numbers the
# distinct OPTIONS (in $tmp/group.N) in order of first use.
: >"$tmp/rows"
ngroups=0
while read -r name capture expected options; do
    case "$name" in '' | '#'*) continue ;; esac
    if [ -z "$expected" ]; then
        fail "$table: row '$name' has no CAPTURE or EXPECTED column"
        continue
    fi
    group=
    i=1
    while [ "$i" -le "$ngroups" ]; do
        [ "$(cat "$tmp/group.$i")" = "$options" ] && group=$i
        i=$((i + 1))
    done
    if [ -z "$group" ]; then
        ngroups=$((ngroups + 1))
        group=$ngroups
        printf '%s' "$options" >"$tmp/group.$group"
    fi
    echo "$name $capture $expected $group" >>"$tmp/rows"
done <"$table"
[ -s "$tmp/rows" ] || fail "$table has no rows"
for f in $captures; do
    awk -v c="$f" '$2 == c { found = 1 } END { exit !found }' "$tmp/rows" ||
        fail "data/cases/$f has no row in $table"
done
for f in "$cases"/*.expected.jsonl; do
    f=$(basename "$f")
    awk -v e="$f" '$3 == e { found = 1 } END { exit !found }' "$tmp/rows" ||
        fail "data/cases/$f is the expected file of no row of $table"
done
dups=$(awk '{ print $1 }' "$tmp/rows" | sort | uniq -d)
[ -z "$dups" ] || fail "$table: names used twice: $dups"

# ---- 3. the command's output equals the expected files ----------------------
# Each group runs once in data/cases (captures named relative to it), output
# under $tmp/run.GROUP; each row's output is then copied to $tmp/cases/NAME.
i=1
while [ "$i" -le "$ngroups" ]; do
    list=$(awk -v g="$i" '$4 == g { print $2 }' "$tmp/rows")
    options=$(cat "$tmp/group.$i")
    dupstems=$(for c in $list; do stem "$c"; done | sort | uniq -d)
    if [ -n "$dupstems" ]; then
        fail "$table: captures with the same stem and options '$options': $dupstems"
    fi
    # shellcheck disable=SC2086 # OPTIONS are words; capture names have no spaces
    if ! (cd "$cases" && ${TS_WRAP:-} "$TS_BIN" extract --quiet --format jsonl \
        -o "$tmp/run.$i" $options $list) >"$tmp/run.$i.log" 2>&1; then
        fail "tcpsession extract $options $list: $(head -c 400 "$tmp/run.$i.log")"
    fi
    i=$((i + 1))
done
while read -r name capture expected group; do
    s=$(stem "$capture")
    got="$tmp/run.$group/$s/sessions.jsonl"
    want="$cases/$expected"
    opts=$(cat "$tmp/group.$group")
    what="$name ($capture${opts:+ $opts})"
    if [ ! -f "$want" ]; then
        fail "$name: $expected missing"
    elif [ ! -f "$got" ]; then
        fail "no output for $what"
    elif diff -u "$want" "$got" >"$tmp/diff"; then
        ok "$what equals $expected"
    else
        fail "$what differs from $expected:"
        head -c 3000 "$tmp/diff"
    fi
    if [ -f "$got" ]; then
        mkdir -p "$tmp/cases/$name" && cp "$got" "$tmp/cases/$name/sessions.jsonl"
    fi
done <"$tmp/rows"

# ---- 4. key facts, stated independently -------------------------------------
checker check_cases.py "$tmp/cases" || status=1
finish
