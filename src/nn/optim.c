#include "nn/optim.h"

#include <math.h>

void adamw_step(float *params, const float *grads, float *m, float *v, size_t n,
                const adamw_config *cfg, int64_t step) {
  float b1 = cfg->beta1, b2 = cfg->beta2;
  float bc1 = 1.0f - powf(b1, (float)step);
  float bc2 = 1.0f - powf(b2, (float)step);
  float decay = 1.0f - cfg->lr * cfg->weight_decay;
  float step_size = cfg->lr / bc1;
  float inv_sqrt_bc2 = 1.0f / sqrtf(bc2);
  for (size_t i = 0; i < n; i++) {
    float g = grads[i];
    m[i] = b1 * m[i] + (1.0f - b1) * g;
    v[i] = b2 * v[i] + (1.0f - b2) * g * g;
    params[i] = params[i] * decay - step_size * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + cfg->eps);
  }
}

float clip_grad_norm(float *grads, size_t n, float max_norm) {
  double sq = 0.0;
  for (size_t i = 0; i < n; i++) sq += (double)grads[i] * grads[i];
  float norm = (float)sqrt(sq);
  if (norm > max_norm && norm > 0.0f) {
    float s = max_norm / (norm + 1e-6f);
    for (size_t i = 0; i < n; i++) grads[i] *= s;
  }
  return norm;
}

void ema_update(float *ema, const float *params, size_t n, float decay) {
  float a = 1.0f - decay;
  for (size_t i = 0; i < n; i++) ema[i] += a * (params[i] - ema[i]);
}
