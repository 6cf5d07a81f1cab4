/* Unit tests of the breeder's parts: the normalisation window, the
   reservoir's eviction order, and the target-condition strategies. */
#include <stdlib.h>

#include "breeder/reservoir.h"
#include "breeder/signal.h"
#include "breeder/targets.h"
#include "check.h"

static void test_signal(void) {
  difficulty_signal s;
  CHECK(signal_init(&s, 4, 0.3, NORMALIZE_MIN_MAX, 2, 5.0) == 0);
  /* EMA: the first value sets the score, then s <- 0.3 v + 0.7 s. */
  signal_add_value(&s, 1, 2.0);
  CHECK_NEAR(s.score[1], 2.0, 1e-12);
  signal_add_value(&s, 1, 4.0);
  CHECK_NEAR(s.score[1], 0.3 * 4 + 0.7 * 2, 1e-12);
  /* Window of 2 calls: lo = min of minima, hi = max of maxima. */
  call_summary c;
  double call1[] = {1.0, 3.0}, call2[] = {2.0, 9.0}, call3[] = {4.0, 5.0};
  call_summary_begin(&c);
  for (int i = 0; i < 2; i++) call_summary_add(&c, call1[i]);
  signal_push_call(&s, &c);
  CHECK_NEAR(signal_condition(&s, 2.0), (2.0 - 1) / (3 - 1), 1e-12);
  call_summary_begin(&c);
  for (int i = 0; i < 2; i++) call_summary_add(&c, call2[i]);
  signal_push_call(&s, &c);
  CHECK_NEAR(signal_condition(&s, 5.0), (5.0 - 1) / (9 - 1), 1e-12);
  /* Third call evicts the first: lo becomes 2. */
  call_summary_begin(&c);
  for (int i = 0; i < 2; i++) call_summary_add(&c, call3[i]);
  signal_push_call(&s, &c);
  CHECK_NEAR(signal_condition(&s, 5.0), (5.0 - 2) / (9 - 2), 1e-12);
  /* Clipping to [0, max_loss_value]. */
  CHECK_NEAR(signal_condition(&s, 1.0), 0.0, 1e-12);
  CHECK_NEAR(signal_condition(&s, 100.0), 5.0, 1e-12);
  /* An empty call leaves the window alone. */
  call_summary_begin(&c);
  signal_push_call(&s, &c);
  CHECK(s.window_count == 2);
  signal_free(&s);

  /* 3-sigma: pooled mean/std of the window, clipped at ±3, shifted by 3. */
  CHECK(signal_init(&s, 1, 0.3, NORMALIZE_3_SIGMA, 3, 5.0) == 0);
  double vals[] = {1, 2, 3, 4, 5, 6};
  for (int k = 0; k < 2; k++) {
    call_summary_begin(&c);
    for (int i = 0; i < 3; i++) call_summary_add(&c, vals[3 * k + i]);
    signal_push_call(&s, &c);
  }
  double mean = 3.5, sd = sqrt(17.5 / 5); /* sample std of 1..6 */
  CHECK_NEAR(signal_condition(&s, 5.0), (5.0 - mean) / sd + 3, 1e-12);
  CHECK_NEAR(signal_condition(&s, 100.0), 6.0, 1e-12);
  CHECK_NEAR(signal_condition(&s, -100.0), 0.0, 1e-12);
  signal_free(&s);
  /* Values near DBL_MAX overflow the pooled variance: still a finite condition. */
  CHECK(signal_init(&s, 1, 0.3, NORMALIZE_3_SIGMA, 3, 5.0) == 0);
  for (int k = 0; k < 3; k++) {
    call_summary_begin(&c);
    call_summary_add(&c, 0.0);
    call_summary_add(&c, 1.7e308);
    signal_push_call(&s, &c);
  }
  CHECK(isfinite(signal_condition(&s, 1.7e308)) && isfinite(signal_condition(&s, 0.0)));
  signal_free(&s);
  /* Off: the raw score, clipped. */
  CHECK(signal_init(&s, 1, 0.3, NORMALIZE_OFF, 3, 5.0) == 0);
  CHECK_NEAR(signal_condition(&s, 0.25), 0.25, 1e-12);
  CHECK_NEAR(signal_condition(&s, 7.0), 5.0, 1e-12);
  signal_free(&s);
}

static void test_reservoir(void) {
  reservoir r;
  CHECK(reservoir_init(&r, 2, 3) == 0);
  for (int i = 0; i < 5; i++) {
    float z[2] = {(float)i, (float)-i};
    reservoir_push(&r, z, 0.1f * i, 100 + i, i % 2, 0);
  }
  /* Capacity 3 after 5 pushes: ids 102, 103, 104 remain, oldest first. */
  CHECK(r.count == 3);
  for (int k = 0; k < 3; k++) {
    int64_t slot = reservoir_slot(&r, k);
    CHECK(r.sim_id[slot] == 102 + k);
    CHECK(r.z[slot * 2] == (float)(2 + k));
    CHECK_NEAR(r.c[slot], 0.1 * (2 + k), 1e-6);
  }
  CHECK(r.n_non_bred == 2); /* 102 and 104 */
  reservoir_free(&r);
}

static void test_targets(void) {
  ogas_rng rng;
  ogas_rng_seed(&rng, 4, 0);
  float obs[3] = {1.0f, 2.0f, 3.0f}, out[60000];
  double scratch[3];
  /* Proportional, alpha = 1: P(c) = c / 6. */
  draw_targets(OGAS_CFG_LOSS_PROPORTIONAL, 1.0, 0.9, obs, 3, scratch, &rng, out, 60000);
  int count[3] = {0};
  for (int i = 0; i < 60000; i++) count[(int)out[i] - 1]++;
  double chi2 = 0;
  for (int k = 0; k < 3; k++) {
    double e = 60000.0 * (k + 1) / 6;
    chi2 += (count[k] - e) * (count[k] - e) / e;
  }
  CHECK_MSG(chi2 < 13.8, "proportional chi2 = %g (p = 0.001 bound, 2 dof)", chi2);
  /* alpha = 2: P ∝ c² = 1, 4, 9 of 14. */
  draw_targets(OGAS_CFG_LOSS_PROPORTIONAL, 2.0, 0.9, obs, 3, scratch, &rng, out, 60000);
  int c3 = 0;
  for (int i = 0; i < 60000; i++) c3 += out[i] == 3.0f;
  CHECK_NEAR(c3 / 60000.0, 9.0 / 14, 0.02);
  /* All-zero conditions fall back to uniform picks. */
  float zeros[2] = {0, 0};
  draw_targets(OGAS_CFG_LOSS_PROPORTIONAL, 1.0, 0.9, zeros, 2, scratch, &rng, out, 10);
  CHECK(out[0] == 0.0f);
  /* Uniform quantile: q = 0.9-quantile of 0..100 = 90; draws in [90, 100]. */
  float ramp[101];
  double scr[101];
  for (int i = 0; i <= 100; i++) ramp[i] = (float)(100 - i); /* unsorted input */
  draw_targets(OGAS_CFG_LOSS_UNIFORM_QUANTILE, 1.0, 0.9, ramp, 101, scr, &rng, out, 20000);
  double lo = 1e9, hi = -1e9, mean = 0;
  for (int i = 0; i < 20000; i++) lo = fmin(lo, out[i]), hi = fmax(hi, out[i]), mean += out[i];
  CHECK(lo >= 90.0 && hi <= 100.0);
  CHECK_NEAR(mean / 20000, 95.0, 0.01);
}

int main(void) {
  test_signal();
  test_reservoir();
  test_targets();
  return check_exit("test_breeder_parts");
}
