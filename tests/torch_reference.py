#!/usr/bin/env python3
"""Reference tensors from PyTorch for the C tests.

    python3 tests/torch_reference.py OUTDIR

Everything is computed by torch in float64 from fixed seeds, then stored as
float32.  The C tests load the files and compare their own forward and
backward passes with them (run from the same inputs, so only rounding
differs).

File format
-----------
One file per case, OUTDIR/<case>.bin.  A file is a sequence of tensors; each
tensor is an ASCII header line

    name ndim dim0 dim1 ...\\n

(fields separated by one space, name without spaces, ndim >= 1) followed
immediately by prod(dims) float32 values, little-endian, row-major (C order).
Scalars are stored with ndim 1, dim0 1.  Integer-valued tensors (timesteps,
labels, masks) are stored as exact float32 values.  The file ends after the
last tensor's data.  Example reader loop: fgets the header, sscanf name and
dims, fread the floats, repeat until EOF.

Conventions
-----------
Linear weights are (out, in): y = x W^T + b.  Gradients named d<x> are of the
scalar sum(gy * y) (or of the loss, for the loss cases) with respect to x.

Cases and tensor names
----------------------
linear.bin      x (4,5), W (3,5), b (3), gy (4,3) -> y (4,3), dx (4,5),
                dW (3,5), db (3)
layernorm.bin   x (4,6), gamma (6), beta (6), gy (4,6) -> y, dx, dgamma,
                dbeta; eps = 1e-5, biased variance over the last axis
silu.bin        x (4,6), gy (4,6) -> y = x sigmoid(x), dx
sinusoidal.bin  x (5), y (5,8): y = concat(sin(x f), cos(x f)),
                f_k = exp(-ln(10000) k / 4), k = 0..3 (dim 8, half 4)
mse.bin         pred (4,3), target (4,3), w (4) -> loss (1), dpred (4,3);
                loss = mean_i w_i * mean_j (target_ij - pred_ij)^2
bce.bin         logits (6), labels (6) in {0,1}, w (6); for smoothing s = 0
                and s = 0.1 the label is y' = y (1 - s) + s / 2 and
                loss = mean_i w_i * bce(logit_i, y'_i),
                bce(x, y) = max(x, 0) - x y + log(1 + exp(-|x|)):
                loss_s0 (1), dlogits_s0 (6), loss_s01 (1), dlogits_s01 (6)
denoiser.bin    the conditional denoiser of SPEC.md section 4 (see
                bench/torch_ddpm.py) with d = 3, H = 16, n_blocks = 2:
                params (P) flat in the C order (below), z_t (5,3),
                t (5) integer timesteps, c (5) conditions,
                uncond (5) 1 where e_c is replaced by null_cond (rows 1, 3),
                g (5,3) -> eps_hat (5,3), dparams (P), dz_t (5,3): the
                gradients of sum(g * eps_hat).  P = 2403.
                Linears have torch's default init; null_cond ~ N(0, 1);
                LayerNorm weight ~ 1 + 0.1 N(0,1), bias ~ 0.1 N(0,1), so
                that every parameter's gradient is exercised.
ratio_mlp.bin   RatioMLP D(z) = sigmoid(L3(silu(L2(silu(L1(z)))))),
                3 -> 8 -> 8 -> 1, params (P) flat as L1.W (8,3), L1.b,
                L2.W (8,8), L2.b, L3.W (1,8), L3.b (1); P = 113;
                z (6,3), labels (6), w (6) all 1 -> logits (6),
                loss (1) = mean BCE-with-logits (no smoothing),
                dparams (P) = d loss / d params
spectral1d.bin  the Fourier layer of src/nn/spectral_conv.h, 1-D: x (3,1,16,3)
                channels last (B, ny, nx, cin), w (5,3,2,2) (mode, in, out,
                re/im) for modes kx = 0..4, gy (3,1,16,2) -> y (3,1,16,2),
                dx, dw: y = irfft(truncated rfft(x) . W), gradients of
                sum(gy * y)
spectral2d.bin  the same in 2-D on an 8 x 10 grid: x (2,8,10,2), modes
                my = 4 (ky = 0..3 and 4..7: the Nyquist row is kept), mx = 3,
                w (24,2,3,2), gy (2,8,10,3) -> y, dx, dw (rfft2 / irfft2)
fno1d.bin       the FNO surrogate (src/study/surrogate.h, nn/fno.h) on a 1-D
fno2d.bin       state of C = 2 fields (16 points; 2-D: 8 x 8 with the
                coordinate channels): params (P) flat in the C order, u, un
                (B, C*N) states and next states, z (B, nb_params), w (B)
                sample weights, in_mean, in_std, out_mean, out_std (C) ->
                loss (1) the MSE training loss on the normalised increment,
                dparams (P), pred (B, C*N) the predicted next states.
                1-D: W = 6, 2 blocks, 4 modes, nb_params 3, B = 4;
                2-D: W = 5, 2 blocks, 3 modes per dimension, nb_params 2,
                B = 3.
unet1d.bin      the UNet surrogate (nn/unet.h), same tensors as fno1d.bin:
unet2d.bin      1-D C = 2, 16 points, width 3, 2 levels, kernel 3,
                nb_params 3, B = 3; 2-D C = 2, 8 x 8 with coordinates,
                width 2, 2 levels, kernel 3, nb_params 2, B = 2. Periodic
                convolutions are circular padding + conv, pooling
                avg_pool, upsampling nearest.
schedule.bin    cosine schedule, T = 10, s = 0.008: betas (10),
                alphas_cumprod (10) (computed in float64; stored as float32
                here, and also as text with 17 significant digits in
                schedule_f64.txt, one "name v0 v1 ..." line per tensor)

Denoiser flat parameter order: L_in.W (H,d), L_in.b, L_t1.W (H,H), L_t1.b,
L_t2.W, L_t2.b, L_c1.W, L_c1.b, L_c2.W, L_c2.b, null_cond (H), then per block
LN_b.weight, LN_b.bias, L_b1.W, L_b1.b, L_b2.W, L_b2.b, then LN_f.weight,
LN_f.bias, L_out.W (d,H), L_out.b (d).
"""

import importlib.util
import os
import struct
import sys

import torch
import torch.nn.functional as F

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load_bench():
    path = os.path.join(_HERE, os.pardir, "bench", "torch_ddpm.py")
    spec = importlib.util.spec_from_file_location("torch_ddpm", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ddpm = _load_bench()
DT = torch.float64


def write_case(outdir, case, tensors):
    """tensors: list of (name, tensor); see the format above."""
    with open(os.path.join(outdir, case + ".bin"), "wb") as f:
        for name, x in tensors:
            x = torch.as_tensor(x, dtype=DT).detach()
            if x.dim() == 0:
                x = x.reshape(1)
            header = f"{name} {x.dim()} " + " ".join(str(n) for n in x.shape)
            f.write(header.encode("ascii") + b"\n")
            flat = x.reshape(-1).to(torch.float32).tolist()
            f.write(struct.pack(f"<{len(flat)}f", *flat))


def leaf(x):
    return x.detach().clone().requires_grad_(True)


def case_linear(outdir, gen):
    x = leaf(torch.randn(4, 5, generator=gen, dtype=DT))
    W = leaf(torch.randn(3, 5, generator=gen, dtype=DT))
    b = leaf(torch.randn(3, generator=gen, dtype=DT))
    gy = torch.randn(4, 3, generator=gen, dtype=DT)
    y = F.linear(x, W, b)
    y.backward(gy)
    write_case(outdir, "linear", [("x", x), ("W", W), ("b", b), ("gy", gy),
                                  ("y", y), ("dx", x.grad), ("dW", W.grad),
                                  ("db", b.grad)])


def case_layernorm(outdir, gen):
    x = leaf(torch.randn(4, 6, generator=gen, dtype=DT) * 2 + 0.5)
    gamma = leaf(1 + 0.3 * torch.randn(6, generator=gen, dtype=DT))
    beta = leaf(0.3 * torch.randn(6, generator=gen, dtype=DT))
    gy = torch.randn(4, 6, generator=gen, dtype=DT)
    y = F.layer_norm(x, (6,), gamma, beta, eps=1e-5)
    y.backward(gy)
    write_case(outdir, "layernorm", [("x", x), ("gamma", gamma),
                                     ("beta", beta), ("gy", gy), ("y", y),
                                     ("dx", x.grad), ("dgamma", gamma.grad),
                                     ("dbeta", beta.grad)])


def case_silu(outdir, gen):
    x = leaf(torch.randn(4, 6, generator=gen, dtype=DT) * 3)
    gy = torch.randn(4, 6, generator=gen, dtype=DT)
    y = F.silu(x)
    y.backward(gy)
    write_case(outdir, "silu", [("x", x), ("gy", gy), ("y", y),
                                ("dx", x.grad)])


def case_sinusoidal(outdir):
    x = torch.tensor([0.0, 1.0, 7.5, 42.0, 99.0], dtype=DT)
    write_case(outdir, "sinusoidal", [("x", x), ("y", ddpm.sinusoidal(x, 8))])


def case_mse(outdir, gen):
    pred = leaf(torch.randn(4, 3, generator=gen, dtype=DT))
    target = torch.randn(4, 3, generator=gen, dtype=DT)
    w = torch.rand(4, generator=gen, dtype=DT) * 2
    loss = ddpm.weighted_mse(pred, target, w)
    loss.backward()
    write_case(outdir, "mse", [("pred", pred), ("target", target), ("w", w),
                               ("loss", loss), ("dpred", pred.grad)])


def weighted_bce(logits, labels, w, smoothing):
    y = labels * (1 - smoothing) + 0.5 * smoothing
    bce = F.binary_cross_entropy_with_logits(logits, y, reduction="none")
    return (w * bce).mean()


def case_bce(outdir, gen):
    base = torch.tensor([-4.0, -1.0, -0.2, 0.3, 1.5, 6.0], dtype=DT)
    logits0 = base + 0.1 * torch.randn(6, generator=gen, dtype=DT)
    labels = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0], dtype=DT)
    w = torch.rand(6, generator=gen, dtype=DT) * 2
    out = [("logits", logits0), ("labels", labels), ("w", w)]
    for tag, s in (("s0", 0.0), ("s01", 0.1)):
        logits = leaf(logits0)
        loss = weighted_bce(logits, labels, w, s)
        loss.backward()
        out += [("loss_" + tag, loss), ("dlogits_" + tag, logits.grad)]
    write_case(outdir, "bce", out)


def case_denoiser(outdir, seed):
    d, H, n_blocks = 3, 16, 2
    torch.manual_seed(seed)  # nn.Linear default init draws from the global RNG
    model = ddpm.Denoiser(d, H, n_blocks).to(DT)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        model.null_cond.copy_(torch.randn(H, generator=gen, dtype=DT))
        for norm in [b.norm for b in model.blocks] + [model.norm_f]:
            norm.weight.copy_(1 + 0.1 * torch.randn(H, generator=gen, dtype=DT))
            norm.bias.copy_(0.1 * torch.randn(H, generator=gen, dtype=DT))
    params = ddpm.flat_parameters(model).detach()
    assert params.numel() == 2403
    z_t = leaf(torch.randn(5, d, generator=gen, dtype=DT))
    t = torch.tensor([0, 17, 42, 63, 99], dtype=DT)
    c = torch.tensor([0.0, 0.35, 1.0, 0.8, 2.5], dtype=DT)
    uncond = torch.tensor([0, 1, 0, 1, 0], dtype=torch.bool)
    g = torch.randn(5, d, generator=gen, dtype=DT)
    eps_hat = model(z_t, t, c, uncond)
    (g * eps_hat).sum().backward()
    dparams = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    write_case(outdir, "denoiser", [("params", params), ("z_t", z_t), ("t", t),
                                    ("c", c), ("uncond", uncond.to(DT)),
                                    ("g", g), ("eps_hat", eps_hat),
                                    ("dparams", dparams), ("dz_t", z_t.grad)])


def case_ratio_mlp(outdir, seed):
    d, h = 3, 8
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(d, h), torch.nn.Linear(h, h), torch.nn.Linear(h, 1)]
    layers = [m.to(DT) for m in layers]
    params = [p for m in layers for p in (m.weight, m.bias)]
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    assert flat.numel() == 113
    gen = torch.Generator().manual_seed(seed + 1)
    z = torch.rand(6, d, generator=gen, dtype=DT) * 2 - 1
    labels = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], dtype=DT)
    w = torch.ones(6, dtype=DT)
    x = F.silu(layers[0](z))
    x = F.silu(layers[1](x))
    logits = layers[2](x).reshape(-1)
    loss = weighted_bce(logits, labels, w, 0.0)
    loss.backward()
    dparams = torch.cat([p.grad.reshape(-1) for p in params])
    write_case(outdir, "ratio_mlp", [("params", flat), ("z", z),
                                     ("labels", labels), ("w", w),
                                     ("logits", logits), ("loss", loss),
                                     ("dparams", dparams)])


def case_schedule(outdir):
    betas, _, abar = ddpm.cosine_schedule(10, dtype=DT)
    write_case(outdir, "schedule", [("betas", betas), ("alphas_cumprod", abar)])
    with open(os.path.join(outdir, "schedule_f64.txt"), "w") as f:
        for name, x in (("betas", betas), ("alphas_cumprod", abar)):
            f.write(name + " " + " ".join(f"{v:.17g}" for v in x.tolist()) + "\n")


def f32(x):
    """x rounded to float32 (what the C side reads), kept in float64."""
    return x.to(torch.float32).to(DT)


def spectral_conv(x, w, my, mx):
    """x (B, ny, nx, cin) channels last; w (n_modes, cin, cout, 2) real pairs.
    Keeps kx < mx and, in 2-D, ky < my and ky >= ny - my (mode m = a mx + kx,
    a indexing those rows in increasing ky); irfft2 with the default
    normalisation (1/(ny nx) on the inverse)."""
    B, ny, nx, cin = x.shape
    cout = w.shape[2]
    n_ky = 2 * my if ny > 1 else 1
    X = torch.fft.rfft2(x.permute(0, 3, 1, 2))  # (B, cin, ny, nx//2+1)
    rows = list(range(my)) + list(range(ny - my, ny)) if ny > 1 else [0]
    Xk = X[:, :, rows, :mx]  # (B, cin, n_ky, mx)
    Wc = torch.complex(w[..., 0], w[..., 1]).reshape(n_ky, mx, cin, cout)
    Yk = torch.einsum("biax,axio->boax", Xk, Wc)  # (B, cout, n_ky, mx)
    Yk = F.pad(Yk, (0, nx // 2 + 1 - mx))  # zero columns kx >= mx
    if ny > 1:
        zeros = torch.zeros(B, cout, ny - 2 * my, nx // 2 + 1, dtype=Yk.dtype)
        Y = torch.cat([Yk[:, :, :my], zeros, Yk[:, :, my:]], dim=2)
    else:
        Y = Yk
    y = torch.fft.irfft2(Y, s=(ny, nx))
    return y.permute(0, 2, 3, 1)


def case_spectral(outdir, gen, name, B, ny, nx, cin, cout, my, mx):
    n_modes = (2 * my if ny > 1 else 1) * mx
    x = leaf(f32(torch.randn(B, ny, nx, cin, generator=gen, dtype=DT)))
    w = leaf(f32(torch.randn(n_modes, cin, cout, 2, generator=gen, dtype=DT)))
    gy = torch.randn(B, ny, nx, cout, generator=gen, dtype=DT)
    y = spectral_conv(x, w, my, mx)
    (gy * y).sum().backward()
    write_case(outdir, name, [("x", x), ("w", w), ("gy", gy), ("y", y),
                              ("dx", x.grad), ("dw", w.grad)])


def fno_unflatten(flat, C, ny, nx, P, W, blocks, my, mx, coords):
    """Views of the flat parameter block in nn/fno.h's order."""
    n_modes = (2 * my if ny > 1 else 1) * mx
    Cl = C + (coords * (2 if ny > 1 else 1))
    sizes = [("lift", (W, Cl))]
    for k in range(blocks):
        sizes += [(f"S{k}", (n_modes, W, W, 2)), (f"L{k}", (W, W)),
                  (f"G{k}", (W, P)), (f"g{k}", (W,))]
    sizes += [("Q1", (W, W)), ("Q2", (C, W))]
    out, i = {}, 0
    for name, shape in sizes:
        n = 1
        for d in shape:
            n *= d
        out[name] = flat[i:i + n].reshape(shape)
        i += n
    assert i == flat.numel(), (i, flat.numel())
    return out


def fno_forward(t, x, z, C, ny, nx, blocks, my, mx, coords):
    """x (B, C, ny, nx) normalised state -> f (B, C, ny, nx)."""
    B = x.shape[0]
    h = x.permute(0, 2, 3, 1)  # channels last
    if coords:
        cx = ((torch.arange(nx, dtype=DT) + 0.5) / nx).reshape(1, 1, nx, 1)
        feats = [h, cx.expand(B, ny, nx, 1)]
        if ny > 1:
            cy = ((torch.arange(ny, dtype=DT) + 0.5) / ny).reshape(1, ny, 1, 1)
            feats.append(cy.expand(B, ny, nx, 1))
        h = torch.cat(feats, dim=3)
    h = h @ t["lift"].T
    for k in range(blocks):
        a = h @ t[f"L{k}"].T + spectral_conv(h, t[f"S{k}"], my, mx)
        gam = z @ t[f"G{k}"].T + t[f"g{k}"]  # (B, W)
        h = F.silu(a * (1 + gam[:, None, None, :]))
    f = F.silu(h @ t["Q1"].T) @ t["Q2"].T
    return f.permute(0, 3, 1, 2)


def case_fno(outdir, gen, name, B, C, ny, nx, P, W, blocks, modes, coords):
    my, mx = (modes if ny > 1 else 0), modes
    n_modes = (2 * my if ny > 1 else 1) * mx
    Cl = C + (coords * (2 if ny > 1 else 1))
    n = W * Cl + blocks * (2 * n_modes * W * W + W * W + W * P + W) + W * W + C * W
    params = leaf(f32(0.3 * torch.randn(n, generator=gen, dtype=DT)))
    S = C * ny * nx
    u = torch.randn(B, S, generator=gen, dtype=DT)
    un = u + 0.3 * torch.randn(B, S, generator=gen, dtype=DT)
    z = torch.rand(B, P, generator=gen, dtype=DT) * 2 - 1
    w = torch.rand(B, generator=gen, dtype=DT) + 0.5
    in_mean = 0.2 * torch.randn(C, generator=gen, dtype=DT)
    in_std = 0.5 + torch.rand(C, generator=gen, dtype=DT)
    out_mean = 0.1 * torch.randn(C, generator=gen, dtype=DT)
    out_std = 0.2 + torch.rand(C, generator=gen, dtype=DT)
    u, un, z, w, in_mean, in_std, out_mean, out_std = (
        f32(v) for v in (u, un, z, w, in_mean, in_std, out_mean, out_std))
    t = fno_unflatten(params, C, ny, nx, P, W, blocks, my, mx, coords)
    per = lambda v: v.reshape(1, C, 1, 1)  # noqa: E731
    x = (u.reshape(B, C, ny, nx) - per(in_mean)) / per(in_std)
    f = fno_forward(t, x, z, C, ny, nx, blocks, my, mx, coords)
    y = (un - u).reshape(B, C, ny, nx)
    y = (y - per(out_mean)) / per(out_std)
    loss = (w * ((f - y) ** 2).reshape(B, S).mean(dim=1)).mean()
    loss.backward()
    pred = u + (per(out_mean) + per(out_std) * f).reshape(B, S)
    write_case(outdir, name, [("params", params), ("u", u), ("un", un), ("z", z),
                              ("w", w), ("in_mean", in_mean), ("in_std", in_std),
                              ("out_mean", out_mean), ("out_std", out_std),
                              ("loss", loss), ("dparams", params.grad),
                              ("pred", pred)])


def unet_unflatten(flat, C, dim, P, W, levels, k, coords):
    """Views of the flat parameter block in nn/unet.h's order; kernels
    reshaped to torch's (out, in, k[, k]) from the C layout
    (out, taps, in)."""
    taps = k * k if dim == 2 else k
    Cl = C + (coords * dim)
    c = [W << l for l in range(levels + 1)]
    convs = [("K_in", Cl, c[0])]
    for l in range(levels):
        convs.append((f"K_e{l}", c[0] if l == 0 else c[l - 1], c[l]))
    convs.append(("K_m", c[0] if levels == 0 else c[levels - 1], c[levels]))
    for l in reversed(range(levels)):
        convs.append((f"K_d{l}", c[l + 1] + c[l], c[l]))
    out, i = {}, 0
    for name, cin, cout in convs:
        n = cout * taps * cin
        kern = flat[i:i + n].reshape((cout,) + ((k, k) if dim == 2 else (k,)) + (cin,))
        out[name] = kern.permute(0, 3, 1, 2) if dim == 2 else kern.permute(0, 2, 1)
        i += n
        if name != "K_in":
            out["G" + name[1:]] = flat[i:i + cout * P].reshape(cout, P)
            i += cout * P
            out["g" + name[1:]] = flat[i:i + cout]
            i += cout
    out["Q"] = flat[i:i + C * c[0]].reshape(C, c[0])
    i += C * c[0]
    assert i == flat.numel(), (i, flat.numel())
    return out


def unet_forward(t, x, z, dim, levels, k, coords):
    """x (B, C, ny, nx) normalised state (ny = 1 in 1-D) -> f, same shape."""
    B, C, ny, nx = x.shape
    h = x if dim == 2 else x[:, :, 0]
    if coords:
        cx = ((torch.arange(nx, dtype=DT) + 0.5) / nx)
        if dim == 2:
            cy = ((torch.arange(ny, dtype=DT) + 0.5) / ny)
            h = torch.cat([h, cx.reshape(1, 1, 1, nx).expand(B, 1, ny, nx),
                           cy.reshape(1, 1, ny, 1).expand(B, 1, ny, nx)], dim=1)
        else:
            h = torch.cat([h, cx.reshape(1, 1, nx).expand(B, 1, nx)], dim=1)
    pad = (k // 2,) * (2 * dim)
    conv = F.conv2d if dim == 2 else F.conv1d
    pool = (lambda v: F.avg_pool2d(v, 2)) if dim == 2 else (lambda v: F.avg_pool1d(v, 2))
    shape = (B, -1) + (1,) * dim

    def cv(v, K):
        return conv(F.pad(v, pad, mode="circular"), K)

    def block(v, name):
        a = cv(v, t["K" + name])
        gam = z @ t["G" + name].T + t["g" + name]
        return F.silu(a * (1 + gam.reshape(shape)))

    cur = cv(h, t["K_in"])
    skips = []
    for l in range(levels):
        e = block(cur, f"_e{l}")
        skips.append(e)
        cur = pool(e)
    d = block(cur, "_m")
    for l in reversed(range(levels)):
        up = F.interpolate(d, scale_factor=2, mode="nearest")
        d = block(torch.cat([up, skips[l]], dim=1), f"_d{l}")
    f = torch.einsum("oc,bc...->bo...", t["Q"], d)
    return f if dim == 2 else f[:, :, None, :]


def case_unet(outdir, gen, name, B, C, ny, nx, P, W, levels, k, coords):
    dim = 2 if ny > 1 else 1
    taps = k * k if dim == 2 else k
    Cl = C + coords * dim
    c = [W << l for l in range(levels + 1)]
    n = c[0] * taps * Cl
    for l in range(levels):
        cin = c[0] if l == 0 else c[l - 1]
        n += c[l] * taps * cin + c[l] * P + c[l]
    cin = c[0] if levels == 0 else c[levels - 1]
    n += c[levels] * taps * cin + c[levels] * P + c[levels]
    for l in range(levels):
        n += c[l] * taps * (c[l + 1] + c[l]) + c[l] * P + c[l]
    n += C * c[0]
    params = leaf(f32(0.3 * torch.randn(n, generator=gen, dtype=DT)))
    S = C * ny * nx
    u = f32(torch.randn(B, S, generator=gen, dtype=DT))
    un = f32(u + 0.3 * torch.randn(B, S, generator=gen, dtype=DT))
    z = f32(torch.rand(B, P, generator=gen, dtype=DT) * 2 - 1)
    w = f32(torch.rand(B, generator=gen, dtype=DT) + 0.5)
    in_mean = f32(0.2 * torch.randn(C, generator=gen, dtype=DT))
    in_std = f32(0.5 + torch.rand(C, generator=gen, dtype=DT))
    out_mean = f32(0.1 * torch.randn(C, generator=gen, dtype=DT))
    out_std = f32(0.2 + torch.rand(C, generator=gen, dtype=DT))
    t = unet_unflatten(params, C, dim, P, W, levels, k, coords)
    per = lambda v: v.reshape(1, C, 1, 1)  # noqa: E731
    x = (u.reshape(B, C, ny, nx) - per(in_mean)) / per(in_std)
    f = unet_forward(t, x, z, dim, levels, k, coords)
    y = ((un - u).reshape(B, C, ny, nx) - per(out_mean)) / per(out_std)
    loss = (w * ((f - y) ** 2).reshape(B, S).mean(dim=1)).mean()
    loss.backward()
    pred = u + (per(out_mean) + per(out_std) * f).reshape(B, S)
    write_case(outdir, name, [("params", params), ("u", u), ("un", un), ("z", z),
                              ("w", w), ("in_mean", in_mean), ("in_std", in_std),
                              ("out_mean", out_mean), ("out_std", out_std),
                              ("loss", loss), ("dparams", params.grad),
                              ("pred", pred)])


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1234)
    case_linear(outdir, gen)
    case_layernorm(outdir, gen)
    case_silu(outdir, gen)
    case_sinusoidal(outdir)
    case_mse(outdir, gen)
    case_bce(outdir, gen)
    case_denoiser(outdir, 7)
    case_ratio_mlp(outdir, 11)
    case_schedule(outdir)
    case_spectral(outdir, gen, "spectral1d", 3, 1, 16, 3, 2, 0, 5)
    case_spectral(outdir, gen, "spectral2d", 2, 8, 10, 2, 3, 4, 3)
    case_fno(outdir, gen, "fno1d", 4, 2, 1, 16, 3, 6, 2, 4, False)
    case_fno(outdir, gen, "fno2d", 3, 2, 8, 8, 2, 5, 2, 3, True)
    case_unet(outdir, gen, "unet1d", 3, 2, 1, 16, 3, 3, 2, 3, False)
    case_unet(outdir, gen, "unet2d", 2, 2, 8, 8, 2, 2, 2, 3, True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
