#!/bin/sh
# Sets up tcpsession on a Debian/Ubuntu machine and runs something with it.
#
#   ./bootstrap.sh demo   install build dependencies, build, install (the command,
#                         the library, the Python package), and extract the
#                         sessions of data/sample.pcap into out/ (the main job)
#   ./bootstrap.sh test   install build dependencies, build, and run `make check`
#   ./bootstrap.sh build  only install and build
#   ./bootstrap.sh deps   only install the Debian packages
#
# Dependencies are installed with apt-get (as root, or through sudo) only
# when some are missing. Fails loudly at the first error.
set -eu
cd "$(dirname "$0")"
what="${1:-demo}"

PACKAGES="build-essential autoconf automake libtool pkg-config libpcap-dev libglib2.0-dev \
zlib1g-dev check python3 python3-dev python3-pytest tshark tcpflow tcpdump iproute2 valgrind libnids-dev"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bootstrap: installing$missing"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ "$what" = deps ]; then exit 0; fi
if [ ! -x configure ]; then ./autogen.sh; fi
if [ ! -f Makefile ]; then ./configure; fi
make -j"$(nproc)"
# the command, the library and the Python package `tcpsession` into /usr/local
# (Debian's python3 reads /usr/local/lib/python3.X/dist-packages)
if [ "$what" != build ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO make install >/dev/null
    if command -v ldconfig >/dev/null; then $SUDO ldconfig; fi
fi

case "$what" in
demo)
    ./tcpsession ls data/sample.pcap
    ./tcpsession extract -o out --format jsonl data/sample.pcap
    ./tcpsession extract -o out/tcpflow --format tcpflow data/sample.pcap
    echo "bootstrap: sessions of data/sample.pcap are in out/sample/sessions.jsonl (one JSON object each)"
    echo "bootstrap: and, one file per direction as tcpflow names them, in out/tcpflow/sample/"
    echo "bootstrap: the same sessions from Python (import tcpsession, installed):"
    sample="$(pwd -P)/data/sample.pcap"
    (cd / && /usr/bin/python3 -c 'import sys, tcpsession
for s in tcpsession.sessions(sys.argv[1]):
    print(" ", s)' "$sample")
    ;;
test)
    make -j"$(nproc)" check
    ;;
build) ;;
*)
    echo "usage: $0 [demo|test|build|deps]" >&2
    exit 2
    ;;
esac
