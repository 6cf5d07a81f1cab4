#!/usr/bin/env bash
# Soak benchmark (not a CI test): 100,000 record_increments calls and 1,000
# generations with the background thread on, printing resident memory; it
# must stay flat once the reservoir is full. Builds bench/soak.c against the
# static library of BUILD_DIR.
#
# usage: scripts/soak.sh [BUILD_DIR] [CALLS] [GENERATIONS] [CHECKPOINT_PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target ogas_static >/dev/null
cc -std=c17 -O2 -D_POSIX_C_SOURCE=200809L -Iinclude bench/soak.c "$build/libogas.a" \
  $(pkg-config --libs openblas jansson fftw3) -lpthread -lm -o "$build/soak"
OPENBLAS_NUM_THREADS=1 "$build/soak" "${2:-100000}" "${3:-1000}" ${4:+"$4"}
