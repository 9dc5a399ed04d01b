#!/bin/sh
# spool.sh — `tcpsession extract --max-memory`: with a budget so small
# that every session's bytes go to the payload spool (1K), the output is
# byte for byte the one of the default budget and of no budget at all (0),
# for the jsonl, raw and json formats and the first and last overlap
# policies, on the recorded ground-truth captures and the case captures.
# The spool really is used: with TMPDIR pointing to a missing folder, the
# 1K run warns that the spool could not be created, and still writes the
# same output (the bytes stay in memory); with a usable TMPDIR it does not
# warn.
#
# Environment (set by `make check`): TS_BIN, TS_SRCDIR, TS_WRAP, TS_TESTDATA.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.
set -u
. "$(dirname "$0")/../lib.sh"
need_bin
data=$TS_TESTDATA
set -- "$data"/ground-truth/*.pcap* "$data"/cases/*.pcap* "$data"/sample.pcap
[ -f "$1" ] || skip "no captures in $data"
make_tmp
out=$tmp

# same A B WHAT: outputs and exit statuses of runs A and B are identical, and
# neither status is above 1 (2 usage error, 99 valgrind error).
same() {
    if [ "$(cat "$out/$1.rc")" -gt 1 ] || [ "$(cat "$out/$2.rc")" -gt 1 ]; then
        fail "$3: exit status $(cat "$out/$1.rc") and $(cat "$out/$2.rc")"
        cat "$out/$1.err" "$out/$2.err"
    elif ! cmp -s "$out/$1.rc" "$out/$2.rc"; then
        fail "$3: exit status $(cat "$out/$1.rc") vs $(cat "$out/$2.rc")"
    elif ! diff -r "$out/$1" "$out/$2" >"$out/diff.log" 2>&1; then
        fail "$3: outputs differ"
        head -20 "$out/diff.log"
    else
        ok "$3"
    fi
}

mkdir "$out/tmp"
for format in jsonl raw json; do
    for overlap in first last; do
        [ "$format" != jsonl ] && [ "$overlap" = last ] && continue
        run="$format-$overlap"
        for budget in default 0 1K; do
            if [ "$budget" = default ]; then
                extra=""
            else
                extra="--max-memory $budget"
            fi
            # shellcheck disable=SC2086 # $extra is two words or none
            TMPDIR="$out/tmp" $TS_WRAP "$TS_BIN" extract -q -o "$out/$run-$budget" -f "$format" \
                --overlap "$overlap" $extra "$@" >/dev/null 2>"$out/$run-$budget.err"
            echo $? >"$out/$run-$budget.rc"
        done
        same "$run-default" "$run-1K" "$run: --max-memory 1K = default"
        same "$run-default" "$run-0" "$run: --max-memory 0 = default"
        if grep -q 'payload spool' "$out/$run-1K.err"; then
            fail "$run: --max-memory 1K warned about the spool:"
            cat "$out/$run-1K.err"
        fi
    done
done

# An unusable spool folder: one warning per capture at most, same output.
# Not under $TS_WRAP: valgrind needs a usable TMPDIR itself (tests/unit/test_spool
# covers this case under valgrind).
TMPDIR="$out/missing" "$TS_BIN" extract -q -o "$out/nospool" --max-memory 1K "$@" \
    >/dev/null 2>"$out/nospool.err"
echo $? >"$out/nospool.rc"
same "jsonl-first-default" "nospool" "jsonl: unusable spool folder = default"
warnings=$(grep -c "payload spool in $out/missing: cannot create the spool file" "$out/nospool.err")
if [ "$warnings" -eq 0 ] || [ "$warnings" -gt "$#" ]; then
    fail "unusable spool folder: $warnings warnings for $# captures:"
    cat "$out/nospool.err"
else
    ok "unusable spool folder: $warnings warnings for $# captures"
fi

# The option is checked.
if "$TS_BIN" extract -q -o "$out/bad" --max-memory 12X "$1" 2>"$out/bad.err"; then
    fail "--max-memory 12X accepted"
elif ! grep -q "invalid byte count '12X' for --max-memory" "$out/bad.err"; then
    fail "--max-memory 12X: unexpected message:"
    cat "$out/bad.err"
else
    ok "--max-memory 12X refused"
fi
finish
