#!/usr/bin/env python3
"""An online-training server in Python whose sampler is ogas.OGASBreeder.

A PyTorch surrogate learns the one-step map u_t -> u_{t+1} of viscous Burgers
(1D, periodic; the built-in `burgers1d` problem of libogas: parameters a1 b1
a2 b2 of a two-mode Fourier initial condition and log10 of the viscosity)
from simulations streamed to it and never stored. The same study runs twice
with the same budget and seeds, once with uniform sampling and once with
ogas choosing the parameters of the simulations still to come, then both
surrogates are judged on one validation set and the evaluation table of
`ogas compare` is printed: one-step nRMSE mean, std, p50, p95, p99, max, and
uniform / ogas for each (> 1: ogas is better).

    OGAS_LIBRARY=build/libogas.so PYTHONPATH=python \\
        /usr/bin/python3 examples/python/online_server.py [--sims 600] [--quick]

The loop is the one of a Melissa server with the reference breeder, and the
breeder calls are the reference's: draw(sim_id) when a simulation starts,
record_increments(sim_ids, time_steps, losses, batch_idx) after every batch,
next_parameters / concretize_resampled_parameters at generation breaks.

The simulations are run by a NumPy port of libogas's burgers1d scheme (the
library exports its breeder API only; any solver would do). Needs Debian's
python3-torch and python3-numpy.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
import ogas  # noqa: E402

# ---------------------------------------------------------------------------
# The solver: viscous Burgers, the same scheme as libogas's built-in
# burgers1d (src/pde/burgers1d.c), in NumPy: the library exports its breeder
# API only, and any solver would do.


class Solver:
    """u_t + (u^2/2)_x = nu u_xx, periodic on [0, 2 pi), N finite-volume cells:
    MUSCL with the monotonised-central limiter, the exact Godunov flux, a
    centred viscous flux, SSP-RK3 with dt = 0.4 / (max|u|/dx + 2 nu/dx^2),
    output every 0.05. Parameters a1 b1 a2 b2 in [-1, 1] (u0 = sum_m a_m
    cos(m x) + b_m sin(m x), exact cell averages) and log10 nu in
    [log10 0.002, -1]. simulate(params) returns a trajectory."""

    names = ["a1", "b1", "a2", "b2", "log10_nu"]
    nb_params = 5
    lower = np.array([-1.0, -1.0, -1.0, -1.0, np.log10(0.002)])
    upper = np.array([1.0, 1.0, 1.0, 1.0, -1.0])

    def __init__(self, n_steps: int, grid: int = 128, dt_output: float = 0.05) -> None:
        self.n_steps, self.n, self.dt_output = n_steps, grid, dt_output
        self.dx = 2 * np.pi / grid
        x0 = np.arange(grid) * self.dx
        self._x0, self._x1 = x0, x0 + self.dx

    def _rate(self, u: np.ndarray, nu: np.ndarray) -> np.ndarray:
        """-(F_{j+1/2} - F_{j-1/2}) / dx for every row of u (sims x cells)."""
        right = np.roll(u, -1, axis=-1) - u
        left = np.roll(right, 1, axis=-1)
        slope = np.where(left * right <= 0, 0.0,
                         np.sign(left) * np.minimum(2 * np.abs(left),
                                                    np.minimum(2 * np.abs(right), 0.5 * np.abs(left + right))))
        ul, ur = u + 0.5 * slope, np.roll(u - 0.5 * slope, -1, axis=-1)  # the two sides of face j+1/2
        fl, fr = 0.5 * ul * ul, 0.5 * ur * ur
        rarefaction = np.where((ul <= 0) & (ur >= 0), 0.0, np.minimum(fl, fr))
        flux = np.where(ul <= ur, rarefaction, np.maximum(fl, fr)) - nu * right / self.dx
        return -(flux - np.roll(flux, 1, axis=-1)) / self.dx

    def simulate_many(self, params: Sequence[np.ndarray]) -> List[np.ndarray]:
        """One (n_steps + 1, grid) float32 trajectory per parameter vector, advanced
        together (every row takes the smallest stable step of the batch)."""
        p = np.asarray(params, dtype=np.float64).reshape(-1, self.nb_params)
        nu = (10.0 ** p[:, 4])[:, None]
        u = np.zeros((len(p), self.n))
        for m in (1, 2):
            a, b = p[:, 2 * (m - 1), None], p[:, 2 * (m - 1) + 1, None]
            u += (a * (np.sin(m * self._x1) - np.sin(m * self._x0))
                  + b * (np.cos(m * self._x0) - np.cos(m * self._x1))) / (m * self.dx)
        traj = np.empty((len(p), self.n_steps + 1, self.n), dtype=np.float32)
        traj[:, 0] = u
        for t in range(1, self.n_steps + 1):
            umax = np.max(np.abs(u), axis=1, keepdims=True)
            if not np.all(np.isfinite(umax)):
                raise RuntimeError(f"a simulation diverged at step {t}")
            dt_max = float(np.min(0.4 / (umax / self.dx + 2 * nu / self.dx**2)))
            substeps = max(1, int(np.ceil(self.dt_output / dt_max)))
            dt = self.dt_output / substeps
            for _ in range(substeps):  # Shu-Osher SSP-RK3
                u1 = u + dt * self._rate(u, nu)
                u2 = 0.75 * u + 0.25 * (u1 + dt * self._rate(u1, nu))
                u = u / 3.0 + 2.0 / 3.0 * (u2 + dt * self._rate(u2, nu))
            traj[:, t] = u
        return list(traj)

    def simulate(self, params: np.ndarray) -> np.ndarray:
        """(n_steps + 1, grid) float32 trajectory from the initial condition."""
        return self.simulate_many([params])[0]


# ---------------------------------------------------------------------------
# The surrogate: u_{t+1} = u_t + out_std * f([(u_t - mean)/std, z]).


class Surrogate(torch.nn.Module):
    def __init__(self, state: int, nb_params: int, width: int = 256, depth: int = 3) -> None:
        super().__init__()
        layers: List[torch.nn.Module] = [torch.nn.Linear(state + nb_params, width), torch.nn.SiLU()]
        for _ in range(depth - 1):
            layers += [torch.nn.Linear(width, width), torch.nn.SiLU()]
        layers.append(torch.nn.Linear(width, state))
        self.net = torch.nn.Sequential(*layers)
        self.register_buffer("in_mean", torch.zeros(1))
        self.register_buffer("in_std", torch.ones(1))
        self.register_buffer("out_std", torch.ones(1))

    def fit_normalization(self, u: torch.Tensor, du: torch.Tensor) -> None:
        self.in_mean.fill_(float(u.mean()))
        self.in_std.fill_(float(u.std()) + 1e-6)
        self.out_std.fill_(float(du.std()) + 1e-6)

    def forward(self, u: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        x = torch.cat([(u - self.in_mean) / self.in_std, z], dim=1)
        return u + self.out_std * self.net(x)


def nrmse(pred: torch.Tensor, target: torch.Tensor, floor: float) -> torch.Tensor:
    """Per-sample one-step normalised RMSE: ||pred - target|| / max(||target||, floor)."""
    return (pred - target).norm(dim=1) / target.norm(dim=1).clamp_min(floor)


class Buffer:
    """FIFO of (u_t, u_{t+1}, z, sim_id, t): the only data the server keeps."""

    def __init__(self, capacity: int, state: int, nb_params: int) -> None:
        self.u = np.zeros((capacity, state), np.float32)
        self.v = np.zeros((capacity, state), np.float32)
        self.z = np.zeros((capacity, nb_params), np.float32)
        self.sim = np.zeros(capacity, np.int64)
        self.t = np.zeros(capacity, np.int64)
        self.capacity, self.count, self.head = capacity, 0, 0

    def push(self, traj: np.ndarray, z: np.ndarray, sim_id: int) -> None:
        for t in range(traj.shape[0] - 1):
            i = self.head
            self.u[i], self.v[i], self.z[i], self.sim[i], self.t[i] = traj[t], traj[t + 1], z, sim_id, t
            self.head = (self.head + 1) % self.capacity
            self.count = min(self.count + 1, self.capacity)

    def sample(self, rng: np.random.Generator, n: int) -> Tuple[np.ndarray, ...]:
        idx = rng.integers(0, self.count, n)
        return self.u[idx], self.v[idx], self.z[idx], self.sim[idx], self.t[idx]


# ---------------------------------------------------------------------------
# Samplers: the uniform baseline and ogas, behind the reference breeder's methods.


class UniformSampler:
    """Uniform draws in the box; the breeder methods are no-ops."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray, nb_sims: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.table = lower + rng.random((nb_sims, lower.size)) * (upper - lower)

    def draw(self, sim_id: int) -> np.ndarray:
        return self.table[sim_id]

    def record_increments(self, *args: object) -> None:
        pass

    def next_parameters(self, max_breeding_count: int = -1) -> int:
        return 0

    def concretize_resampled_parameters(self, last: int) -> Tuple[int, int]:
        return -1, -1


def ogas_breeder(solver: Solver, nb_sims: int, seed: int, sync: bool, run_dir: Optional[str]) -> ogas.OGASBreeder:
    """An OGAS breeder with the library's model and training defaults; only the
    breed-ratio schedule is this study's."""
    return ogas.OGASBreeder(
        nb_params=solver.nb_params, l_bounds=solver.lower, u_bounds=solver.upper,
        parameter_names=solver.names, nb_sims=nb_sims, seed=seed, non_breed_sampler="uniform",
        run_dir=run_dir,
        breeder={"start_breed_ratio": 0.0, "end_breed_ratio": 0.7, "breakpoint": 4,
                 "async_training": not sync},
        data={"buffer_size": 2000, "batch_size": 128},
    )


# ---------------------------------------------------------------------------
# One online study.


@dataclass
class Settings:
    nb_sims: int
    generation_size: int
    sims_per_round: int
    batches_per_sim: int
    batch_size: int
    buffer_capacity: int
    n_steps: int
    seed: int
    lr: float


def train_online(name: str, solver: Solver, sampler, s: Settings, floor: float) -> Tuple[Surrogate, Dict[str, float]]:
    """Stream nb_sims simulations into the buffer, train on it, breed between generations."""
    torch.manual_seed(s.seed)
    rng = np.random.default_rng(s.seed + 1)
    lo, hi = solver.lower, solver.upper
    model: Optional[Surrogate] = None
    opt: Optional[torch.optim.Optimizer] = None
    buf: Optional[Buffer] = None
    batch_idx, last_started, sim_time, breed_time, t0 = 0, -1, 0.0, 0.0, time.perf_counter()
    losses: List[float] = []
    for first in range(0, s.nb_sims, s.sims_per_round):
        # A round of clients: each takes its parameters when it starts, streams its steps.
        ids = range(first, min(first + s.sims_per_round, s.nb_sims))
        ts = time.perf_counter()
        xs = [np.asarray(sampler.draw(sim_id), dtype=np.float64) for sim_id in ids]
        for sim_id, x, traj in zip(ids, xs, solver.simulate_many(xs)):
            z = (2 * (x - lo) / (hi - lo) - 1).astype(np.float32)
            if buf is None:
                buf = Buffer(s.buffer_capacity, traj.shape[1], solver.nb_params)
            buf.push(traj, z, sim_id)
            last_started = sim_id
        sim_time += time.perf_counter() - ts
        assert buf is not None
        if model is None:
            model = Surrogate(buf.u.shape[1], solver.nb_params)
            u = torch.from_numpy(buf.u[: buf.count])
            model.fit_normalization(u, torch.from_numpy(buf.v[: buf.count]) - u)
            opt = torch.optim.AdamW(model.parameters(), lr=s.lr)
        assert opt is not None
        # The same number of gradient steps per simulation whatever the sampler.
        for _ in range(s.batches_per_sim * len(ids)):
            u, v, z, sim, t = buf.sample(rng, s.batch_size)
            u_t, v_t = torch.from_numpy(u), torch.from_numpy(v)
            pred = model(u_t, torch.from_numpy(z))
            loss = torch.mean((pred - v_t) ** 2 / model.out_std ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            # The difficulty signal: every sample's current error, to the breeder.
            tb = time.perf_counter()
            sampler.record_increments(sim, t, nrmse(pred.detach(), v_t, floor).numpy(), batch_idx)
            breed_time += time.perf_counter() - tb
            losses.append(float(loss))
            batch_idx += 1
        # Generation break: rewrite the parameters of the simulations still to come.
        if (last_started + 1) % s.generation_size == 0 and last_started + 1 < s.nb_sims:
            tb = time.perf_counter()
            sampler.next_parameters(max_breeding_count=s.generation_size)
            sampler.concretize_resampled_parameters(last_started)
            breed_time += time.perf_counter() - tb
            if isinstance(sampler, ogas.OGASBreeder):
                g = sampler.generation_info()
                print(f"  [{name}] generation {g.generation}: R {g.breed_ratio:.2f}, bred {g.n_bred}"
                      f"/{g.n_children}, DDPM steps {g.ddpm_steps}, loss {g.ddpm_loss:.3f}"
                      + (f" ({g.not_bred_reason})" if g.not_bred_reason else ""), flush=True)
    assert model is not None
    wall = time.perf_counter() - t0
    return model, {"wall_s": wall, "sim_s": sim_time, "sampler_s": breed_time,
                   "final_loss": float(np.mean(losses[-50:]))}


def evaluate(model: Surrogate, trajs: Sequence[np.ndarray], zs: np.ndarray, floor: float) -> np.ndarray:
    """Per validation simulation, the mean one-step nRMSE over its pairs."""
    out = []
    with torch.no_grad():
        for traj, z in zip(trajs, zs):
            u = torch.from_numpy(traj[:-1])
            pred = model(u, torch.from_numpy(np.repeat(z[None], len(u), 0)))
            out.append(float(nrmse(pred, torch.from_numpy(traj[1:]), floor).mean()))
    return np.array(out)


STATS = ("mean", "std", "p50", "p95", "p99", "max")


def stats(e: np.ndarray) -> Dict[str, float]:
    return {"mean": float(e.mean()), "std": float(e.std()), "p50": float(np.percentile(e, 50)),
            "p95": float(np.percentile(e, 95)), "p99": float(np.percentile(e, 99)), "max": float(e.max())}


def main() -> int:
    ap = argparse.ArgumentParser(description="Online training of a Burgers surrogate: uniform vs ogas.")
    ap.add_argument("--sims", type=int, default=600, help="simulations per sampler (600)")
    ap.add_argument("--generation-size", type=int, default=100, help="simulations per generation (100)")
    ap.add_argument("--steps", type=int, default=40, help="output steps per simulation (40)")
    ap.add_argument("--batches-per-sim", type=int, default=8, help="gradient steps per simulation (8)")
    ap.add_argument("--validation", type=int, default=200, help="validation simulations (200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sync", action="store_true", help="train the DDPM synchronously (reproducible)")
    ap.add_argument("--run-dir", default=None, help="ogas telemetry folder (none)")
    ap.add_argument("--quick", action="store_true", help="a smoke run in a few seconds")
    args = ap.parse_args()
    if args.quick:
        args.sims, args.generation_size, args.steps, args.batches_per_sim, args.validation = 120, 40, 10, 2, 20
    torch.set_num_threads(1)  # leave the other core to the ogas trainer thread

    solver = Solver(n_steps=args.steps)
    s = Settings(nb_sims=args.sims, generation_size=args.generation_size, sims_per_round=20,
                 batches_per_sim=args.batches_per_sim, batch_size=64, buffer_capacity=20000,
                 n_steps=args.steps, seed=args.seed, lr=1e-3)
    print(f"problem burgers1d ({', '.join(solver.names)}), {args.sims} simulations x {args.steps} steps "
          f"per sampler, {args.sims * args.batches_per_sim} gradient steps; libogas {ogas.library_path()}")

    # One validation set for both: uniform draws with their own seed.
    vrng = np.random.default_rng(10_000 + args.seed)
    vx = solver.lower + vrng.random((args.validation, solver.nb_params)) * (solver.upper - solver.lower)
    vtraj = solver.simulate_many(vx)
    vz = (2 * (vx - solver.lower) / (solver.upper - solver.lower) - 1).astype(np.float32)
    floor = 0.01 * float(np.sqrt(np.mean([np.sum(t.astype(np.float64) ** 2, axis=1).mean() for t in vtraj])))

    results: Dict[str, Dict[str, float]] = {}
    for name in ("uniform", "ogas"):
        print(f"{name}: training online ...", flush=True)
        if name == "uniform":
            sampler = UniformSampler(solver.lower, solver.upper, args.sims, args.seed)
        else:
            sampler = ogas_breeder(solver, args.sims, args.seed, args.sync, args.run_dir)
        model, info = train_online(name, solver, sampler, s, floor)
        if isinstance(sampler, ogas.OGASBreeder):
            low_nu = float(np.mean(sampler.parameters[:, -1] < -2.2))
            info["low_viscosity_share"] = low_nu
            sampler.close()
        else:
            info["low_viscosity_share"] = float(np.mean(sampler.table[:, -1] < -2.2))
        results[name] = {**stats(evaluate(model, vtraj, vz, floor)), **info}
        print(f"{name}: {info['wall_s']:.1f} s (simulations {info['sim_s']:.1f} s, sampler calls "
              f"{info['sampler_s']:.2f} s), share of simulations with nu < 0.0063: "
              f"{100 * info['low_viscosity_share']:.0f} %", flush=True)

    # The table of `ogas run` / `ogas compare`.
    print(f"\nvalidation: {args.validation} simulations x {args.steps} steps, one-step nRMSE per simulation")
    print(f"  {'sampler':<8}" + "".join(f" {k:>10}" for k in STATS))
    for name, r in results.items():
        print(f"  {name:<8}" + "".join(f" {r[k]:>10.4g}" for k in STATS))
    print(f"  {'uni/ogas':<8}" + "".join(f" {results['uniform'][k] / results['ogas'][k]:>10.3g}" for k in STATS))
    print("  (uniform / ogas > 1: ogas is better)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
