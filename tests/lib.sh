# tests/lib.sh — sourced by every end-to-end script (tests/e2e/*.sh):
#   . "$(dirname "$0")/../lib.sh"
# Prerequisites and skips (exit status 77, as automake expects), one
# temporary folder removed at exit, ok/fail reporting and the final status,
# and the paths of the checkers and expected results.
#
# Environment (set by `make check`, defaults for a run by hand from the
# source tree): TS_BIN (the tcpsession binary), TS_CRAFT (tcpsession-craft),
# TS_SRCDIR (the source tree), TS_WRAP (a command prefix such as valgrind, or
# empty), TS_SHARED (the read-only ../shared folder), TS_TESTDATA (data/).

TS_SRCDIR=${TS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TS_WRAP=${TS_WRAP:-}
TS_SHARED=${TS_SHARED:-../shared}
TS_TESTDATA=${TS_TESTDATA:-$TS_SRCDIR/data}
TS_BIN=${TS_BIN:-}
TS_CRAFT=${TS_CRAFT:-}
# the python checkers and the pinned expected results
CHECKERS=$TS_SRCDIR/tests/checkers
EXPECTED=$TS_SRCDIR/tests/expected
# the test's outcome: fail() sets it, finish() exits with it
status=0
failures=0
tmp=

# skip REASON...: the test cannot run here (exit status 77).
skip() {
    echo "SKIP: $*"
    exit 77
}

# ok WHAT...: reports a passed check.
ok() {
    echo "ok - $*"
}

# fail WHAT...: reports a failed check; the test goes on and fails at finish.
fail() {
    echo "FAIL - $*"
    failures=$((failures + 1))
    status=1
}

# finish: exits 0 when every check passed, 1 otherwise.
finish() {
    if [ "$status" -ne 0 ]; then
        [ "$failures" -gt 0 ] && echo "$failures check(s) failed"
        exit 1
    fi
    exit 0
}

# have_tool NAME: true when NAME is on the PATH.
have_tool() {
    command -v "$1" >/dev/null 2>&1
}

# need_tool NAME...: skips unless every NAME is on the PATH.
need_tool() {
    for _tool in "$@"; do
        have_tool "$_tool" || skip "$_tool not installed"
    done
}

# need_python: skips without python3 (the checkers' interpreter).
need_python() {
    need_tool python3
}

# need_bin: skips unless TS_BIN is an executable tcpsession binary.
need_bin() {
    [ -n "$TS_BIN" ] && [ -x "$TS_BIN" ] || skip "TS_BIN is not an executable tcpsession binary"
}

# need_craft: skips unless TS_CRAFT is an executable tcpsession-craft.
need_craft() {
    [ -n "$TS_CRAFT" ] && [ -x "$TS_CRAFT" ] || skip "TS_CRAFT is not an executable"
}

# have_shared [SUBDIR]: true when $TS_SHARED[/SUBDIR] is a folder.
have_shared() {
    [ -d "$TS_SHARED${1:+/$1}" ]
}

# need_shared [SUBDIR]: skips unless $TS_SHARED[/SUBDIR] is a folder.
need_shared() {
    have_shared "${1:-}" || skip "$TS_SHARED${1:+/$1} not found"
}

# at_exit COMMAND: runs COMMAND (evaluated then) when the test ends, before
# the temporary folder is removed.
_ts_at_exit=
at_exit() {
    _ts_at_exit="$_ts_at_exit
$1"
}
_ts_cleanup() {
    eval "$_ts_at_exit"
    [ -n "$tmp" ] && rm -rf "$tmp"
}
trap _ts_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# make_tmp: creates the test's temporary folder, $tmp, removed at exit.
make_tmp() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/ts-$(basename "$0" .sh).XXXXXX") || exit 1
}

# ts ARGS...: runs the tcpsession binary under $TS_WRAP.
ts() {
    # shellcheck disable=SC2086 # TS_WRAP is a command prefix with arguments
    $TS_WRAP "$TS_BIN" "$@"
}

# checker NAME ARGS...: runs the python checker tests/checkers/NAME.
checker() {
    _name=$1
    shift
    python3 "$CHECKERS/$_name" "$@"
}

# py_package ARGS...: runs Debian's python3 (configure's) with the package
# `make` staged on PYTHONPATH (and, in an ASan build, the sanitizer's runtime
# preloaded, leak checks off); skips when the package was not built.
py_package() {
    _build=$(dirname "$TS_BIN")
    _stage=$_build/engine/python/stage
    [ -f "$_stage/tcpsession/_native.so" ] || skip "the Python package was not built"
    _python=$(sed -n 's/^PYTHON = //p' "$_build/Makefile" 2>/dev/null)
    [ -n "$_python" ] || _python=/usr/bin/python3
    _preload=
    if nm -D "$_stage/tcpsession/_native.so" 2>/dev/null | grep -q __asan_init; then
        _preload=$(${CC:-gcc} -print-file-name=libasan.so)
    fi
    if [ -n "$_preload" ]; then
        LD_PRELOAD=$_preload ASAN_OPTIONS=detect_leaks=0 PYTHONPATH="$_stage" \
            PYTHONDONTWRITEBYTECODE=1 "$_python" "$@"
    else
        PYTHONPATH="$_stage" PYTHONDONTWRITEBYTECODE=1 "$_python" "$@"
    fi
}
