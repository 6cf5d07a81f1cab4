#!/usr/bin/env bash
# Install the Debian packages ogas needs, only those missing (idempotent).
# Usage: scripts/deps.sh build|test|all
set -euo pipefail

build_pkgs=(gcc make cmake pkg-config libopenblas-dev libjansson-dev libfftw3-dev gnuplot-nox
            libopenmpi-dev openmpi-bin)
test_pkgs=(python3-numpy python3-torch python3-pytest python3-mpi4py clang clang-format valgrind
           g++ gfortran)

case "${1:-build}" in
  build) want=("${build_pkgs[@]}") ;;
  test | all) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|all" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ogas: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "ogas: cannot install packages without root rights. Ask an administrator to run:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
