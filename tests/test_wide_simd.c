/* The elementwise loops compiled with OGAS_WIDE_SIMD (src/nn/wide_simd.h)
   give the same bits in their vector body as in their scalar tail: each is
   called once on a whole array (the body runs, 8 floats a vector in the AVX2
   clone, 4 in the SSE2 one) and once element by element (only the tail
   runs), and the outputs are compared with memcmp. The scalar tail does the
   same IEEE operations whichever clone runs, so the equality says that no
   clone reassociates, contracts or approximates differently from scalar
   code — the property that lets results not depend on the CPU. SiLU is also
   compared with this file's own scalar SiLU, which catches a clone that
   differs in its tail as well (ISO C17 builds do not contract a*b+c into
   an FMA, so neither side does). The inputs
   span exp_approx's clamps (|x| > 87), its rounding ties and the box prior's
   branches (narrow intervals, both tails). Deterministic: no false failures.
   Mutation check: a library built with -ffast-math -mrecip=vec-div,vec-sqrt
   (approximate reciprocals in vector code only) fails 9 of the 18 checks
   (SiLU, its backward, every box-prior level). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ddpm/box_prior.h"
#include "nn/fast_exp.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "nn/rng.h"

enum { N = 1003 }; /* not a multiple of 8: the tail runs in the whole-array call too */

static void fill(ogas_rng *r, float *a, float scale) {
  for (int i = 0; i < N; i++) a[i] = scale * (float)ogas_rng_normal(r);
  /* exp_approx's clamps and exact rounding ties of x·log2(e) */
  a[0] = 100.0f, a[1] = -100.0f, a[2] = 87.0f, a[3] = -87.0f, a[4] = 0.0f;
  a[5] = 0.5f / 1.44269504f, a[6] = -2.5f / 1.44269504f;
}

static int same(const float *a, const float *b) { return memcmp(a, b, N * sizeof(float)) == 0; }

int main(void) {
  ogas_rng r;
  ogas_rng_seed(&r, 11, 0);
  float *x = malloc(N * sizeof(float)), *g = malloc(N * sizeof(float));
  float *whole = malloc(N * sizeof(float)), *single = malloc(N * sizeof(float));
  float *buf[2][5];
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 5; j++) buf[k][j] = malloc(N * sizeof(float));
  fill(&r, x, 30.0f);
  fill(&r, g, 1.0f);

  silu_forward(whole, x, N);
  for (int i = 0; i < N; i++) silu_forward(single + i, x + i, 1);
  CHECK(same(whole, single));
  for (int i = 0; i < N; i++) single[i] = x[i] * (1.0f / (1.0f + exp_approx(-x[i])));
  CHECK(same(whole, single));

  for (int i = 0; i < N; i++) whole[i] = single[i] = 0.25f * (float)i;
  silu_backward(whole, g, x, N);
  for (int i = 0; i < N; i++) silu_backward(single + i, g + i, x + i, 1);
  CHECK(same(whole, single));

  memcpy(whole, x, N * sizeof(float));
  memcpy(single, x, N * sizeof(float));
  add_inplace(whole, g, N);
  for (int i = 0; i < N; i++) add_inplace(single + i, g + i, 1);
  CHECK(same(whole, single));

  memcpy(whole, x, N * sizeof(float));
  memcpy(single, x, N * sizeof(float));
  ema_update(whole, g, N, 0.99f);
  for (int i = 0; i < N; i++) ema_update(single + i, g + i, 1, 0.99f);
  CHECK(same(whole, single));

  /* AdamW + EMA, three steps so that the moments are not trivial: buffers
     0..4 are params, grads, m, v, ema. */
  adamw_config ac = {
      .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.01f};
  for (int k = 0; k < 2; k++) {
    memcpy(buf[k][0], x, N * sizeof(float));
    memcpy(buf[k][4], x, N * sizeof(float));
    memset(buf[k][2], 0, N * sizeof(float));
    memset(buf[k][3], 0, N * sizeof(float));
  }
  for (int step = 1; step <= 3; step++) {
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < N; i++) buf[k][1][i] = g[i] * (float)step;
    optimizer_step(buf[0][0], buf[0][1], buf[0][2], buf[0][3], buf[0][4], N, &ac, step, 0.7f, 0.9f);
    for (int i = 0; i < N; i++)
      optimizer_step(buf[1][0] + i, buf[1][1] + i, buf[1][2] + i, buf[1][3] + i, buf[1][4] + i, 1,
                     &ac, step, 0.7f, 0.9f);
  }
  for (int j = 0; j < 5; j++) CHECK_MSG(same(buf[0][j], buf[1][j]), "optimizer buffer %d", j);

  /* The box prior at a clean, a middle and the noisiest level (a narrow
     interval there), against its one-coordinate form. */
  const float levels[3][2] = {{0.999f, 0.0447f}, {0.6f, 0.8f}, {0.01f, 0.99995f}};
  for (int l = 0; l < 3; l++) {
    float a = levels[l][0], s = levels[l][1];
    for (int i = 0; i < N; i++) x[i] = 0.05f * g[i] + (float)(i % 7 - 3) * 0.5f;
    box_prior_eps(x, N, a, s, whole);
    for (int i = 0; i < N; i++) single[i] = box_prior_eps1(x[i], a, s);
    CHECK_MSG(same(whole, single), "box_prior_eps, level %d", l);
    for (int i = 0; i < N; i++) whole[i] = single[i] = g[i];
    box_prior_eps_add(x, N, a, s, whole);
    for (int i = 0; i < N; i++) box_prior_eps_add(x + i, 1, a, s, single + i);
    CHECK_MSG(same(whole, single), "box_prior_eps_add, level %d", l);
  }

  free(x), free(g), free(whole), free(single);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 5; j++) free(buf[k][j]);
  return check_exit("test_wide_simd");
}
