#!/usr/bin/env bash
# Compare `ogas bench surrogate` (the FNO) with the PyTorch reference
# (bench/torch_fno.py) side by side, alternating runs so that both see the
# same machine load, and print a Markdown table of the medians.
# Usage: bench/compare_fno.sh [BUILD_DIR] [REPEATS]
set -euo pipefail
build=${1:-build}
repeats=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
shapes=("--dim 2 --grid 32 --channels 2 --params 4 --width 32 --blocks 4 --modes 12 --batch 32"
        "--dim 1 --grid 64 --channels 1 --params 7 --width 32 --blocks 4 --modes 16 --batch 32")

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
field() { sed -E "s/.*\"$1\": ([0-9.eE+-]+).*/\1/"; }
m() { printf '%s\n' "$@" | median; }
calc() { awk "BEGIN {print $1}"; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "$repeats alternating runs each, medians"
echo
echo "| shape | threads | impl | train samples/s | ms/step | predict samples/s | train GFLOP/s |"
echo "|---|---|---|---|---|---|---|"
for shape in "${shapes[@]}"; do
  read -r -a flags <<<"$shape"
  label=$(echo "$shape" | awk '{printf "%s-D %s², W %s, %s blocks, %s modes, batch %s", $2, $4, $10, $12, $14, $16}')
  [ "${flags[1]}" = 1 ] && label=${label/²/}
  for threads in 1 2; do
    c_tr=(); c_ms=(); c_pr=(); c_gf=(); t_tr=(); t_ms=(); t_pr=()
    for ((r = 0; r < repeats; r++)); do
      c=$("$build/ogas" bench surrogate "${flags[@]}" --threads "$threads" --json)
      t=$($py "$here/torch_fno.py" "${flags[@]}" --threads "$threads" --json)
      c_tr+=("$(echo "$c" | field train_samples_per_s)"); c_ms+=("$(echo "$c" | field train_ms_per_step)")
      c_pr+=("$(echo "$c" | field predict_samples_per_s)"); c_gf+=("$(echo "$c" | field train_gflops)")
      t_tr+=("$(echo "$t" | field train_samples_per_s)"); t_ms+=("$(echo "$t" | field train_ms_per_step)")
      t_pr+=("$(echo "$t" | field predict_samples_per_s)")
    done
    ct=$(m "${c_tr[@]}"); cp=$(m "${c_pr[@]}"); tt=$(m "${t_tr[@]}"); tp=$(m "${t_pr[@]}")
    printf "| %s | %d | C (ogas) | %.0f | %.1f | %.0f | %.1f |\n" "$label" "$threads" "$ct" \
      "$(m "${c_ms[@]}")" "$cp" "$(m "${c_gf[@]}")"
    printf "| | %d | PyTorch | %.0f | %.1f | %.0f | |\n" "$threads" "$tt" "$(m "${t_ms[@]}")" "$tp"
    printf "| | %d | **C ÷ PyTorch** | **%.2fx** | | **%.2fx** | |\n" "$threads" \
      "$(calc "$ct / $tt")" "$(calc "$cp / $tp")"
  done
done
