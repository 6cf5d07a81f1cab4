/* breed — the Breed baseline. See breed.h. */
#include "study/breed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/breed_ratio.h"
#include "nn/rng.h"
#include "ogas.h"

struct study_breed {
  study_breed_config cfg;
  size_t d;
  int64_t n;
  double *lower, *upper; /* d each (one block) */
  ogas_rng rng;
  double *score, *scale;               /* n: loss EMA, sigma multiplier */
  unsigned char *has_score, *finished; /* n */
  double *cumulative;                  /* n: parent-draw weights */
  int64_t *parent_id;                  /* n */
  double *staged;                      /* n x d */
  int *staged_bred;                    /* n */
  int64_t *order;                      /* n */
};

void study_breed_config_defaults(study_breed_config *c) {
  c->start_breed_ratio = 0.0;
  c->end_breed_ratio = 0.7;
  c->breakpoint = 4;
  c->sigma = 0.1;
  c->shrink = 0.5;
  c->max_oob_attempts = 10;
  c->ema_loss_alpha = 0.3;
  c->non_breed_sampler = SF_HALTON;
}

int study_breed_config_check(const study_breed_config *c) {
  int ok = c->start_breed_ratio >= 0 && c->start_breed_ratio <= 1 && c->end_breed_ratio >= 0 &&
           c->end_breed_ratio <= 1 && c->breakpoint >= 1 && c->sigma > 0 && isfinite(c->sigma) &&
           c->shrink > 0 && c->shrink < 1 && c->max_oob_attempts >= 0 && c->ema_loss_alpha > 0 &&
           c->ema_loss_alpha <= 1;
  return ok ? 0 : -1;
}

int study_breed_create(const study_breed_config *c, size_t d, int64_t n, const double *lower,
                       const double *upper, uint64_t seed, study_breed **out) {
  *out = NULL;
  study_breed *b = calloc(1, sizeof *b);
  if (!b) return OGAS_ENOMEM;
  b->cfg = *c;
  b->d = d;
  b->n = n;
  size_t N = (size_t)n;
  b->lower = malloc(2 * d * sizeof(double));
  b->score = calloc(N, sizeof(double));
  b->scale = malloc(N * sizeof(double));
  b->has_score = calloc(N, 1);
  b->finished = calloc(N, 1);
  b->cumulative = malloc(N * sizeof(double));
  b->parent_id = malloc(N * sizeof(int64_t));
  b->staged = malloc(N * d * sizeof(double));
  b->staged_bred = malloc(N * sizeof(int));
  b->order = malloc(N * sizeof(int64_t));
  if (!b->lower || !b->score || !b->scale || !b->has_score || !b->finished || !b->cumulative ||
      !b->parent_id || !b->staged || !b->staged_bred || !b->order) {
    study_breed_free(b);
    return OGAS_ENOMEM;
  }
  b->upper = b->lower + d;
  memcpy(b->lower, lower, d * sizeof(double));
  memcpy(b->upper, upper, d * sizeof(double));
  for (size_t i = 0; i < N; i++) b->scale[i] = 1.0;
  ogas_rng_seed(&b->rng, seed, 0xB4EEDu);
  *out = b;
  return OGAS_OK;
}

void study_breed_free(study_breed *b) {
  if (!b) return;
  free(b->lower), free(b->score), free(b->scale), free(b->has_score), free(b->finished);
  free(b->cumulative), free(b->parent_id), free(b->staged), free(b->staged_bred), free(b->order);
  free(b);
}

void study_breed_record(study_breed *b, const int64_t *sim_ids, const double *values, size_t n) {
  double a = b->cfg.ema_loss_alpha;
  for (size_t i = 0; i < n; i++) {
    int64_t id = sim_ids[i];
    double v = values[i];
    if (id < 0 || id >= b->n || !isfinite(v) || v < 0) continue;
    b->score[id] = b->has_score[id] ? a * v + (1 - a) * b->score[id] : v;
    b->has_score[id] = 1;
  }
}

void study_breed_finished(study_breed *b, int64_t sim_id) {
  if (sim_id >= 0 && sim_id < b->n) b->finished[sim_id] = 1;
}

/* One bred child of a loss-proportional parent into child[d]. */
static void breed_child(study_breed *b, const double *table, int64_t n_parents, double total,
                        double *child, study_breed_generation *g) {
  const study_breed_config *c = &b->cfg;
  double u = ogas_rng_uniform(&b->rng) * total;
  int64_t lo = 0, hi = n_parents - 1; /* first cumulative > u */
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (b->cumulative[mid] > u)
      hi = mid;
    else
      lo = mid + 1;
  }
  int64_t p = b->parent_id[lo];
  const double *x = table + (size_t)p * b->d;
  for (int64_t attempt = 0;; attempt++) {
    int inside = 1;
    for (size_t i = 0; i < b->d; i++) {
      double sd = b->scale[p] * c->sigma * (b->upper[i] - b->lower[i]);
      child[i] = x[i] + sd * ogas_rng_normal(&b->rng);
      if (child[i] < b->lower[i] || child[i] > b->upper[i]) inside = 0;
    }
    if (inside) return;
    b->scale[p] *= c->shrink;
    if (attempt >= c->max_oob_attempts) break;
    g->n_oob_regenerated++;
  }
  g->n_clipped++;
  for (size_t i = 0; i < b->d; i++) child[i] = fmin(fmax(child[i], b->lower[i]), b->upper[i]);
}

int study_breed_resample(study_breed *b, int64_t generation, space_filling *sf, double *table,
                         int *is_bred, int64_t first, int64_t count, study_breed_generation *g) {
  size_t d = b->d;
  memset(g, 0, sizeof *g);
  const study_breed_config *c = &b->cfg;
  g->breed_ratio =
      breed_ratio_at(c->start_breed_ratio, c->end_breed_ratio, c->breakpoint, generation);
  if (count <= 0) return OGAS_OK;
  /* Parents: finished simulations with a loss, weights = loss. */
  int64_t n_parents = 0;
  double total = 0;
  for (int64_t i = 0; i < b->n; i++)
    if (b->finished[i] && b->has_score[i]) {
      total += b->score[i];
      b->cumulative[n_parents] = total;
      b->parent_id[n_parents++] = i;
    }
  int64_t n_bred = (int64_t)floor((double)count * g->breed_ratio);
  if (n_parents == 0 || !(total > 0) || !isfinite(total)) {
    if (n_bred > 0)
      snprintf(g->note, sizeof g->note, "no finished simulation with a positive loss yet");
    n_bred = 0;
  }
  for (int64_t k = 0; k < n_bred; k++) {
    breed_child(b, table, n_parents, total, b->staged + (size_t)k * d, g);
    b->staged_bred[k] = 1;
  }
  size_t n_plain = (size_t)(count - n_bred);
  double *plain = b->staged + (size_t)n_bred * d;
  if (n_plain) {
    int st = sf_next(sf, n_plain, plain);
    if (st) return st;
    for (size_t r = 0; r < n_plain; r++)
      for (size_t i = 0; i < d; i++)
        plain[r * d + i] = b->lower[i] + plain[r * d + i] * (b->upper[i] - b->lower[i]);
  }
  for (int64_t k = n_bred; k < count; k++) b->staged_bred[k] = 0;
  for (int64_t k = 0; k < count; k++) b->order[k] = k;
  ogas_rng_shuffle_i64(&b->rng, b->order, (size_t)count);
  for (int64_t k = 0; k < count; k++) {
    int64_t id = first + k, src = b->order[k];
    memcpy(table + (size_t)id * d, b->staged + (size_t)src * d, d * sizeof(double));
    is_bred[id] = b->staged_bred[src];
    /* A new simulation starts with a fresh loss and sigma. */
    b->has_score[id] = 0, b->score[id] = 0, b->finished[id] = 0, b->scale[id] = 1.0;
  }
  g->n_bred = n_bred;
  g->n_non_bred = count - n_bred;
  return OGAS_OK;
}
