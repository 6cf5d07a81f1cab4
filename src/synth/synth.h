/* synth — drives a breeder against an analytic difficulty landscape
 * (landscape.h) for a number of generations, as an online study would: each
 * generation's simulations "run", report their per-step losses through
 * ogas_record_increments, then the next generation is bred with
 * ogas_next_parameters / ogas_concretize_resampled_parameters. Reports, per
 * generation, the share of new children in the hard region next to the share
 * uniform sampling gives. */
#ifndef OGAS_SYNTH_SYNTH_H
#define OGAS_SYNTH_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "synth/landscape.h"

typedef struct {
  landscape_kind landscape;
  int dim;
  int64_t generation_size;   /* simulations per generation */
  int generations;           /* bred generations after generation 0 */
  int steps_per_sim;         /* loss values each simulation reports */
  uint64_t seed;
  int async;                 /* background training */
  const char *breeder_json;  /* JSON object merged over the defaults (sections breeder/model/data), or NULL */
  FILE *progress;            /* one line per generation, or NULL */
} synth_options;

typedef struct {
  int64_t generation, n_children, n_bred, ddpm_steps;
  double breed_ratio, hard_share, hard_share_bred, ddpm_loss, train_cpu_s, generate_ms;
} synth_generation;

typedef struct {
  double uniform_share; /* share of the box that is hard */
  int n_generations;    /* entries in gens (generation 0 included) */
  synth_generation *gens;
  int64_t nb_sims, d;
  double *params;       /* nb_sims x d, final table */
  int *is_bred;         /* nb_sims */
  int32_t *generation_of; /* nb_sims */
} synth_result;

/* The defaults synth uses for the breeder (small model, quick warm-up). */
extern const char *const synth_default_breeder_json;

/* 0 on success; otherwise an ogas_status with a message in err. */
int synth_run(const synth_options *opt, synth_result *out, char *err, size_t errlen);
void synth_result_free(synth_result *r);
/* Write the history as CSV: sim_id, generation, is_bred, hard, p0..p{d-1}. */
int synth_write_csv(const synth_result *r, landscape_kind k, const char *path);

#endif
