/* optim — AdamW, gradient-norm clipping and weight EMA, each one loop over a
 * model's contiguous parameter block (n floats). */
#ifndef OGAS_NN_OPTIM_H
#define OGAS_NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  float lr, beta1, beta2, eps, weight_decay;
} adamw_config;

/* Decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW:
   p ← p·(1 - lr·wd); m ← β1 m + (1-β1) g; v ← β2 v + (1-β2) g²;
   p ← p - lr·(m/(1-β1^t)) / (sqrt(v/(1-β2^t)) + eps), t = step (from 1).
   Leaves grads zeroed for the next step. */
void adamw_step(float *params, float *grads, float *m, float *v, size_t n, const adamw_config *cfg,
                int64_t step);

/* Σ x², in a fixed order that does not depend on the instruction set. */
double sum_squares(const float *x, size_t n);
/* L2 norm of the gradient block. */
float grad_norm(const float *grads, size_t n);
/* Factor that brings a gradient of L2 norm `norm` down to max_norm (1 when
   it is already within). */
float clip_scale(float norm, float max_norm);
/* Scales grads so that their L2 norm is at most max_norm; returns the norm
   before clipping. */
float clip_grad_norm(float *grads, size_t n, float max_norm);

/* The whole update of a training step in one pass over the buffers:
   g = grad_scale·grads (clipping), the AdamW step above, the weight EMA
   (skipped when ema is NULL), and grads zeroed for the next step. The five
   buffers must not overlap. */
void optimizer_step(float *restrict params, float *restrict grads, float *restrict m,
                    float *restrict v, float *restrict ema, size_t n, const adamw_config *cfg,
                    int64_t step, float grad_scale, float ema_decay);

/* ema ← decay·ema + (1 - decay)·params */
void ema_update(float *ema, const float *params, size_t n, float decay);

#endif
