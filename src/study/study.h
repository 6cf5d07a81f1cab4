/* study — one online study: simulations stream their time steps into a
 * bounded buffer, a one-step surrogate trains from it, and a sampler chooses
 * the parameters of the simulations still to come.
 *
 * Flow. Simulation ids 0 .. nb_sims-1 start in order, at most
 * concurrent_sims at a time; each takes its parameters from the sampler when
 * it starts, runs n_steps output steps and pushes every pair
 * (u_t, u_{t+1}, z) into the buffer; nothing else of a trajectory is kept.
 * The trainer does exactly round(nb_sims x batches_per_sim) gradient steps
 * whatever the sampler (the same budget for every sampler), rate limited to
 * batches_per_sim / n_steps batches per streamed step: it waits for data when
 * it is ahead, and simulations wait when they are more than one round
 * (concurrent_sims x batches_per_sim batches) ahead of it. Training starts
 * once the buffer holds min_fill samples (default: the first round,
 * concurrent_sims x n_steps, at least one batch); the surrogate's per-field
 * normalisation is fitted then, on up to 512 samples drawn from the buffer. After every batch the
 * per-sample losses (config "loss") go to study_sampler_record. Every nn_updates batches a
 * generation break is due; it happens at the first batch where at least
 * min_finished_between_generations simulations have finished since the last
 * break, and rewrites up to generation_size rows after the last started id.
 *
 * Modes.
 *  - deterministic: one thread. Rounds: the active simulations (in id order)
 *    each advance one step, then the trainer does the batches the credit
 *    allows. Everything (buffer draws, surrogate, sampler with synchronous
 *    ogas training) follows from the seed: two runs give identical bits.
 *  - concurrent: concurrent_sims simulation threads and the training thread
 *    (the caller's) run at once; results vary with thread timing.
 *
 * Evaluation on the validation set (validation.h) follows training.
 * Library code: no printing, no exit; errors come back as ogas_status codes
 * with a message. */
#ifndef OGAS_STUDY_STUDY_H
#define OGAS_STUDY_STUDY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "study/sampler.h"
#include "study/study_config.h"
#include "study/surrogate.h"
#include "study/validation.h"

/* Progress report, from the training thread. */
typedef struct {
  int64_t batches_done, batches_total;
  int64_t sims_started, sims_finished, nb_sims;
  int64_t generation; /* breaks so far */
  float last_loss;    /* training loss of the last batch */
  double elapsed_s;
} study_progress;

typedef struct {
  /* A validation set built for this problem and pde options (shared across
     samplers); NULL: the study builds its own from the config. */
  const study_validation *validation;
  /* Called every `progress_every` batches (0: never) and at every break. */
  void (*progress)(void *ctx, const study_progress *p);
  void *progress_ctx;
  int64_t progress_every;
  /* Keep the trained surrogate in the result (result->surrogate). */
  int keep_surrogate;
} study_run_options;

typedef struct {
  char problem[32];
  char sampler[16];
  uint64_t seed;
  int deterministic;
  study_loss_kind loss;
  size_t nb_params, state_size, n_steps;
  int64_t nb_sims;
  const double *lower, *upper; /* the box, nb_params each: the problem's (static) */

  /* Per simulation id (nb_sims rows). */
  double *params;         /* nb_sims x nb_params: what each simulation ran with */
  int *is_bred;           /* 1: proposed by breed/ogas */
  int64_t *generation;    /* generation that wrote its row (0: initial table) */
  int *sim_status;        /* 0 ran all steps, 1 stopped (not finite), 2 failed to start */
  double *sim_train_loss; /* mean training per-sample loss reported for it (NaN: none) */
  int64_t sims_failed;

  /* Generation breaks, in order, and the batch at which each happened. */
  size_t n_generations;
  study_generation *generations;
  int64_t *generation_batch;

  /* Training. */
  int64_t grad_steps; /* = round(nb_sims x batches_per_sim) */
  float *train_loss;  /* grad_steps training losses (normalised MSE) */
  uint64_t samples_streamed, samples_evicted;

  /* Validation (see validation.h for the metric). */
  size_t n_val, val_steps;
  double *val_nrmse;             /* n_val: per validation simulation */
  double *val_pair_nrmse;        /* n_val x val_steps */
  study_stats val_stats;         /* over val_nrmse: the study's headline */
  study_stats val_pair_stats;    /* over every pair */
  size_t rollout_steps;          /* horizon of the rollout error; 0: none */
  double *val_rollout_nrmse;     /* n_val (NULL without rollout) */
  study_stats val_rollout_stats; /* over val_rollout_nrmse (NaN without) */

  /* Time. */
  double wall_s;        /* simulation + training, without validation */
  double sampler_cpu_s; /* study_sampler_cpu_s at the end */
  double train_cpu_s;   /* training thread CPU (includes its sampler calls) */
  double sim_cpu_s;     /* simulation CPU, all threads */
  double eval_s;        /* evaluation wall time */

  surrogate *surrogate; /* with keep_surrogate, else NULL; owned */
  json_t *extra; /* more keys for the result JSON (the rank runner's "mpi"), or NULL; owned */
} study_result;

/* Run one study. opts may be NULL. On error *out is NULL and err holds a
   message (config problems, simulation start failures of every sim, ...). */
int study_run(const study_config *cfg, const study_run_options *opts, study_result **out, char *err,
              size_t errlen);
void study_result_free(study_result *r);

/* Judge a trained surrogate on the validation set: fills r's n_val,
   val_steps, one-step errors (per simulation, per pair) and their statistics,
   and the rollout error over min(rollout_steps, val_steps) steps (<= 0: none;
   validation.h has both metrics). OGAS_ENOMEM / OGAS_EINVAL with err. */
int study_result_evaluate(study_result *r, const study_validation *val, surrogate *sur,
                          int64_t rollout_steps, char *err, size_t errlen);

/* Build the validation set a config asks for (threads: simulation threads). */
int study_validation_for_config(const study_config *cfg, int threads, study_validation **out,
                                char *err, size_t errlen);

/* {"mean": .., "std": .., "p50": .., "p95": .., "p99": .., "max": ..}, null
   for a value that is not finite (new reference). */
json_t *study_stats_json(const study_stats *st);

/* The result as JSON (everything above except the surrogate), written
   atomically (util/atomic_file.h). OGAS_EIO / OGAS_ENOMEM with err. */
int study_result_write_json(const study_result *r, const char *path, char *err, size_t errlen);

#endif
