/* synth — drives a breeder against an analytic difficulty landscape
 * (landscape.h) for a number of generations, as an online study would: each
 * generation's simulations "run", report their per-step losses through
 * ogas_record_increments in one of three server patterns, then the next
 * generation is bred with ogas_next_parameters /
 * ogas_concretize_resampled_parameters. Reports, per generation, the share
 * of bred children in the hard region next to the share uniform sampling
 * gives (their ratio is the enrichment), with the breeder's own telemetry.
 *
 * The breeder runs with the library's defaults: only the bounds ([-1,1]^d,
 * so that parameters are z themselves), nb_sims and the seed are set, plus
 * whatever breeder_json adds. */
#ifndef OGAS_SYNTH_SYNTH_H
#define OGAS_SYNTH_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "synth/landscape.h"

/* How the simulated server reports losses. */
typedef enum {
  REPORT_PER_SIM,  /* one record call per simulation with all its steps */
  REPORT_FEW,      /* calls_per_sim calls per simulation, its steps split among them */
  REPORT_MINIBATCH /* one call per minibatch of `minibatch` samples drawn
                      from all of the generation's simulations at once */
} report_pattern;

typedef struct {
  landscape_kind landscape;
  int dim;
  int64_t generation_size; /* simulations per generation */
  int generations;         /* bred generations after generation 0 */
  int steps_per_sim;       /* loss values each simulation reports */
  report_pattern pattern;
  int calls_per_sim; /* REPORT_FEW */
  int minibatch;     /* REPORT_MINIBATCH */
  uint64_t seed;
  int async;                /* background training */
  const char *breeder_json; /* JSON object merged over the library defaults, or NULL */
  FILE *progress;           /* one line per generation, or NULL */
} synth_options;

typedef struct {
  int64_t generation, n_children, n_bred, ddpm_steps, ddpm_steps_since_last, dropped;
  double breed_ratio, hard_share, hard_share_bred, ddpm_loss, train_cpu_s, generate_ms;
  double trust_z, outcome_z;
  int trusted;
  char not_bred_reason[128];
} synth_generation;

typedef struct {
  double uniform_share; /* share of the box that is hard */
  int n_generations;    /* entries in gens (generation 0 included) */
  synth_generation *gens;
  int64_t nb_sims, d;
  double *params;         /* nb_sims x d, final table */
  int *is_bred;           /* nb_sims */
  int32_t *generation_of; /* nb_sims */
  /* Summary over the bred generations. */
  int first_bred_generation;    /* 0: none bred */
  int first_trusted_generation; /* first bred at the full ratio the check allowed; 0: none */
  int64_t n_bred, n_bred_hard;
  double enrichment; /* hard share of all bred children / uniform share (0: none) */
  double worst_generation_enrichment; /* lowest over generations with >= 10 bred */
  double train_cpu_s;                 /* all training CPU */
  /* multimodal: bred children in each hard bump, and how evenly they spread
     relative to the bumps' own areas (1: in proportion to uniform sampling's
     shares, 0: all in one bump) */
  int64_t bred_in_mode[LANDSCAPE_MAX_MODES];
  double mode_balance;
  /* Novelty: the median distance from a bred child to the nearest earlier
     simulation, over the median for a space-filling child of the same
     generations (1: as new as space-filling draws; near 0: copies of earlier
     simulations, which a memorising DDPM produces). 0 when not measured. */
  double novelty;
  double breeder_cpu_per_generation; /* training CPU + generation wall time, per bred-phase
                                        generation */
} synth_result;

/* 0 on success; otherwise an ogas_status with a message in err. */
int synth_run(const synth_options *opt, synth_result *out, char *err, size_t errlen);
void synth_result_free(synth_result *r);
/* Write the history as CSV: sim_id, generation, is_bred, hard, p0..p{d-1}. */
int synth_write_csv(const synth_result *r, landscape_kind k, const char *path);
/* "per-sim", "few", "minibatch" */
int report_pattern_parse(const char *name, report_pattern *out);
const char *report_pattern_name(report_pattern p);

#endif
