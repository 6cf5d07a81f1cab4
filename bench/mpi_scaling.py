#!/usr/bin/python3
"""Studies over 1, 2 and 4 MPI ranks, side by side: training samples consumed
per second and where each role's time goes.

Usage: bench/mpi_scaling.py [BUILD_DIR] [REPEATS] [--config FILE] [--sampler NAME]
                            [--deterministic]

Runs the same study (bench/mpi_scaling.json by default: ks1d, concurrent
mode) as `ogas run` in one process (study.h, threads) and as
`mpirun -n N ogas run` for N = 1, 2, 4 (N = 4 with one and with two training
ranks), alternating the cases REPEATS times so that a machine shared with
other jobs slows them alike, and prints medians as a Markdown table:

  samples/s      surrogate training samples consumed per second of the study
                 (gradient steps x batch size / wall time, validation excluded)
  streamed/s     time steps the solvers streamed per second
  comm % ...     per role, the share of its wall time spent communicating and
                 waiting (src/mpi/rank_ctx.h defines them), summed over its ranks

With --deterministic every case runs the lockstep mode (one thread in one
process; over ranks the solvers of the next round overlap the training of
this one) and the table says whether each result equals the one-process
result bit for bit.

mpirun runs with --oversubscribe (4 ranks on a 2-core machine) and, as root,
--allow-run-as-root. OPENBLAS_CORETYPE is reported as found.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
args = [a for a in sys.argv[1:]]
config = os.path.join(here, "mpi_scaling.json")
sampler = "uniform"
if "--config" in args:
    i = args.index("--config"); config = args[i + 1]; del args[i:i + 2]
if "--sampler" in args:
    i = args.index("--sampler"); sampler = args[i + 1]; del args[i:i + 2]
deterministic = "--deterministic" in args
if deterministic:
    args.remove("--deterministic")
build = args[0] if args else os.path.join(here, "..", "build")
repeats = int(args[1]) if len(args) > 1 else 3
ogas = os.path.join(build, "ogas")
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")

cases = [
    ("1 process (study.h, threads)", None, None),
    ("mpirun -n 2: T=1, breed shared, S=1", 2, {}),
    ("mpirun -n 4: T=1, breed, S=2", 4, {}),
    ("mpirun -n 4: T=2, breed shared, S=2", 4, {"training_ranks": 2, "breed_rank": "shared"}),
]

base = json.load(open(config))
base["deterministic"] = deterministic
tmp = tempfile.mkdtemp(prefix="ogas_mpi_bench_")
results = {c[0]: [] for c in cases}


def run(case, k):
    name, n, mpi = case
    cfg = dict(base)
    if mpi is not None:
        cfg["mpi"] = dict(base.get("mpi", {}), **mpi)
    path = os.path.join(tmp, f"c{k}.json")
    json.dump(cfg, open(path, "w"))
    out = os.path.join(tmp, f"o{k}")
    cmd = [ogas, "run", path, "--sampler", sampler, "--out", out, "--quiet"]
    if n is not None:
        cmd = ["mpirun", "-n", str(n)] + cmd
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = json.load(open(os.path.join(out, f"result_{sampler}.json")))
    wall = r["time"]["wall_s"]
    row = {"wall": wall, "samples": r["grad_steps"] * cfg["surrogate"]["batch_size"] / wall,
           "streamed": r["samples_streamed"] / wall, "val": r["validation"]["stats"]["mean"],
           "bits": (r["train_loss"], r["validation"]["per_sim"], [s["params"] for s in r["sims"]])}
    m = r.get("mpi")
    if m:
        for role in ("simulation", "training", "breed"):
            ro = m["roles"][role]
            row[role] = (ro["communicate_share"], ro["wait_share"])
    return row


t0 = time.time()
for rep in range(repeats):
    for k, case in enumerate(cases):
        results[case[0]].append(run(case, k))
print(f"study: {os.path.relpath(config)}, sampler {sampler}, "
      f"{'deterministic' if deterministic else 'concurrent'} mode, {repeats} alternating repeats, medians;"
      f" {os.cpu_count()} cores, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')},"
      f" {time.time() - t0:.0f} s in all\n")
print("| layout | wall s | samples/s | streamed/s | sim comm / wait % | train comm / wait % | breed comm / wait % | validation mean |"
      + (" same as 1 process |" if deterministic else ""))
print("|---|---|---|---|---|---|---|---|" + ("---|" if deterministic else ""))
first_bits = results[cases[0][0]][0]["bits"]
ref = None
for name, _, _ in cases:
    rows = results[name]
    med = lambda key: statistics.median(r[key] for r in rows)
    cell = []
    for role in ("simulation", "training", "breed"):
        if role in rows[0]:
            c = statistics.median(r[role][0] for r in rows) * 100
            w = statistics.median(r[role][1] for r in rows) * 100
            cell.append(f"{c:.1f} / {w:.0f}")
        else:
            cell.append("-")
    s = med("samples")
    ref = ref or s
    same = ""
    if deterministic:
        same = " yes |" if all(r["bits"] == first_bits for r in rows) else " no |"
    print(f"| {name} | {med('wall'):.2f} | {s:.0f} ({s / ref:.2f}x) | {med('streamed'):.0f} | "
          f"{cell[0]} | {cell[1]} | {cell[2]} | {med('val'):.4g} |" + same)
subprocess.run(["rm", "-rf", tmp])
