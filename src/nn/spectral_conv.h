/* spectral_conv — the Fourier layer of a Fourier neural operator (Li et al.,
 * 2021), forward and backward, on a periodic 1-D or 2-D grid:
 *
 *   y = irfft( W ⊙ truncate(rfft(x)) )
 *
 * Shapes (channels last, like every activation of the FNO):
 *   inp  (B, ny, nx, cin)   real; ny = 1 for 1-D
 *   out  (B, ny, nx, cout)  real
 *   weights (n_modes, cin, cout) complex, stored as (re, im) float pairs:
 *           weights[2·((m·cin + i)·cout + o) + {0, 1}]
 *   xhat (n_modes, B, cin)  complex: the kept modes of inp, saved by the
 *           forward pass for the backward one (the caller owns it, one per
 *           layer use, 2·n_modes·B·cin floats)
 *
 * Kept modes: kx = 0 .. mx-1 of the half spectrum (mx <= nx/2), and in 2-D
 * both the positive and the negative ky blocks, ky = 0 .. my-1 and
 * ny-my .. ny-1 (my <= ny/2), as the standard FNO keeps them. Mode m = a·mx +
 * kx with a = 0 .. n_ky-1 (n_ky = 2·my in 2-D, 1 in 1-D) and ky = a for
 * a < my, ky = ny - 2·my + a otherwise. Everything else is set to zero.
 *
 * Conventions: X = rfft(x) is FFTW's unnormalised forward transform
 * (X_k = Σ_n x_n e^{-iφ}), and the inverse is irfft(Y) = c2r(Y)/(ny·nx) as
 * numpy and torch.fft define it, c2r being FFTW's unnormalised complex-to-
 * real transform. c2r reads only the half spectrum kx = 0 .. nx/2 and takes
 * the real part after the kx sum, so (with no Nyquist column: kx < nx/2)
 *
 *   y_n = (1/Nt) Σ_{kept (ky,kx)} c_kx Re(Y_{ky,kx} e^{iφ}),
 *   φ = 2π(ky·y/ny + kx·x/nx), Nt = ny·nx, c_0 = 1, c_kx = 2 for kx >= 1
 *
 * (the factor 2 stands for the conjugate modes -kx that c2r adds; Im Y of
 * the kx = 0 column enters only through that real part).
 *
 * Backward. Write a complex variable's gradient as G = ∂L/∂Re + i ∂L/∂Im, so
 * that δL = Re(conj(G)·δY). With dy = ∂L/∂y:
 *   G_Y = (c_kx/Nt) · rfft(dy)           (c_kx: the Hermitian doubling above)
 *   Y = X·W per mode (complex linear):   G_X = G_Y·W^H,  G_W = X^H·G_Y
 *   X = rfft(x) is real-linear in x:     dx_n = Σ_kept Re(G_X e^{iφ})
 *                                             = c2r(G_X / c_kx)_n
 * so the doubling cancels on the input path: dx = c2r(rfft(dy)·W^H)/Nt, while
 * the weight gradient keeps it: dW = (c_kx/Nt) X^H·rfft(dy). The derivation
 * uses only that x -> X and Y -> y are real-linear, so it holds for any
 * weights, also those that make the kx = 0 column non-Hermitian in ky.
 *
 * Plans and scratch buffers are made once, for one sample, at creation
 * (FFTW_ESTIMATE; planning is serialised by a lock, FFTW's planner not being
 * thread-safe); a batch runs the plans sample by sample with FFTW's new-array
 * execute (straight on the caller's arrays when they have the planning
 * alignment, through an aligned scratch copy otherwise), and the mode mixing
 * is one cgemm per mode over the batch. forward and backward never allocate.
 * One layer object serves any number of uses of the same shape (the weights
 * and xhat are arguments); one thread uses it at a time. */
#ifndef OGAS_NN_SPECTRAL_CONV_H
#define OGAS_NN_SPECTRAL_CONV_H

#include <stddef.h>

typedef struct {
  int ny, nx;    /* grid; ny = 1 for 1-D */
  int cin, cout; /* channels */
  int my, mx;    /* modes kept per dimension; my is ignored in 1-D */
} spectral_conv_shape;

typedef struct spectral_conv spectral_conv;

/* 0 when the shape is valid (nx >= 2, 1 <= mx <= nx/2; 2-D: ny >= 2,
   1 <= my <= ny/2; channels >= 1), else -1 with the reason in err. */
int spectral_conv_shape_check(const spectral_conv_shape *s, char *err, size_t errlen);
/* n_ky · mx */
size_t spectral_conv_n_modes(const spectral_conv_shape *s);
/* Floats in the weights: 2 · n_modes · cin · cout. */
size_t spectral_conv_param_count(const spectral_conv_shape *s);
/* Floats of xhat for B samples: 2 · n_modes · B · cin. */
size_t spectral_conv_saved_count(const spectral_conv_shape *s, int B);

/* For batches of up to max_batch samples. OGAS_EINVAL (bad shape),
   OGAS_ENOMEM (allocation or planning failed); message in err. */
int spectral_conv_create(const spectral_conv_shape *s, int max_batch, spectral_conv **out,
                         char *err, size_t errlen);
void spectral_conv_free(spectral_conv *sc); /* NULL is accepted */

/* out += y (accumulates, so that the FNO's pointwise branch and the spectral
   one sum into one buffer); xhat receives the kept modes of inp. */
void spectral_conv_forward(spectral_conv *sc, float *out, float *xhat, const float *inp,
                           const float *weights, int B);
/* dinp += ∂L/∂inp (skipped when dinp is NULL), dweights += ∂L/∂weights, from
   dout = ∂L/∂out and the xhat of the forward pass on the same B. */
void spectral_conv_backward(spectral_conv *sc, float *dinp, float *dweights, const float *dout,
                            const float *xhat, const float *weights, int B);

/* Real FLOPs of one forward (or one backward) over B samples: the FFTs
   counted as 2.5·n·log2(n) per real transform of n points, the mixing as
   8 per complex multiply-add. For benchmarks. */
double spectral_conv_forward_flops(const spectral_conv_shape *s, int B);
double spectral_conv_backward_flops(const spectral_conv_shape *s, int B);

#endif
