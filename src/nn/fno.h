/* fno — a conditional Fourier neural operator (Li et al., 2021) on a periodic
 * 1-D or 2-D grid, with the conditioning parameters z entering every block
 * through FiLM channel scales (as the conv1d surrogate does):
 *
 *   h_0     = P x                                   lifting, pointwise (Cl -> W)
 *   a_k     = S_k h_k + L_k h_k                     spectral + pointwise (W -> W)
 *   h_{k+1} = silu(a_k ⊙ (1 + G_k z + g_k))         k = 0 .. n_blocks-1
 *   f       = Q2 silu(Q1 h_n)                       projection (W -> W -> C)
 *
 * x is the state (C fields) on the grid, plus, with coords, the cell-centre
 * coordinates ((ix + 1/2)/nx, and (iy + 1/2)/ny in 2-D) as extra input
 * channels: Cl = C + coords·dim. S_k is the spectral convolution of
 * nn/spectral_conv.h keeping `modes` Fourier modes per dimension; every
 * pointwise map is a bias-free linear map over channels, applied at every
 * grid point, so without coords the network commutes with periodic shifts
 * of the grid and maps x = 0 to f = 0 (silu(0) = 0), as the PDEs' increments
 * do for decaying states.
 *
 * Shapes: x and f are (B, C, ny, nx) in the state layout of src/pde (field
 * c at (c·ny + y)·nx + x); z is (B, P). Inside, activations are channels
 * last: rows r = b·N + n (N = ny·nx), so each pointwise map is one sgemm.
 *
 * Parameters (one block, in this order; weights (out, in) row-major):
 *   P (W, Cl) [S_k (n_modes, W, W) complex  L_k (W, W)  G_k (W, P)  g_k (W)]
 *   x n_blocks  Q1 (W, W)  Q2 (C, W)
 * with the spectral weights laid out as spectral_conv.h says.
 *
 * A network object holds the spectral layer (plans made once), and the
 * activations of one forward pass for up to max_batch samples, so forward
 * and backward never allocate. One thread uses it at a time. */
#ifndef OGAS_NN_FNO_H
#define OGAS_NN_FNO_H

#include <stddef.h>

#include "nn/rng.h"

#define FNO_MAX_BLOCKS 32

typedef struct {
  int channels;  /* C: fields of the state, in and out */
  int ny, nx;    /* grid; ny = 1 for 1-D */
  int nb_params; /* P: conditioning inputs (0: no FiLM input, only g_k) */
  int width;     /* W: hidden channels */
  int n_blocks;  /* 0 .. FNO_MAX_BLOCKS Fourier blocks */
  int my, mx;    /* Fourier modes kept per dimension (my ignored in 1-D) */
  int coords;    /* 1: grid coordinates as extra input channels */
} fno_shape;

/* Pointers into one parameter-shaped block. */
typedef struct {
  float *lift; /* P */
  struct {
    float *spectral, *pointwise, *film_W, *film_b;
  } block[FNO_MAX_BLOCKS];
  float *proj1, *proj2;
} fno_tensors;

typedef struct fno fno;

/* 0 when the shape is valid, else -1 with the reason in err. */
int fno_shape_check(const fno_shape *s, char *err, size_t errlen);
size_t fno_param_count(const fno_shape *s);
void fno_bind(const fno_shape *s, float *base, fno_tensors *t);
/* Floats of activations and scratch that fno_create allocates for B samples
   (for size limits before creating). */
double fno_workspace_floats(const fno_shape *s, int B);
/* U(±1/sqrt(fan_in)) pointwise maps; spectral weights U(±1/sqrt(2W)) per real
   and imaginary part (the same variance as a pointwise map of fan-in W);
   FiLM maps at zero (every scale 1); Q2 scaled by 0.1 so that the untrained
   network predicts small increments. */
void fno_init(const fno_shape *s, float *params, ogas_rng *rng);

/* OGAS_EINVAL (bad shape) or OGAS_ENOMEM, with a message in err. */
int fno_create(const fno_shape *s, int max_batch, fno **out, char *err, size_t errlen);
void fno_free(fno *net); /* NULL is accepted */
const fno_shape *fno_get_shape(const fno *net);

/* f (B, C, ny, nx) from x (B, C, ny, nx) and z (B, P; NULL when P = 0),
   B <= max_batch; keeps what the backward pass needs. */
void fno_forward(fno *net, const float *params, const float *x, const float *z, int B, float *f);
/* grads += ∂L/∂params of the last fno_forward, given df = ∂L/∂f (B, C, ny, nx). */
void fno_backward(fno *net, const float *params, float *grads, const float *df, const float *z);

/* FLOPs of one training step (forward + backward) on B samples: the matrix
   products at 2 per multiply-add, the FFTs as spectral_conv counts them. */
double fno_train_flops(const fno_shape *s, int B);

#endif
