/* study_config — the settings of one online study, parsed from JSON.
 *
 * {
 *   "problem": "ks1d",                      built-in PDE (pde.h)       required
 *   "pde": {"grid": 64, "n_steps": 40,      pde_options; 0 = problem default
 *           "dt_output": 0, "substeps": 0,
 *           "warmup_steps": 0},              -1 = none (0: the problem's, e.g. ks2d 200)
 *   "nb_sims": 120,                         simulation budget          required
 *   "concurrent_sims": 2,                   simulations running at once (2)
 *   "seed": 0,                              every stream of the study (0)
 *   "sampler": "uniform",                   uniform lhs halton sobol breed ogas sbal
 *   "deterministic": false,                 lockstep on one thread (reproducible)
 *   "surrogate": {"width": 128, "blocks": 2, "lr": 1e-3, "weight_decay": 0,
 *                 (width: 32 for fno, 16 for unet when not given;
 *                  unet: blocks = levels, the grid halves that many times)
 *                 "grad_clip": 1.0, "batch_size": 64,
 *                 "arch": "mlp",                mlp, conv1d (1-D problems), fno or unet
 *                 "kernel": 5,                  conv1d taps (odd); unet: 3 when not given
 *                 "modes": 0,                   fno: Fourier modes per dimension,
 *                                               1..grid/2; 0 = min(12, grid/2)
 *                 "coords": false,              fno, unet: grid coordinates as inputs
 *                 "train_loss": "mse",          mse (normalised increment) or
 *                                               nrmse (squared one-step nRMSE)
 *                 "lr_schedule": "constant",    or cosine: decay over the study's
 *                 "lr_final_fraction": 0.05},   gradient steps to this x lr
 *   "buffer": {"capacity": 4000, "min_fill": 0},   0: concurrent_sims x n_steps
 *   "batches_per_sim": 10,                  surrogate steps per simulation:
 *                                           the study does nb_sims x this
 *   "loss": "nrmse",                        per-sample value sent to the sampler
 *   "nn_updates": 50,                       generation break every this many batches,
 *   "min_finished_between_generations": 2,  once this many sims finished since the last
 *   "generation_size": "auto",              rows rewritten per break: auto = twice the
 *                                           simulations started between breaks plus
 *                                           concurrent_sims; -1 = every unstarted row
 *                                           (O(nb_sims^2) over a study); or a count
 *   "validation": {"n_sims": 750, "seed": 12345,   Halton set shared by every sampler
 *                  "rollout_steps": 10},           rollout error horizon (0: none)
 *   "breed": {"start_breed_ratio": 0, "end_breed_ratio": 0.7, "breakpoint": 4,
 *             "sigma": 0.1,                 sd = sigma x each parameter's range
 *             "shrink": 0.3,                covariance factor per out-of-box retry
 *             "max_oob_count": 10,          retries, then the parent (former
 *                                           name max_oob_attempts is accepted)
 *             "non_breed_sampler": "halton",
 *             "ema_loss_alpha": 0.3, "normalize_losses": true,
 *             "clip_loss_norm_to_3_sigma": false, "min_max_queue_length": 20,
 *             "max_loss_value": 5, "buffer_size": 6000},
 *                                           the fitness signal: the OGAS breeder's
 *                                           "data" keys; unset here, they follow
 *                                           "ogas"."data" (src/study/breed.h)
 *   "sbal": {"members": 2,                  the pool-based baseline (src/study/sbal.h):
 *            "pool_size": 1000,             ensemble size, uniform candidates per break,
 *            "rollout_steps": 5,            surrogate steps scored per candidate,
 *            "selection": "power",          power (p ~ score^power_beta) or top_k
 *            "power_beta": 1,               (top_k_ratio by score, the rest uniform),
 *            "top_k_ratio": 0.7,
 *            "min_finished": 100},          finished simulations before the first pick
 *   "ogas": { ... breeder config without nb_params/bounds/nb_sims/seed ... },
 *   "mpi": { ... how a study spreads over MPI ranks: src/mpi/mpi_config.h ... },
 *   "tuning": {"seeds": [0, 1, 2],          the seeds (and validation seed) that
 *              "validation_seed": 777}      chose these settings; ogas compare
 *                                           reports whether its seeds are held out
 * }
 *
 * Strict: an unknown key is an error naming its path (and the closest valid
 * key), a wrong type or a value out of range names the key. The "ogas"
 * section is checked by the breeder itself when the ogas sampler is created,
 * the "mpi" section by the rank runner (a study of one process ignores it).
 * Functions return ogas_status codes with a message in err. */
#ifndef OGAS_STUDY_STUDY_CONFIG_H
#define OGAS_STUDY_STUDY_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "pde/pde.h"
#include "study/sampler.h"
#include "study/surrogate.h"

/* The "tuning" section: which seeds chose a config's settings. */
#define STUDY_MAX_TUNING_SEEDS 64
typedef struct {
  uint64_t seeds[STUDY_MAX_TUNING_SEEDS];
  size_t n_seeds;
  uint64_t validation_seed;
  int has_validation_seed;
} study_tuning;

typedef struct {
  char problem[32];
  pde_options pde;
  int64_t nb_sims;
  int64_t concurrent_sims;
  uint64_t seed;
  study_sampler_kind sampler;
  int deterministic;
  struct {
    int64_t width, blocks, batch_size, kernel, modes;
    int coords;
    double lr, weight_decay, grad_clip, lr_final_fraction;
    int lr_cosine;
    surrogate_arch arch;
    surrogate_train_loss train_loss;
  } surrogate;
  int64_t buffer_capacity, buffer_min_fill;
  double batches_per_sim;
  study_loss_kind loss;
  int64_t nn_updates, min_finished_between_generations, generation_size;
  int64_t validation_n_sims;
  uint64_t validation_seed;
  int64_t validation_rollout_steps; /* horizon of the rollout error (0: none) */
  study_tuning tuning;
  study_breed_config breed;
  study_sbal_config sbal;
  char *ogas_json; /* the "ogas" section as compact JSON, or NULL; owned */
  char *mpi_json;  /* the "mpi" section (src/mpi/mpi_config.h), or NULL; owned */
} study_config;

void study_config_defaults(study_config *c);
/* Parse JSON text; on error c holds the defaults and owns nothing. */
int study_config_parse(const char *json, study_config *c, char *err, size_t errlen);
int study_config_load(const char *path, study_config *c, char *err, size_t errlen);
void study_config_free(study_config *c); /* releases ogas_json */
/* generation_size as given, or STUDY_GENERATION_AUTO (see
   study_config_generation_rows). */
#define STUDY_GENERATION_AUTO 0
/* Rows a generation break rewrites: generation_size, or "auto" resolved
   (-1: every unstarted row). */
int64_t study_config_generation_rows(const study_config *c);
/* Total surrogate gradient steps of the study: round(nb_sims x batches_per_sim). */
int64_t study_config_total_batches(const study_config *c);

#endif
