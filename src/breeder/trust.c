#include "breeder/trust.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ddpm/box_prior.h"
#include "ddpm/schedule.h"

struct trust_eval {
  denoiser_shape shape;
  noise_schedule schedule;
  int box_prior;
  denoiser_ws *ws;
  float *z, *c;                            /* entries: (M, d), (M) */
  float *z_t, *target, *pred, *t, *c_rows; /* rows: R = M·J draws, at both conditions */
};

trust_eval *trust_create(const ddpm_config *cfg) {
  trust_eval *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->shape = cfg->shape;
  t->box_prior = cfg->box_prior;
  size_t M = TRUST_BATCH, R = M * TRUST_DRAWS, d = (size_t)cfg->shape.dim;
  if (schedule_create(&t->schedule, cfg->schedule, cfg->timesteps, cfg->beta_start,
                      cfg->beta_end)) {
    free(t);
    return NULL;
  }
  t->ws = denoiser_ws_create(&cfg->shape, (int)(2 * R), 0);
  t->z = malloc((M * d + M + 2 * R * d + R * d + 2 * R * d + 2 * R + 2 * R) * sizeof(float));
  if (!t->ws || !t->z) {
    trust_free(t);
    return NULL;
  }
  t->c = t->z + M * d;
  t->z_t = t->c + M;
  t->target = t->z_t + 2 * R * d;
  t->pred = t->target + R * d;
  t->t = t->pred + 2 * R * d;
  t->c_rows = t->t + 2 * R;
  return t;
}

void trust_free(trust_eval *t) {
  if (!t) return;
  denoiser_ws_free(t->ws);
  schedule_free(&t->schedule);
  free(t->z);
  free(t);
}

float *trust_batch_z(trust_eval *t) { return t->z; }
float *trust_batch_c(trust_eval *t) { return t->c; }

void trust_score(trust_eval *t, const float *params, int n, float c_high, float c_low,
                 ogas_rng *rng, float *loss_high, float *loss_low) {
  if (n < 1) return;
  int d = t->shape.dim, T = t->schedule.T, J = TRUST_DRAWS;
  int R = n * J; /* rows [0, R) at c_high, [R, 2R) the same rows at c_low */
  for (int r = 0; r < R; r++) {
    const float *z0 = t->z + (size_t)(r / J) * d;
    int step = (int)ogas_rng_below(rng, (uint64_t)T);
    float a = (float)t->schedule.sqrt_abar[step], s = (float)t->schedule.sqrt_one_minus_abar[step];
    float *zt = t->z_t + (size_t)r * d, *target = t->target + (size_t)r * d;
    for (int k = 0; k < d; k++) {
      target[k] = (float)ogas_rng_normal(rng); /* eps, then minus the base below */
      zt[k] = a * z0[k] + s * target[k];
    }
    if (t->box_prior) {
      float *base = t->pred + (size_t)r * d; /* scratch until the forward pass */
      box_prior_eps(zt, (size_t)d, a, s, base);
      for (int k = 0; k < d; k++) target[k] -= base[k];
    }
    t->t[r] = t->t[R + r] = (float)step;
    t->c_rows[r] = c_high, t->c_rows[R + r] = c_low;
  }
  memcpy(t->z_t + (size_t)R * d, t->z_t, (size_t)R * d * sizeof(float));
  denoiser_forward(t->ws, params, t->z_t, t->t, t->c_rows, 2 * R, 2 * R, t->pred);
  for (int i = 0; i < n; i++) {
    double lh = 0, ll = 0;
    for (int j = 0; j < J; j++) {
      int r = i * J + j;
      const float *target = t->target + (size_t)r * d;
      const float *ph = t->pred + (size_t)r * d, *pl = t->pred + (size_t)(R + r) * d;
      for (int k = 0; k < d; k++) {
        double eh = (double)target[k] - ph[k], el = (double)target[k] - pl[k];
        lh += eh * eh, ll += el * el;
      }
    }
    loss_high[i] = (float)(lh / ((double)J * d));
    loss_low[i] = (float)(ll / ((double)J * d));
  }
}

void trust_window_add(trust_window *w, float c, float delta, float loss_high, float loss_low) {
  int64_t k = w->head;
  w->c[k] = c, w->delta[k] = delta, w->loss_high[k] = loss_high, w->loss_low[k] = loss_low;
  w->head = (k + 1) % TRUST_WINDOW;
  if (w->count < TRUST_WINDOW) w->count++;
  w->scored++;
}

typedef struct {
  float key;
  int index;
} keyed;

static int by_key(const void *a, const void *b) {
  float x = ((const keyed *)a)->key, y = ((const keyed *)b)->key;
  return (x > y) - (x < y);
}

/* Ranks 1..n of x, ties sharing their average rank. */
static void ranks(const float *x, int n, keyed *scratch, double *rank) {
  for (int i = 0; i < n; i++) scratch[i] = (keyed){x[i], i};
  qsort(scratch, (size_t)n, sizeof *scratch, by_key);
  for (int i = 0; i < n;) {
    int j = i;
    while (j + 1 < n && scratch[j + 1].key == scratch[i].key) j++;
    for (int k = i; k <= j; k++) rank[scratch[k].index] = 0.5 * (i + j) + 1;
    i = j + 1;
  }
}

void trust_outcome_test(const float *score, const uint8_t *is_bred, const int32_t *generation,
                        int n, trust_outcome *out) {
  memset(out, 0, sizeof *out);
  double excess = 0, var = 0;
  for (int lo = 0; lo < n;) {
    int hi = lo;
    while (hi < n && generation[hi] == generation[lo]) hi++;
    double cnt[2] = {0, 0}, sum[2] = {0, 0}, sq[2] = {0, 0}; /* [plain, bred] */
    for (int i = lo; i < hi; i++) {
      int k = is_bred[i] != 0;
      cnt[k]++, sum[k] += score[i], sq[k] += (double)score[i] * score[i];
    }
    if (cnt[0] >= 2 && cnt[1] >= 2) {
      double v[2];
      for (int k = 0; k < 2; k++) {
        double m = sum[k] / cnt[k];
        v[k] = fmax(sq[k] - cnt[k] * m * m, 0) / (cnt[k] - 1) / cnt[k]; /* var of the mean */
      }
      excess += sum[1] / cnt[1] - sum[0] / cnt[0];
      var += v[0] + v[1];
      out->n_bred += (int64_t)cnt[1], out->n_plain += (int64_t)cnt[0];
    }
    lo = hi;
  }
  out->z = var > 0 ? excess / sqrt(var) : 0.0;
}

void trust_window_verdict(trust_window *w, trust_verdict *out) {
  memset(out, 0, sizeof *out);
  int64_t recent = w->scored - w->scored_at_break;
  w->scored_at_break = w->scored;
  if (recent < TRUST_RECENT_MIN) recent = TRUST_RECENT_MIN;
  int n = (int)(recent < w->count ? recent : w->count);
  out->n_entries = n;
  if (n < 2) return;
  /* The newest n entries, oldest first. */
  float c[TRUST_WINDOW], delta[TRUST_WINDOW];
  for (int i = 0; i < n; i++) {
    int64_t k = ((w->head - n + i) % TRUST_WINDOW + TRUST_WINDOW) % TRUST_WINDOW;
    c[i] = w->c[k], delta[i] = w->delta[k];
    out->loss_high += w->loss_high[k], out->loss_low += w->loss_low[k];
  }
  out->loss_high /= n, out->loss_low /= n;
  keyed scratch[TRUST_WINDOW];
  double rc[TRUST_WINDOW], rd[TRUST_WINDOW];
  ranks(c, n, scratch, rc);
  ranks(delta, n, scratch, rd);
  double mean = 0.5 * (n + 1), sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < n; i++) {
    double x = rc[i] - mean, y = rd[i] - mean;
    sxy += x * y, sxx += x * x, syy += y * y;
  }
  out->z = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) * sqrt((double)n - 1) : 0.0;
}
