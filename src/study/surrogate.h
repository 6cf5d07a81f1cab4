/* surrogate — the one-step predictor an online study trains:
 *
 *   u_{t+1} = u_t + out_mean + out_std · f(u_t, z)
 *
 * where z in [-1, 1]^P are the simulation's parameters normalised to the box
 * (z = 2(p - l)/(u - l) - 1, the caller's job: surrogate_normalize_params),
 * and in_mean, in_std, out_mean, out_std are per field (channel) of the state:
 * the increment u_{t+1} - u_t is what the network predicts, in units of its
 * own spread; the network sees x = (u_t - in_mean)/in_std. Two architectures
 * on the NN engine (W = width):
 *
 * SURROGATE_MLP — a residual MLP on the flattened state:
 *   h  = L_in [x, z]                             (S + P -> W)
 *   h <- h + L_b2 silu(L_b1 LN_b(h))             n_blocks times (W -> W -> W)
 *   f  = L_out silu(LN_f(h))                     (W -> S)
 *   Parameters, in this order: L_in.W L_in.b [LN_b.gain LN_b.bias L_b1.W
 *   L_b1.b L_b2.W L_b2.b] x n_blocks LN_f.gain LN_f.bias L_out.W L_out.b.
 *
 * SURROGATE_CONV1D — a periodic 1-D convolutional residual network for states
 * of C channels x N points (N = S / C), translation-equivariant like the
 * PDEs it learns; the parameters act through FiLM-style channel scales:
 *   h  = K_in * x                                (C -> W channels)
 *   h <- h + K_b2 * silu((K_b1 * h) ⊙ (1 + G_b z + g_b))   n_blocks times
 *   f  = K_out * silu(h)                         (W -> C channels)
 *   where K * h is a periodic convolution with `kernel` taps (centred) and no
 *   bias. Every layer maps 0 to 0, so u = 0 stays a fixed point and a state
 *   that decays towards 0 gets an increment proportional to it (relative
 *   accuracy at small amplitude, which the nRMSE metric rewards); for that,
 *   surrogate_fit_normalization sets in_mean = out_mean = 0 and the stds to
 *   the root mean squares. Convolutions are im2col + sgemm, channels-last
 *   (rows = batch x N). Parameters, in this order: K_in (W, kernel·C)
 *   [G_b (W, P) g_b (W) K_b1 (W, kernel·W) K_b2 (W, kernel·W)] x n_blocks
 *   K_out (C, kernel·W); K[o][k·Cin + c] weighs input channel c at offset
 *   k - kernel/2.
 *
 * SURROGATE_FNO — a conditional Fourier neural operator (nn/fno.h) for states
 * of C channels on an ny x nx grid (ny = 1: 1-D), periodic like the
 * spectral layers assume; z enters every block through FiLM channel scales:
 *   h  = P x                                     (C [+ coordinates] -> W)
 *   h <- silu((S_b h + L_b h) ⊙ (1 + G_b z + g_b))   n_blocks times
 *   f  = Q2 silu(Q1 h)                           (W -> W -> C)
 *   where S_b keeps `modes` Fourier modes per dimension (both ky signs in
 *   2-D) with complex weights per (mode, in, out) and L_b, P, Q1, Q2 are
 *   bias-free pointwise maps, so that, as for conv1d, u = 0 predicts 0 and
 *   the normalisation has no shift. Parameters: as nn/fno.h lists them.
 *
 * SURROGATE_UNET — a small conditional UNet (nn/unet.h) on the same grids:
 * n_blocks poolings (levels), c_l = width·2^l channels at level l, periodic
 * `kernel`-tap convolutions (kernel x kernel in 2-D; 0 = 3), FiLM scales from
 * z after every convolution, skip connections by concatenation, no biases
 * (u = 0 predicts 0 again). The grid must halve n_blocks times and keep at
 * least 2 points per dimension.
 *
 * Weights are (out, in) row-major; gradients and AdamW moments mirror the
 * parameter block.
 *
 * Training loss (train_loss):
 *   SURROGATE_TRAIN_MSE   (1/B) Σ_i w_i (1/S) Σ_j (f_ij - y_ij)^2 against the
 *                         normalised increment y (every channel weighs alike);
 *   SURROGATE_TRAIN_NRMSE (1/B) Σ_i w_i nrmse_i^2: the squared one-step nRMSE
 *                         below, in physical units, so that training minimises
 *                         the metric the study reports (small states count as
 *                         much as large ones, down to the floor).
 * with gradient-norm clipping, AdamW and an optional cosine learning-rate
 * decay (the last steps of a study then average out the minibatch noise
 * instead of jittering at the full rate). Each step also returns every sample's
 * loss in physical units, the difficulty signal of active sampling:
 *   mse   = (1/S) ||û_{t+1} - u_{t+1}||^2
 *   rmse  = sqrt(mse)
 *   nrmse = ||û_{t+1} - u_{t+1}|| / max(||u_{t+1}||, floor)
 * floor = SURROGATE_NRMSE_FLOOR · the norm of a typical state (from the
 * normalisation statistics), so that states that decay to zero are judged on
 * their absolute error at 1 % of the usual scale instead of dividing by ~0.
 *
 * Normalisation comes from the first data seen (surrogate_fit_normalization)
 * or from fixed scales (surrogate_set_normalization); until one of them is
 * called the scales are the identity (mean 0, std 1).
 *
 * A surrogate owns its weights, Adam state and a workspace for up to
 * max_batch rows, all allocated at creation: training and prediction never
 * allocate. One thread uses a surrogate at a time. Functions return
 * ogas_status codes (OGAS_OK = 0) and never abort. */
#ifndef OGAS_STUDY_SURROGATE_H
#define OGAS_STUDY_SURROGATE_H

#include <stddef.h>
#include <stdint.h>

#define SURROGATE_MAX_BLOCKS 32
#define SURROGATE_MAX_CHANNELS 64
#define SURROGATE_NRMSE_FLOOR 1e-2

typedef enum { STUDY_LOSS_MSE, STUDY_LOSS_RMSE, STUDY_LOSS_NRMSE } study_loss_kind;
typedef enum {
  SURROGATE_MLP = 0,
  SURROGATE_CONV1D = 1,
  SURROGATE_FNO = 2,
  SURROGATE_UNET = 3
} surrogate_arch;
typedef enum { SURROGATE_TRAIN_MSE = 0, SURROGATE_TRAIN_NRMSE = 1 } surrogate_train_loss;

/* "mlp", "conv1d", "fno", "unet" / "mse", "nrmse" -> *out; 0 on success, -1 otherwise. */
int surrogate_arch_parse(const char *name, surrogate_arch *out);
const char *surrogate_arch_name(surrogate_arch a);
int surrogate_train_loss_parse(const char *name, surrogate_train_loss *out);
const char *surrogate_train_loss_name(surrogate_train_loss t);

/* "mse", "rmse", "nrmse" -> *out; 0 on success, -1 otherwise. */
int study_loss_parse(const char *name, study_loss_kind *out);
const char *study_loss_name(study_loss_kind k);

typedef struct {
  size_t state_size;                 /* S floats per state */
  size_t channels;                   /* fields per state (normalisation groups), divides S, <= 64 */
  size_t nb_params;                  /* P */
  int width;                         /* W >= 2 (conv1d, fno: channels of the hidden layers) */
  int n_blocks;                      /* 0..SURROGATE_MAX_BLOCKS (unet: levels, 0..6) */
  surrogate_arch arch;               /* zero-initialised: the MLP */
  int kernel;                        /* conv1d taps: odd, <= S / channels; 0 = 5;
                                        unet: odd; 0 = 3 */
  size_t ny;                         /* fno, unet: grid rows (states are C x ny x nx);
                                        0 or 1 = 1-D; must divide S / channels */
  int modes;                         /* fno: Fourier modes per dimension, at most
                                        nx/2 (and ny/2 in 2-D); 0 = min(12, n/2)
                                        in each dimension */
  int coords;                        /* fno, unet: nonzero appends the grid coordinates
                                        to the lifting input */
  surrogate_train_loss train_loss;   /* zero-initialised: MSE */
  int max_batch;                     /* rows per training step / prediction chunk */
  float lr, weight_decay, grad_clip; /* AdamW (betas 0.9, 0.999, eps 1e-8) */
  /* Learning-rate schedule: 0 keeps lr constant; T > 0 decays it along a
     cosine from lr at step 0 to lr_final_fraction·lr at step T (and keeps
     that after): lr_t = lr (f + (1 - f)(1 + cos(pi min(t, T)/T))/2). The
     study sets T to its total gradient steps. */
  int64_t lr_decay_steps;
  float lr_final_fraction; /* f in [0, 1] */
  uint64_t seed;           /* weight initialisation */
} surrogate_config;

typedef struct surrogate surrogate;

/* OGAS_EINVAL (message in err) for a bad config, OGAS_ENOMEM. */
int surrogate_create(const surrogate_config *cfg, surrogate **out, char *err, size_t errlen);
void surrogate_free(surrogate *s); /* NULL is accepted */
const surrogate_config *surrogate_get_config(const surrogate *s);

/* Number of floats in the parameter block, and the blocks themselves. */
size_t surrogate_param_count(const surrogate *s);
float *surrogate_params(surrogate *s);
float *surrogate_grads(surrogate *s);

/* z = 2(p - l)/(u - l) - 1 for P parameters. */
void surrogate_normalize_params(size_t P, const double *lower, const double *upper, const double *p,
                                float *z);

/* Per-channel mean and std of the states and of the increments next - state
   over n samples (rows of S floats). A std below 1e-6 of the channel's scale
   (or exactly zero) is raised to keep the division finite. OGAS_EINVAL for
   n = 0 or non-finite data. */
int surrogate_fit_normalization(surrogate *s, const float *states, const float *next_states,
                                size_t n);
/* Fixed scales, channels values each; stds must be > 0. */
int surrogate_set_normalization(surrogate *s, const float *in_mean, const float *in_std,
                                const float *out_mean, const float *out_std);
int surrogate_has_normalization(const surrogate *s);
/* The nRMSE's floor: SURROGATE_NRMSE_FLOOR x the norm of a typical state. */
double surrogate_nrmse_floor(const surrogate *s);

/* Forward, loss and backward on B <= max_batch rows: states, next_states
   (B,S), z (B,P); weights (B) may be NULL (all 1). Overwrites the gradient
   block; returns the training loss (normalised units) in *loss and, if
   per_sample is not NULL, each row's loss of the given kind (physical units). */
int surrogate_loss_and_grad(surrogate *s, const float *states, const float *next_states,
                            const float *z, const float *weights, int B, study_loss_kind kind,
                            float *loss, double *per_sample);
/* loss_and_grad, then clip the gradient norm and take one AdamW step.
 *grad_norm (may be NULL) gets the norm before clipping. */
int surrogate_train_step(surrogate *s, const float *states, const float *next_states,
                         const float *z, const float *weights, int B, study_loss_kind kind,
                         float *loss, double *per_sample, float *grad_norm);
/* The second half of surrogate_train_step, for callers that combine
   gradients first (data-parallel training averages them over ranks): clip
   the gradient block's norm and take one AdamW step. *grad_norm (may be
   NULL) gets the norm before clipping; OGAS_ERANGE (weights unchanged) when
   it is not finite. train_step = loss_and_grad + apply_gradients, bit for bit. */
int surrogate_apply_gradients(surrogate *s, float *grad_norm);
int64_t surrogate_steps(const surrogate *s);

/* The training state (weights, AdamW moments and step, normalisation) as
   bytes, to checkpoint a study: surrogate_state_bytes() of them. Restoring
   into a surrogate of the same config continues training bit for bit;
   OGAS_ECORRUPT when the bytes belong to another shape. */
size_t surrogate_state_bytes(const surrogate *s);
void surrogate_save_state(const surrogate *s, void *out);
int surrogate_load_state(surrogate *s, const void *in, size_t n_bytes);
/* The learning rate of the step after `step` steps (see lr_decay_steps). */
float surrogate_lr_at(const surrogate *s, int64_t step);

/* next_out (n,S) = predicted next states of n rows (any n: processed in
   chunks of max_batch). */
int surrogate_predict(surrogate *s, const float *states, const float *z, size_t n, float *next_out);

#endif
