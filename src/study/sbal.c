#include "study/sbal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void study_sbal_config_defaults(study_sbal_config *c) {
  c->members = 2;
  c->pool_size = 1000;
  c->rollout_steps = 5;
  c->selection = SBAL_POWER;
  c->power_beta = 1.0;
  c->top_k_ratio = 0.7;
  c->min_finished = 100;
}

int study_sbal_selection_parse(const char *name, sbal_selection *out) {
  if (!name || !out) return -1;
  if (!strcmp(name, "power")) return *out = SBAL_POWER, 0;
  if (!strcmp(name, "top_k")) return *out = SBAL_TOP_K, 0;
  return -1;
}

const char *study_sbal_config_check(const study_sbal_config *c) {
  if (c->members < 2 || c->members > SBAL_MAX_MEMBERS) return "members";
  if (c->pool_size < 1 || c->pool_size > SBAL_MAX_POOL) return "pool_size";
  if (c->rollout_steps < 1 || c->rollout_steps > SBAL_MAX_ROLLOUT_STEPS) return "rollout_steps";
  if ((unsigned)c->selection > SBAL_TOP_K) return "selection";
  if (!(c->power_beta >= 0 && c->power_beta <= SBAL_MAX_POWER_BETA)) return "power_beta";
  if (!(c->top_k_ratio >= 0 && c->top_k_ratio <= 1)) return "top_k_ratio";
  if (c->min_finished < 0 || c->min_finished > INT32_MAX) return "min_finished";
  return NULL;
}

/* Power weights (score / max)^beta, with max the largest finite score so
   that neither pow underflows to all zeros nor the total overflows; -1
   marks a candidate that cannot be chosen (NaN). */
static void power_weights(const double *scores, size_t n, double beta, double *w) {
  double max = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(scores[i]) && scores[i] > max) max = scores[i];
  for (size_t i = 0; i < n; i++) {
    double x = scores[i];
    w[i] = isnan(x) ? -1.0 : !(x > 0) ? 0.0 : isinf(x) ? 1.0 : pow(x / max, beta);
  }
}

/* Draws without replacement, each proportional to the weights left (the
   total is summed afresh per draw: O(k n), k and n are a few thousand, and
   no rounding drift); once nothing left weighs anything, uniform among the
   candidates left. A drawn weight becomes -1. */
static size_t draw_proportional(ogas_rng *rng, double *w, size_t n, size_t k, size_t *chosen,
                                size_t *n_by_score) {
  size_t j = 0, by_score = 0;
  for (; j < k; j++) {
    double total = 0;
    size_t left = 0, pick = n, last = n;
    for (size_t i = 0; i < n; i++)
      if (w[i] >= 0) left++, total += w[i];
    if (!left) break;
    if (total > 0) {
      double u = ogas_rng_uniform(rng) * total, acc = 0;
      for (size_t i = 0; i < n && pick == n; i++) {
        if (!(w[i] > 0)) continue;
        last = i;
        if ((acc += w[i]) > u) pick = i;
      }
      if (pick == n) pick = last; /* rounding: the last candidate with weight */
      by_score++;
    } else {
      size_t r = (size_t)ogas_rng_below(rng, left);
      for (size_t i = 0; i < n && pick == n; i++)
        if (w[i] >= 0 && r-- == 0) pick = i;
    }
    chosen[j] = pick;
    w[pick] = -1;
  }
  *n_by_score = by_score;
  return j;
}

/* A candidate's rank key: its score and, for ties, its index. */
typedef struct {
  double score;
  size_t index;
} ranked;

static int by_score_desc(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return (x->index > y->index) - (x->index < y->index);
}

size_t study_sbal_select(const study_sbal_config *c, ogas_rng *rng, const double *scores, size_t n,
                         size_t k, size_t *chosen, size_t *n_by_score, double *work) {
  if (c->selection == SBAL_POWER) {
    power_weights(scores, n, c->power_beta, work);
    return draw_proportional(rng, work, n, k, chosen, n_by_score);
  }
  /* top_k: rank the candidates that can be chosen (work holds n pairs). */
  ranked *order = (ranked *)work;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(scores[i])) order[m].score = scores[i], order[m++].index = i;
  qsort(order, m, sizeof *order, by_score_desc);
  if (k > m) k = m;
  /* + 1e-9: 100 x 0.29 is 28.999999999999996 in doubles, and means 29. */
  size_t top = (size_t)floor((double)k * c->top_k_ratio + 1e-9);
  for (size_t j = 0; j < k; j++) {
    /* Past the top, a partial Fisher-Yates shuffle of the rest: uniform
       among the candidates not taken. */
    if (j >= top) {
      size_t r = j + (size_t)ogas_rng_below(rng, m - j);
      ranked t = order[j];
      order[j] = order[r], order[r] = t;
    }
    chosen[j] = order[j].index;
  }
  *n_by_score = top;
  return k;
}
