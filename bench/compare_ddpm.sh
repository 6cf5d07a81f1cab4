#!/usr/bin/env bash
# Compare `ogas bench ddpm` with the PyTorch reference (bench/torch_ddpm.py)
# side by side, alternating runs so that both see the same machine load, and
# print a Markdown table of the medians.
# Usage: bench/compare_ddpm.sh [BUILD_DIR] [REPEATS] [PRESET]
# PRESET (default | paper, see `ogas bench ddpm --help`) also times DDIM in
# both implementations, next to the 100-step (T-step) ancestral sampler.
set -euo pipefail
build=${1:-build}
repeats=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
flags=(--dim 8 --model-dim 256 --blocks 3 --batch 128 --timesteps 100 --samples 1000)
[ -n "${3:-}" ] && flags=(--preset "$3" --sampler ddim)

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
field() { sed -E "s/.*\"$1\": ([0-9.eE+-]+).*/\1/"; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "shape: ${flags[*]}; $repeats alternating runs each, medians"
echo
echo "| threads | impl | train steps/s | sample, ancestral (ms) | sample, DDIM (ms) | train GFLOP/s | sgemm GFLOP/s | train % of sgemm | sample % of sgemm |"
echo "|---|---|---|---|---|---|---|---|---|"
for threads in 1 2; do
  c_train=(); c_sample=(); t_train=(); t_sample=(); c_gf=(); c_peak=(); c_tf=(); c_sf=()
  c_ddim=(); t_ddim=()
  for ((r = 0; r < repeats; r++)); do
    c=$("$build/ogas" bench ddpm "${flags[@]}" --threads "$threads" --json)
    t=$($py "$here/torch_ddpm.py" "${flags[@]}" --threads "$threads" --json)
    c_train+=("$(echo "$c" | field train_steps_per_s)"); c_sample+=("$(echo "$c" | field sample_ms)")
    c_gf+=("$(echo "$c" | field train_gflops)"); c_peak+=("$(echo "$c" | field sgemm_gflops)")
    c_tf+=("$(echo "$c" | field train_fraction_of_sgemm)"); c_sf+=("$(echo "$c" | field sample_fraction_of_sgemm)")
    t_train+=("$(echo "$t" | field train_steps_per_s)"); t_sample+=("$(echo "$t" | field sample_ms)")
    c_ddim+=("$(echo "$c" | grep -q ddim_sample_ms && echo "$c" | field ddim_sample_ms || echo 0)")
    t_ddim+=("$(echo "$t" | grep -q ddim_sample_ms && echo "$t" | field ddim_sample_ms || echo 0)")
  done
  m() { printf '%s\n' "$@" | median; }
  ct=$(m "${c_train[@]}"); cs=$(m "${c_sample[@]}"); tt=$(m "${t_train[@]}"); ts=$(m "${t_sample[@]}")
  calc() { awk "BEGIN {print $1}"; }
  cd_=$(m "${c_ddim[@]}"); td=$(m "${t_ddim[@]}")
  printf "| %d | C (ogas) | %.1f | %.0f | %.0f | %.1f | %.1f | %.0f %% | %.0f %% |\n" "$threads" "$ct" "$cs" "$cd_" \
    "$(m "${c_gf[@]}")" "$(m "${c_peak[@]}")" "$(calc "$(m "${c_tf[@]}") * 100")" \
    "$(calc "$(m "${c_sf[@]}") * 100")"
  printf "| %d | PyTorch | %.1f | %.0f | %.0f | | | | |\n" "$threads" "$tt" "$ts" "$td"
  printf "| %d | **C ÷ PyTorch** | **%.2fx** | **%.2fx faster** | C DDIM vs PyTorch ancestral: **%.2fx faster** | | | | |\n" "$threads" \
    "$(calc "$ct / $tt")" "$(calc "$ts / $cs")" "$(calc "($cd_ > 0 ? $ts / $cd_ : 0)")"
done
