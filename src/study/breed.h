/* breed — the Breed/AMIS baseline of an online study (the predecessor of
 * OGAS), as the reference DefaultBreeder does it.
 *
 * At a generation break the n rows not yet started are replaced:
 * floor(n R_g) children are bred, the rest come from the study's
 * space-filling sequence (continued), and the list is shuffled. R_g is the
 * breeder's own schedule (breeder/breed_ratio.h), g = 1 for the first break.
 * A bred child picks a parent among the finished simulations with
 * probability proportional to its loss (the exponential moving average of
 * the values reported for it, alpha = ema_loss_alpha) and is the parent plus
 * N(0, diag(sigma_p^2)), sigma_p = scale_p · sigma · (u - l). A child
 * outside the box multiplies its parent's scale_p by shrink (for good: a
 * parent near a wall keeps proposing closer) and is drawn again, up to
 * max_oob_attempts times; then it is clipped to the box. A replaced row
 * starts afresh (no loss, scale 1, not finished).
 *
 * Not thread-safe on its own: the study sampler (sampler.h) serialises the
 * calls. */
#ifndef OGAS_STUDY_BREED_H
#define OGAS_STUDY_BREED_H

#include <stddef.h>
#include <stdint.h>

#include "breeder/space_filling.h"

typedef struct {
  double start_breed_ratio, end_breed_ratio; /* [0, 1]; defaults 0.0, 0.7 */
  int64_t breakpoint;                        /* >= 1; default 4 */
  double sigma;                              /* fraction of the box width; 0.1 */
  double shrink;                             /* (0, 1); 0.5 */
  int64_t max_oob_attempts;                  /* >= 0; 10 */
  double ema_loss_alpha;                     /* (0, 1]; 0.3 */
  sf_kind non_breed_sampler;                 /* halton */
} study_breed_config;

void study_breed_config_defaults(study_breed_config *c);
/* 0 when every setting is in its range, else -1. */
int study_breed_config_check(const study_breed_config *c);

/* What one break did (the study sampler's study_generation gets these). */
typedef struct {
  double breed_ratio;
  int64_t n_bred, n_non_bred, n_oob_regenerated, n_clipped;
  char note[128]; /* why nothing was bred, or "" */
} study_breed_generation;

typedef struct study_breed study_breed;

/* n rows of d parameters in the box [lower, upper] (copied). OGAS_ENOMEM. */
int study_breed_create(const study_breed_config *c, size_t d, int64_t n, const double *lower,
                       const double *upper, uint64_t seed, study_breed **out);
void study_breed_free(study_breed *b); /* NULL is accepted */

/* Fold per-sample losses into the rows' scores (bad ids and values skipped). */
void study_breed_record(study_breed *b, const int64_t *sim_ids, const double *values, size_t n);
/* Row sim_id has finished: it may be a parent from now on. */
void study_breed_finished(study_breed *b, int64_t sim_id);
/* Generation `generation`: rewrite rows first .. first+count-1 of table
   (n x d, physical units) and is_bred, the non-bred children drawn from sf.
   OGAS_OK, or the space-filling sampler's status. */
int study_breed_resample(study_breed *b, int64_t generation, space_filling *sf, double *table,
                         int *is_bred, int64_t first, int64_t count, study_breed_generation *g);

#endif
