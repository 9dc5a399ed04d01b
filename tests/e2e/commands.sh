#!/bin/sh
# commands.sh — end-to-end tests of the table of commands: `tcpsession help
# COMMAND` is `tcpsession COMMAND --help`, unambiguous prefixes run the
# command (also after help), unknown names and options keep their messages,
# the original tool's options still run its command line.
#
# Environment (set by `make check`): TS_BIN the tcpsession binary, TS_WRAP a
# prefix to run it under (valgrind) or empty.
# Exit status: 0 all passed, 1 a check failed, 77 prerequisites missing.

set -u

if [ -z "${TS_BIN:-}" ] || [ ! -x "$TS_BIN" ]; then
    echo "SKIP: TS_BIN is not an executable tcpsession binary"
    exit 77
fi
WRAP=${TS_WRAP:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/e2e_commands.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

failures=0
ok() { echo "ok - $1"; }
fail() {
    echo "FAIL - $1"
    failures=$((failures + 1))
}

# run NAME ARGS...: runs the command; stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err, status in $tmp/NAME.rc.
run() {
    name=$1
    shift
    # shellcheck disable=SC2086 # TS_WRAP is a command prefix with arguments
    $WRAP "$TS_BIN" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    echo $? >"$tmp/$name.rc"
}

# same A B: the runs A and B printed the same and ended with the same status.
same() {
    if cmp -s "$tmp/$1.out" "$tmp/$2.out" && cmp -s "$tmp/$1.err" "$tmp/$2.err" &&
        cmp -s "$tmp/$1.rc" "$tmp/$2.rc"; then
        ok "$1 = $2"
    else
        fail "$1 differs from $2"
    fi
}

# has NAME STATUS TEXT: run NAME ended with STATUS and its stderr holds TEXT.
has() {
    if [ "$(cat "$tmp/$1.rc")" = "$2" ] && grep -qF -- "$3" "$tmp/$1.err"; then
        ok "$1: status $2, '$3'"
    else
        fail "$1: expected status $2 and '$3' (got $(cat "$tmp/$1.rc"): $(head -1 "$tmp/$1.err"))"
    fi
}

cat >"$tmp/usage.expected" <<'USAGE'
Usage:
  tcpsession extract [OPTION...] CAPTURE...   write every TCP session's bytes
  tcpsession ls [--json] CAPTURE              list the TCP sessions of a capture
  tcpsession verify [OPTION...] CAPTURE...    check sessions against tshark, tcpflow
  tcpsession follow CAPTURE STREAM [--mode M] print a session as tshark's follow
  tcpsession cat CAPTURE STREAM [--from SIDE] write a session's bytes to standard output
  tcpsession [original] -p PCAP|-i DIR [-o OUT] ...
                                              the original tcpsessions_from_pcap.py
  tcpsession --help | --version

Captures are pcap or pcapng files, optionally gzip-compressed.
Run 'tcpsession COMMAND --help' for the options of a command.
USAGE

run help-option --help
if cmp -s "$tmp/help-option.out" "$tmp/usage.expected" && [ "$(cat "$tmp/help-option.rc")" = 0 ]; then
    ok "--help prints the usage text"
else
    fail "--help's usage text changed"
fi
run help-word help
same help-word help-option
run help-h -h
same help-h help-option
run help-help help help
same help-help help-option
run help-prefix h
same help-prefix help-option

for cmd in extract ls verify follow cat original; do
    run "$cmd-help" "$cmd" --help
    if [ "$(cat "$tmp/$cmd-help.rc")" = 0 ] && grep -q "^  tcpsession $cmd " "$tmp/$cmd-help.out"; then
        ok "$cmd --help"
    else
        fail "$cmd --help"
    fi
    run "help-$cmd" help "$cmd"
    same "help-$cmd" "$cmd-help"
done
run ext-help ext --help
same ext-help extract-help
run e-help e --help
same e-help extract-help
run help-ext help ext
same help-ext extract-help
run help-fol help fol
same help-fol follow-help
run orig-help orig --help
same orig-help original-help

# prefixes run the command with its full name in messages
run extract-none extract
run ext-none ext
same ext-none extract-none
has ext-none 2 "tcpsession: no capture given"
run follow-bad follow --mode bad x 1
run fo-bad fo --mode bad x 1
same fo-bad follow-bad

# unknown names and options: message, then the usage text on stderr
run unknown bogus
has unknown 2 "tcpsession: unknown command 'bogus'"
if tail -n +2 "$tmp/unknown.err" | cmp -s - "$tmp/usage.expected"; then
    ok "unknown command: usage text on stderr"
else
    fail "unknown command: usage text on stderr"
fi
run unknown-longer extracts
has unknown-longer 2 "tcpsession: unknown command 'extracts'"
run unknown-empty ""
has unknown-empty 2 "tcpsession: unknown command ''"
run unknown-option -x
has unknown-option 2 "tcpsession: unknown option '-x'"
run help-unknown help bogus
same help-unknown unknown
run no-args
if [ "$(cat "$tmp/no-args.rc")" = 2 ] && cmp -s "$tmp/no-args.err" "$tmp/usage.expected"; then
    ok "no arguments: usage on stderr, status 2"
else
    fail "no arguments"
fi

# the original tool's options still run its command line
run original-p -p "$tmp/none.pcap"
run original-word original -p "$tmp/none.pcap"
same original-p original-word
has original-p 1 "none.pcap: no such file"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all passed"
