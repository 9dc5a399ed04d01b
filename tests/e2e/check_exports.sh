#!/bin/sh
# check_exports.sh — the shared library exports exactly the functions its
# installed headers declare: every dynamic symbol of libtcpsession.so is a
# function of engine/include/*.h, and every such function is exported.
#
# The headers are read by a small parser (tests/e2e/header_functions.py):
# function names at file scope, comments and preprocessor lines dropped. A
# `static inline` function of the header (ts_seq_diff) needs no symbol,
# except the wrappers that replaced 0.1.0's functions (ts_options_init,
# ts_engine_new): engine/lib/compat.c defines those for binaries built
# against 0.1.0, and every function of compat.c must be exported.
#
# Skipped (77) when the library is built static only (--disable-shared) or
# nm is missing.
set -eu

: "${TS_BIN:?}" "${TS_SRCDIR:?}"
builddir=$(dirname "$TS_BIN")
so="$builddir/engine/lib/.libs/libtcpsession.so"
# (the first setting in libtool is the configured one; later ones are tags)
if [ "$(sed -n '/^build_libtool_libs=/{p;q;}' "$builddir/libtool")" = build_libtool_libs=no ]; then
    echo "SKIP: shared libraries disabled"
    exit 77
fi
command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
[ -f "$so" ] || { echo "FAIL: $so not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$TS_SRCDIR/tests/e2e/header_functions.py" "$TS_SRCDIR"/engine/include/*.h \
    "$builddir"/engine/include/*.h | LC_ALL=C sort -u >"$tmp/declared"
python3 "$TS_SRCDIR/tests/e2e/header_functions.py" --inline "$TS_SRCDIR"/engine/include/*.h \
    "$builddir"/engine/include/*.h | LC_ALL=C sort -u >"$tmp/inline"
{
    LC_ALL=C comm -23 "$tmp/declared" "$tmp/inline"
    python3 "$TS_SRCDIR/tests/e2e/header_functions.py" "$TS_SRCDIR/engine/lib/compat.c"
} | LC_ALL=C sort -u >"$tmp/need_symbol"
grep -qx ts_options_init "$tmp/need_symbol" ||
    { echo "FAIL: engine/lib/compat.c not read (ts_options_init missing)"; exit 1; }
# defined dynamic symbols, without the linker's own (_init, _edata, ...)
nm -D --defined-only "$so" | awk '{print $NF}' |
    grep -Ev '^(_init|_fini|_edata|_end|__bss_start|_DYNAMIC|_GLOBAL_OFFSET_TABLE_)$' |
    sed 's/@.*//' | LC_ALL=C sort -u >"$tmp/exported"

status=0
extra=$(LC_ALL=C comm -13 "$tmp/declared" "$tmp/exported")
missing=$(LC_ALL=C comm -23 "$tmp/need_symbol" "$tmp/exported")
if [ -n "$extra" ]; then
    echo "FAIL: exported but not declared in the installed headers:"
    echo "$extra" | sed 's/^/  /'
    status=1
fi
if [ -n "$missing" ]; then
    echo "FAIL: declared in the installed headers but not exported:"
    echo "$missing" | sed 's/^/  /'
    status=1
fi
[ "$status" -ne 0 ] || echo "ok: $(wc -l <"$tmp/exported") functions exported, all declared"
exit $status
