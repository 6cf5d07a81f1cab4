/* fast_exp — exp(x) written so that the compiler vectorises it (libm's expf
 * is a call per element): exp(x) = 2^n · e^r with n = round(x/ln 2),
 * r = x - n ln 2 in [-ln2/2, ln2/2], e^r by its degree-6 Taylor polynomial
 * (relative error < 3e-7 in float), 2^n built in the exponent bits. The
 * argument is clamped to [-87, 87] (the float range); NaN becomes -87, so that
 * the integer conversion below is always defined. */
#ifndef OGAS_NN_FAST_EXP_H
#define OGAS_NN_FAST_EXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float exp_approx(float x) {
  x = x > -87.0f ? x : -87.0f; /* not fminf/fmaxf: with their NaN rules gcc */
  x = x < 87.0f ? x : 87.0f;   /* will not vectorise them */
  /* n = round(y): adding and subtracting 1.5·2^23 leaves y rounded to an
     integer (ties to even; exact for |y| < 2^22). SSE2 has no vector floor,
     and unlike a truncation with a sign test this form vectorises for AVX2 too. */
  float y = x * 1.44269504f;
  float n = (y + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693145752f - n * 1.42860677e-6f; /* ln 2 split for accuracy */
  float p =
      1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 +
                                          r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

#endif
