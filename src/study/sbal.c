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
  if (c->members < 2) return "members";
  if (c->pool_size < 1) return "pool_size";
  if (c->rollout_steps < 1) return "rollout_steps";
  if ((unsigned)c->selection > SBAL_TOP_K) return "selection";
  if (!(c->power_beta >= 0 && isfinite(c->power_beta))) return "power_beta";
  if (!(c->top_k_ratio >= 0 && c->top_k_ratio <= 1)) return "top_k_ratio";
  if (c->min_finished < 0) return "min_finished";
  return NULL;
}

static double weight_of(double score, double beta) {
  return isfinite(score) && score > 0 ? pow(score, beta) : 0.0;
}

/* k draws without replacement, each proportional to the weights left:
   the drawn weight is zeroed (O(k n), k and n are a few thousand). */
static void draw_proportional(ogas_rng *rng, double *w, size_t n, size_t k, size_t *chosen) {
  double total = 0;
  for (size_t i = 0; i < n; i++) total += w[i];
  for (size_t j = 0; j < k; j++) {
    size_t pick = n;
    if (total > 0) {
      double u = ogas_rng_uniform(rng) * total, acc = 0;
      for (size_t i = 0; i < n && pick == n; i++)
        if (w[i] > 0 && (acc += w[i]) > u) pick = i;
      if (pick == n) /* rounding: the last candidate with weight */
        for (size_t i = n; i-- > 0 && pick == n;)
          if (w[i] > 0) pick = i;
    }
    if (pick == n) { /* nothing weighs anything: uniform among those left */
      size_t left = 0;
      for (size_t i = 0; i < n; i++) left += w[i] >= 0;
      size_t r = (size_t)ogas_rng_below(rng, left);
      for (size_t i = 0; i < n; i++)
        if (w[i] >= 0 && r-- == 0) {
          pick = i;
          break;
        }
    }
    chosen[j] = pick;
    total -= w[pick] > 0 ? w[pick] : 0;
    if (total < 0) total = 0;
    w[pick] = -1; /* taken */
  }
}

/* A candidate's rank key: its score (not finite counts as lowest) and,
   for ties, its index. */
typedef struct {
  double score, index;
} ranked;

static int by_score_desc(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return (x->index > y->index) - (x->index < y->index);
}

void study_sbal_select(const study_sbal_config *c, ogas_rng *rng, const double *scores, size_t n,
                       size_t k, size_t *chosen, double *work) {
  if (k > n) k = n;
  if (c->selection == SBAL_POWER) {
    for (size_t i = 0; i < n; i++) work[i] = weight_of(scores[i], c->power_beta);
    draw_proportional(rng, work, n, k, chosen);
    return;
  }
  /* top_k: rank the candidates (work holds n pairs). */
  ranked *order = (ranked *)work;
  for (size_t i = 0; i < n; i++)
    order[i].score = isfinite(scores[i]) ? scores[i] : -INFINITY, order[i].index = (double)i;
  qsort(order, n, sizeof *order, by_score_desc);
  size_t top = (size_t)floor((double)k * c->top_k_ratio);
  for (size_t j = 0; j < k; j++) {
    /* Past the top, a partial Fisher-Yates shuffle of the rest: uniform
       among the candidates not taken. */
    if (j >= top) {
      size_t r = j + (size_t)ogas_rng_below(rng, n - j);
      ranked t = order[j];
      order[j] = order[r], order[r] = t;
    }
    chosen[j] = (size_t)order[j].index;
  }
}
