#!/bin/sh
# installed_program.sh — the library as a user gets it: `make install` into a
# staging folder (DESTDIR), then tests/installed/extract_sessions.c compiled
# with nothing but `pkg-config --cflags --libs libtcpsession` pointed at the
# staged .pc (no -I into the source tree), run with LD_LIBRARY_PATH on
# data/sample.pcap (under $TS_WRAP, valgrind in make check-valgrind). Its
# lines (stream, endpoints, bytes and md5 each way) must be exactly what
# `tcpsession extract` writes in sessions.jsonl for the same capture.
#
# In a sanitizer build (configure --enable-asan) the library needs the
# sanitizer runtime: the program is compiled and linked with the same
# -fsanitize flags (TS_SANITIZE_FLAGS, from the Makefile), which is what a
# user of such a library would do. Skipped (77) when shared libraries are
# disabled, or pkg-config or a C compiler is missing.
set -eu

: "${TS_BIN:?}" "${TS_SRCDIR:?}" "${TS_TESTDATA:?}"
builddir=$(dirname "$TS_BIN")
# (the first setting in libtool is the configured one; later ones are tags)
if [ "$(sed -n '/^build_libtool_libs=/{p;q;}' "$builddir/libtool")" = build_libtool_libs=no ]; then
    echo "SKIP: shared libraries disabled"
    exit 77
fi
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: no pkg-config"; exit 77; }
CC=${TS_CC:-cc}
command -v "${CC%% *}" >/dev/null 2>&1 || { echo "SKIP: no C compiler $CC"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage="$tmp/stage"
# a make of its own (not the jobserver of the make running the tests)
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -s -C "$builddir" install DESTDIR="$stage") \
    >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; echo "FAIL: make install"; exit 1; }

pc=$(find "$stage" -name libtcpsession.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no libtcpsession.pc installed"; exit 1; }
# the .pc names the configured folders: a copy of it names the staged ones
# (absolute prefix, exec_prefix, libdir, includedir get the staging folder in
# front; those written with ${prefix} follow)
pcdir="$tmp/pc"
mkdir "$pcdir"
sed -E "s#^(prefix|exec_prefix|libdir|includedir)=/#\1=$stage/#" "$pc" >"$pcdir/libtcpsession.pc"
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs libtcpsession)
libdir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir libtcpsession)
includedir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=includedir libtcpsession)
case "$flags" in
*"$TS_SRCDIR"*|*"$builddir"*) echo "FAIL: pkg-config flags reach into the tree: $flags"; exit 1 ;;
esac
[ "$(PKG_CONFIG_PATH="$pcdir" pkg-config --modversion libtcpsession)" = \
  "$("$TS_BIN" --version | sed -n '1s/^tcpsession //p')" ] || { echo "FAIL: .pc version"; exit 1; }
[ -f "$includedir/tcpsession.h" ] && [ -f "$includedir/tcpsession_version.h" ] ||
    { echo "FAIL: tcpsession_version.h not installed beside tcpsession.h"; exit 1; }

# shellcheck disable=SC2086 # word splitting of the flags is meant
$CC ${TS_SANITIZE_FLAGS:-} -o "$tmp/extract_sessions" "$TS_SRCDIR/tests/installed/extract_sessions.c" \
    $flags || { echo "FAIL: compiling against the installed library"; exit 1; }

capture="$TS_TESTDATA/sample.pcap"
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" $TS_WRAP "$tmp/extract_sessions" \
    "$capture" >"$tmp/got"
# it really ran the staged library
LD_LIBRARY_PATH="$libdir" ldd "$tmp/extract_sessions" 2>/dev/null | grep -q "$libdir/libtcpsession.so" ||
    { echo "FAIL: the program does not load $libdir/libtcpsession.so"; exit 1; }

version=$("$TS_BIN" --version | sed -n '1s/^tcpsession //p')
"$TS_BIN" extract -q -o "$tmp/out" "$capture"
python3 - "$tmp/out/sample/sessions.jsonl" >"$tmp/want" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    s = json.loads(line)
    print(s["stream"], "%s:%d" % (s["client"]["ip"], s["client"]["port"]),
          "%s:%d" % (s["server"]["ip"], s["server"]["port"]),
          s["client_bytes"], s["server_bytes"], s["client_md5"], s["server_md5"])
PY
sessions=$(wc -l <"$tmp/want")
# frames as extract's summary line (on stderr) counts them
frames=$("$TS_BIN" extract -f none -o "$tmp/none" "$capture" 2>&1 >/dev/null |
    sed -n 's/.* sessions, \([0-9]*\) frames.*/\1/p')
echo "frames $frames sessions $sessions version $version" >>"$tmp/want"

if ! diff "$tmp/want" "$tmp/got"; then
    echo "FAIL: the installed program's sessions differ from tcpsession extract's"
    exit 1
fi
echo "ok: $sessions sessions from a program built with pkg-config against the staged install"
