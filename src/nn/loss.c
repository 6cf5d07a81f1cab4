#include "nn/loss.h"

#include <math.h>
#include <stddef.h>

float mse_loss(float *dpred, const float *pred, const float *target, const float *w, int B, int D) {
  double loss = 0.0;
  float scale = 1.0f / ((float)B * (float)D);
  for (int i = 0; i < B; i++) {
    float wi = w ? w[i] : 1.0f;
    double row = 0.0;
    for (int j = 0; j < D; j++) {
      size_t k = (size_t)i * D + j;
      float diff = pred[k] - target[k];
      row += (double)diff * diff;
      dpred[k] = 2.0f * wi * diff * scale;
    }
    loss += wi * row;
  }
  return (float)(loss * scale);
}

float bce_logits_loss(float *dlogits, const float *logits, const float *labels, const float *w,
                      float label_smoothing, int B) {
  double loss = 0.0;
  for (int i = 0; i < B; i++) {
    float wi = w ? w[i] : 1.0f;
    float x = logits[i];
    float y = labels[i] * (1.0f - label_smoothing) + 0.5f * label_smoothing;
    double bce = fmax(x, 0.0) - (double)x * y + log1p(exp(-fabs((double)x)));
    loss += wi * bce;
    float s = 1.0f / (1.0f + expf(-x));
    dlogits[i] = wi * (s - y) / (float)B;
  }
  return (float)(loss / B);
}
