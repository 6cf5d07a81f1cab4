#!/usr/bin/env bash
# Valgrind (memcheck) over a whole `ogas synth` run and the checkpoint tests:
# no invalid access, no leak. Valgrind does not decode AVX-512, so this
# builds its own tree without -march=native (OGAS_NATIVE=OFF).
#
# usage: scripts/valgrind.sh [BUILD_DIR]   (build-valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-valgrind}
command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/deps.sh test)" >&2; exit 1; }
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOGAS_NATIVE=OFF -DOGAS_WERROR=ON >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target ogas_cli test_checkpoint test_checkpoint_corrupt \
  test_checkpoint_valgrind >/dev/null
export OPENBLAS_NUM_THREADS=1
# test_checkpoint_valgrind runs `ogas synth` under memcheck (see its source).
"$build/tests/test_checkpoint_valgrind"
vg=(valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible)
echo "== memcheck: test_checkpoint (restarts, checkpoints while training)"
(cd "$build/tests" && "${vg[@]}" ./test_checkpoint)
echo "== memcheck: test_checkpoint_corrupt (every kind of bad file, 100 mutations)"
(cd "$build/tests" && OGAS_MUTATION_ROUNDS=100 "${vg[@]}" ./test_checkpoint_corrupt | tail -3)
echo "valgrind: no errors"
