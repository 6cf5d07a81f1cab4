#include "ddpm/box_prior.h"

#include <math.h>

#include "nn/fast_exp.h"

/* Mills ratio R(x) = Q(x)/phi(x) for x >= 0, Q the upper normal tail. From
   the Chebyshev fit erfc(y) = u exp(-y² + P(u)), u = 1/(1 + y/2), whose
   relative error is below 1.2e-7 for every y (Numerical Recipes' erfcc):
   with y = x/sqrt(2) the factor exp(-y²) cancels phi's exp(-x²/2), so
   R(x) = sqrt(pi/2) u exp(P(u)) never under- or overflows. */
static inline float mills_ratio(float x) {
  float u = 1.0f / (1.0f + 0.35355339f * x);
  float p = -1.26551223f +
            u * (1.00002368f +
                 u * (0.37409196f +
                      u * (0.09678418f +
                           u * (-0.18628806f +
                                u * (0.27886807f +
                                     u * (-1.13520398f +
                                          u * (1.48851587f + u * (-0.82215223f + u * 0.17087277f))))))));
  return 1.25331414f * u * exp_approx(p);
}

/* 1 - e^q for q <= 0, without the cancellation of 1 - expf(q) near 0. */
static inline float one_minus_exp(float q) {
  return q > -1e-2f ? -q * (1.0f + q * (0.5f + q * (1.0f / 6))) : 1.0f - exp_approx(q);
}

/* Mean of a standard normal truncated to [lo, hi], lo < hi, with the
   unnormalised densities e(x) = exp(-x²/2):
     0 <= lo:      (1 - r) / (R(lo) - r R(hi)),  r = e(hi)/e(lo) = exp(-(hi-lo)(hi+lo)/2)
                   (the interval lies in the upper tail, where the plain
                   formula would divide 0 by 0);
     lo < 0 < hi:  (e(lo) - e(hi)) / (sqrt(2 pi) - e(hi) R(hi) - e(lo) R(-lo)),
                   the mass being 1 minus both tails;
     hi <= 0:      minus the mean on [-hi, -lo];
   and on a narrow interval (the noisiest steps, where both forms above
   subtract nearly equal numbers), the expansion around the midpoint m:
   m (1 - w²/12) + O(m³ w⁴), w = hi - lo. */
static inline float truncated_normal_mean(float lo, float hi) {
  float w = hi - lo;
  if (w < 0.02f) return 0.5f * (lo + hi) * (1.0f - w * w * (1.0f / 12));
  float sign = 1.0f;
  if (hi <= 0.0f) {
    float t = lo;
    lo = -hi, hi = -t, sign = -1.0f;
  }
  if (lo >= 0.0f) {
    float q = -0.5f * (hi - lo) * (hi + lo);
    float r = exp_approx(q);
    return sign * one_minus_exp(q) / (mills_ratio(lo) - r * mills_ratio(hi));
  }
  float e_lo = exp_approx(-0.5f * lo * lo), e_hi = exp_approx(-0.5f * hi * hi);
  return sign * (e_lo - e_hi) / (2.50662827f - e_hi * mills_ratio(hi) - e_lo * mills_ratio(-lo));
}

float box_prior_eps1(float z_t, float a, float s) {
  float inv_s = 1.0f / s;
  return -truncated_normal_mean((-a - z_t) * inv_s, (a - z_t) * inv_s);
}

void box_prior_eps(const float *z_t, size_t n, float a, float s, float *eps) {
  float inv_s = 1.0f / s;
  for (size_t i = 0; i < n; i++) eps[i] = -truncated_normal_mean((-a - z_t[i]) * inv_s, (a - z_t[i]) * inv_s);
}
