#include "nn/layers.h"

#include "nn/fast_exp.h"
#include "nn/wide_simd.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

void linear_forward_units(float *out, const float *inp, const float *W, const float *bias, int B,
                          int C, int OC, int o0, int o1, int accumulate) {
  if (B < 1 || o1 <= o0) return;
  /* Seed (or bump) every row with the bias, then let sgemm accumulate
     inp·W[o0:o1]^T on top. */
  float beta = accumulate ? 1.0f : 0.0f;
  size_t n = (size_t)(o1 - o0);
  if (bias) {
    for (int b = 0; b < B; b++) {
      float *row = out + (size_t)b * OC + o0;
      if (accumulate)
        add_inplace(row, bias + o0, n);
      else
        memcpy(row, bias + o0, n * sizeof(float));
    }
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, o1 - o0, C, 1.0f, inp, C,
              W + (size_t)o0 * C, C, beta, out + o0, OC);
}

void linear_forward(float *out, const float *inp, const float *W, const float *bias, int B, int C,
                    int OC) {
  linear_forward_units(out, inp, W, bias, B, C, OC, 0, OC, 0);
}

void linear_forward_accumulate(float *out, const float *inp, const float *W, const float *bias,
                               int B, int C, int OC) {
  linear_forward_units(out, inp, W, bias, B, C, OC, 0, OC, 1);
}

void linear_backward_input_units(float *dinp, const float *dout, const float *W, int B, int C,
                                 int OC, int c0, int c1) {
  if (B < 1 || c1 <= c0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, c1 - c0, OC, 1.0f, dout, OC, W + c0, C,
              1.0f, dinp + c0, C);
}

void linear_backward_input(float *dinp, const float *dout, const float *W, int B, int C, int OC) {
  linear_backward_input_units(dinp, dout, W, B, C, OC, 0, C);
}

void linear_param_grads(float *dW, float *dbias, const float *dout, const float *inp, int B, int C,
                        int OC, int o0, int o1) {
  if (B < 1 || o1 <= o0) return;
  /* Rows o0..o1-1 of dW are dout's columns o0..o1-1 transposed times inp. */
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o1 - o0, C, B, 1.0f, dout + o0, OC, inp, C,
              1.0f, dW + (size_t)o0 * C, C);
  if (dbias)
    for (int b = 0; b < B; b++) {
      const float *row = dout + (size_t)b * OC;
      for (int o = o0; o < o1; o++) dbias[o] += row[o];
    }
}

void linear_backward(float *dinp, float *dW, float *dbias, const float *dout, const float *inp,
                     const float *W, int B, int C, int OC) {
  if (dinp) linear_backward_input(dinp, dout, W, B, C, OC);
  linear_param_grads(dW, dbias, dout, inp, B, C, OC, 0, OC);
}

static inline float sigmoid(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

OGAS_WIDE_SIMD void silu_forward(float *out, const float *inp, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = inp[i] * sigmoid(inp[i]);
}

OGAS_WIDE_SIMD void silu_backward(float *dinp, const float *dout, const float *inp, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float x = inp[i], s = sigmoid(x);
    dinp[i] += dout[i] * s * (1.0f + x * (1.0f - s));
  }
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *gain,
                       const float *bias, int B, int C) {
  for (int b = 0; b < B; b++) {
    const float *x = inp + (size_t)b * C;
    float *y = out + (size_t)b * C;
    float m = 0.0f;
    for (int i = 0; i < C; i++) m += x[i];
    m /= (float)C;
    float v = 0.0f;
    for (int i = 0; i < C; i++) {
      float xm = x[i] - m;
      v += xm * xm;
    }
    v /= (float)C;
    float s = 1.0f / sqrtf(v + LAYERNORM_EPS);
    for (int i = 0; i < C; i++) y[i] = (x[i] - m) * s * gain[i] + bias[i];
    mean[b] = m;
    rstd[b] = s;
  }
}

void layernorm_backward_input(float *dinp, const float *dout, const float *inp, const float *mean,
                              const float *rstd, const float *gain, int B, int C) {
  /* With xhat = (x - mean)·rstd and g = dout·gain:
     dx = rstd·(g - mean(g) - xhat·mean(g·xhat)). */
  for (int b = 0; b < B; b++) {
    const float *dy = dout + (size_t)b * C;
    const float *x = inp + (size_t)b * C;
    float *dx = dinp + (size_t)b * C;
    float m = mean[b], s = rstd[b];
    float g_mean = 0.0f, gx_mean = 0.0f;
    for (int i = 0; i < C; i++) {
      float xhat = (x[i] - m) * s;
      float g = dy[i] * gain[i];
      g_mean += g;
      gx_mean += g * xhat;
    }
    g_mean /= (float)C;
    gx_mean /= (float)C;
    for (int i = 0; i < C; i++) {
      float xhat = (x[i] - m) * s;
      dx[i] += s * (dy[i] * gain[i] - g_mean - xhat * gx_mean);
    }
  }
}

void layernorm_param_grads(float *dgain, float *dbias, const float *dout, const float *inp,
                           const float *mean, const float *rstd, int B, int C, int c0, int c1) {
  for (int b = 0; b < B; b++) {
    const float *dy = dout + (size_t)b * C;
    const float *x = inp + (size_t)b * C;
    float m = mean[b], s = rstd[b];
    for (int i = c0; i < c1; i++) {
      dbias[i] += dy[i];
      dgain[i] += dy[i] * ((x[i] - m) * s);
    }
  }
}

void layernorm_backward(float *dinp, float *dgain, float *dbias, const float *dout,
                        const float *inp, const float *mean, const float *rstd, const float *gain,
                        int B, int C) {
  layernorm_backward_input(dinp, dout, inp, mean, rstd, gain, B, C);
  layernorm_param_grads(dgain, dbias, dout, inp, mean, rstd, B, C, 0, C);
}

void sinusoidal_embedding(float *out, const float *x, float scale, int B, int E) {
  int half = E / 2;
  for (int b = 0; b < B; b++) {
    float *row = out + (size_t)b * E;
    float v = scale * x[b];
    for (int k = 0; k < half; k++) {
      float f = expf(-9.21034037f * (float)k / (float)half); /* ln 10000 = 9.2103… */
      row[k] = sinf(v * f);
      row[half + k] = cosf(v * f);
    }
  }
}

OGAS_WIDE_SIMD void add_inplace(float *out, const float *a, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] += a[i];
}
