#!/usr/bin/env python3
"""PyTorch reference for `ogas bench surrogate` (the FNO).

The conditional FNO of src/nn/fno.h written the plain PyTorch way
(channels first, 1x1 convolutions for the pointwise maps, torch.fft for the
Fourier layers, as the reference FNO code does it), trained with the same
step: MSE on the normalised increment, gradient-norm clipping at 1, AdamW.
The command-line flags match `ogas bench surrogate`:

    python3 bench/torch_fno.py [--dim 2] [--grid 32] [--channels 2]
        [--params 4] [--width 32] [--blocks 4] [--modes 12] [--batch 32]
        [--threads 1] [--train-steps 50] [--seed 0] [--json]

    h       = P x                              (C -> W, 1x1, no bias)
    a       = S_k h + L_k h                    S_k keeps `modes` modes per
                                               dimension (both ky signs)
    h       = silu(a * (1 + G_k z + g_k))      x blocks
    f       = Q2 silu(Q1 h)                    (W -> W -> C)

The data are synthetic smooth states, as in the C benchmark; only the time
is compared.
"""

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see torch_ddpm.py

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class SpectralConv(nn.Module):
    def __init__(self, width, dim, modes):
        super().__init__()
        self.dim, self.modes = dim, modes
        n_ky = 2 * modes if dim == 2 else 1
        scale = 1.0 / math.sqrt(2 * width)
        shape = (width, width, n_ky, modes) if dim == 2 else (width, width, modes)
        self.weight = nn.Parameter(scale * (2 * torch.rand(*shape, dtype=torch.cfloat) - (1 + 1j)))

    def forward(self, x):
        m = self.modes
        if self.dim == 1:
            B, W, n = x.shape
            X = torch.fft.rfft(x)
            out = torch.zeros(B, W, n // 2 + 1, dtype=torch.cfloat)
            out[:, :, :m] = torch.einsum("bix,iox->box", X[:, :, :m], self.weight)
            return torch.fft.irfft(out, n=n)
        B, W, ny, nx = x.shape
        X = torch.fft.rfft2(x)
        out = torch.zeros(B, W, ny, nx // 2 + 1, dtype=torch.cfloat)
        out[:, :, :m, :m] = torch.einsum("bixy,ioxy->boxy", X[:, :, :m, :m], self.weight[:, :, :m])
        out[:, :, -m:, :m] = torch.einsum("bixy,ioxy->boxy", X[:, :, -m:, :m], self.weight[:, :, m:])
        return torch.fft.irfft2(out, s=(ny, nx))


class FNO(nn.Module):
    def __init__(self, channels, params, width, blocks, dim, modes):
        super().__init__()
        conv = nn.Conv2d if dim == 2 else nn.Conv1d
        self.dim = dim
        self.lift = conv(channels, width, 1, bias=False)
        self.spectral = nn.ModuleList(SpectralConv(width, dim, modes) for _ in range(blocks))
        self.pointwise = nn.ModuleList(conv(width, width, 1, bias=False) for _ in range(blocks))
        self.film = nn.ModuleList(nn.Linear(params, width) for _ in range(blocks))
        for f in self.film:
            nn.init.zeros_(f.weight)
            nn.init.zeros_(f.bias)
        self.q1 = conv(width, width, 1, bias=False)
        self.q2 = conv(width, channels, 1, bias=False)

    def forward(self, x, z):
        h = self.lift(x)
        shape = (-1, h.shape[1]) + (1,) * self.dim
        for S, L, G in zip(self.spectral, self.pointwise, self.film):
            h = F.silu((S(h) + L(h)) * (1 + G(z).reshape(shape)))
        return self.q2(F.silu(self.q1(h)))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in (("dim", 2), ("grid", 32), ("channels", 2), ("params", 4),
                          ("width", 32), ("blocks", 4), ("modes", 12), ("batch", 32),
                          ("threads", 1), ("train-steps", 50), ("seed", 0)):
        ap.add_argument("--" + name, type=int, default=default)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv[1:])
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    C, P, n = a.channels, a.params, a.grid
    space = (n, n) if a.dim == 2 else (n,)
    model = FNO(C, P, a.width, a.blocks, a.dim, a.modes)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    pool = 256
    # Smooth states, like the C benchmark: a few modes per channel.
    grid = torch.arange(n, dtype=torch.float32) / n
    phase = grid[:, None] + grid[None, :] if a.dim == 2 else grid
    u = torch.zeros((pool, C) + space)
    for k in range(4):
        amp = torch.randn(pool, C, *([1] * a.dim)) / (1 + k)
        ph = 2 * math.pi * torch.rand(pool, C, *([1] * a.dim))
        u += amp * torch.cos(2 * math.pi * (k + 1) * phase + ph)
    un = 0.95 * u + 0.01 * torch.randn_like(u)
    z = torch.rand(pool, P) * 2 - 1
    dims = (0,) + tuple(range(2, 2 + a.dim))
    rms_in = u.pow(2).mean(dim=dims, keepdim=True).sqrt()[0]
    rms_out = (un - u).pow(2).mean(dim=dims, keepdim=True).sqrt()[0]
    loss = torch.tensor(0.0)
    for step in range(5 + a.train_steps):
        if step == 5:
            t0 = time.perf_counter()
        idx = torch.randint(0, pool, (a.batch,))
        x, y = u[idx] / rms_in, (un[idx] - u[idx]) / rms_out
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x, z[idx]), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    t_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, pool, a.batch):
            model(u[i:i + a.batch] / rms_in, z[i:i + a.batch])
    t_pred = time.perf_counter() - t0
    n_params = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
    res = {"impl": "torch", "arch": "fno",
           "train_samples_per_s": a.train_steps * a.batch / t_train,
           "train_ms_per_step": 1e3 * t_train / a.train_steps,
           "predict_samples_per_s": pool / t_pred, "params": n_params,
           "final_loss": float(loss), "threads": a.threads, "dim": a.dim, "grid": n,
           "channels": C, "nb_params": P, "width": a.width, "blocks": a.blocks,
           "modes": a.modes, "batch": a.batch}
    if a.json:
        print(json.dumps(res))
    else:
        print(f"torch_fno: {a.dim}-D grid {n}, {C} fields, width {a.width}, {a.blocks} blocks, "
              f"{a.modes} modes, batch {a.batch}, {n_params} weights, {a.threads} thread(s)")
        print(f"  training  : {res['train_samples_per_s']:9.1f} samples/s  "
              f"({res['train_ms_per_step']:.2f} ms/step)")
        print(f"  prediction: {res['predict_samples_per_s']:9.1f} samples/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
