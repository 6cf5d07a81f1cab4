#include "nn/optim.h"

#include "nn/wide_simd.h"

#include <math.h>

OGAS_WIDE_SIMD void optimizer_step(float *restrict params, float *restrict grads, float *restrict m,
                                   float *restrict v, float *restrict ema, size_t n,
                                   const adamw_config *cfg, int64_t step, float grad_scale,
                                   float ema_decay) {
  float b1 = cfg->beta1, b2 = cfg->beta2, eps = cfg->eps;
  float bc1 = 1.0f - powf(b1, (float)step);
  float bc2 = 1.0f - powf(b2, (float)step);
  float decay = 1.0f - cfg->lr * cfg->weight_decay;
  float step_size = cfg->lr / bc1;
  float inv_sqrt_bc2 = 1.0f / sqrtf(bc2);
  float ema_rate = 1.0f - ema_decay;
  /* One pass over the five buffers: the step is memory-bound. The buffers
     are distinct (restrict) and the scalars local, so that the loop
     vectorises without a run-time alias check. */
  for (size_t i = 0; i < n; i++) {
    float g = grads[i] * grad_scale;
    m[i] = b1 * m[i] + (1.0f - b1) * g;
    v[i] = b2 * v[i] + (1.0f - b2) * g * g;
    float p = params[i] * decay - step_size * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
    params[i] = p;
    if (ema) ema[i] += ema_rate * (p - ema[i]);
    grads[i] = 0.0f;
  }
}

void adamw_step(float *params, float *grads, float *m, float *v, size_t n, const adamw_config *cfg,
                int64_t step) {
  optimizer_step(params, grads, m, v, NULL, n, cfg, step, 1.0f, 0.0f);
}

double sum_squares(const float *x, size_t n) {
  /* 16 independent float lanes vectorise without reassociation; their sum is
     taken in double. */
  enum { LANES = 16 };
  float lane[LANES] = {0};
  size_t i = 0;
  for (; i + LANES <= n; i += LANES)
    for (int j = 0; j < LANES; j++) lane[j] += x[i + j] * x[i + j];
  double sq = 0.0;
  for (; i < n; i++) sq += (double)x[i] * x[i];
  for (int j = 0; j < LANES; j++) sq += lane[j];
  return sq;
}

float grad_norm(const float *grads, size_t n) { return (float)sqrt(sum_squares(grads, n)); }

float clip_scale(float norm, float max_norm) {
  return (norm > max_norm && norm > 0.0f) ? max_norm / (norm + 1e-6f) : 1.0f;
}

float clip_grad_norm(float *grads, size_t n, float max_norm) {
  float norm = grad_norm(grads, n), s = clip_scale(norm, max_norm);
  if (s != 1.0f)
    for (size_t i = 0; i < n; i++) grads[i] *= s;
  return norm;
}

OGAS_WIDE_SIMD void ema_update(float *ema, const float *params, size_t n, float decay) {
  float a = 1.0f - decay;
  for (size_t i = 0; i < n; i++) ema[i] += a * (params[i] - ema[i]);
}
