/* sampler — where an online study gets its simulation parameters: one
 * interface over seven samplers.
 *
 *   uniform, lhs, halton, sobol   the space-filling samplers of
 *       breeder/space_filling.h mapped to the box; the table of nb_sims rows
 *       is drawn at creation and a generation break changes nothing (QMC
 *       sequences are best left whole).
 *   breed   the Breed/AMIS baseline (study/breed.h): at a generation break
 *       the rows not yet started are replaced by bred and space-filling
 *       children.
 *   sbal    the pool-based active-learning baseline (study/sbal.h): uniform
 *       rows; once sbal.min_finished simulations have finished, a break
 *       draws sbal.pool_size uniform candidates, has them scored by the
 *       study's scorer (the disagreement of its surrogate ensemble) and
 *       rewrites the rows not started yet with the chosen candidates.
 *   ogas    libogas (include/ogas.h): the breeder's JSON config is the study's
 *       "ogas" section plus nb_params, l_bounds, u_bounds, parameter_names,
 *       nb_sims and seed from the study; values go to ogas_record_increments;
 *       a break calls ogas_next_parameters and
 *       ogas_concretize_resampled_parameters. With synchronous training (the
 *       deterministic mode forces breeder.async_training = false) the granted
 *       budget is spent after every record call, on the caller's thread.
 *
 * CPU time: every call measures the calling thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID) and adds it up; for ogas with background
 * training, the breeder's own train_cpu_s is added (its thread's time).
 *
 * Every call is thread-safe (one mutex per sampler). Functions return
 * ogas_status codes; study_sampler_errmsg gives the last message. */
#ifndef OGAS_STUDY_SAMPLER_H
#define OGAS_STUDY_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "breeder/space_filling.h"
#include "study/breed.h"
#include "study/sbal.h"

typedef enum {
  STUDY_SAMPLER_UNIFORM,
  STUDY_SAMPLER_LHS,
  STUDY_SAMPLER_HALTON,
  STUDY_SAMPLER_SOBOL,
  STUDY_SAMPLER_BREED,
  STUDY_SAMPLER_OGAS,
  STUDY_SAMPLER_SBAL
} study_sampler_kind;

#define STUDY_SAMPLER_NAMES "uniform, lhs, halton, sobol, breed, ogas, sbal"
/* 0 on success, -1 for an unknown name. */
int study_sampler_parse(const char *name, study_sampler_kind *out);
const char *study_sampler_name(study_sampler_kind k);

typedef struct {
  study_sampler_kind kind;
  size_t nb_params;
  const double *lower, *upper;    /* nb_params each, copied */
  const char *const *param_names; /* nb_params, or NULL */
  int64_t nb_sims;
  uint64_t seed;
  study_breed_config breed; /* used by breed */
  study_sbal_config sbal;   /* used by sbal */
  const char *ogas_json;    /* ogas: the study's "ogas" section (a JSON
                               object as text) or NULL for defaults */
  int ogas_force_sync;      /* ogas: set breeder.async_training false */
} study_sampler_config;

/* What a generation break did. Rows first_id..last_id were rewritten
   (both -1 when none was). */
typedef struct {
  int64_t generation; /* 1, 2, ... */
  int64_t first_id, last_id;
  int64_t n_bred, n_non_bred;
  double breed_ratio;
  int64_t n_oob_regenerated; /* draws repeated because one left the box */
  int64_t n_clipped;         /* ogas: children clipped to the box; breed:
                                children that fell back to their parent */
  char note[128];            /* why nothing was bred, or "" */
} study_generation;

typedef struct study_sampler study_sampler;

/* OGAS_EINVAL (message in err) for a bad config, including the breeder's own
   message for a bad "ogas" section; OGAS_ENOMEM. */
int study_sampler_create(const study_sampler_config *cfg, study_sampler **out, char *err,
                         size_t errlen);
void study_sampler_free(study_sampler *s); /* NULL is accepted */
const char *study_sampler_errmsg(study_sampler *s);
study_sampler_kind study_sampler_get_kind(const study_sampler *s);

/* Parameters of sim_id (nb_params, physical units) and whether they were
   bred. OGAS_ERANGE for an id outside 0..nb_sims-1. */
int study_sampler_get(study_sampler *s, int64_t sim_id, double *params, int *is_bred);
/* Per-sample losses of one training batch. */
int study_sampler_record(study_sampler *s, const int64_t *sim_ids, const int64_t *time_steps,
                         const double *values, size_t n, int64_t batch_idx);
/* Simulation sim_id has streamed all its steps (breed's parent pool). */
int study_sampler_finished(study_sampler *s, int64_t sim_id);
/* Generation break: rewrite up to max_count (-1: all) rows after
   last_started_id (-1: none started yet). info may be NULL. */
int study_sampler_resample(study_sampler *s, int64_t last_started_id, int64_t max_count,
                           study_generation *info);
/* sbal: scores[i] of candidates[i] (n rows of nb_params, physical units),
   higher = more worth simulating; returns an ogas_status (message in err). */
typedef int (*study_pool_scorer)(void *ctx, const double *candidates, size_t n, double *scores,
                                 char *err, size_t errlen);
/* The scorer of an sbal sampler (before its first break); others ignore it.
   It runs inside study_sampler_resample, and its CPU time is the sampler's. */
void study_sampler_set_scorer(study_sampler *s, study_pool_scorer scorer, void *ctx);
/* CPU seconds the sampler has used so far (see above), and time spent for
   it elsewhere (the study trains sbal's extra ensemble members). */
double study_sampler_cpu_s(study_sampler *s);
void study_sampler_add_cpu_s(study_sampler *s, double seconds);
/* The ogas breeder behind an ogas sampler (for telemetry), else NULL. */
struct ogas_breeder *study_sampler_breeder(study_sampler *s);

#endif
