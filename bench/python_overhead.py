#!/usr/bin/env python3
"""Cost of OGASBreeder.record_increments from Python, against the C call alone.

    OGAS_LIBRARY=build/libogas.so /usr/bin/python3 bench/python_overhead.py [--batch 64]

For a batch of B values (default 64, int64 ids and time steps, float64
values, the common case of a training server's per-sample losses) it times

  python   OGASBreeder.record_increments(ids, ts, vals, batch_idx)
  ctypes   the bare ctypes call with pre-computed pointers (the floor any
           ctypes binding pays: the C work plus the foreign-call cost)
  convert  the same Python call with float32 values and int32 ids (NumPy
           conversions included), and with Python lists

and prints the median and the best of several repeats, in microseconds per
call, and the binding's overhead (python - ctypes). Background training is off
so that timings measure the call, not a concurrent trainer. Budget: the
binding's whole call must stay under 20 us for B = 64.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
import ogas  # noqa: E402


def per_call_us(fn, n: int, repeats: int) -> list:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t0) / n * 1e6)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=64, help="values per call (64)")
    ap.add_argument("--calls", type=int, default=20000, help="calls per repeat (20000)")
    ap.add_argument("--repeats", type=int, default=7, help="repeats (7)")
    ap.add_argument("--budget-us", type=float, default=20.0, help="pass/fail threshold (20)")
    args = ap.parse_args()

    B = args.batch
    nb_sims = 100000
    b = ogas.OGASBreeder(
        nb_params=4, l_bounds=[0] * 4, u_bounds=[1] * 4, nb_sims=nb_sims, seed=1,
        breeder={"async_training": False, "max_mlp_steps_per_collect": 0},
        model={"n_train_steps_per_epoch": 0},
    )
    rng = np.random.default_rng(0)
    ids = rng.integers(0, nb_sims, B).astype(np.int64)
    ts = np.arange(B, dtype=np.int64)
    vals = rng.random(B)
    ids32, vals32 = ids.astype(np.int32), vals.astype(np.float32)
    ids_list, ts_list, vals_list = ids.tolist(), ts.tolist(), vals.tolist()

    raw = b._lib.ogas_record_increments
    h = b._h
    pi, pt = ctypes.c_int64.from_buffer(ids), ctypes.c_int64.from_buffer(ts)
    pv = ctypes.c_double.from_buffer(vals)

    cases = {
        "ctypes (floor)": lambda: raw(h, pi, pt, pv, B, 0),
        "python, int64/float64": lambda: b.record_increments(ids, ts, vals, 0),
        "python, int32/float32": lambda: b.record_increments(ids32, ts, vals32, 0),
        "python, lists": lambda: b.record_increments(ids_list, ts_list, vals_list, 0),
    }
    for fn in cases.values():  # warm up
        per_call_us(fn, 1000, 1)
    print(f"ogas record_increments, batch of {B} values, library {ogas.library_path()}")
    print(f"{'case':<24} {'median us':>10} {'best us':>10}")
    # Round robin, so that machine load and the breeder's growing state (the
    # reservoir fills, then turns over) weigh on every case alike.
    times = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            times[name] += per_call_us(fn, args.calls, 1)
    results = {}
    for name, t in times.items():
        results[name] = (statistics.median(t), min(t))
        print(f"{name:<24} {results[name][0]:>10.2f} {results[name][1]:>10.2f}")
    floor = results["ctypes (floor)"][0]
    main_case = results["python, int64/float64"][0]
    print(f"binding overhead over the bare ctypes call: {main_case - floor:.2f} us "
          f"(whole Python call {main_case:.2f} us, budget {args.budget_us:g} us)")
    b.close()
    return 0 if main_case < args.budget_us else 1


if __name__ == "__main__":
    sys.exit(main())
