#!/bin/sh
# python.sh — the Python package's tests (engine/python/tests, pytest) on the
# package `make` staged in engine/python/stage, with Debian's python3 (the
# one configure found). Under an ASan build the module needs the sanitizer's
# runtime first in the process: it is preloaded, leak checking off (the
# interpreter keeps its objects until exit). Under valgrind (TS_WRAP set) the
# interpreter runs under valgrind too, on the tests of the sample capture
# only (each test then takes seconds).
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP, TS_SHARED.
# Exit status: 0 passed, 1 a test failed, 77 pytest or the package missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
builddir=$(dirname "$TS_BIN")
stage=$builddir/engine/python/stage
python=$(sed -n 's/^PYTHON = //p' "$builddir/Makefile")
[ -n "$python" ] || python=/usr/bin/python3
[ -f "$stage/tcpsession/_native.so" ] || skip "the Python package was not built (python3-dev missing?)"
"$python" -c "import pytest" 2>/dev/null || skip "pytest missing for $python (python3-pytest)"
export PYTHONPATH="$stage:$TS_SRCDIR/engine/python/tests" TS_CRAFT PYTHONDONTWRITEBYTECODE=1
export TS_SRCDIR TS_BIN TS_SHARED
set -- -q -p no:cacheprovider "$TS_SRCDIR/engine/python/tests"
if nm -D "$stage/tcpsession/_native.so" 2>/dev/null | grep -q __asan_init; then
    LD_PRELOAD=$(${CC:-gcc} -print-file-name=libasan.so)
    export LD_PRELOAD ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
fi
if [ -n "${TS_WRAP:-}" ]; then
    PYTHONMALLOC=malloc exec valgrind -q --error-exitcode=99 --leak-check=no \
        --suppressions="$TS_SRCDIR/tests/valgrind.supp" "$python" -m pytest "$@" \
        -k "sample or timestamps or options or errors or not_a_capture"
fi
exec "$python" -m pytest "$@"
