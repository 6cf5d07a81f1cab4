#!/usr/bin/env bash
# libFuzzer (clang) on the config parser, the study config parser, the
# checkpoint loader and the run-log readers (children.csv, generations.jsonl), each for
# a bounded number of inputs from the seed corpus in tests/fuzz/corpus.
# A crash leaves its input as BUILD/tests/fuzz/<kind>/crash-*: copy it into
# tests/fuzz/regressions/<kind>/ so that test_checkpoint_fuzz_corpus replays
# it in every build, then fix the bug.
#
# usage: scripts/fuzz.sh [RUNS] [BUILD_DIR]   (20000 inputs each, build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
build=${2:-build-fuzz}
command -v clang >/dev/null || { echo "clang is not installed (scripts/deps.sh test)" >&2; exit 1; }
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOGAS_FUZZ=ON \
  -DOGAS_FUZZ_RUNS="$runs" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target fuzz_config fuzz_checkpoint fuzz_run_log fuzz_study_config >/dev/null
cd "$build" && ctest --output-on-failure -L fuzz
