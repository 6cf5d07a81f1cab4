#!/usr/bin/env python3
"""PyTorch reference for `ogas bench ddpm`.

The same conditional DDPM as src/ddpm (SPEC.md section 4), written the plain
PyTorch way, so that the C training step and sampler can be compared with it
on the same machine.  The command-line flags match `ogas bench ddpm`:

    python3 bench/torch_ddpm.py [--dim 8] [--model-dim 256] [--blocks 3]
        [--batch 128] [--timesteps 100] [--samples 1000] [--threads 1]
        [--train-steps 200] [--guidance 5.0] [--seed 0] [--json]

Denoiser eps_theta(z_t, t, c), d = dim, H = model_dim, all Linear weights
(out, in) with torch.nn.Linear's default initialisation:

    sin(x)  = concat(sin(x f), cos(x f)),  f_k = exp(-ln(10000) k / (H/2)),
              k = 0 .. H/2-1
    e_t     = L_t2(silu(L_t1(sin(t))))           t the integer step, as float
    e_c     = L_c2(silu(L_c1(sin(100 c))))       or null_cond on rows with no
                                                 condition (dropout, guidance)
    h       = L_in(z_t)
    block:  h = h + L_b2(silu(L_b1(LN_b(h)) + e_t + e_c))     x n_blocks
    eps_hat = L_out(silu(LN_f(h)))

null_cond is initialised N(0, 1) * 0.02; LayerNorms are affine, eps 1e-5,
initialised weight 1, bias 0.

Parameter order (the C code's one contiguous block; `flat_parameters` and
`Denoiser.parameters()` follow it):
    L_in.W, L_in.b, L_t1.W, L_t1.b, L_t2.W, L_t2.b, L_c1.W, L_c1.b,
    L_c2.W, L_c2.b, null_cond,
    per block: LN_b.weight, LN_b.bias, L_b1.W, L_b1.b, L_b2.W, L_b2.b,
    LN_f.weight, LN_f.bias, L_out.W, L_out.b

FLOP count (only the matrix products; LayerNorm, SiLU, embeddings, the
optimiser and EMA are left out):
    a linear in -> out over `rows` rows costs 2*rows*in*out forward, and
    2*rows*in*out for each of dW and dX backward.
    Backward skips dX where nothing upstream needs it: the first layer of
    each embedding MLP (L_t1, L_c1, whose input is a fixed sinusoid) and the
    input projection L_in (whose input z_t is data).
    Training step:  rows = batch; every linear runs on every row (rows whose
    condition is dropped still go through the condition MLP, then are
    replaced by null_cond, which is what the module does).
    Sampling:       forward only, rows = 2 * samples per step, times T steps.
"""

import argparse
import ctypes
import json
import math
import os
import sys
import time

# Debian's torch runs its elementwise kernels on an OpenMP pool but its GEMMs
# on OpenBLAS's own pthread pool.  With the default active wait policy the
# idle OpenMP workers spin on the cores OpenBLAS needs (measured: --threads 2
# ran at a third of --threads 1).  A passive policy avoids that; it has no
# effect with one thread.  An explicit setting from the environment wins.
# (libgomp reads this when it is loaded, i.e. on `import torch`.)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn as nn
import torch.nn.functional as F

_COND_SCALE = 100.0  # condition c in [0, ~5] is embedded as sin(100 c)


def sinusoidal(x, dim):
    """x: (N,) -> (N, dim); concat(sin(x f), cos(x f)), f_k = 10000^(-k/half)."""
    half = dim // 2
    k = torch.arange(half, dtype=x.dtype, device=x.device)
    freqs = torch.exp(-math.log(10000.0) * k / half)
    arg = x[:, None] * freqs[None, :]
    return torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)


class Block(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        # Registration order = parameter order: LN_b, L_b1, L_b2.
        self.norm = nn.LayerNorm(hidden, eps=1e-5)
        self.lin1 = nn.Linear(hidden, hidden)
        self.lin2 = nn.Linear(hidden, hidden)

    def forward(self, h, emb):
        a = self.lin1(self.norm(h)) + emb
        return h + self.lin2(F.silu(a))


class NullCond(nn.Module):
    """Holds the learned null condition.  A submodule rather than a parameter
    of Denoiser itself, because nn.Module lists a module's own parameters
    before its submodules' and null_cond sits between L_c2 and the blocks."""

    def __init__(self, hidden):
        super().__init__()
        self.vector = nn.Parameter(torch.randn(hidden) * 0.02)


class Denoiser(nn.Module):
    def __init__(self, dim, hidden, n_blocks):
        super().__init__()
        self.dim, self.hidden, self.n_blocks = dim, hidden, n_blocks
        # Registration order is the flat parameter order of the C code.
        self.lin_in = nn.Linear(dim, hidden)
        self.time1 = nn.Linear(hidden, hidden)
        self.time2 = nn.Linear(hidden, hidden)
        self.cond1 = nn.Linear(hidden, hidden)
        self.cond2 = nn.Linear(hidden, hidden)
        self.null = NullCond(hidden)
        self.blocks = nn.ModuleList(Block(hidden) for _ in range(n_blocks))
        self.norm_f = nn.LayerNorm(hidden, eps=1e-5)
        self.lin_out = nn.Linear(hidden, dim)

    @property
    def null_cond(self):
        return self.null.vector

    def forward(self, z_t, t, c, uncond):
        """z_t (N, d); t (N,) float timesteps; c (N,) conditions;
        uncond (N,) bool, True where e_c is replaced by null_cond."""
        e_t = self.time2(F.silu(self.time1(sinusoidal(t, self.hidden))))
        e_c = self.cond2(F.silu(self.cond1(sinusoidal(_COND_SCALE * c, self.hidden))))
        e_c = torch.where(uncond[:, None], self.null_cond[None, :], e_c)
        emb = e_t + e_c
        h = self.lin_in(z_t)
        for block in self.blocks:
            h = block(h, emb)
        return self.lin_out(F.silu(self.norm_f(h)))


def parameter_table(dim, hidden, n_blocks):
    """(name, shape) in the flat order of the C code."""
    H, d = hidden, dim
    table = [("L_in.W", (H, d)), ("L_in.b", (H,)),
             ("L_t1.W", (H, H)), ("L_t1.b", (H,)),
             ("L_t2.W", (H, H)), ("L_t2.b", (H,)),
             ("L_c1.W", (H, H)), ("L_c1.b", (H,)),
             ("L_c2.W", (H, H)), ("L_c2.b", (H,)),
             ("null_cond", (H,))]
    for i in range(n_blocks):
        table += [(f"block{i}.LN.weight", (H,)), (f"block{i}.LN.bias", (H,)),
                  (f"block{i}.L1.W", (H, H)), (f"block{i}.L1.b", (H,)),
                  (f"block{i}.L2.W", (H, H)), (f"block{i}.L2.b", (H,))]
    table += [("LN_f.weight", (H,)), ("LN_f.bias", (H,)),
              ("L_out.W", (d, H)), ("L_out.b", (d,))]
    return table


def flat_parameters(model):
    """The parameters as one vector in the C layout (checks the order)."""
    params = list(model.parameters())
    table = parameter_table(model.dim, model.hidden, model.n_blocks)
    assert len(params) == len(table)
    for p, (name, shape) in zip(params, table):
        assert tuple(p.shape) == shape, (name, tuple(p.shape), shape)
    return torch.cat([p.reshape(-1) for p in params])


def load_flat_parameters(model, flat):
    offset = 0
    with torch.no_grad():
        for p in model.parameters():
            n = p.numel()
            p.copy_(flat[offset:offset + n].view_as(p))
            offset += n
    assert offset == flat.numel()


def cosine_schedule(T, s=0.008, dtype=torch.float64):
    """Nichol & Dhariwal: abar(t) = f(t)/f(0), f(t) = cos(((t/T)+s)/(1+s) pi/2)^2;
    beta_t = min(1 - abar(t+1)/abar(t), 0.999); abar recomputed as
    cumprod(1 - beta) from the clipped betas.  Returns betas, alphas, abar."""
    steps = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos(((steps / T) + s) / (1 + s) * math.pi / 2) ** 2
    abar_raw = f / f[0]
    betas = torch.clamp(1 - abar_raw[1:] / abar_raw[:-1], max=0.999)
    alphas = 1 - betas
    abar = torch.cumprod(alphas, dim=0)
    return betas.to(dtype), alphas.to(dtype), abar.to(dtype)


def weighted_mse(pred, target, w):
    """mean_i w_i * mean_j (target_ij - pred_ij)^2."""
    return (w * ((target - pred) ** 2).mean(dim=1)).mean()


def _openblas():
    """The OpenBLAS that torch loaded, or None (torch may use MKL instead)."""
    names = ["libopenblas.so.0", "libopenblas.so"]
    try:
        with open("/proc/self/maps") as f:
            names += sorted({line.split()[-1] for line in f
                             if "openblas" in line.split()[-1]})
    except OSError:
        pass
    for name in names:
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_set_num_threads
            return lib
        except (OSError, AttributeError):
            continue
    return None


def set_blas_threads(n):
    """Make OpenBLAS use n threads: torch.set_num_threads does not reach
    OpenBLAS's pthread pool, which otherwise uses every core.  An explicit
    OPENBLAS_NUM_THREADS in the environment wins.  Returns (core, threads)."""
    lib = _openblas()
    if lib is None:
        return "not openblas", None
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        lib.openblas_set_num_threads(n)
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib.openblas_get_corename().decode(), lib.openblas_get_num_threads()


def flops(dim, hidden, n_blocks, batch, timesteps, samples):
    d, H = dim, hidden
    # (in, out, needs_dX) of every linear, in forward order.
    linears = [(d, H, False), (H, H, False), (H, H, True),
               (H, H, False), (H, H, True)]
    linears += [(H, H, True), (H, H, True)] * n_blocks
    linears += [(H, d, True)]
    fwd_per_row = sum(2 * i * o for i, o, _ in linears)
    bwd_per_row = sum(2 * i * o * (2 if dx else 1) for i, o, dx in linears)
    train = batch * (fwd_per_row + bwd_per_row)
    sample = timesteps * 2 * samples * fwd_per_row
    return train, sample


class Trainer:
    """One full training step on a fixed synthetic data set."""

    def __init__(self, args, gen):
        self.args = args
        self.gen = gen
        d = args.dim
        self.model = Denoiser(d, args.model_dim, args.blocks)
        self.ema = [p.detach().clone() for p in self.model.parameters()]
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=2e-4)
        betas, alphas, abar = cosine_schedule(args.timesteps, dtype=torch.float32)
        self.betas, self.alphas, self.abar = betas, alphas, abar
        # Synthetic reservoir: z in [-1, 1]^d with a condition that rises
        # towards one corner, like a loss landscape.
        n_data = 6000
        self.data_z = torch.rand(n_data, d, generator=gen) * 2 - 1
        self.data_c = ((self.data_z.mean(dim=1) + 1) / 2).clamp(0, 1)
        self.p_uncond = 0.1

    def step(self):
        a, gen, B = self.args, self.gen, self.args.batch
        idx = torch.randint(0, self.data_z.shape[0], (B,), generator=gen)
        z, c = self.data_z[idx], self.data_c[idx]
        t = torch.randint(0, a.timesteps, (B,), generator=gen)
        eps = torch.randn(B, a.dim, generator=gen)
        ab = self.abar[t][:, None]
        # z_t = sqrt(abar_t) z + sqrt(1 - abar_t) eps
        z_t = ab.sqrt() * z + (1 - ab).sqrt() * eps
        uncond = torch.rand(B, generator=gen) < self.p_uncond
        w = torch.ones(B)
        pred = self.model(z_t, t.float(), c, uncond)
        loss = weighted_mse(pred, eps, w)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        with torch.no_grad():
            params = [p.detach() for p in self.model.parameters()]
            torch._foreach_mul_(self.ema, 0.999)
            torch._foreach_add_(self.ema, params, alpha=1 - 0.999)
        return loss.item()

    def ema_model(self):
        m = Denoiser(self.args.dim, self.args.model_dim, self.args.blocks)
        with torch.no_grad():
            for p, e in zip(m.parameters(), self.ema):
                p.copy_(e)
        return m


@torch.no_grad()
def sample(model, betas, alphas, abar, cond, guidance, gen, timesteps=None):
    """Ancestral DDPM with classifier-free guidance; cond (N,) targets.
    Each step runs one forward pass of 2N rows: N conditional, N not."""
    N, d = cond.shape[0], model.dim
    T = betas.shape[0] if timesteps is None else timesteps
    x = torch.randn(N, d, generator=gen)
    c2 = torch.cat([cond, cond])
    uncond = torch.cat([torch.zeros(N, dtype=torch.bool),
                        torch.ones(N, dtype=torch.bool)])
    for t in range(T - 1, -1, -1):
        tt = torch.full((2 * N,), float(t))
        out = model(torch.cat([x, x]), tt, c2, uncond)
        eps_c, eps_u = out[:N], out[N:]
        eps = eps_u + guidance * (eps_c - eps_u)
        # mean = (x - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t)
        mean = (x - betas[t] / torch.sqrt(1 - abar[t]) * eps) / torch.sqrt(alphas[t])
        if t > 0:
            # beta_tilde_t = beta_t (1 - abar_{t-1}) / (1 - abar_t)
            var = betas[t] * (1 - abar[t - 1]) / (1 - abar[t])
            x = mean + torch.sqrt(var) * torch.randn(N, d, generator=gen)
        else:
            x = mean
    return x


@torch.no_grad()
def sample_ddim(model, abar, cond, guidance, gen, steps):
    """Deterministic DDIM (eta = 0) over `steps` of the T timesteps, spread
    evenly as ogas does; guidance as in sample()."""
    N, d = cond.shape[0], model.dim
    T = abar.shape[0]
    ts = [T - 1] if steps == 1 else [round(i * (T - 1) / (steps - 1)) for i in range(steps)]
    x = torch.randn(N, d, generator=gen)
    c2 = torch.cat([cond, cond])
    uncond = torch.cat([torch.zeros(N, dtype=torch.bool),
                        torch.ones(N, dtype=torch.bool)])
    for i in range(steps - 1, -1, -1):
        t = ts[i]
        out = model(torch.cat([x, x]), torch.full((2 * N,), float(t)), c2, uncond)
        eps = out[N:] + guidance * (out[:N] - out[N:])
        x0 = (x - torch.sqrt(1 - abar[t]) * eps) / torch.sqrt(abar[t])
        ab_prev = abar[ts[i - 1]] if i > 0 else torch.tensor(1.0)
        x = torch.sqrt(ab_prev) * x0 + torch.sqrt(1 - ab_prev) * eps
    return x


# --preset, as `ogas bench ddpm --preset` has them ("default" mirrors the
# library's default model: model_dim 128, 2 blocks, T = 50, guidance 1).
PRESETS = {
    "default": dict(dim=8, model_dim=128, blocks=2, batch=128, timesteps=50,
                    samples=200, guidance=1.0),
    "paper": dict(dim=309, model_dim=1024, blocks=3, batch=128, timesteps=100,
                  samples=200, guidance=5.0),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description="PyTorch reference for `ogas bench ddpm`")
    ap.add_argument("--dim", type=int, default=8)
    ap.add_argument("--model-dim", type=int, default=256)
    ap.add_argument("--blocks", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--timesteps", type=int, default=100)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-steps", type=int, default=200)
    ap.add_argument("--guidance", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--preset", choices=sorted(PRESETS))
    ap.add_argument("--sampler", choices=["ddpm", "ddim"], default="ddpm",
                    help="ddim: time DDIM too, next to the ancestral sampler")
    ap.add_argument("--ddim-steps", type=int, default=20)
    argv = sys.argv[1:] if argv is None else argv
    known = ap.parse_known_args(argv)[0]
    if known.preset:  # the preset's values, then the options given after it
        ap.set_defaults(**PRESETS[known.preset])
    args = ap.parse_args(argv)
    for name in ("dim", "model_dim", "blocks", "batch", "timesteps", "samples",
                 "threads", "train_steps"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.model_dim % 2:
        ap.error("--model-dim must be even (sinusoidal embedding)")

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass  # only settable once per process, before any parallel work
    blas_core, blas_threads = set_blas_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    trainer = Trainer(args, gen)
    warmup = 20
    for _ in range(warmup):
        trainer.step()
    t0 = time.perf_counter()
    for _ in range(args.train_steps):
        loss = trainer.step()
    train_s = time.perf_counter() - t0

    model = trainer.ema_model()
    model.eval()
    cond = torch.rand(args.samples, generator=gen) * 0.5 + 0.5
    # Warm-up: two steps of sampling, so that one-off setup is not timed.
    sample(model, trainer.betas, trainer.alphas, trainer.abar, cond,
           args.guidance, gen, timesteps=2)
    t0 = time.perf_counter()
    x = sample(model, trainer.betas, trainer.alphas, trainer.abar, cond,
               args.guidance, gen)
    sample_s = time.perf_counter() - t0
    ddim_s = None
    if args.sampler == "ddim":
        t0 = time.perf_counter()
        x = sample_ddim(model, trainer.abar, cond, args.guidance, gen, args.ddim_steps)
        ddim_s = time.perf_counter() - t0
    if not torch.isfinite(x).all():
        print("torch_ddpm: non-finite samples", file=sys.stderr)
        return 1

    train_flops, sample_flops = flops(args.dim, args.model_dim, args.blocks,
                                      args.batch, args.timesteps, args.samples)
    steps_per_s = args.train_steps / train_s
    result = {
        "impl": "torch",
        "torch_version": torch.__version__,
        "threads": args.threads,
        "blas_core": blas_core, "blas_threads": blas_threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "dim": args.dim, "model_dim": args.model_dim, "blocks": args.blocks,
        "batch": args.batch, "timesteps": args.timesteps,
        "samples": args.samples, "guidance": args.guidance, "seed": args.seed,
        "n_params": sum(p.numel() for p in trainer.model.parameters()),
        "train_steps": args.train_steps, "warmup_steps": warmup,
        "train_steps_per_s": steps_per_s,
        "train_ms_per_step": 1e3 * train_s / args.train_steps,
        "train_flops_per_step": train_flops,
        "train_gflops_per_s": train_flops * steps_per_s / 1e9,
        "sample_ms": 1e3 * sample_s,
        **({"ddim_steps": args.ddim_steps, "ddim_sample_ms": 1e3 * ddim_s}
           if ddim_s is not None else {}),
        "sample_flops": sample_flops,
        "sample_gflops_per_s": sample_flops / sample_s / 1e9,
        "final_loss": loss,
    }
    if args.json:
        print(json.dumps(result))
    else:
        r = result
        print(f"torch {r['torch_version']} ddpm bench, {r['threads']} thread(s) "
              f"(BLAS {r['blas_core']} x {r['blas_threads']}, "
              f"OMP_WAIT_POLICY={r['omp_wait_policy']})")
        print(f"  model: d={r['dim']} H={r['model_dim']} blocks={r['blocks']} "
              f"params={r['n_params']}")
        print(f"  train: batch {r['batch']}, {r['train_steps']} steps after "
              f"{warmup} warm-up: {r['train_steps_per_s']:.1f} steps/s "
              f"({r['train_ms_per_step']:.2f} ms/step, "
              f"{r['train_gflops_per_s']:.2f} GFLOP/s, "
              f"{r['train_flops_per_step'] / 1e6:.1f} MFLOP/step), "
              f"final loss {r['final_loss']:.4f}")
        print(f"  sample: {r['samples']} candidates x {r['timesteps']} steps, "
              f"guidance {r['guidance']}: {r['sample_ms']:.1f} ms "
              f"({r['sample_gflops_per_s']:.2f} GFLOP/s, "
              f"{r['sample_flops'] / 1e9:.2f} GFLOP)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
