#!/bin/sh
# compare.sh — compare two snapshots made by snapshot.sh (before and after a
# change that must not change behaviour):
#
#   harness/regress/snapshot.sh /tmp/base/tcpsession /tmp/snap-before
#   harness/regress/snapshot.sh ./tcpsession /tmp/snap-after
#   harness/regress/compare.sh /tmp/snap-before /tmp/snap-after
#
# Prints `diff -r` of the two trees, then every file that differs or exists
# on one side only and the number of files compared. Exit status: 0 identical,
# 1 any difference, 2 usage error.
set -eu

[ $# -eq 2 ] && [ -d "$1" ] && [ -d "$2" ] || { sed -n '2,11p' "$0" >&2; exit 2; }
OLD=$1 NEW=$2
list() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }
L=$(mktemp -d)
trap 'rm -rf "$L"' EXIT
list "$OLD" >"$L/old"
list "$NEW" >"$L/new"
LC_ALL=C comm -12 "$L/old" "$L/new" >"$L/both"
while IFS= read -r f; do
    cmp -s "$OLD/$f" "$NEW/$f" || echo "differs: $f"
done <"$L/both" >"$L/report"
LC_ALL=C comm -23 "$L/old" "$L/new" | sed 's/^/only in old: /' >>"$L/report"
LC_ALL=C comm -13 "$L/old" "$L/new" | sed 's/^/only in new: /' >>"$L/report"

echo "compare.sh: $(wc -l <"$L/both") files compared ($(wc -l <"$L/old") old, $(wc -l <"$L/new") new)"
if [ ! -s "$L/report" ]; then
    echo "compare.sh: identical"
    exit 0
fi
diff -r "$OLD" "$NEW" || :
cat "$L/report"
echo "compare.sh: $(wc -l <"$L/report") files differ"
exit 1
