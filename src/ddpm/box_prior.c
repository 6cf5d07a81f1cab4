#include "ddpm/box_prior.h"

#include <math.h>

#include "nn/fast_exp.h"
#include "nn/wide_simd.h"

/* Mills ratio R(x) = Q(x)/phi(x) for x >= 0, Q the upper normal tail. From
   the Chebyshev fit erfc(y) = u exp(-y² + P(u)), u = 1/(1 + y/2), whose
   relative error is below 1.2e-7 for every y (Numerical Recipes' erfcc):
   with y = x/sqrt(2) the factor exp(-y²) cancels phi's exp(-x²/2), so
   R(x) = sqrt(pi/2) u exp(P(u)) never under- or overflows. */
static inline float mills_ratio(float x) {
  float u = 1.0f / (1.0f + 0.35355339f * x);
  float p =
      -1.26551223f +
      u * (1.00002368f +
           u * (0.37409196f +
                u * (0.09678418f +
                     u * (-0.18628806f +
                          u * (0.27886807f +
                               u * (-1.13520398f +
                                    u * (1.48851587f + u * (-0.82215223f + u * 0.17087277f))))))));
  return 1.25331414f * u * exp_approx(p);
}

/* Mean of a standard normal truncated to [lo, hi], lo < hi. Reflected so
   that the centre l + h >= 0 (the mean on [-hi, -lo] is minus the mean on
   [lo, hi]), then with e(x) = exp(-x²/2), numerator and denominator divided
   by e(l) so that nothing under- or overflows:
     mean = (1 - r) / (D(l) - r R(h)),  r = e(h)/e(l) = exp(-(h-l)(h+l)/2),
     D(l) = R(l) for l >= 0 (the interval lies in the upper tail),
     D(l) = sqrt(2 pi)/e(l) - R(-l) for l < 0 (mass 1 minus both tails),
   with l clamped at -13 (beyond it the lower tail holds nothing a float
   sees). 1 - r by its series near r = 1, and on a narrow interval (the
   noisiest steps, where the forms above subtract nearly equal numbers) the
   expansion around the midpoint m: m (1 - w²/12) + O(m³ w⁴), w = hi - lo.
   Every case is computed and one selected (values, not expressions, so
   that nothing is speculated), without branches: the loop over a row
   vectorises. */
static inline float truncated_normal_mean(float lo, float hi) {
  float w = hi - lo;
  float narrow = 0.5f * (lo + hi) * (1.0f - w * w * (1.0f / 12));
  int flip = lo + hi < 0.0f;
  float l = flip ? -hi : lo, h = flip ? -lo : hi;
  float q = -0.5f * w * (h + l);
  float r = exp_approx(q);
  float series = -q * (1.0f + q * (0.5f + q * (1.0f / 6))), direct = 1.0f - r;
  float num = q > -1e-2f ? series : direct;
  float lc = l > -13.0f ? l : -13.0f;
  float r_l = mills_ratio(fabsf(l));
  float straddle = 2.50662827f * exp_approx(0.5f * lc * lc) - r_l;
  float lower = l >= 0.0f ? r_l : straddle;
  float mean = num / (lower - r * mills_ratio(h)), reflected = -mean;
  mean = flip ? reflected : mean;
  return w < 0.02f ? narrow : mean;
}

/* E[eps | z_t] given 1/s: minus the mean of N(0, 1) truncated to
   [(-a - z_t)/s, (a - z_t)/s]. */
static inline float prior_eps(float z_t, float a, float inv_s) {
  return -truncated_normal_mean((-a - z_t) * inv_s, (a - z_t) * inv_s);
}

float box_prior_eps1(float z_t, float a, float s) { return prior_eps(z_t, a, 1.0f / s); }

OGAS_WIDE_SIMD void box_prior_eps(const float *z_t, size_t n, float a, float s, float *eps) {
  float inv_s = 1.0f / s;
  for (size_t i = 0; i < n; i++) eps[i] = prior_eps(z_t[i], a, inv_s);
}

OGAS_WIDE_SIMD void box_prior_eps_add(const float *z_t, size_t n, float a, float s, float *eps) {
  float inv_s = 1.0f / s;
  for (size_t i = 0; i < n; i++) eps[i] += prior_eps(z_t[i], a, inv_s);
}
