#!/usr/bin/env bash
# Install the build into a temporary prefix, then build and run the C example
# against it through pkg-config, as a user would.
set -euo pipefail
build=$1
src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name ogas.pc)"):${PKG_CONFIG_PATH:-}"
test -f "$prefix/include/ogas.h"
pkg-config --exists ogas
cc -std=c17 -Wall -Werror "$src/examples/c/minimal_server.c" $(pkg-config --cflags ogas) \
  $(pkg-config --libs --static ogas) -o "$prefix/minimal_server"
LD_LIBRARY_PATH="$(dirname "$(find "$prefix" -name "libogas.so" | head -1)")" "$prefix/minimal_server" | tee "$prefix/out.txt"
grep -q "generation 3" "$prefix/out.txt"
echo "install test: 1 passed, 0 failed"
