/* ratio_mlp — the history-bias classifier of SPEC §6.
 *
 * D(z) = sigmoid(L3 silu L2 silu L1 z), an MLP d -> h -> h -> 1 trained with
 * weighted BCE to tell fresh uniform draws (label 1) from reservoir entries
 * (label 0). At the optimum with balanced classes D/(1-D) = p_uniform/p_reservoir,
 * and since D/(1-D) = exp(logit), a reservoir entry's importance weight is
 * exp(logit), clipped to [w_min, w_max] and normalised to mean 1 over the batch.
 *
 * Parameter block: L1.W L1.b L2.W L2.b L3.W L3.b (weights (out,in)); gradients
 * and AdamW moments mirror it. Buffers are sized for max_rows at init. */
#ifndef OGAS_BREEDER_RATIO_MLP_H
#define OGAS_BREEDER_RATIO_MLP_H

#include <stdint.h>

#include "nn/optim.h"
#include "nn/rng.h"

typedef struct {
  int dim, hidden, max_rows;
  size_t n_params;
  float *params, *grads, *adam_m, *adam_v;
  int64_t step;
  adamw_config adam;
  float label_smoothing;
  /* activations and scratch for max_rows rows */
  float *x, *a1, *s1, *a2, *s2, *logits, *dlogits, *ds, *da;
} ratio_mlp;

/* 0 on success, -1 on bad sizes or allocation failure (nothing leaks). */
int ratio_mlp_init(ratio_mlp *r, int dim, int hidden, int max_rows, const adamw_config *adam,
                   float label_smoothing, ogas_rng *rng);
void ratio_mlp_free(ratio_mlp *r);
size_t ratio_mlp_param_count(int dim, int hidden);

/* logits (n) of the n rows of z (n,d). Returns 0, or -1 when n is not in
   1..max_rows (as do the two calls below). */
int ratio_mlp_logits(ratio_mlp *r, const float *params, const float *z, int n, float *logits);
/* Mean BCE loss of n labelled rows (labels 1 uniform, 0 reservoir) with its
   gradient written into r->grads (no step); NAN when n is out of range. */
float ratio_mlp_loss_grad(ratio_mlp *r, const float *z, const float *labels, int n);
/* ratio_mlp_loss_grad, then one AdamW step; returns the loss. */
float ratio_mlp_train_step(ratio_mlp *r, const float *z, const float *labels, int n);
/* Importance weights w_i = clip(exp(logit_i), w_min, w_max), normalised to
   mean 1 over the n rows. */
int ratio_mlp_weights(ratio_mlp *r, const float *params, const float *z, int n, float w_min,
                      float w_max, float *w);

#endif
