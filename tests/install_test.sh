#!/usr/bin/env bash
# Install the build into a temporary prefix, then build and run the C example
# (and, in an MPI build, the C, C++ and Fortran MPI servers) against it
# through pkg-config, as a user would.
set -euo pipefail
build=$1
src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name ogas.pc)"):${PKG_CONFIG_PATH:-}"
test -f "$prefix/include/ogas.h"
libdir="$(dirname "$(find "$prefix" -name "libogas.so" | head -1)")"
pkg-config --exists ogas
cc -std=c17 -Wall -Werror "$src/examples/c/minimal_server.c" $(pkg-config --cflags ogas) \
  $(pkg-config --libs --static ogas) -o "$prefix/minimal_server"
LD_LIBRARY_PATH="$libdir" "$prefix/minimal_server" | tee "$prefix/out.txt"
grep -q "generation 3" "$prefix/out.txt"
# The MPI build also installs ogas_mpi.h: build and run the MPI example on 2 ranks.
if [ -f "$prefix/include/ogas_mpi.h" ]; then
  mpicc -std=c17 -Wall -Werror "$src/examples/mpi/mpi_server.c" $(pkg-config --cflags ogas_mpi) \
    $(pkg-config --libs --static ogas_mpi) -o "$prefix/mpi_server"
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    LD_LIBRARY_PATH="$libdir" \
    mpiexec -n 2 "$prefix/mpi_server" | tee "$prefix/mpi_out.txt"
  grep -q "sims 300..399 on 2 ranks" "$prefix/mpi_out.txt"
  # C++ servers include the same headers.
  if command -v mpicxx >/dev/null; then
    printf '#include <ogas_mpi.h>\nint main() { ogas_mpi *m = nullptr; ogas_mpi_free(m); }\n' \
      >"$prefix/server.cpp"
    mpicxx -std=c++17 -Wall -Werror "$prefix/server.cpp" $(pkg-config --cflags ogas_mpi) \
      $(pkg-config --libs --static ogas_mpi) -o "$prefix/server_cpp"
  fi
  # Fortran servers compile the installed module source with their own compiler.
  if command -v mpif90 >/dev/null; then
    (cd "$prefix" && mpif90 -Wall -Werror "$prefix/include/ogas_mpi.f90" \
      "$src/examples/mpi/mpi_server.f90" $(pkg-config --libs --static ogas_mpi) -o mpi_server_f)
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
      LD_LIBRARY_PATH="$libdir" \
      mpiexec -n 2 "$prefix/mpi_server_f" | tee "$prefix/mpi_f_out.txt"
    grep -q "sims 300..399 on 2 ranks" "$prefix/mpi_f_out.txt"
  fi
fi
echo "install test: 1 passed, 0 failed"
