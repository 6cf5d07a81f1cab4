/* RatioMLP: finite-difference gradients, and recovery of a known density
   ratio. Reservoir entries are drawn from p(z) ∝ 1 + a·z_1 on [-1,1]², so the
   true ratio p_uniform/p_reservoir is 1/(1 + a·z_1). */
#include <stdlib.h>
#include <string.h>

#include "breeder/ratio_mlp.h"
#include "check.h"
#include "gradcheck.h"
#include "nn/loss.h"

static ratio_mlp *g_r;
static float g_z[6 * 3], g_lab[6] = {1, 0, 1, 1, 0, 0};
static double objective(void *ctx) {
  float logits[6], dl[6];
  ratio_mlp_logits(g_r, g_r->params, g_z, 6, logits);
  return bce_logits_loss(dl, logits, g_lab, NULL, g_r->label_smoothing, 6);
}

int main(void) {
  ogas_rng rng;
  ogas_rng_seed(&rng, 9, 0);
  adamw_config adam = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.01f};

  /* Gradient check on a tiny net, with and without label smoothing. */
  ratio_mlp small;
  CHECK(ratio_mlp_init(&small, 3, 8, 6, &adam, 0.0f, &rng) == 0);
  CHECK(small.n_params == (8 * 3 + 8) + (8 * 8 + 8) + (8 + 1));
  for (int i = 0; i < 18; i++) g_z[i] = (float)ogas_rng_normal(&rng);
  g_r = &small;
  for (int k = 0; k < 2; k++) {
    small.label_smoothing = k ? 0.1f : 0.0f;
    ratio_mlp_loss_grad(&small, g_z, g_lab, 6);
    float *grads = malloc(small.n_params * sizeof(float));
    memcpy(grads, small.grads, small.n_params * sizeof(float));
    CHECK(gradcheck("ratio mlp", objective, NULL, small.params, grads, small.n_params, 1e-2f,
                    1e-3, 5e-3));
    free(grads);
  }
  ratio_mlp_free(&small);
  CHECK(ratio_mlp_init(&small, 0, 8, 6, &adam, 0.0f, &rng) != 0);

  /* Density-ratio recovery. */
  const float a = 0.8f;
  ratio_mlp r;
  adam.lr = 3e-3f;
  CHECK(ratio_mlp_init(&r, 2, 64, 19 * 19, &adam, 0.0f, &rng) == 0);
  float z[256 * 2], lab[256];
  for (int step = 0; step < 2500; step++) {
    for (int i = 0; i < 256; i++) {
      int uniform = i < 128;
      float z1, z2 = (float)(2 * ogas_rng_uniform(&rng) - 1);
      do z1 = (float)(2 * ogas_rng_uniform(&rng) - 1);
      while (!uniform && ogas_rng_uniform(&rng) * (1 + a) > 1 + a * z1); /* rejection */
      z[2 * i] = z1, z[2 * i + 1] = z2, lab[i] = (float)uniform;
    }
    ratio_mlp_train_step(&r, z, lab, 256);
  }
  /* Compare exp(logit) with the truth on a grid inside the box. */
  double sq = 0;
  int n = 0;
  float logits[19 * 19], grid[19 * 19 * 2];
  for (int i = 0; i < 19; i++)
    for (int j = 0; j < 19; j++) {
      grid[2 * (19 * i + j)] = -0.9f + 0.1f * i;
      grid[2 * (19 * i + j) + 1] = -0.9f + 0.1f * j;
    }
  CHECK(ratio_mlp_logits(&r, r.params, grid, 19 * 19, logits) == 0);
  CHECK(ratio_mlp_logits(&r, r.params, grid, 19 * 19 + 1, logits) != 0); /* beyond max_rows */
  for (int k = 0; k < 19 * 19; k++) {
    double truth = 1.0 / (1.0 + a * grid[2 * k]);
    double rel = (exp(logits[k]) - truth) / truth;
    sq += rel * rel, n++;
  }
  double rms = sqrt(sq / n);
  printf("ratio: RMS relative error of D/(1-D) vs 1/(1+0.8 z1) on the grid: %.3f\n", rms);
  CHECK_MSG(rms < 0.15, "rms relative error %g (tolerance 0.15)", rms);

  /* Weights: clipped, mean 1, and larger where the reservoir is thin. */
  float w[19 * 19];
  ratio_mlp_weights(&r, r.params, grid, 19 * 19, 0.1f, 10.0f, w);
  double mean = 0;
  for (int k = 0; k < 19 * 19; k++) mean += w[k];
  CHECK_NEAR(mean / (19 * 19), 1.0, 1e-4);
  CHECK(w[0] > 2 * w[19 * 19 - 1]); /* z1 = -0.9 (thin) vs z1 = +0.9 (dense) */
  /* Clipping bounds the spread of the weights before normalisation. */
  float wx[2], zz[4] = {-1, 0, 1, 0};
  CHECK(ratio_mlp_weights(&r, r.params, zz, 2, 0.9f, 1.1f, wx) == 0);
  CHECK(wx[0] / wx[1] <= 1.1f / 0.9f + 1e-5f);
  ratio_mlp_free(&r);
  return check_exit("test_ratio_mlp");
}
