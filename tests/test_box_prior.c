/* The exact noise predictor of uniform data in the box (ddpm/box_prior.h):
 * the float implementation against a double reference on a grid of noisy
 * values and noise levels (tails included), the Bayes-optimality that
 * defines it (no other predictor of eps from z_t does better on uniform
 * data, and it equals the empirical conditional mean), and the property the
 * breeder relies on: an untrained denoiser on this base samples the uniform
 * distribution of the box. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "ddpm/box_prior.h"
#include "ddpm/ddpm.h"
#include "ddpm/schedule.h"
#include "small_ddpm.h"

/* Double reference: the truncated-normal mean by Mills ratios from erfc and
   a continued fraction, independent of the float code's Chebyshev fit. */
static double mills(double x) {
  if (x < 3.0) return 0.5 * erfc(x / sqrt(2.0)) * exp(0.5 * x * x) * sqrt(2.0 * 3.14159265358979);
  double f = x;
  for (int k = 60; k >= 1; k--) f = x + k / f;
  return 1.0 / f;
}
static double trunc_mean(double lo, double hi) {
  if (hi <= 0) return -trunc_mean(-hi, -lo);
  if (lo >= 0) {
    double q = -0.5 * (hi - lo) * (hi + lo);
    return -expm1(q) / (mills(lo) - exp(q) * mills(hi));
  }
  double mass = 0.5 * (erf(hi / sqrt(2.0)) - erf(lo / sqrt(2.0))) * sqrt(2.0 * 3.14159265358979);
  return (exp(-0.5 * lo * lo) - exp(-0.5 * hi * hi)) / mass;
}
static double reference_eps(double z, double a, double s) {
  return -trunc_mean((-a - z) / s, (a - z) / s);
}

static void against_reference(void) {
  noise_schedule sch;
  CHECK(schedule_create(&sch, SCHEDULE_COSINE, 100, 0, 0) == 0);
  double worst = 0;
  for (int t = 0; t < 100; t++) {
    double a = sch.sqrt_abar[t], s = sch.sqrt_one_minus_abar[t];
    for (int i = -400; i <= 400; i++) {
      double z = i * 0.02; /* z_t in [-8, 8]: far tails at small noise */
      double ref = reference_eps(z, a, s);
      double got = box_prior_eps1((float)z, (float)a, (float)s);
      double err = fabs(got - ref) / fmax(1.0, fabs(ref));
      if (err > worst) worst = err;
      if (!(err < 2e-5)) {
        CHECK_MSG(0, "t %d z %g: %.9g vs reference %.9g", t, z, got, ref);
        t = 100;
        break;
      }
    }
  }
  printf("box prior vs double reference: worst relative error %.2e\n", worst);
  /* The vector form agrees with the scalar one. */
  float zs[5] = {-3, -1, 0, 0.5f, 4}, out[5];
  box_prior_eps(zs, 5, 0.7f, 0.71f, out);
  for (int i = 0; i < 5; i++) CHECK(out[i] == box_prior_eps1(zs[i], 0.7f, 0.71f));
  schedule_free(&sch);
}

/* E[eps | z_t] is the minimum-mean-square predictor: on uniform z0 its mean
   squared error beats predicting 0, z_t itself, or a shifted version of it,
   and binned by z_t it matches the empirical conditional mean. */
static void bayes_optimal(void) {
  ogas_rng rng;
  ogas_rng_seed(&rng, 7, 0);
  const double a = 0.6, s = 0.8;
  const int n = 400000, bins = 20;
  double mse_prior = 0, mse_zero = 0, mse_shift = 0;
  double sum_eps[20] = {0}, sum_pred[20] = {0};
  long count[20] = {0};
  for (int i = 0; i < n; i++) {
    double z0 = 2 * ogas_rng_uniform(&rng) - 1, eps = ogas_rng_normal(&rng);
    double zt = a * z0 + s * eps;
    double p = box_prior_eps1((float)zt, (float)a, (float)s);
    mse_prior += (eps - p) * (eps - p);
    mse_zero += eps * eps;
    mse_shift += (eps - 1.1 * p) * (eps - 1.1 * p);
    int b = (int)floor((zt + 2.0) / 4.0 * bins);
    if (b >= 0 && b < bins) sum_eps[b] += eps, sum_pred[b] += p, count[b]++;
  }
  CHECK(mse_prior < mse_zero && mse_prior < mse_shift);
  for (int b = 0; b < bins; b++) {
    if (count[b] < 2000) continue;
    double se = 1.0 / sqrt((double)count[b]); /* the residual sd is below 1 */
    CHECK_MSG(fabs(sum_eps[b] / count[b] - sum_pred[b] / count[b]) < 4 * se,
              "bin %d: empirical %.4f, prior %.4f", b, sum_eps[b] / count[b],
              sum_pred[b] / count[b]);
  }
}

/* A denoiser with a zero correction (its output layer starts at zero) on the
   box prior samples U[-1,1]^d: moments and a Kolmogorov–Smirnov distance. */
static void untrained_samples_uniform(void) {
  ddpm_config cfg = small_ddpm_config(4, 100);
  ogas_rng rng;
  ogas_rng_seed(&rng, 3, 0);
  ddpm_model m;
  CHECK(ddpm_model_init(&m, &cfg, &rng) == 0);
  ddpm_sampler *smp = ddpm_sampler_create(&cfg, 500);
  CHECK(smp != NULL);
  enum { N = 20 * 500 * 4 };
  float *x = malloc(N * sizeof(float));
  float c[500];
  for (int i = 0; i < 500; i++) c[i] = 1.0f;
  for (int rep = 0; rep < 20; rep++)
    CHECK(ddpm_sample(smp, m.ema, rep % 2 ? c : NULL, 500, 5.0f, 0, &rng, x + rep * 2000) == 0);
  double sum = 0, sq = 0;
  long outside = 0;
  for (int i = 0; i < N; i++) sum += x[i], sq += (double)x[i] * x[i], outside += fabsf(x[i]) > 1;
  double mean = sum / N, var = sq / N - mean * mean;
  CHECK_MSG(fabs(mean) < 0.02 && fabs(var - 1.0 / 3) < 0.02, "mean %.4f var %.4f", mean, var);
  CHECK(outside == 0);
  /* KS distance to U[-1,1] from a 20-bin histogram's cumulative counts. */
  long hist[20] = {0};
  for (int i = 0; i < N; i++) {
    int b = (int)floor((x[i] + 1) * 10);
    hist[b < 0 ? 0 : (b > 19 ? 19 : b)]++;
  }
  double cum = 0, ks = 0;
  for (int b = 0; b < 20; b++) {
    cum += (double)hist[b] / N;
    ks = fmax(ks, fabs(cum - (b + 1) / 20.0));
  }
  printf("untrained box-prior samples: mean %.4f var %.4f (1/3), KS %.4f\n", mean, var, ks);
  CHECK(ks < 0.03);
  free(x);
  ddpm_sampler_free(smp);
  ddpm_model_free(&m);
}

int main(void) {
  against_reference();
  bayes_optimal();
  untrained_samples_uniform();
  return check_exit("test_box_prior");
}
