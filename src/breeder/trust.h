/* trust — whether the DDPM has learned something worth breeding from: the
 * check before each bred generation, so that a model that learned nothing
 * costs nothing but the missed gain.
 *
 * The test is prequential: the first reservoir entry of every simulation is
 * scored by the current model before the model may train on it (the
 * trainer scores pending entries before each step), so every score is out of
 * sample and no data is held back from training. For entry i with condition
 * c_i and J draws (t, eps) from the trainer's stream,
 *
 *   delta_i = mean_j [ L(c_low) - L(c_high) ],   L = ||eps - base - net(z_t, t, .)||²/d,
 *
 * with c_high and c_low the 0.9 and 0.5 quantiles of the reservoir's
 * conditions at scoring time (a typical breeding target, a typical
 * simulation). A model that learned where high conditions live explains
 * hard entries better at c_high than at c_low, and easy ones worse, so delta
 * rises with c. Both terms are conditional: the contrast does not depend on
 * how the null condition was trained (training draws focus on high
 * conditions, which shifts the null model's marginal). The verdict is Spearman's rank
 * correlation rho between delta and c over the entries scored since the
 * previous generation break (at least the newest TRUST_RECENT_MIN, at most
 * TRUST_WINDOW), as z = rho sqrt(n - 1), about N(0, 1) when delta does not
 * depend on c (a model that learned nothing, or memorised its training
 * conditions). Looking at recent scores only judges the model as it is now,
 * not the untrained one that scored the first generation. Breeding needs
 * z >= breeder.trust_min_z. */
#ifndef OGAS_BREEDER_TRUST_H
#define OGAS_BREEDER_TRUST_H

#include <stdint.h>

#include "ddpm/ddpm.h"
#include "nn/rng.h"

#define TRUST_WINDOW 512     /* scored entries the verdict looks at (the newest) */
#define TRUST_BATCH 256      /* entries scored in one pass */
#define TRUST_DRAWS 16       /* (t, eps) draws per entry */
#define TRUST_MIN_ENTRIES 32 /* fewer scored entries: no verdict, no breeding */
#define TRUST_RECENT_MIN 64  /* the verdict looks at no fewer of the newest entries */
#define TRUST_HIGH_QUANTILE 0.9
#define TRUST_LOW_QUANTILE 0.5

/* Scoring workspace for TRUST_BATCH entries of one model shape. */
typedef struct trust_eval trust_eval;
trust_eval *trust_create(const ddpm_config *cfg);
void trust_free(trust_eval *t);
/* Rows to fill before trust_score: z (TRUST_BATCH x d) and c (TRUST_BATCH). */
float *trust_batch_z(trust_eval *t);
float *trust_batch_c(trust_eval *t);
/* Score the first n entries with weights `params`: per entry the mean losses
   L(c_high) and L(c_low) over its draws (delta = loss_low - loss_high). */
void trust_score(trust_eval *t, const float *params, int n, float c_high, float c_low,
                 ogas_rng *rng, float *loss_high, float *loss_low);

/* The window of the newest scored entries and the verdict on it. */
typedef struct {
  float c[TRUST_WINDOW], delta[TRUST_WINDOW], loss_high[TRUST_WINDOW], loss_low[TRUST_WINDOW];
  int64_t head, count;     /* ring: the next slot, entries held */
  int64_t scored;          /* entries scored in all */
  int64_t scored_at_break; /* `scored` at the last generation break */
} trust_window;

void trust_window_add(trust_window *w, float c, float delta, float loss_high, float loss_low);

typedef struct {
  int64_t n_entries;          /* in the window */
  double loss_high, loss_low; /* their mean losses at c_high and c_low */
  double z;                   /* rho sqrt(n - 1); 0 when either side is constant */
} trust_verdict;

/* The verdict at a generation break; moves the break mark to now. */
void trust_window_verdict(trust_window *w, trust_verdict *out);

/* The outcome check: whether the bred simulations of the last
 * TRUST_OUTCOME_GENERATIONS generations score higher (have a higher mean
 * loss) than the space-filling ones of the same generation, the direct
 * measure of what breeding buys. Per generation k the difference of the mean
 * scores and its variance (Welch); pooled over generations,
 *
 *   z = sum_k (mean_bred_k - mean_plain_k) / sqrt(sum_k (v_bred_k/n_bred_k + v_plain_k/n_plain_k)),
 *
 * about N(0, 1) when bred children are no harder than space-filling ones.
 * Means, not ranks: a breeder that puts a share of its children where the
 * loss is high and the rest near them, where coverage has already lowered
 * it, raises the mean loss of what is simulated but may lower the median.
 * Only generations with two of each kind count; scores are compared within a
 * generation only, since the surrogate's loss falls over the study. */
#define TRUST_OUTCOME_GENERATIONS 2
#define TRUST_OUTCOME_MAX 1024 /* newest reported simulations looked at */

typedef struct {
  int64_t n_bred, n_plain; /* simulations in the test */
  double z;                /* 0 without a generation that has both kinds */
} trust_outcome;

/* n simulations, grouped by generation in contiguous runs of `generation`. */
void trust_outcome_test(const float *score, const uint8_t *is_bred, const int32_t *generation,
                        int n, trust_outcome *out);

#endif
