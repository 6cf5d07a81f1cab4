/* denoiser — the conditional noise predictor eps_theta(z_t, t, c) of SPEC §4.
 *
 *   e_t = L_t2 silu L_t1 sin(t)               time embedding (H)
 *   e_c = L_c2 silu L_c1 sin(100·c)           condition embedding (H), or the
 *                                             learned null vector when unconditional
 *   h   = L_in z_t                            (d -> H)
 *   h  <- h + L_b2 silu(L_b1 LN_b(h) + e_t + e_c)    for each of n_blocks blocks
 *   eps = L_out silu LN_f(h)                  (H -> d)
 *
 * All parameters live in one contiguous float block laid out in exactly this
 * order (the PyTorch reference uses the same order):
 *   L_in.W L_in.b L_t1.W L_t1.b L_t2.W L_t2.b L_c1.W L_c1.b L_c2.W L_c2.b null
 *   [LN_b.gain LN_b.bias L_b1.W L_b1.b L_b2.W L_b2.b] x n_blocks
 *   LN_f.gain LN_f.bias L_out.W L_out.b
 * Weights are (out, in) row-major. Gradients, AdamW moments and the EMA
 * copy mirror the block, so each is one buffer of denoiser_param_count floats.
 *
 * Row convention: in a batch of B rows, rows 0..n_cond-1 carry a condition and
 * rows n_cond..B-1 are unconditional (they get the null vector). Training puts
 * its dropped conditions last; guided sampling stacks [conditional; unconditional].
 *
 * A workspace holds the activations of one forward pass for up to max_rows
 * rows; it is allocated once, so forward and backward never allocate. A
 * workspace made for inference keeps no per-block activations (they alias). */
#ifndef OGAS_DDPM_DENOISER_H
#define OGAS_DDPM_DENOISER_H

#include <stddef.h>

#include "nn/rng.h"

#define DENOISER_MAX_BLOCKS 32
#define DENOISER_COND_SCALE 100.0f

typedef struct {
  int dim;      /* d: parameters per row */
  int hidden;   /* H: model_dim, even */
  int n_blocks; /* 1..DENOISER_MAX_BLOCKS */
} denoiser_shape;

typedef struct {
  float *W, *b;
} linear_tensors;

typedef struct {
  float *gain, *bias;
} norm_tensors;

/* Pointers into one parameter-shaped block (weights, gradients, moments…). */
typedef struct {
  linear_tensors in, t1, t2, c1, c2;
  float *null_cond;
  struct {
    norm_tensors ln;
    linear_tensors l1, l2;
  } block[DENOISER_MAX_BLOCKS];
  norm_tensors lnf;
  linear_tensors out;
} denoiser_tensors;

/* 0 when the shape is valid, else -1. */
int denoiser_shape_check(const denoiser_shape *s);
size_t denoiser_param_count(const denoiser_shape *s);
void denoiser_bind(const denoiser_shape *s, float *base, denoiser_tensors *out);
/* torch.nn.Linear's default init (U(±1/sqrt(fan_in)) for W and b), LayerNorm
   gain 1 bias 0, null vector N(0, 0.02²). */
void denoiser_init(const denoiser_shape *s, float *params, ogas_rng *rng);

typedef struct denoiser_ws denoiser_ws;
/* NULL on allocation failure. for_training: keep every activation for backward. */
denoiser_ws *denoiser_ws_create(const denoiser_shape *s, int max_rows, int for_training);
void denoiser_ws_free(denoiser_ws *ws);
int denoiser_ws_max_rows(const denoiser_ws *ws);

/* Full forward: eps (B,d) from z (B,d), t (B) timesteps, c (n_cond) conditions. */
void denoiser_forward(denoiser_ws *ws, const float *params, const float *z, const float *t,
                      const float *c, int n_cond, int B, float *eps);
/* Backward of the last denoiser_forward on this (training) workspace:
   grads += d(Σ deps·eps)/d(params); dz (B,d) += gradient w.r.t. z, or NULL.
   Returns Σ g² over grads (the norm for clipping, when grads started at 0). */
double denoiser_backward(denoiser_ws *ws, const float *params, float *grads, const float *deps,
                         float *dz);
/* Its two halves: denoiser_backward_inputs runs the chain of input
   gradients and keeps every layer's output gradient (deps must stay valid
   until the second half); denoiser_weight_grads adds to grads the parameter
   gradient for the share `part` of `parts` of every tensor's output units
   (the shares partition the parameters, so parts can run concurrently
   without a reduction), and returns Σ g² over that share. */
void denoiser_backward_inputs(denoiser_ws *ws, const float *params, const float *deps, float *dz);
double denoiser_weight_grads(denoiser_ws *ws, float *grads, int part, int parts);

/* One member's share of a forward or input-gradient pass that a team of
   `parts` threads runs together on one workspace: member `part` computes its
   share of every linear layer's output units (so that each thread packs only
   its rows of each weight matrix) and of every LayerNorm's rows, and calls
   sync(ctx), a barrier of the whole team, wherever the next step needs what
   the others computed. DENOISER_WHOLE is the whole pass on one thread. */
typedef struct {
  int part, parts;
  void (*sync)(void *ctx);
  void *ctx;
} denoiser_share;
#define DENOISER_WHOLE ((denoiser_share){0, 1, NULL, NULL})
void denoiser_forward_share(denoiser_ws *ws, const float *params, const float *z, const float *t,
                            const float *c, int n_cond, int B, float *eps,
                            const denoiser_share *sh);
void denoiser_backward_inputs_share(denoiser_ws *ws, const float *params, const float *deps,
                                    float *dz, const denoiser_share *sh);
/* Pieces for sampling, where embeddings are computed once and reused:
   time embeddings e_t (B,H) of timesteps t (B); condition embeddings (B,H) of
   c (B); the trunk eps = f(z, e) with e = e_t + e_c given per row. */
void denoiser_time_embedding(denoiser_ws *ws, const float *params, const float *t, int B,
                             float *e_t);
void denoiser_cond_embedding(denoiser_ws *ws, const float *params, const float *c, int B,
                             float *e_c);
void denoiser_trunk(denoiser_ws *ws, const float *params, const float *z, const float *e, int B,
                    float *eps);

/* Floating-point operations of one forward pass over B rows with n_cond
   conditioned rows (2·rows·in·out per linear layer; elementwise work is not
   counted), and of its backward pass. */
double denoiser_forward_flops(const denoiser_shape *s, int B, int n_cond);
double denoiser_backward_flops(const denoiser_shape *s, int B, int n_cond);

#endif
