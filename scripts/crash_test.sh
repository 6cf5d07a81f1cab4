#!/usr/bin/env bash
# The long crash test: a process checkpoints after every generation while
# being SIGKILLed at random moments; after every kill a new process restarts
# from the file and must find the last complete checkpoint, bit-identical to
# an uninterrupted run (synchronous) or at least whole (asynchronous).
# make test runs the short version (60 kills).
#
# usage: scripts/crash_test.sh [BUILD_DIR] [KILLS] [DIR]
#   BUILD_DIR  a configured and built tree (build)
#   KILLS      SIGKILLs per mode (2000)
#   DIR        where the checkpoint is written (a temporary folder); point it
#              at the file system the study will use (NFS, Lustre, ...)
set -euo pipefail
build=${1:-build}
kills=${2:-2000}
dir=${3:-}
cd "$(dirname "$0")/.."
cmake --build "$build" --target test_checkpoint_crash >/dev/null
bin="$build/tests/test_checkpoint_crash"
cleanup=
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  cleanup=$dir
fi
trap '[ -n "$cleanup" ] && rm -rf "$cleanup"' EXIT
export OPENBLAS_NUM_THREADS=1
echo "== synchronous: $kills kills, checkpoints in $dir"
"$bin" --kills "$kills" --dir "$dir"
echo "== background training: $kills kills"
"$bin" --kills "$kills" --async --dir "$dir"
