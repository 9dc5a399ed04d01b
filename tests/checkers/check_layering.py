#!/usr/bin/env python3
"""The layering rule of the tree, checked on every #include "..." line.

Usage: check_layering.py [--root DIR] [--exceptions FILE]

Reads every .c and .h file under engine/, verify/ and harness/ of DIR (the
source tree, default: the current folder) and prints one line per include
that breaks the rule below, then every cycle between folders; exit status 1
when anything was printed, 0 otherwise (with an "ok" line). A header
included with quotes is looked up as the compiler does: the including file's
folder, then the include roots. Rules:

- a folder may include only headers of the folders ALLOWED lists for it;
- a bare "x.h" must be in the including file's folder (or its layer's root
  folder, for harness/bench) or be the public header tcpsession.h; a header
  of another folder is written "util/x.h", "formats/x.h", "verify/verify.h";
- no "../" in an include;
- no cycle between folders;
- outside engine/lib and engine/include no sequence arithmetic written
  inline: a signed 32-bit difference `(int32_t)(a - b)` is ts_seq_diff()
  (or ts_seq_before/ts_seq_after) of the public header.

FILE (default: none) lists temporary exceptions, one per line, as
`PATH "HEADER"` (e.g. `engine/formats/formats.h "capture.h"`; # starts a
comment): such an include is not reported and is left out of the cycle
check. An exception that matches no include fails too (remove the line).

Glue for tests/e2e/check_layering.sh.
"""
import os
import re
import sys

# ---- the rule: for each folder, the folders whose headers it may include --
ALLOWED = {
    "engine/include": ["engine/include"],
    "engine/lib": ["engine/lib", "engine/include"],
    "engine/util": ["engine/util", "engine/include"],
    "engine/formats": ["engine/formats", "engine/util", "engine/include"],
    "verify": ["verify", "engine/util", "engine/include"],
    "engine/original": ["engine/original", "engine/formats", "verify", "engine/util",
                        "engine/include"],
    "engine/cli": ["engine/cli", "engine/original", "engine/formats", "verify", "engine/util",
                   "engine/include"],
    "harness": ["harness", "engine/include"],
    # the Python package's extension module: the public API, and the output
    # formats for write() (never engine/lib)
    "engine/python": ["engine/python", "engine/formats", "engine/util", "engine/include"],
}
# the include roots of the build (-I), after the including file's folder
INCLUDE_ROOTS = ["engine/include", "engine", "."]
# the only header that may be included bare from anywhere
PUBLIC_HEADER = "engine/include/tcpsession.h"
# the folders scanned
SCANNED = ["engine", "verify", "harness"]

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]*)"')
# a signed 32-bit difference written inline, and the folders that may do it
INLINE_SEQ = re.compile(r"\(int32_t\)\s*\([^()]*-")
SEQ_HOME = ("engine/lib/", "engine/include/")


def layer_of(path):
    """The folder of ALLOWED that holds `path` (the longest match), or None."""
    best = None
    for folder in ALLOWED:
        if path == folder or path.startswith(folder + "/"):
            if best is None or len(folder) > len(best):
                best = folder
    return best


def norm(path):
    return os.path.normpath(path).replace(os.sep, "/")


def resolve(root, including, header):
    """The tree path of `header` included from `including`, or None."""
    for base in [os.path.dirname(including)] + INCLUDE_ROOTS:
        candidate = norm(os.path.join(base, header))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def find_elsewhere(root, header):
    """A header of that name in one of the folders (to name it in a message)."""
    for folder in ALLOWED:
        candidate = folder + "/" + header
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def sources(root):
    for top in SCANNED:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    yield norm(os.path.relpath(os.path.join(dirpath, name), root))


def rule_message(header, target, layer):
    return ('"%s" is %s: %s may include only %s'
            % (header, target, layer, ", ".join(ALLOWED[layer])))


def check_include(root, path, header):
    """(message or None, the folder the header belongs to or None)."""
    layer = layer_of(path)
    if "../" in header or header.startswith(".."):
        return '"%s": no "../" in includes' % header, None
    if "/" in header:
        target = resolve(root, path, header)
        if target is None:
            return '"%s" not found' % header, None
    elif header == os.path.basename(PUBLIC_HEADER):
        target = PUBLIC_HEADER
    else:
        # bare: in the file's folder (or its layer's root folder), else a
        # header of another folder that needs its folder in the name
        for folder in (os.path.dirname(path), layer):
            here = os.path.join(root, folder, header)
            # a header configure generates from HEADER.in counts as present
            if os.path.isfile(here) or os.path.isfile(here + ".in"):
                return None, layer
        target = find_elsewhere(root, header)
        if target is None:
            return '"%s" not found' % header, None
        where = layer_of(target)
        if where not in ALLOWED[layer]:
            return rule_message(header, target, layer), where
        named = os.path.relpath(target, "engine") if target.startswith("engine/") else target
        return '"%s" is not in %s: write "%s"' % (header, os.path.dirname(path), named), where
    where = layer_of(target)
    if where is None:
        return '"%s" is %s, in no folder of the rule' % (header, target), None
    if where not in ALLOWED[layer]:
        return rule_message(header, target, layer), where
    return None, where


def read_exceptions(path):
    """{(file, header): line number} of the exceptions file."""
    result = {}
    if path is None:
        return result
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.match(r'^(\S+)\s+"([^"]+)"$', line)
            if not m:
                raise SystemExit("%s:%d: not PATH \"HEADER\": %s" % (path, n, line))
            result[(m.group(1), m.group(2))] = n
    return result


def cycles(edges):
    """Every cycle of the folder graph, each once, as a list of folders."""
    found, seen = [], set()

    def visit(node, path):
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt):]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    # start the cycle at its smallest folder, for a stable message
                    i = cycle.index(min(cycle))
                    found.append(cycle[i:] + cycle[:i])
            elif len(path) < len(ALLOWED):
                visit(nxt, path + [nxt])

    for start in sorted(edges):
        visit(start, [start])
    return found


def main(argv):
    root, exceptions_file = ".", None
    args = list(argv)
    while args:
        opt = args.pop(0)
        if opt == "--root" and args:
            root = args.pop(0)
        elif opt == "--exceptions" and args:
            exceptions_file = args.pop(0)
        else:
            print(__doc__.strip().splitlines()[2], file=sys.stderr)
            return 2
    exceptions = read_exceptions(exceptions_file)
    used = set()
    problems, edges = [], {}
    files = includes = 0
    for path in sources(root):
        files += 1
        layer = layer_of(path)
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        for n, line in enumerate(lines, 1):
            if INLINE_SEQ.search(line) and not path.startswith(SEQ_HOME):
                problems.append("%s:%d: sequence arithmetic written inline: use ts_seq_diff()"
                                % (path, n))
            m = INCLUDE.match(line)
            if not m:
                continue
            includes += 1
            header = m.group(1)
            if (path, header) in exceptions:
                used.add((path, header))
                continue
            if layer is None:
                problems.append("%s:%d: %s is in no folder of the rule" % (path, n, path))
                continue
            message, where = check_include(root, path, header)
            if message:
                problems.append("%s:%d: %s" % (path, n, message))
            if where is not None and where != layer:
                edges.setdefault(layer, set()).add(where)
    for cycle in cycles(edges):
        problems.append("cycle between folders: %s" % " -> ".join(cycle + [cycle[0]]))
    for key, n in sorted(exceptions.items(), key=lambda kv: kv[1]):
        if key not in used:
            problems.append('%s:%d: %s "%s" matches no include: remove the line'
                            % (exceptions_file, n, key[0], key[1]))
    for p in problems:
        print(p)
    if problems:
        return 1
    print("ok - %d includes in %d files follow the layering (%d temporary exceptions)"
          % (includes, files, len(exceptions)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
