/* breed — the Breed baseline of an online study (the predecessor of OGAS),
 * bred as the reference DefaultBreeder breeds, on the difficulty signal the
 * OGAS breeder learns from.
 *
 * Fitness. Every value reported for a simulation goes through the OGAS
 * breeder's own signal module (breeder/signal.h), called the way the
 * breeder calls it: the score is the exponential moving average of the
 * simulation's values (alpha = ema_loss_alpha), each record call's values
 * enter the window of the last min_max_queue_length calls, and the
 * simulation's fitness is its score normalised against that window when the
 * call arrives (min-max by default, clipped to [0, max_loss_value]; 3-sigma
 * or raw as the breeder's switches say). As in the breeder's reservoir,
 * each call makes one entry per simulation it touches, and only the last
 * buffer_size entries are remembered: a simulation whose latest entry has
 * left that FIFO is no longer a parent.
 *
 * Breeding, at a generation break, on the n rows not yet started:
 * floor(n R_g) children are bred, the rest come from the study's
 * space-filling sequence (continued), and the list is shuffled (the
 * reference's "true mixing"). R_g is the breeder's own schedule
 * (breeder/breed_ratio.h: linspace(start, end, breakpoint)), g = 1 for the
 * first break. A child picks a parent among the finished simulations with a
 * live entry with probability fitness / sum of fitnesses, and is drawn from
 * the multivariate normal N(x_parent, diag(c · (sigma (u_i - l_i))^2)):
 * sigma is a fraction of each parameter's range, c the parent's covariance
 * scale (1 for a simulation that was not bred). A draw outside the box is
 * drawn again with the covariance multiplied by shrink (0.3, as the
 * reference DefaultBreeder), up to max_oob_count times; a child still
 * outside after that is its parent's parameters. The child keeps the
 * covariance scale it was drawn with, so children of a parent near a wall
 * breed narrower in turn; the parent's own scale is left as it is. A
 * replaced row starts afresh (no score, scale 1, not finished).
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
  double sigma;                              /* fraction of each range, > 0; 0.1 */
  double shrink;                             /* covariance factor per retry, (0, 1); 0.3 */
  int64_t max_oob_count;                     /* retries before the parent, >= 0; 10 */
  sf_kind non_breed_sampler;                 /* halton */
  /* The difficulty signal, as the OGAS breeder's "data" section (same
     names, same defaults). */
  double ema_loss_alpha;         /* (0, 1]; 0.3 */
  int normalize_losses;          /* 1 */
  int clip_loss_norm_to_3_sigma; /* 0 */
  int64_t min_max_queue_length;  /* >= 1; 20 */
  double max_loss_value;         /* > 0; 5 */
  int64_t buffer_size;           /* >= 1; 6000 */
} study_breed_config;

void study_breed_config_defaults(study_breed_config *c);
/* NULL when every setting is in its range, else the name of the first one
   that is not. */
const char *study_breed_config_check(const study_breed_config *c);

/* What one break did (the study sampler's study_generation gets these). */
typedef struct {
  double breed_ratio;
  int64_t n_bred, n_non_bred;
  int64_t n_oob_regenerated; /* draws repeated because one left the box */
  int64_t n_parent_copies;   /* children still outside after max_oob_count */
  char note[128];            /* why nothing was bred, or "" */
} study_breed_generation;

typedef struct study_breed study_breed;

/* n rows of d parameters in the box [lower, upper] (copied). OGAS_ENOMEM. */
int study_breed_create(const study_breed_config *c, size_t d, int64_t n, const double *lower,
                       const double *upper, uint64_t seed, study_breed **out);
void study_breed_free(study_breed *b); /* NULL is accepted */

/* One record call: fold its per-sample losses into the signal (bad ids and
   values skipped, as the breeder skips them). */
void study_breed_record(study_breed *b, const int64_t *sim_ids, const double *values, size_t n);
/* Row sim_id has finished: it may be a parent from now on. */
void study_breed_finished(study_breed *b, int64_t sim_id);
/* The fitness a parent draw would use for sim_id: its normalised score as
   judged at its latest record call; -1 when it has no live entry. */
double study_breed_fitness(const study_breed *b, int64_t sim_id);
/* Generation `generation`: rewrite rows first .. first+count-1 of table
   (n x d, physical units) and is_bred, the non-bred children drawn from sf.
   OGAS_OK, or the space-filling sampler's status. */
int study_breed_resample(study_breed *b, int64_t generation, space_filling *sf, double *table,
                         int *is_bred, int64_t first, int64_t count, study_breed_generation *g);

#endif
