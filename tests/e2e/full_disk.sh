#!/bin/sh
# End-to-end: on a full disk (a 256 KiB tmpfs) every format fails with exit
# status 1 and "tcpsession: PATH: No space left on device", leaves no
# temporary file, and every file present is complete (the bytes of a run
# into a roomy folder). Skips (77) when a tmpfs cannot be mounted (not root,
# a container) or bench-gen is missing.
set -u
. "$(dirname "$0")/../lib.sh"
make_tmp
out=$tmp
gen="$(dirname "$TS_BIN")/harness/bench/bench-gen"
[ -x "$gen" ] || skip "no bench-gen at $gen"
mkdir "$out/full"
mount -t tmpfs -o size=256k tmpfs "$out/full" 2>/dev/null || skip "cannot mount a tmpfs here"
at_exit 'umount "$out/full" 2>/dev/null'
"$gen" "$out/big.pcap" --size 1 --connections 60 --seed 1 >/dev/null || fail "bench-gen"
for f in jsonl json raw tcpflow pcap; do
    rm -rf "$out/full/o"
    ts extract -q -f "$f" -o "$out/roomy-$f" "$out/big.pcap" || fail "-f $f: roomy run"
    ts extract -q -f "$f" -o "$out/full/o" "$out/big.pcap" 2>"$out/err"
    rc=$?
    [ "$rc" -eq 1 ] || fail "-f $f: exit status $rc, expected 1"
    grep -qx "tcpsession: $out/full/o/big/[^/]*\(/[a-z]*\.[a-z]*\)\?: No space left on device" "$out/err" ||
        fail "-f $f: stderr '$(cat "$out/err")'"
    left=$(find "$out/full" -name '*.tmp.*')
    [ -z "$left" ] || fail "-f $f: temporary files left: $left"
    n=0
    for file in $(cd "$out/full/o" && find . -type f); do
        n=$((n + 1))
        cmp -s "$out/full/o/$file" "$out/roomy-$f/$file" || fail "-f $f: $file is partial"
    done
    if [ "$f" = raw ]; then
        for d in "$out/full/o/big"/*/; do
            [ -d "$d" ] || continue
            [ "$(ls "$d" | tr '\n' ' ')" = "client.bin server.bin session.json " ] ||
                fail "raw: $d is incomplete: $(ls "$d")"
        done
    fi
    ok "-f $f on a full disk: exit 1, no temporary file, $n files present, each complete"
done
finish
