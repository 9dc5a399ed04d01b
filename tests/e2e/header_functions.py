#!/usr/bin/env python3
"""header_functions.py — prints the names of the functions a C header
declares or defines at file scope (one per line), for check_exports.sh.
With --inline, only those defined `static inline` in the header.

Comments, string literals and preprocessor lines (with their continuations)
are dropped; then every `name (` at brace depth 0 that is not a keyword or
an attribute is a function. Function-pointer fields and calls inside inline
bodies are at depth >= 1 and so not counted."""
import re
import sys

NOT_FUNCTIONS = {"sizeof", "__attribute__", "G_GNUC_PRINTF", "G_GNUC_CONST", "offsetof"}


def functions(text, inline_only=False):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    text = text.replace("\\\n", " ")
    text = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("#"))
    depth = 0
    out = []
    for m in re.finditer(r"[{}]|\b([A-Za-z_]\w*)\s*\(", text):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0 and m.group(1) not in NOT_FUNCTIONS:
            if not inline_only or is_inline_definition(text, m):
                out.append(m.group(1))
    return out


def is_inline_definition(text, match):
    """True when the function named at `match` is a `static inline` one: the
    text since the previous `;` or `}` says so."""
    start = max(text.rfind(";", 0, match.start()), text.rfind("}", 0, match.start()))
    return re.search(r"\bstatic\s+inline\b", text[start + 1 : match.start()]) is not None


def main():
    args = sys.argv[1:]
    inline_only = bool(args) and args[0] == "--inline"
    if inline_only:
        args = args[1:]
    names = set()
    for path in args:
        with open(path, encoding="utf-8") as f:
            names.update(functions(f.read(), inline_only))
    for n in sorted(names):
        print(n)


if __name__ == "__main__":
    main()
