#!/bin/sh
# e2e_cases.sh — the case captures of data/cases through the tcpsession command.
#
# 1. Re-crafts every case capture with `$TS_CRAFT --cases` into a temporary
#    folder: the set of files and their bytes must equal data/cases (for the
#    gzip-compressed capture, its uncompressed bytes: deflate output may
#    differ between zlib builds).
# 2. Runs `tcpsession extract --format jsonl` on every capture, then on
#    tcp-a with --overlap last and --overlap linux, and on tcp-h with
#    --verify-checksums: each sessions.jsonl must equal the committed
#    data/cases/<stem>[.<variant>].expected.jsonl exactly.
# 3. tests/check_cases.py asserts the key facts of each case on its own, so
#    that a regenerated expected file cannot silently bless a wrong answer.
#
# Environment (set by `make check`): TS_BIN, TS_CRAFT, TS_SRCDIR, TS_WRAP.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u

for var in TS_BIN TS_CRAFT; do
    eval "prog=\${$var:-}"
    if [ -z "$prog" ] || [ ! -x "$prog" ]; then
        echo "SKIP: $var is not an executable"
        exit 77
    fi
done
srcdir="${TS_SRCDIR:-.}"
cases="$srcdir/data/cases"
if [ ! -d "$cases" ] || [ ! -f "$srcdir/tests/check_cases.py" ]; then
    echo "SKIP: $cases or tests/check_cases.py missing"
    exit 77
fi
for tool in python3 cmp diff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not installed"
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/e2e_cases.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
fail() {
    echo "FAIL - $*"
    status=1
}

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

captures=$(names "$cases")
if [ -z "$captures" ]; then
    echo "FAIL - no captures in $cases"
    exit 1
fi

# ---- 1. crafting is deterministic ------------------------------------------
# shellcheck disable=SC2086 # TS_WRAP is a command prefix with arguments
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
    echo "ok - $same re-crafted captures identical to data/cases"
fi

# ---- 2. the command's output equals the expected files ----------------------
# extract DIR OPTION... CAPTURE...: runs the command in data/cases (captures
# named relative to it), output under $tmp/DIR.
extract() {
    dir=$1
    shift
    # shellcheck disable=SC2086
    if ! (cd "$cases" && ${TS_WRAP:-} "$TS_BIN" extract --quiet --format jsonl \
        -o "$tmp/$dir" "$@") >"$tmp/$dir.log" 2>&1; then
        fail "tcpsession extract $*: $(head -c 400 "$tmp/$dir.log")"
    fi
}
# compare DIR STEM EXPECTED: DIR/STEM/sessions.jsonl against data/cases/EXPECTED.
compare() {
    got="$tmp/$1/$2/sessions.jsonl"
    want="$cases/$3"
    if [ ! -f "$want" ]; then
        fail "$3 missing"
    elif [ ! -f "$got" ]; then
        fail "no output for $2 ($1)"
    elif diff -u "$want" "$got" >"$tmp/diff"; then
        echo "ok - $2 ($1) equals $3"
    else
        fail "$2 ($1) differs from $3:"
        head -c 3000 "$tmp/diff"
    fi
}
stem() {
    echo "$1" | sed -e 's/\.gz$//' -e 's/\.[^.]*$//'
}

# shellcheck disable=SC2086 # capture names have no spaces
extract default $captures
for f in $captures; do
    s=$(stem "$f")
    compare default "$s" "$s.expected.jsonl"
done
extract last --overlap last tcp-a-overlap-orders.pcap
compare last tcp-a-overlap-orders tcp-a-overlap-orders.overlap-last.expected.jsonl
extract linux --overlap linux tcp-a-overlap-orders.pcap
compare linux tcp-a-overlap-orders tcp-a-overlap-orders.overlap-linux.expected.jsonl
extract verify --verify-checksums tcp-h-bad-checksums.pcap
compare verify tcp-h-bad-checksums tcp-h-bad-checksums.verify-checksums.expected.jsonl

# ---- 3. key facts, stated independently -------------------------------------
if ! python3 "$srcdir/tests/check_cases.py" "$tmp"; then
    status=1
fi
exit $status
