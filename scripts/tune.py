#!/usr/bin/python3
"""tune.py — choose a sampler's settings on tuning seeds, the way docs/results.md did.

usage: scripts/tune.py CONFIG SAMPLER OUT [--seeds 0-2] [--validation-seed N]
                       [--set KEY=V1,V2,...]... [--ogas PATH]

Runs `ogas compare CONFIG --samplers uniform` once and, for every combination
of the --set values, `ogas compare VARIANT --samplers SAMPLER`, all on the
tuning seeds and the tuning validation seed (by default the config's "tuning"
section), so that the seeds and validation set the results are later reported
on play no part in the choice. KEY is a dotted path into the config
("breed.sigma", "ogas.breeder.end_breed_ratio"); values are JSON
("0.1", "true", "\"halton\""). Prints, per variant, uniform ÷ sampler of the
means over the seeds of mean, p99 and max (one-step nRMSE) and the sampler's
CPU share of the study's wall time, best p99 first, and the choice: the best
p99 among the variants whose mean is at most 5 % worse than uniform's and
whose sampler CPU stays under 5 % of the wall time (the same rule for every
sampler; --cpu-limit 1 lifts the CPU bound, for sbal, whose ensemble costs a
second surrogate's training by design); writes OUT/tuning-SAMPLER.json.
Results already in OUT are reused, so an interrupted tuning resumes.
"""
import argparse
import copy
import itertools
import json
import os
import subprocess
import sys


def set_path(cfg, dotted, value):
    node = cfg
    keys = dotted.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value


def run_compare(ogas, config, sampler, seeds, out):
    results = os.path.join(out, "results.json")
    if not os.path.exists(results):
        subprocess.run([ogas, "compare", config, "--samplers", sampler, "--seeds", seeds,
                        "--out", out, "--force", "--quiet", "--no-plots"],
                       check=True, stdout=subprocess.DEVNULL)
    with open(results) as f:
        return json.load(f)["samplers"][0]


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("sampler")
    ap.add_argument("out")
    ap.add_argument("--seeds")
    ap.add_argument("--validation-seed", type=int)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=V1,V2")
    ap.add_argument("--ogas", default=os.path.join(here, "build", "ogas"))
    ap.add_argument("--cpu-limit", type=float, default=0.05, metavar="SHARE")
    a = ap.parse_args()

    with open(a.config) as f:
        base = json.load(f)
    tuning = base.get("tuning", {})
    seeds = a.seeds or ",".join(str(s) for s in tuning.get("seeds", [])) + ","
    vseed = a.validation_seed if a.validation_seed is not None else tuning.get("validation_seed")
    if seeds == "," or vseed is None:
        sys.exit("tune.py: give --seeds and --validation-seed, or a \"tuning\" section")
    base.setdefault("validation", {})["seed"] = vseed
    os.makedirs(a.out, exist_ok=True)

    axes = []
    for s in a.set:
        key, _, values = s.partition("=")
        axes.append([(key, json.loads(v)) for v in values.split(",")])

    def write(cfg, name):
        path = os.path.join(a.out, name + ".json")
        with open(path, "w") as f:
            json.dump(cfg, f, indent=1)
        return path

    uniform = run_compare(a.ogas, write(base, "uniform"), "uniform", seeds,
                          os.path.join(a.out, "uniform"))
    rows = []
    for combo in itertools.product(*axes) if axes else [()]:
        cfg = copy.deepcopy(base)
        for key, value in combo:
            set_path(cfg, key, value)
        name = "-".join(f"{k.split('.')[-1]}={json.dumps(v)}" for k, v in combo) or "config"
        name = a.sampler + "_" + name.replace("/", "_").replace('"', "")
        s = run_compare(a.ogas, write(cfg, name), a.sampler, seeds, os.path.join(a.out, name))
        row = {"variant": dict(combo), "name": name}
        for stat in ("mean", "p99", "max"):
            row[stat] = uniform["stats"][stat] / s["stats"][stat]
        row["cpu_share"] = s["sampler_cpu_s"] / s["wall_s"] if s["wall_s"] else float("nan")
        rows.append(row)
    rows.sort(key=lambda r: -r["p99"])
    print(f"tuning seeds {seeds.rstrip(',')}, validation seed {vseed}; uniform ÷ {a.sampler}")
    print(f"{'mean':>6} {'p99':>6} {'max':>6} {'cpu %':>6}  variant")
    for r in rows:
        print(f"{r['mean']:6.3f} {r['p99']:6.3f} {r['max']:6.3f} {100 * r['cpu_share']:6.1f}  "
              f"{json.dumps(r['variant'])}")
    eligible = [r for r in rows if r["mean"] >= 0.95 and r["cpu_share"] < a.cpu_limit]
    chosen = eligible[0] if eligible else None
    print("chosen:", json.dumps(chosen["variant"]) if chosen
          else f"none (every mean > 5 % worse or CPU >= {100 * a.cpu_limit:g} %)")
    with open(os.path.join(a.out, f"tuning-{a.sampler}.json"), "w") as f:
        json.dump({"config": a.config, "sampler": a.sampler, "seeds": seeds,
                   "validation_seed": vseed, "cpu_limit": a.cpu_limit, "rows": rows,
                   "chosen": chosen["variant"] if chosen else None}, f, indent=1)


if __name__ == "__main__":
    main()
