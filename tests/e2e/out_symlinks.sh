#!/bin/sh
# End-to-end: the output folder is a boundary. Symbolic links planted beneath
# OUT (at OUT/<stem>, at a session's folder or file name, at OUT/<stem>/js,
# under the original command's folders, and at temporary-file names) are
# never followed: the capture is refused with exit status 1 and
# "tcpsession: PATH: is a symbolic link; refusing to write through it", the
# link's target stays empty, and other captures of the run are written.
# OUT itself may be a link (the user chose it).
set -u
. "$(dirname "$0")/../lib.sh"
make_tmp
out=$tmp
cp "$TS_TESTDATA/sample.pcap" "$out/sample.pcap"
cp "$TS_TESTDATA/sample.pcap" "$out/other.pcap"
formats="jsonl json raw tcpflow pcap"

# reference runs, to know the names and the bytes
for f in $formats; do
    ts extract -q -f "$f" -o "$out/ref-$f" "$out/sample.pcap" || fail "reference run -f $f"
done

# expect_refusal WHAT LINKPATH: the last run exited 1, printed exactly the
# refusal of LINKPATH, wrote nothing into $out/elsewhere and kept the link.
expect_refusal() {
    [ "$rc" -eq 1 ] || fail "$1: exit status $rc, expected 1"
    want="tcpsession: $2: is a symbolic link; refusing to write through it"
    [ "$(cat "$out/err")" = "$want" ] || fail "$1: stderr '$(cat "$out/err")', expected '$want'"
    [ -z "$(ls -A "$out/elsewhere")" ] || fail "$1: written through the link: $(ls -A "$out/elsewhere")"
    [ -L "$2" ] || fail "$1: the link $2 was replaced"
}

# fresh: an output folder and an empty target folder
fresh() {
    rm -rf "$out/o" "$out/elsewhere"
    mkdir -p "$out/o" "$out/elsewhere"
}

for f in $formats; do
    # OUT/<stem> is a link
    fresh
    ln -s "$out/elsewhere" "$out/o/sample"
    ts extract -q -f "$f" -o "$out/o" "$out/sample.pcap" 2>"$out/err"
    rc=$?
    expect_refusal "-f $f, OUT/sample" "$out/o/sample"
    ok "-f $f: OUT/sample a symbolic link: refused"

    # the first output name (a session folder for raw, a file otherwise)
    first=$(ls "$out/ref-$f/sample" | head -1)
    fresh
    mkdir "$out/o/sample"
    ln -s "$out/elsewhere/x" "$out/o/sample/$first"
    ts extract -q -f "$f" -o "$out/o" "$out/sample.pcap" 2>"$out/err"
    rc=$?
    expect_refusal "-f $f, OUT/sample/$first" "$out/o/sample/$first"
    ok "-f $f: OUT/sample/$first a symbolic link: refused"

    # a link under a dead run's temporary name is removed (not its target)
    fresh
    mkdir "$out/o/sample"
    dead=$(sh -c 'echo $$')
    echo keep >"$out/elsewhere/target"
    ln -s "$out/elsewhere/target" "$out/o/sample/.$first.tcpsession.tmp.$dead.AbCdEf"
    ts extract -q -f "$f" -o "$out/o" "$out/sample.pcap" 2>"$out/err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "-f $f, temporary name: exit status $rc"
    want="tcpsession: $out/o/sample: removed 1 temporary file left by an interrupted run (pid $dead)"
    [ "$(cat "$out/err")" = "$want" ] || fail "-f $f, temporary name: stderr '$(cat "$out/err")'"
    [ "$(cat "$out/elsewhere/target")" = keep ] || fail "-f $f: the link's target changed"
    [ "$(ls -A "$out/elsewhere")" = target ] || fail "-f $f: written through the temporary link"
    diff -r "$out/ref-$f/sample" "$out/o/sample" >/dev/null || fail "-f $f: output differs from the reference"
    ok "-f $f: a link under a dead run's temporary name: removed, target untouched"
done

# a second capture of the same run is written all the same
fresh
ln -s "$out/elsewhere" "$out/o/sample"
ts extract -q -f raw -o "$out/o" "$out/sample.pcap" "$out/other.pcap" 2>"$out/err"
rc=$?
expect_refusal "two captures" "$out/o/sample"
diff -r -x session.json "$out/ref-raw/sample" "$out/o/other" >/dev/null || fail "two captures: other.pcap not written"
ok "a refused capture does not stop the others"

# --js: OUT/sample/js is a link
fresh
mkdir "$out/o/sample"
ln -s "$out/elsewhere" "$out/o/sample/js"
ts extract -q -f json --js -o "$out/o" "$out/sample.pcap" 2>"$out/err"
rc=$?
expect_refusal "--js" "$out/o/sample/js"
ok "--js: OUT/sample/js a symbolic link: refused"

# OUT itself a link: the user's choice, followed
fresh
ln -s "$out/elsewhere" "$out/olink"
ts extract -q -f jsonl -o "$out/olink" "$out/sample.pcap" 2>"$out/err" || fail "OUT a symbolic link: refused"
cmp -s "$out/ref-jsonl/sample/sessions.jsonl" "$out/elsewhere/sample/sessions.jsonl" ||
    fail "OUT a symbolic link: sessions.jsonl not written through it"
ok "OUT itself a symbolic link is followed"

# the original command: OUT/tcpsession/sample is a link
fresh
mkdir -p "$out/o/tcpsession"
ln -s "$out/elsewhere" "$out/o/tcpsession/sample"
(cd "$out" && ts -p "$out/sample.pcap" -o "$out/o" -q -n 2>"$out/err")
rc=$?
[ "$rc" -ne 0 ] || fail "original: exit status 0 through a link"
grep -qxF "tcpsession: $out/o/tcpsession/sample: is a symbolic link; refusing to write through it" "$out/err" ||
    fail "original: stderr '$(cat "$out/err")'"
[ -z "$(ls -A "$out/elsewhere")" ] || fail "original: written through the link"
ok "original command: OUT/tcpsession/sample a symbolic link: refused"
finish
