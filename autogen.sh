#!/bin/sh
# Regenerates the build system (configure, Makefile.in). Fails loudly.
set -eu
cd "$(dirname "$0")"
autoreconf --force --install --verbose
