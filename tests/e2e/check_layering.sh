#!/bin/sh
# check_layering.sh — the layering rule on every #include "..." line of
# engine/, verify/ and harness/ (tests/checkers/check_layering.py; the rule
# table is at its top, the temporary exceptions in
# tests/expected/layering-exceptions.txt).
#
# 1. The checker itself, on a fake tree in a temporary folder: each kind of
#    violation (a folder the rule forbids, a bare header of another folder,
#    "../", a missing header, a cycle between folders, a signed 32-bit
#    difference written outside the library instead of ts_seq_diff) gives its exact
#    message and exit status 1; exceptions silence them; a stale exception
#    fails; a clean tree passes.
# 2. The source tree, with the exceptions file: must pass.
#
# Environment (set by `make check`): TS_SRCDIR.
# Exit status: 0 all passed, 1 a check failed, 77 without python3.
set -u
. "$(dirname "$0")/../lib.sh"
need_python
make_tmp

# ---- 1. the checker on a fake tree ---------------------------------------
# put PATH LINE...: writes the lines to $tmp/tree/PATH.
put() {
    mkdir -p "$(dirname "$tmp/tree/$1")"
    f=$1
    shift
    : >"$tmp/tree/$f"
    for line in "$@"; do
        printf '%s\n' "$line" >>"$tmp/tree/$f"
    done
}
put engine/include/tcpsession.h "/* public */"
put engine/lib/l.h "/* library */"
put engine/util/u.h '#include "tcpsession.h"'
put engine/formats/f.h "/* formats */"
put engine/formats/f.c '#include "f.h"' '#include "lib/l.h"' '#include "u.h"' \
    '#include "../util/u.h"' '#include "nothere.h"' '#include <stdio.h>'
put engine/util/u.c '#include "u.h"' '#include "formats/f.h"'
put harness/h.h '#include "tcpsession.h"'
put harness/x.c '#include "util/u.h"'
put harness/bench/b.c '#include "h.h"'

# layering NAME WANT-STATUS [EXCEPTIONS]: runs the checker on the fake tree;
# its output must equal $tmp/NAME.want.
layering() {
    (cd "$tmp/tree" && checker check_layering.py ${3:+--exceptions "$3"}) >"$tmp/$1.got" 2>&1
    rc=$?
    if [ "$rc" -ne "$2" ]; then
        fail "checker, $1: exit status $rc, expected $2: $(cat "$tmp/$1.got")"
    elif ! diff -u "$tmp/$1.want" "$tmp/$1.got" >"$tmp/$1.diff"; then
        fail "checker, $1: unexpected output:"
        cat "$tmp/$1.diff"
    else
        ok "checker, $1: exit status $2 and the exact messages"
    fi
}

cat >"$tmp/violations.want" <<'EOF'
engine/formats/f.c:2: "lib/l.h" is engine/lib/l.h: engine/formats may include only engine/formats, engine/util, engine/include
engine/formats/f.c:3: "u.h" is not in engine/formats: write "util/u.h"
engine/formats/f.c:4: "../util/u.h": no "../" in includes
engine/formats/f.c:5: "nothere.h" not found
engine/util/u.c:2: "formats/f.h" is engine/formats/f.h: engine/util may include only engine/util, engine/include
harness/x.c:1: "util/u.h" is engine/util/u.h: harness may include only harness, engine/include
cycle between folders: engine/formats -> engine/util -> engine/formats
EOF
layering violations 1

cat >"$tmp/tree/exceptions.txt" <<'EOF'
# every violation of the fake tree
engine/formats/f.c "lib/l.h"
engine/formats/f.c "u.h"
engine/formats/f.c "../util/u.h"
engine/formats/f.c "nothere.h"
engine/util/u.c "formats/f.h"
harness/x.c "util/u.h"
EOF
echo 'ok - 11 includes in 9 files follow the layering (6 temporary exceptions)' >"$tmp/excepted.want"
layering excepted 0 exceptions.txt

echo 'engine/lib/l.h "gone.h"' >>"$tmp/tree/exceptions.txt"
echo 'exceptions.txt:8: engine/lib/l.h "gone.h" matches no include: remove the line' >"$tmp/stale.want"
layering stale 1 exceptions.txt

# one violation alone: the message and no cycle
put engine/formats/f.c '#include "f.h"' '#include "util/u.h"'
put engine/util/u.c '#include "u.h"'
put harness/x.c '#include "tcpsession.h"'
put engine/lib/l.c '#include "l.h"' '/* */' '#include "util/u.h"'
cat >"$tmp/one.want" <<'EOF'
engine/lib/l.c:3: "util/u.h" is engine/util/u.h: engine/lib may include only engine/lib, engine/include
EOF
layering one 1
rm "$tmp/tree/engine/lib/l.c"

# sequence arithmetic written inline: reported outside the library only
put engine/formats/s.c 'static int d(unsigned a, unsigned b) { return (int32_t)(a - b) > 0; }'
put engine/lib/s.c 'static int d(unsigned a, unsigned b) { return (int32_t)(a - b); }'
cat >"$tmp/seq.want" <<'EOF'
engine/formats/s.c:1: sequence arithmetic written inline: use ts_seq_diff()
EOF
layering seq 1
rm "$tmp/tree/engine/formats/s.c" "$tmp/tree/engine/lib/s.c"
echo 'ok - 7 includes in 9 files follow the layering (0 temporary exceptions)' >"$tmp/clean.want"
layering clean 0

# ---- 2. the source tree ------------------------------------------------------
if (cd "$TS_SRCDIR" && checker check_layering.py --exceptions tests/expected/layering-exceptions.txt) \
    >"$tmp/tree.got" 2>&1; then
    ok "source tree: $(cat "$tmp/tree.got")"
else
    fail "the source tree breaks the layering rule:"
    cat "$tmp/tree.got"
fi
finish
