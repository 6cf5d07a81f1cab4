/* unet — a small conditional UNet on a periodic 1-D or 2-D grid, with the
 * conditioning parameters z entering every convolution block through FiLM
 * channel scales (nn/film.h), as the FNO does:
 *
 *   h      = K_in * x                              (Cl -> c_0)
 *   e_l    = silu(FiLM_l(K_l * in_l))              encoder, l = 0 .. D-1 (level l)
 *            in_0 = h, in_l = pool(e_{l-1})        (c_{l-1} -> c_l; c_0 -> c_0 at l = 0)
 *   d_D    = silu(FiLM_m(K_m * in_D))              bottom, in_D = pool(e_{D-1}) (h if D = 0)
 *   d_l    = silu(FiLM_l'(K_l' * [up(d_{l+1}), e_l]))   decoder, l = D-1 .. 0
 *   f      = Q d_0                                 (c_0 -> C, pointwise)
 *
 * with c_l = W·2^l channels at level l, whose grid is the input grid halved
 * l times in every dimension (pool: 2 x 2 mean, up: nearest; nn/resample.h),
 * K * a periodic k-tap (k x k in 2-D) convolution (nn/conv_periodic.h) and
 * [., .] the channel concatenation (upsampled first). Nothing has a bias,
 * so x = 0 gives f = 0; without coords the network commutes with periodic
 * shifts by multiples of 2^D points.
 *
 * Shapes: x and f are (B, C, ny, nx) in the state layout of src/pde; z is
 * (B, P); activations are channels last. Cl = C (+1 in 1-D, +2 in 2-D with
 * coords: the cell-centre coordinates (i + 1/2)/n).
 *
 * Parameters (one block, in this order; kernels (out, taps·in)):
 *   K_in [K_l G_l g_l] l = 0..D-1  K_m G_m g_m  [K_l' G_l' g_l'] l = D-1..0  Q
 * with G (c, P) and g (c) the FiLM maps of a block of c channels.
 *
 * A network object holds the activations of one forward pass for up to
 * max_batch samples and the scratch of its backward pass: forward and
 * backward never allocate. One thread uses it at a time. */
#ifndef OGAS_NN_UNET_H
#define OGAS_NN_UNET_H

#include <stddef.h>

#include "nn/rng.h"

#define UNET_MAX_LEVELS 6

typedef struct {
  int channels;  /* C */
  int ny, nx;    /* grid; ny = 1 for 1-D; both divisible by 2^levels (ny if > 1) */
  int nb_params; /* P */
  int width;     /* c_0 */
  int levels;    /* D: 0 .. UNET_MAX_LEVELS poolings */
  int kernel;    /* k: odd */
  int coords;
} unet_shape;

typedef struct unet unet;

int unet_shape_check(const unet_shape *s, char *err, size_t errlen);
size_t unet_param_count(const unet_shape *s);
/* Floats fno_create-style: activations and scratch for B samples. */
double unet_workspace_floats(const unet_shape *s, int B);
/* Kernels U(±1/sqrt(fan_in)), FiLM maps zero, Q scaled by 0.1. */
void unet_init(const unet_shape *s, float *params, ogas_rng *rng);

int unet_create(const unet_shape *s, int max_batch, unet **out, char *err, size_t errlen);
void unet_free(unet *net);

void unet_forward(unet *net, const float *params, const float *x, const float *z, int B, float *f);
/* grads += ∂L/∂params of the last forward, from df (B, C, ny, nx). */
void unet_backward(unet *net, const float *params, float *grads, const float *df, const float *z);

double unet_train_flops(const unet_shape *s, int B);

#endif
