/* ddpm — the conditional diffusion model: weighted training step with
 * condition dropout, and guided sampling (SPEC §4).
 *
 * A ddpm_model owns the weights, their gradients, the AdamW moments and the
 * EMA copy (four buffers of one parameter block each), its noise schedule and
 * a training workspace. A ddpm_sampler owns an inference workspace and draws
 * samples from any weight block of the same shape (normally a published EMA
 * snapshot), so that sampling never touches a model being trained.
 * Neither allocates after creation. */
#ifndef OGAS_DDPM_DDPM_H
#define OGAS_DDPM_DDPM_H

#include <stdint.h>

#include "ddpm/denoiser.h"
#include "ddpm/schedule.h"
#include "nn/optim.h"
#include "nn/rng.h"

/* Bound on the clean-sample estimate during sampling. Samples live in the
   normalised box [-1, 1]^d; the margin lets a model that has learned mass near
   the faces propose points slightly outside, which the breeder counts as
   out-of-bounds, instead of silently clipping them to the box. */
#define DDPM_X0_CLIP 2.0f

typedef struct {
  denoiser_shape shape;
  schedule_kind schedule;
  int timesteps;
  double beta_start, beta_end; /* linear schedule only */
  adamw_config adam;
  float grad_clip; /* max gradient L2 norm */
  float ema_decay; /* EMA of the weights used for sampling */
  float p_uncond;  /* probability of dropping a row's condition */
  int batch_size;  /* largest training minibatch */
  int box_prior;   /* nonzero: the denoiser corrects box_prior_eps (box_prior.h) */
} ddpm_config;

typedef struct {
  denoiser_shape shape;
  size_t n_params;
  float *params, *grads, *adam_m, *adam_v, *ema;
  int64_t step; /* training steps done */
  noise_schedule schedule;
  ddpm_config cfg;
  denoiser_ws *ws;
  float *z_t, *target, *eps_hat, *deps, *t, *c, *w; /* per-step scratch */
  struct train_team *team;                          /* NULL: one thread (ddpm_model_set_threads) */
} ddpm_model;

/* 0 on success, -1 on invalid config or allocation failure (nothing leaks).
   Weights are initialised from rng; the EMA starts equal to them. */
int ddpm_model_init(ddpm_model *m, const ddpm_config *cfg, ogas_rng *rng);
void ddpm_model_free(ddpm_model *m);

/* Train on `threads` threads from now on, every layer split by output
   units (train_team.h; OpenBLAS must then run one thread per call); 1 goes
   back to the caller's thread alone. 0, or -1 when the threads cannot be started
   (the model keeps training as before). */
int ddpm_model_set_threads(ddpm_model *m, int threads);
/* CPU seconds spent in training steps by threads other than the caller's
   (0 on one thread), for CPU accounting; read between steps. */
double ddpm_model_helper_cpu_s(const ddpm_model *m);

/* One training step on B rows (B <= batch_size): z (B,d) clean samples,
   c (B) conditions, w (B) example weights or NULL. Draws t ~ U{0..T-1},
   eps ~ N(0,I), forms z_t = sqrt(abar_t) z + sqrt(1-abar_t) eps, drops each
   condition with probability p_uncond, minimises
   (1/B) Σ w_i ||eps_i - eps_theta(z_t, t, c)_i||²/d with AdamW after
   clipping the gradient norm, then updates the EMA with the warm-up
   decay_n = min(ema_decay, (1 + n)/(10 + n)) at step n, so that the weights
   sampled after a few hundred steps are not mostly the initial ones (a plain
   0.999 EMA still holds 74 % of them after 300 steps). With box_prior the
   network's output is the correction eps_theta - box_prior_eps. Returns the
   loss. */
float ddpm_train_step(ddpm_model *m, const float *z, const float *c, const float *w, int B,
                      ogas_rng *rng);

/* The EMA decay used at training step n (from 1): the warm-up above. */
float ddpm_ema_decay_at(float ema_decay, int64_t step);

typedef struct ddpm_sampler ddpm_sampler;
/* A sampler for up to max_samples candidates per call; NULL on failure. */
ddpm_sampler *ddpm_sampler_create(const ddpm_config *cfg, int max_samples);
void ddpm_sampler_free(ddpm_sampler *s);

/* Draw n samples (out (n,d)) with weights `params`. With c (n targets), uses
   classifier-free guidance eps = eps_u + g (eps_c - eps_u), conditional and
   unconditional rows in one batched pass (g = 1 is eps_c alone, and runs
   only the conditional rows); with c == NULL samples
   unconditionally. ddim_steps <= 0: ancestral DDPM over all T steps; else
   deterministic DDIM over ddim_steps steps. Returns 0, or -1 when n is out of
   range. */
int ddpm_sample(ddpm_sampler *s, const float *params, const float *c, int n, float guidance,
                int ddim_steps, ogas_rng *rng, float *out);

#endif
