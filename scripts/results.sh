#!/usr/bin/env bash
# results.sh — the long runs behind docs/results.md, for one example.
#
# usage: scripts/results.sh tune|report|tune-sbal|report-sbal NAME [OUT]
#   tune    scripts/tune.py for breed and ogas on the example's tuning seeds and
#           tuning validation seed (its "tuning" section), over the grids below;
#           prints each sampler's table and the choice (best p99 with the mean at
#           most 5 % worse than uniform and the sampler's CPU under 5 % of the
#           wall time). Put the chosen values into examples/NAME.json by hand,
#           then:
#   report  ogas compare examples/NAME.json --seeds 100-104 (held out from the
#           tuning seeds, on the example's own validation seed) and copy
#           results.json, report.md and errors.png to docs/results/NAME/.
#   tune-sbal, report-sbal   the same for the SBAL baseline (its grid below;
#           no CPU bound: its ensemble costs a second surrogate by design);
#           the report (uniform and sbal) goes to docs/results/NAME/sbal/.
#   OUT     working folder, relative to the repository's root (default
#           out/results; results.json records relative paths then); finished
#           runs are reused.
# Environment: OGAS (the ogas binary, default build/ogas).
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
what=$1 name=$2 out=${3:-out/results}
here=$(cd "$(dirname "$0")/.." && pwd)
ogas=${OGAS:-$here/build/ogas}
case $ogas in /* | "${ogas##*/}") ;; *) ogas=$PWD/$ogas ;; esac
config=examples/$name.json # relative: results.json records it
py=/usr/bin/python3
cd "$here"
# The grids. DDPM steps granted per simulation: the 2-D examples' studies
# cannot afford the 1-D grid's (the breeder's CPU must stay under 5 % of the
# wall). heat2d (30 s per study) and ks1d (90 s) run long studies, so their
# grids keep the DDPM width their short-study rounds chose (32 and 64) and
# spend the time on the breed ratio instead; heat2d's also tries 0.7.
breed_sigma=0.03,0.1,0.3 breed_end=0.3,0.7
ogas_end=0.2,0.4 ogas_dim=32,64 ddpm_steps=5,10
case $name in
  kolmogorov2d | ks2d | grayscott2d) ddpm_steps=1,2 ;;
  heat2d) ddpm_steps=1,2 ogas_end=0.2,0.4,0.7 ogas_dim=32 ;;
  ks1d) breed_sigma=0.1,0.3 ogas_end=0.2,0.3,0.4 ogas_dim=64 ddpm_steps=5 ;;
esac
sbal_selection='"power","top_k"' sbal_rollout=1,5
case $what in
  tune)
    "$py" scripts/tune.py "$config" breed "$out/tune-$name" --ogas "$ogas" \
      --set breed.sigma="$breed_sigma" --set breed.end_breed_ratio="$breed_end"
    "$py" scripts/tune.py "$config" ogas "$out/tune-$name" --ogas "$ogas" \
      --set ogas.breeder.end_breed_ratio="$ogas_end" --set ogas.model.model_dim="$ogas_dim" \
      --set ogas.model.n_train_steps_per_sim="$ddpm_steps"
    ;;
  report)
    "$ogas" compare "$config" --samplers uniform,breed,ogas --seeds 100-104 \
      --out "$out/report-$name" --force
    mkdir -p "docs/results/$name"
    cp "$out/report-$name/results.json" "$out/report-$name/report.md" \
      "$out/report-$name/errors.png" "docs/results/$name/"
    ;;
  tune-sbal)
    "$py" scripts/tune.py "$config" sbal "$out/tune-$name" --ogas "$ogas" --cpu-limit 1 \
      --set sbal.selection="$sbal_selection" --set sbal.rollout_steps="$sbal_rollout"
    ;;
  report-sbal)
    "$ogas" compare "$config" --samplers uniform,sbal --seeds 100-104 \
      --out "$out/report-$name-sbal" --force
    mkdir -p "docs/results/$name/sbal"
    cp "$out/report-$name-sbal/results.json" "$out/report-$name-sbal/report.md" \
      "$out/report-$name-sbal/errors.png" "docs/results/$name/sbal/"
    ;;
  *)
    echo "results.sh: tune, report, tune-sbal or report-sbal, not '$what'" >&2
    exit 2
    ;;
esac
