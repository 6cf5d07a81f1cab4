/* The check before breeding (breeder/trust.h): both statistics are about
 * N(0, 1) when there is nothing to find (null calibration over 4000
 * replicates: mean, spread and the rate of z >= 2, which is the false
 * "proven" rate of the default trust_min_z), large when there is, and of
 * the right sign; the outcome test compares within a generation only; the
 * contrast verdict looks at the entries scored since the last break; and an
 * untrained model (zero correction on the box prior) scores every entry the
 * same at both conditions, so its z is exactly 0.
 *
 * Deterministic (fixed seeds). Measured here: contrast z mean 0.00, sd 1.01,
 * P(z >= 2) 0.023; outcome z (Welch on log-normal scores, skewed) mean
 * -0.11, sd 1.03, P(z >= 2) 0.013: the outcome check errs on the side of
 * not breeding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/trust.h"
#include "check.h"
#include "small_ddpm.h"

enum { REPS = 4000 };

static void null_summary(const char *what, const double *z, int n) {
  double m = 0, s = 0;
  int above = 0;
  for (int i = 0; i < n; i++) m += z[i], above += z[i] >= 2.0;
  m /= n;
  for (int i = 0; i < n; i++) s += (z[i] - m) * (z[i] - m);
  s = sqrt(s / (n - 1));
  double rate = (double)above / n;
  printf("%s under the null: mean %.3f, sd %.3f, P(z >= 2) = %.4f (normal: 0.0228)\n", what, m, s,
         rate);
  CHECK_MSG(fabs(m) < 0.15 && fabs(s - 1) < 0.06, "%s: mean %.3f sd %.3f", what, m, s);
  CHECK_MSG(rate > 0.01 && rate < 0.04, "%s: P(z >= 2) = %.4f", what, rate);
}

/* Two generations of 200 (the second at a tenth of the first's loss scale,
   as a surrogate's loss falls), heavy-tailed scores, a share `bred` bred;
   bred scores multiplied by `lift`. */
static void outcome_sample(ogas_rng *rng, double bred_share, double lift, float *score,
                           uint8_t *is_bred, int32_t *gen) {
  for (int i = 0; i < 400; i++) {
    gen[i] = i < 200 ? 7 : 6;
    is_bred[i] = ogas_rng_uniform(rng) < bred_share;
    double scale = i < 200 ? 1.0 : 0.1;
    score[i] = (float)(scale * exp(0.8 * ogas_rng_normal(rng)) * (is_bred[i] ? lift : 1.0));
  }
}

static void outcome_test(void) {
  ogas_rng rng;
  ogas_rng_seed(&rng, 11, 0);
  float score[400];
  uint8_t is_bred[400];
  int32_t gen[400];
  static double z[REPS];
  trust_outcome o;
  for (int r = 0; r < REPS; r++) {
    outcome_sample(&rng, 0.25, 1.0, score, is_bred, gen);
    trust_outcome_test(score, is_bred, gen, 400, &o);
    z[r] = o.z;
  }
  null_summary("outcome z", z, REPS);
  CHECK(o.n_bred + o.n_plain == 400);

  /* Bred children with twice the mean loss: proven in every replicate of
     100; 0.4 times it: refused in every one. */
  int proven = 0, refused = 0;
  for (int r = 0; r < 100; r++) {
    outcome_sample(&rng, 0.25, 2.0, score, is_bred, gen);
    trust_outcome_test(score, is_bred, gen, 400, &o);
    proven += o.z >= 2;
    outcome_sample(&rng, 0.25, 0.4, score, is_bred, gen);
    trust_outcome_test(score, is_bred, gen, 400, &o);
    refused += o.z <= -2;
  }
  printf("outcome z: 2x mean loss proven in %d/100, 0.4x refused in %d/100\n", proven, refused);
  CHECK(proven == 100 && refused == 100);

  /* Scores are compared within a generation: a generation of only bred
     children with high scores next to one of only plain ones with low
     scores is no evidence. */
  for (int i = 0; i < 400; i++) {
    gen[i] = i < 200 ? 2 : 1;
    is_bred[i] = i < 200;
    score[i] = i < 200 ? 10.0f : 1.0f;
  }
  trust_outcome_test(score, is_bred, gen, 400, &o);
  CHECK(o.z == 0 && o.n_bred == 0 && o.n_plain == 0);
  trust_outcome_test(score, is_bred, gen, 0, &o);
  CHECK(o.z == 0);
}

static void contrast_verdict(void) {
  ogas_rng rng;
  ogas_rng_seed(&rng, 12, 0);
  static double z[REPS];
  trust_verdict v;
  for (int r = 0; r < REPS; r++) {
    trust_window w;
    memset(&w, 0, sizeof w);
    for (int i = 0; i < 200; i++) {
      float c = (float)ogas_rng_uniform(&rng);
      trust_window_add(&w, c, (float)ogas_rng_normal(&rng), 1.0f, 1.0f);
    }
    trust_window_verdict(&w, &v);
    z[r] = v.z;
  }
  null_summary("contrast z", z, REPS);
  CHECK(v.n_entries == 200);

  /* delta rising with c: a large z. The next verdict looks at the entries
     scored since this break (at least TRUST_RECENT_MIN of the newest). */
  trust_window w;
  memset(&w, 0, sizeof w);
  for (int i = 0; i < 300; i++) {
    float c = (float)ogas_rng_uniform(&rng);
    trust_window_add(&w, c, c + 0.3f * (float)ogas_rng_normal(&rng), 1.0f, 1.0f);
  }
  trust_window_verdict(&w, &v);
  printf("contrast z with delta = c + noise: %.1f over %lld entries\n", v.z,
         (long long)v.n_entries);
  CHECK(v.z > 8 && v.n_entries == 300);
  for (int i = 0; i < 100; i++) {
    float c = (float)ogas_rng_uniform(&rng);
    trust_window_add(&w, c, -c + 0.3f * (float)ogas_rng_normal(&rng), 1.0f, 1.0f);
  }
  trust_window_verdict(&w, &v);
  CHECK(v.n_entries == 100 && v.z < -4);
  trust_window_verdict(&w, &v); /* nothing new: the newest TRUST_RECENT_MIN */
  CHECK(v.n_entries == TRUST_RECENT_MIN && v.z < -2);
}

/* An untrained model (its correction starts at zero) cannot tell the
   conditions apart: equal losses, delta 0 for every entry, z exactly 0. */
static void untrained_model_scores_zero(void) {
  ddpm_config cfg = small_ddpm_config(6, 50);
  ogas_rng rng;
  ogas_rng_seed(&rng, 5, 0);
  ddpm_model m;
  CHECK(ddpm_model_init(&m, &cfg, &rng) == 0);
  trust_eval *t = trust_create(&cfg);
  CHECK(t != NULL);
  int n = 100;
  float *z = trust_batch_z(t), *c = trust_batch_c(t);
  for (int i = 0; i < n; i++) {
    c[i] = (float)ogas_rng_uniform(&rng);
    for (int k = 0; k < 6; k++) z[i * 6 + k] = (float)(2 * ogas_rng_uniform(&rng) - 1);
  }
  float high[TRUST_BATCH], low[TRUST_BATCH];
  trust_score(t, m.ema, n, 0.9f, 0.5f, &rng, high, low);
  trust_window w;
  memset(&w, 0, sizeof w);
  int equal = 0;
  for (int i = 0; i < n; i++) {
    equal += high[i] == low[i] && high[i] > 0;
    trust_window_add(&w, c[i], low[i] - high[i], high[i], low[i]);
  }
  trust_verdict v;
  trust_window_verdict(&w, &v);
  CHECK_MSG(equal == n && v.z == 0, "%d of %d equal, z %.3f", equal, n, v.z);
  trust_free(t);
  ddpm_model_free(&m);
}

int main(void) {
  outcome_test();
  contrast_verdict();
  untrained_model_scores_zero();
  return check_exit("test_trust");
}
