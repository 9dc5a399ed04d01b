#!/bin/sh
# snapshot.sh — record every output of every tcpsession command over every
# capture, so that a refactoring can be checked to change no behaviour:
#
#   harness/regress/snapshot.sh /tmp/base/tcpsession /tmp/snap-before
#   harness/regress/snapshot.sh ./tcpsession /tmp/snap-after
#   harness/regress/compare.sh /tmp/snap-before /tmp/snap-after
#
# Usage: snapshot.sh BIN OUTDIR [CAPTURE_ROOT...]
#   CAPTURE_ROOTs default to $TS_SRCDIR/data, $TS_SRCDIR/../shared/seed-data
#   and $TS_SRCDIR/../shared/corpus (the shared ones skipped when absent);
#   TS_SRCDIR defaults to the repository holding this script. Captures are
#   found by content (pcap, pcapng and gzip magic). OUTDIR must not exist.
#
# Layout: OUTDIR/ROOTNAME/RELPATH/ per capture (ROOTNAME = basename of the
# root: data, seed-data, corpus), one text file per run with the command,
# exit status, stdout, stderr and, for runs that write files, a manifest of
# the written tree (path, size, sha256, sorted):
#   ls.txt ls-json.txt                          ls, ls --json
#   extract-FORMAT[-js|-overlap-P|-checksums].txt   extract -q -j 1 --format ...
#   follow.txt      one line per `follow CAPTURE N --mode M`, M in ascii hex
#                   raw yaml, N the first 20 streams listed by `ls --json`
#                   ($TS_FOLLOW_MAX, default 20: following all 3,256 streams
#                   takes 4x longer): exit, sha256 of stdout, stderr
#                   (newlines shown as '|')
#   original-*.txt  seed-data only: `-p CAP -n` (tcpflow verification),
#                   `original -p CAP -c -t snap` (JS + archives), `original -p
#                   CAP -w -n` (tshark verification); their log too
# plus OUTDIR/verify/ROOTNAME.txt (`verify --json -j 1 -r ROOTNAME`),
# OUTDIR/original-dir.txt (`original -i seed-data -r -n`) and
# OUTDIR/captures.txt. Commands run one at a time (-j 1), from the folder
# above each root, with relative capture paths, so that paths in messages do
# not depend on where the tree lives. verify and original run without -q
# (it would drop content; their progress line is only shown on a terminal).
#
# Normalised in every recorded stdout/stderr/log text (nothing else):
#   - the snapshot's temporary folder (output folders, $TMPDIR) -> <TMP>
#   - the folder above the capture root (original gets absolute paths) -> <ROOT>
#   - verify's random temporary folder tcpsession-verify-XXXXXX (in tcpflow
#     errors) -> tcpsession-verify-XXXXXX
#   - original's log timestamps "YYYY-MM-DD HH:MM:SS " at line start -> <DATE>
#   - run times "; 1.234s" (original's summary line) -> "; <SECS>"
#   - archives (*.tar, *.tar.gz) hold file mtimes (and original's .tar files
#     are gzip-compressed, so even their size varies): instead of their size
#     and hash, the manifest lists their members (tar -tv without date and
#     time, and without the size of members that are archives) and the
#     manifest of their extracted contents, recursively.
# Takes ~8 min on 2 otherwise idle cores (~7 min of CPU; 15 min when the
# machine is busy); verify of data/cases/tcp-k-reversed-1-byte.pcap.gz alone
# takes ~2.5 min (its tcpflow model runs tshark about 100 times).
set -eu

[ $# -ge 2 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
OUT=$2
shift 2
SRC=${TS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd -P)}
if [ $# -eq 0 ]; then
    set -- "$SRC/data"
    for r in "$SRC/../shared/seed-data" "$SRC/../shared/corpus"; do
        [ -d "$r" ] && set -- "$@" "$r"
    done
fi
[ ! -e "$OUT" ] || { echo "snapshot.sh: $OUT exists" >&2; exit 2; }
mkdir -p "$OUT/verify"
OUT=$(cd "$OUT" && pwd -P)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/tmp" "$W/run"
export TMPDIR="$W/tmp" LC_ALL=C TZ=UTC
START=$(date +%s)
FOLLOW_MAX=${TS_FOLLOW_MAX:-20}
ROOT=/nonexistent

norm() {
    sed -e "s|$W|<TMP>|g" -e "s|$ROOT/|<ROOT>/|g" \
        -e 's/tcpsession-verify-[A-Za-z0-9]\{6\}/tcpsession-verify-XXXXXX/g' \
        -e 's/^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] /<DATE> /' \
        -e 's/; [0-9][0-9]*\.[0-9]*s/; <SECS>/g'
}

# manifest DIR PREFIX: "path size sha256" of every file under DIR, sorted;
# then each archive: its members and, recursively, their manifest.
manifest() {
    (cd "$1" && find . -type f ! -name '*.tar' ! -name '*.tar.gz' -printf '%P\0' | sort -z |
        xargs -0r sh -c 'stat -c "%n %s" "$@" >"$0.n"; sha256sum "$@" | cut -c1-64 >"$0.h"
            paste -d" " "$0.n" "$0.h"; rm -f "$0.n" "$0.h"' "$W/m") | sed "s|^|$2|"
    (cd "$1" && find . -type f \( -name '*.tar' -o -name '*.tar.gz' \) -printf '%P\n' | sort) |
        while IFS= read -r f; do
            echo "$2$f archive:"
            tar -tvf "$1/$f" | awk '{ $4 = $5 = ""; if ($NF ~ /\.tar(\.gz)?$/) $3 = "-"; print "  " $0 }'
            a=$(mktemp -d)
            tar -xf "$1/$f" -C "$a"
            manifest "$a" "$2$f!"
            rm -rf "$a"
        done
}

# record FILE TREE CMD...: run CMD (BIN prepended) in the current folder,
# write FILE; TREE (a folder, or -) is cleared before and listed after.
record() {
    file=$1 tree=$2
    shift 2
    [ "$tree" = - ] || rm -rf "$tree"
    rc=0
    "$BIN" "$@" </dev/null >"$W/stdout" 2>"$W/stderr" || rc=$?
    {
        echo "\$ tcpsession $*" | norm
        echo "exit: $rc"
        echo "--- stdout"
        norm <"$W/stdout"
        echo "--- stderr"
        norm <"$W/stderr"
        if [ "$tree" != - ]; then
            echo "--- tree"
            [ ! -d "$tree" ] || manifest "$tree" ""
        fi
    } >"$file"
}

is_capture() {
    case $(od -An -tx1 -N4 "$1" | tr -d ' \n') in
    a1b2c3d4 | d4c3b2a1 | a1b23c4d | 4d3cb2a1 | 0a0d0d0a | 1f8b*) return 0 ;;
    esac
    return 1
}

# orig FILE ARGS...: record an original command line run in its own folder,
# with the log it writes to ./tcpsessions_from_pcap.log.
orig() {
    file=$1
    shift
    (
        cd "$W/run"
        rm -f tcpsessions_from_pcap.log
        record "$file" "$W/o" "$@"
        echo "--- log" >>"$file"
        [ ! -f tcpsessions_from_pcap.log ] || norm <tcpsessions_from_pcap.log >>"$file"
    )
}

o=$W/o
for root in "$@"; do
    ROOT=$(cd "$root/.." && pwd -P)
    name=$(basename "$root")
    cd "$ROOT"
    find "$name" -type f | sort | while IFS= read -r cap; do
        is_capture "$cap" || continue
        echo "$cap" >>"$OUT/captures.txt"
        d=$OUT/$cap
        mkdir -p "$d"
        record "$d/ls.txt" - ls "$cap"
        record "$d/ls-json.txt" - ls --json "$cap"
        for f in jsonl json raw tcpflow none; do
            record "$d/extract-$f.txt" "$o" extract -q -j 1 --format $f -o "$o" "$cap"
        done
        record "$d/extract-json-js.txt" "$o" extract -q -j 1 --format json --js -o "$o" "$cap"
        record "$d/extract-tcpflow-js.txt" "$o" extract -q -j 1 --format tcpflow --js -o "$o" "$cap"
        record "$d/extract-jsonl-overlap-last.txt" "$o" extract -q -j 1 --overlap last -o "$o" "$cap"
        record "$d/extract-jsonl-overlap-linux.txt" "$o" extract -q -j 1 --overlap linux -o "$o" "$cap"
        record "$d/extract-jsonl-checksums.txt" "$o" extract -q -j 1 --verify-checksums -o "$o" "$cap"
        for n in $(sed -n 's/^{"stream":\([0-9]*\),.*/\1/p' "$d/ls-json.txt" | head -n "$FOLLOW_MAX"); do
            for m in ascii hex raw yaml; do
                rc=0
                "$BIN" follow "$cap" "$n" --mode $m </dev/null >"$W/stdout" 2>"$W/stderr" || rc=$?
                e=
                [ ! -s "$W/stderr" ] || e=$(norm <"$W/stderr" | tr '\n' '|')
                echo "$n $m exit=$rc stdout=$(sha256sum <"$W/stdout" | cut -c1-64) stderr=$e"
            done
        done >"$d/follow.txt"
        if [ "$name" = seed-data ]; then
            orig "$d/original-n.txt" -p "$ROOT/$cap" -o "$o" -n
            orig "$d/original-c.txt" original -p "$ROOT/$cap" -o "$o" -c -t snap
            orig "$d/original-w.txt" original -p "$ROOT/$cap" -o "$o" -w -n
        fi
    done
    record "$OUT/verify/$name.txt" - verify --json -j 1 -r "$name"
    [ "$name" != seed-data ] || orig "$OUT/original-dir.txt" original -i "$ROOT/$name" -r -n -o "$o"
done
runs=$(($(find "$OUT" -name '*.txt' ! -name follow.txt ! -name captures.txt | wc -l) +
    $(find "$OUT" -name follow.txt -exec cat {} + | wc -l)))
echo "snapshot.sh: $(wc -l <"$OUT/captures.txt") captures, $runs runs," \
    "$(find "$OUT" -type f | wc -l) files in $OUT, $(($(date +%s) - START))s" >&2
