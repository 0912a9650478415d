#!/usr/bin/env bash
# Builds quantscope as one self-contained binary and installs it as PREFIX/bin/quantscope.
#   usage: bash scripts/install.sh [PREFIX]      (default PREFIX: ~/.local)
# The binary carries the Swift runtime (--static-swift-stdlib), the themes and the CUDA kernels; it
# needs only the C library and ncurses at run time. An existing binary is replaced atomically.
set -euo pipefail
prefix=${1:-$HOME/.local}
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib
mkdir -p "$prefix/bin"
tmp=$(mktemp "$prefix/bin/.quantscope.XXXXXX")
trap 'rm -f "$tmp"' EXIT
install -m 755 .build/release/quantscope "$tmp"
mv -f "$tmp" "$prefix/bin/quantscope"
trap - EXIT
echo "installed $prefix/bin/quantscope ($("$prefix/bin/quantscope" --version))"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "note: $prefix/bin is not on PATH" ;; esac
