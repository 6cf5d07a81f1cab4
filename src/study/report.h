/* report — the comparison of samplers on one study config (what
 * `ogas compare` prints and writes), from the results of its studies.
 *
 * Every sampler ran one study per seed of the list (the same seeds for every
 * sampler) with the same budget and the same gradient steps, all judged on
 * one shared validation set. Per sampler and metric (the one-step nRMSE and
 * the rollout nRMSE, validation.h), the statistics (mean, std, p50, p95, p99,
 * max over the validation simulations) are averaged over the seeds, and so
 * are the wall time and the sampler's CPU time. The ratio of a statistic is
 * uniform ÷ sampler (> 1: the sampler is better): of the seed means, with a
 * 95 % bootstrap interval over the seeds and the validation simulations
 * (bootstrap.h), and per seed (with the min and max over seeds) in
 * results.json. Without "uniform" among the samplers every ratio is NaN
 * (printed "-", written null). The report says which seeds tuned the
 * config's settings (its "tuning" section) and whether the compared seeds and
 * validation seed are held out from them.
 *
 * Outputs of a comparison folder OUT, each written atomically
 * (util/atomic_file.h):
 *   results.json   strict JSON: setup, per sampler the
 *                  statistics, ratios, times and per run the seed, the
 *                  effective config and its run folder
 *   report.md      the setup, the tables and the plots as images
 *   *.png          the plots (compare_plots.h), data and scripts in OUT/plots
 *   runs/SAMPLER-seedS/   one folder per study: result.json (everything the
 *                  study returned), children.csv (plots.h), generations.jsonl
 *                  (the breeder's telemetry for ogas, the same keys from the
 *                  study's breaks for breed), so `ogas plot` draws any of them
 *
 * Library code: output goes to the FILE * or paths given; errors are
 * ogas_status codes with a message. */
#ifndef OGAS_STUDY_REPORT_H
#define OGAS_STUDY_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "study/bootstrap.h"
#include "study/plots.h"
#include "study/study.h"

/* The two validation metrics of a study (validation.h). */
typedef enum { COMPARE_ONE_STEP, COMPARE_ROLLOUT } compare_metric;
#define COMPARE_N_METRICS 2

typedef struct {
  char name[16];
  study_result **runs; /* n_seeds, owned (NULL until run) */
  char **run_dirs;     /* n_seeds: run folder relative to the output folder, owned */
  char **configs;      /* n_seeds: effective study config (JSON text), owned */
  /* compare_report_finish: means over the seeds, and the 95 % bootstrap
     interval of uniform ÷ this sampler (NaN for uniform, without uniform or
     without the metric). */
  study_stats stats[COMPARE_N_METRICS];
  study_ratio_interval ci[COMPARE_N_METRICS];
  double wall_s, sampler_cpu_s; /* means over the seeds */
} compare_sampler;

typedef struct {
  char config_path[1024];
  char *config_json; /* the config file as given (JSON text), owned */
  char problem[32];
  uint64_t *seeds; /* n_seeds, owned */
  uint64_t validation_seed;
  study_tuning tuning; /* the config's "tuning" section */
  int deterministic;
  size_t n_samplers, n_seeds;
  compare_sampler *samplers;
  int uniform;          /* index of "uniform", or -1 */
  double validation_s;  /* time to simulate the validation set */
  double total_s;       /* the whole comparison, set by the caller */
  int param_x, param_y; /* parameters of the scatter plots (-1: automatic) */
  /* The shared validation set's parameters (n_val x nb_params of the runs,
     borrowed; NULL: no plot of the error by parameter). */
  const double *validation_params;
} compare_report;

/* names: n_samplers sampler names; seeds: n_seeds (copied). OGAS_ENOMEM. */
int compare_report_init(compare_report *rep, size_t n_samplers, const char *const *names,
                        size_t n_seeds, const uint64_t *seeds);
void compare_report_free(compare_report *rep);
/* Hand over the result of (sampler i, seed s) with its run folder and
   config text (copied). OGAS_ENOMEM (the result is freed then). */
int compare_report_set_run(compare_report *rep, size_t i, size_t s, study_result *r,
                           const char *run_dir, const char *config_text);
/* Means over seeds and bootstrap intervals; every run must be set
   (OGAS_ESTATE otherwise); OGAS_ENOMEM. */
int compare_report_finish(compare_report *rep);

/* uniform ÷ sampler i of statistic k of metric m: of the seed means
   (seed < 0) or of one seed. NaN without uniform or when a value is not a
   positive number. */
double compare_ratio(const compare_report *rep, compare_metric m, size_t i, int k, int seed);

/* Whether the compared seeds and validation seed are disjoint from those that
   tuned the settings: 1 held out, 0 some overlap, -1 the config does not say. */
int compare_held_out(const compare_report *rep);

/* The table of stats and the ratios (stdout format). */
void compare_print_table(const compare_report *rep, FILE *f);

/* Write OUT/runs/... of one study: result.json, children.csv and, for breed,
   generations.jsonl. dir is the run folder (created). OGAS_EIO. */
int compare_write_run_folder(const study_result *r, const char *dir, char *err, size_t errlen);

/* OUT/results.json (plots: the PNG names drawn). OGAS_EIO / OGAS_ENOMEM. */
int compare_write_json(const compare_report *rep, const char *out_dir, const plot_set *plots,
                       char *err, size_t errlen);
/* OUT/report.md. */
int compare_write_markdown(const compare_report *rep, const char *out_dir, const plot_set *plots,
                           char *err, size_t errlen);
/* The first run of the first sampler, or NULL before any is set. */
const study_result *compare_first_run(const compare_report *rep);

#endif
