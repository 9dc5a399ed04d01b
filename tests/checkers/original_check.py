#!/usr/bin/env python3
"""Checks the output tree of the original command line (`tcpsession -i/-p ...`).
Glue for tests/e2e/original.sh.

  original_check.py tree OUT REFERENCE_JSON_ROOT CAPTURES_TSV [--no-js] [--tar PREFIX]
      CAPTURES_TSV lists "reldir<TAB>stem" per capture. For each:
      OUT/tcpsession/RELDIR/STEM/ holds exactly the .json files of
      REFERENCE_JSON_ROOT/STEM/ (written by `extract --format json`), byte for
      byte; OUT/js_extraction/RELDIR/STEM/ exactly its js/ files (absent with
      --no-js). With --tar: each folder is archived next to it under the
      original's names (RELDIR_STEM-session-JSON.tar, RELDIR_STEM-JS.tar or
      STEM-JS.tar at the top), gzip-compressed, members = the folder's files;
      OUT/PREFIX-session-JSON.tar.gz and OUT/PREFIX-JS.tar.gz hold those
      archives. Nothing else exists under OUT but OUT/tcpflow.
"""
import os
import sys
import tarfile


def fail(msg):
    print("FAIL: " + msg)
    return 1


def files(d, suffix):
    if not os.path.isdir(d):
        return {}
    out = {}
    for name in os.listdir(d):
        p = os.path.join(d, name)
        if os.path.isfile(p) and name.endswith(suffix):
            with open(p, "rb") as f:
                out[name] = f.read()
    return out


def tar_members(path):
    with tarfile.open(path) as t:  # compression detected, as Python's users do
        return {m.name: t.extractfile(m).read() for m in t.getmembers()}


def main():
    args = sys.argv[1:]
    js = "--no-js" not in args
    args = [a for a in args if a != "--no-js"]
    prefix = None
    if "--tar" in args:
        i = args.index("--tar")
        prefix = args[i + 1]
        del args[i:i + 2]
    out, ref_root, captures_tsv = args
    status = 0
    expected_paths = set()
    json_tars, js_tars = {}, {}
    with open(captures_tsv) as f:
        caps = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for reldir, stem in caps:
        parts = [p for p in (reldir, stem) if p]
        jdir = os.path.join(out, "tcpsession", *parts)
        want = files(os.path.join(ref_root, stem), ".json")
        have = files(jdir, ".json")
        if sorted(have) != sorted(want) or any(have[k] != want[k] for k in want):
            status = fail("%s: JSON files differ from extract --format json" % jdir)
        expected_paths.update(os.path.join(jdir, n) for n in have)
        jsdir = os.path.join(out, "js_extraction", *parts)
        if js:
            want_js = files(os.path.join(ref_root, stem, "js"), ".js")
            have_js = files(jsdir, ".js")
            if have_js != want_js:
                status = fail("%s: .js files %s, expected %s" % (jsdir, sorted(have_js), sorted(want_js)))
            expected_paths.update(os.path.join(jsdir, n) for n in have_js)
        elif os.path.exists(os.path.join(out, "js_extraction")):
            status = fail("js_extraction exists with -n")
        if prefix is not None:
            flat = reldir.replace("/", "_")
            jt = os.path.join(out, "tcpsession", reldir, "%s_%s-session-JSON.tar" % (flat, stem))
            expected_paths.add(os.path.normpath(jt))
            if not os.path.isfile(jt) or tar_members(jt) != have:
                status = fail("%s: archive members differ from the folder" % jt)
            else:
                with open(jt, "rb") as t:
                    json_tars[os.path.basename(jt)] = t.read()
            if js:
                name = ("%s_%s-JS.tar" % (flat, stem)) if flat else ("%s-JS.tar" % stem)
                st = os.path.join(out, "js_extraction", reldir, name)
                expected_paths.add(os.path.normpath(st))
                if not os.path.isfile(st) or tar_members(st) != files(jsdir, ".js"):
                    status = fail("%s: archive members differ from the folder" % st)
                else:
                    with open(st, "rb") as t:
                        js_tars[os.path.basename(st)] = t.read()
    if prefix is not None:
        for suffix, inner in (("-session-JSON.tar.gz", json_tars), ("-JS.tar.gz", js_tars)):
            if suffix == "-JS.tar.gz" and not js:
                continue
            final = os.path.join(out, prefix + suffix)
            expected_paths.add(final)
            if not os.path.isfile(final) or tar_members(final) != inner:
                status = fail("%s: members differ from the per-capture archives" % final)
    have_paths = set()
    for root, dirs, names in os.walk(out):
        if os.path.relpath(root, out).split(os.sep)[0] == "tcpflow":
            continue
        for n in names:
            have_paths.add(os.path.normpath(os.path.join(root, n)))
    expected_paths = {os.path.normpath(p) for p in expected_paths}
    if have_paths != expected_paths:
        status = fail("unexpected %s, missing %s" % (sorted(have_paths - expected_paths)[:5],
                                                    sorted(expected_paths - have_paths)[:5]))
    if status == 0:
        print("ok: %s: %d captures, %d files as expected" % (out, len(caps), len(have_paths)))
    return status


if __name__ == "__main__":
    sys.exit(main())
