/* Finite-difference checks of every layer's backward pass and the losses. */
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "nn/rng.h"

enum { B = 4, C = 6, OC = 5 };
static float x[B * C], W[OC * C], bias[OC], gain[C], nbias[C], gy[B * OC], gyc[B * C];
static float out[B * OC], outc[B * C], mean[B], rstd[B];

static void fill(ogas_rng *r, float *a, size_t n, float scale) {
  for (size_t i = 0; i < n; i++) a[i] = scale * (float)ogas_rng_normal(r);
}

/* Scalar objective sum(gy · layer(x)) for each layer. */
static double dot(const float *a, const float *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
  return s;
}
static double f_linear(void *ctx) {
  linear_forward(out, x, W, bias, B, C, OC);
  return dot(out, gy, B * OC);
}
static double f_linear_acc(void *ctx) {
  memcpy(out, gy, sizeof out); /* accumulate on top of a non-zero start */
  linear_forward_accumulate(out, x, W, bias, B, C, OC);
  return dot(out, gy, B * OC);
}
static double f_silu(void *ctx) {
  silu_forward(outc, x, B * C);
  return dot(outc, gyc, B * C);
}
static double f_layernorm(void *ctx) {
  layernorm_forward(outc, mean, rstd, x, gain, nbias, B, C);
  return dot(outc, gyc, B * C);
}

static float target[B * C], wts[B], labels[B], dummy[B * C];
static double f_mse(void *ctx) { return mse_loss(dummy, x, target, wts, B, C); }
static double f_bce(void *ctx) { return bce_logits_loss(dummy, x, labels, wts, *(float *)ctx, B); }

int main(void) {
  ogas_rng r;
  ogas_rng_seed(&r, 1, 0);
  fill(&r, x, B * C, 1.0f);
  fill(&r, W, OC * C, 0.5f);
  fill(&r, bias, OC, 0.5f);
  fill(&r, gain, C, 1.0f);
  fill(&r, nbias, C, 1.0f);
  fill(&r, gy, B * OC, 1.0f);
  fill(&r, gyc, B * C, 1.0f);
  const float h = 1e-2f;
  const double atol = 2e-3, rtol = 2e-3;

  /* linear: dx, dW, db (backward accumulates: start from non-zero buffers). */
  float dx[B * C], dW[OC * C], db[OC];
  for (int acc = 0; acc < 2; acc++) {
    gradcheck_fn f = acc ? f_linear_acc : f_linear;
    for (size_t i = 0; i < B * C; i++) dx[i] = 1.0f;
    for (size_t i = 0; i < OC * C; i++) dW[i] = 2.0f;
    for (size_t i = 0; i < OC; i++) db[i] = 3.0f;
    /* The accumulate variant's objective is sum(gy·(gy + lin(x))): same gradient. */
    linear_backward(dx, dW, db, gy, x, W, B, C, OC);
    for (size_t i = 0; i < B * C; i++) dx[i] -= 1.0f;
    for (size_t i = 0; i < OC * C; i++) dW[i] -= 2.0f;
    for (size_t i = 0; i < OC; i++) db[i] -= 3.0f;
    CHECK(gradcheck("linear dx", f, NULL, x, dx, B * C, h, atol, rtol));
    CHECK(gradcheck("linear dW", f, NULL, W, dW, OC * C, h, atol, rtol));
    CHECK(gradcheck("linear db", f, NULL, bias, db, OC, h, atol, rtol));
  }

  /* silu */
  memset(dx, 0, sizeof dx);
  silu_backward(dx, gyc, x, B * C);
  CHECK(gradcheck("silu", f_silu, NULL, x, dx, B * C, h, atol, rtol));
  float v = 0.7f;
  silu_forward(&v, &v, 1);
  CHECK_NEAR(v, 0.7 / (1 + exp(-0.7)), 1e-6);

  /* layernorm: output rows have mean beta-weighted 0 and unit variance. */
  float dg[C] = {0}, dbeta[C] = {0};
  memset(dx, 0, sizeof dx);
  layernorm_forward(outc, mean, rstd, x, gain, nbias, B, C);
  layernorm_backward(dx, dg, dbeta, gyc, x, mean, rstd, gain, B, C);
  CHECK(gradcheck("layernorm dx", f_layernorm, NULL, x, dx, B * C, h, atol, rtol));
  CHECK(gradcheck("layernorm dgain", f_layernorm, NULL, gain, dg, C, h, atol, rtol));
  CHECK(gradcheck("layernorm dbias", f_layernorm, NULL, nbias, dbeta, C, h, atol, rtol));
  {
    float ones[C], zeros[C] = {0};
    for (int i = 0; i < C; i++) ones[i] = 1.0f;
    layernorm_forward(outc, mean, rstd, x, ones, zeros, B, C);
    double m = 0, var = 0;
    for (int i = 0; i < C; i++) m += outc[i];
    m /= C;
    for (int i = 0; i < C; i++) var += (outc[i] - m) * (outc[i] - m);
    CHECK_NEAR(m, 0.0, 1e-6);
    CHECK_NEAR(var / C, 1.0, 1e-3);
  }

  /* losses */
  fill(&r, target, B * C, 1.0f);
  for (int i = 0; i < B; i++) wts[i] = 0.5f + (float)i, labels[i] = (float)(i % 2);
  float dl[B * C];
  mse_loss(dl, x, target, wts, B, C);
  CHECK(gradcheck("mse", f_mse, NULL, x, dl, B * C, h, atol, rtol));
  for (int k = 0; k < 2; k++) {
    float ls = k ? 0.1f : 0.0f;
    bce_logits_loss(dl, x, labels, wts, ls, B);
    CHECK(gradcheck("bce", f_bce, &ls, x, dl, B, h, atol, rtol));
  }
  /* bce at logit 0 is log 2 for any label. */
  float zero = 0.0f, one = 1.0f, g1;
  CHECK_NEAR(bce_logits_loss(&g1, &zero, &one, NULL, 0.0f, 1), log(2.0), 1e-6);
  CHECK_NEAR(g1, -0.5, 1e-6);

  /* sinusoidal embedding: row k = sin(x f_k), cos(x f_k). */
  float e[8], pos = 3.0f;
  sinusoidal_embedding(e, &pos, 1.0f, 1, 8);
  CHECK_NEAR(e[0], sin(3.0), 1e-6);
  CHECK_NEAR(e[4], cos(3.0), 1e-6);
  CHECK_NEAR(e[1], sin(3.0 * exp(-log(10000.0) / 4)), 1e-6);

  /* optimiser pieces: clip caps the norm; EMA moves a fraction; AdamW's first
     step moves each weight by lr against its gradient's sign (plus decay). */
  float gvec[3] = {3, 4, 0};
  CHECK_NEAR(clip_grad_norm(gvec, 3, 1.0f), 5.0, 1e-6);
  CHECK_NEAR(gvec[0], 0.6, 1e-5);
  CHECK_NEAR(gvec[1], 0.8, 1e-5);
  float ema[2] = {0, 0}, p[2] = {1, -2};
  ema_update(ema, p, 2, 0.9f);
  CHECK_NEAR(ema[0], 0.1, 1e-6);
  CHECK_NEAR(ema[1], -0.2, 1e-6);
  float pw[2] = {1, 1}, gw[2] = {0.3f, -2}, m[2] = {0}, vv[2] = {0};
  adamw_config ac = {
      .lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.5f};
  adamw_step(pw, gw, m, vv, 2, &ac, 1);
  CHECK_NEAR(pw[0], 1 * (1 - 0.05) - 0.1, 1e-5);
  CHECK_NEAR(pw[1], 1 * (1 - 0.05) + 0.1, 1e-5);
  return check_exit("test_nn_layers");
}
