#!/usr/bin/env bash
# compare_seeds.sh — run `ogas run` for several samplers over several seeds and
# print the validation statistics and the ratios uniform ÷ sampler (a stopgap
# until `ogas compare` lands).
#
# usage: scripts/compare_seeds.sh CONFIG [N_SEEDS] [OUT_DIR] [SAMPLERS...]
#   CONFIG    study config (e.g. examples/ks1d.json)
#   N_SEEDS   seeds 0 .. N_SEEDS-1 (default 3)
#   OUT_DIR   where result_SAMPLER.json files go, one folder per seed
#             (default: runs/compare_<config name>)
#   SAMPLERS  default: uniform breed ogas
# Environment: OGAS (path of the ogas binary; default build/ogas, then ogas on
# PATH), OGAS_RUN_ARGS (extra arguments for every `ogas run`, e.g.
# --deterministic), SEED0 (first seed, default 0).
#
# Runs are sequential (one study at a time). Existing result files are reused,
# so an interrupted comparison resumes where it stopped; delete OUT_DIR to rerun.
# The table: per sampler, the mean over seeds of each statistic of the
# per-simulation one-step nRMSE (mean, std, p50, p95, p99, max), then the mean
# over seeds of the per-seed ratios uniform ÷ sampler (> 1: the sampler's error
# is lower), their minimum over seeds, and the mean wall time and sampler CPU.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
config=$1
nseeds=${2:-3}
name=$(basename "$config" .json)
out=${3:-runs/compare_$name}
shift $(( $# < 3 ? $# : 3 ))
samplers=("$@")
[ ${#samplers[@]} -eq 0 ] && samplers=(uniform breed ogas)
seed0=${SEED0:-0}
here=$(cd "$(dirname "$0")/.." && pwd)
ogas=${OGAS:-}
if [ -z "$ogas" ]; then
  if [ -x "$here/build/ogas" ]; then ogas=$here/build/ogas; else ogas=$(command -v ogas); fi
fi
mkdir -p "$out"
for ((k = 0; k < nseeds; k++)); do
  seed=$((seed0 + k))
  for s in "${samplers[@]}"; do
    dir=$out/seed$seed
    if [ -f "$dir/result_$s.json" ]; then continue; fi
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    "$ogas" run "$config" --sampler "$s" --seed "$seed" --out "$dir" --quiet ${OGAS_RUN_ARGS:-} \
      > "$dir/log_$s.txt" 2>&1 || { echo "ogas run failed: $dir/log_$s.txt" >&2; cat "$dir/log_$s.txt" >&2; exit 1; }
    grep -E "^  $s |^time:" "$dir/log_$s.txt" | sed "s/^/[seed $seed] /"
  done
done
python3 - "$out" "$seed0" "$nseeds" "${samplers[@]}" <<'PY'
import json, sys, statistics as st
out, seed0, nseeds, samplers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
keys = ["mean", "std", "p50", "p95", "p99", "max"]
res = {s: [json.load(open(f"{out}/seed{seed0 + k}/result_{s}.json")) for k in range(nseeds)]
       for s in samplers}
def sd(v):
    return st.pstdev(v) if len(v) > 1 else 0.0
r0 = res[samplers[0]][0]
print(f"\n{r0['problem']}: {nseeds} seeds ({seed0}..{seed0 + nseeds - 1}), "
      f"{r0['nb_sims']} sims x {r0['n_steps']} steps, {r0['grad_steps']} gradient steps, "
      f"{len(r0['validation']['per_sim'])} validation sims")
print("\none-step nRMSE per validation simulation, mean over seeds (± std over seeds)")
print(f"  {'sampler':8s}" + "".join(f"{k:>18s}" for k in keys))
for s in samplers:
    row = []
    for k in keys:
        v = [r["validation"]["stats"][k] for r in res[s]]
        row.append(f"{st.mean(v):10.4g} ±{sd(v):6.2g}")
    print(f"  {s:8s}" + "".join(f"{c:>18s}" for c in row))
if "uniform" in samplers:
    print("\nuniform ÷ sampler: mean over seeds of the per-seed ratio [min over seeds]")
    print(f"  {'sampler':8s}" + "".join(f"{k:>16s}" for k in keys))
    for s in samplers:
        if s == "uniform":
            continue
        row = []
        for k in keys:
            v = [u["validation"]["stats"][k] / r["validation"]["stats"][k]
                 for u, r in zip(res["uniform"], res[s])]
            row.append(f"{st.mean(v):6.3f} [{min(v):5.2f}]")
        print(f"  {s:8s}" + "".join(f"{c:>16s}" for c in row))
print("\ntime per study, mean over seeds")
print(f"  {'sampler':8s} {'wall s':>8s} {'vs uniform':>11s} {'sampler CPU s':>14s} {'% of wall':>10s} {'train CPU s':>12s} {'bred':>6s}")
uw = st.mean(r["time"]["wall_s"] for r in res["uniform"]) if "uniform" in res else None
for s in samplers:
    w = st.mean(r["time"]["wall_s"] for r in res[s])
    c = st.mean(r["time"]["sampler_cpu_s"] for r in res[s])
    t = st.mean(r["time"]["train_cpu_s"] for r in res[s])
    bred = st.mean(sum(x["is_bred"] for x in r["sims"]) for r in res[s])
    rel = f"{100 * (w / uw - 1):+10.1f}%" if uw else ""
    print(f"  {s:8s} {w:8.2f} {rel:>11s} {c:14.3f} {100 * c / w:9.2f}% {t:12.2f} {bred:6.0f}")
PY
