/* The study's one-step surrogate: finite-difference check of the whole
   backward pass (every parameter, weighted loss, two channels), per-sample
   losses against a direct computation from the predictions, normalisation,
   and a few hundred steps that learn a known linear map. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/rng.h"
#include "ogas.h"
#include "study/surrogate.h"

enum { S = 6, C = 2, P = 2, W = 8, NB = 2, B = 5 };
static surrogate *sur;
static float states[B * S], next[B * S], z[B * P], w[B] = {1.0f, 0.5f, 2.0f, 1.0f, 0.25f};

static double objective(void *ctx) {
  (void)ctx;
  float loss;
  surrogate_loss_and_grad(sur, states, next, z, w, B, STUDY_LOSS_MSE, &loss, NULL);
  return loss;
}

int main(void) {
  ogas_rng r;
  ogas_rng_seed(&r, 11, 0);
  surrogate_config cfg = {.state_size = S, .channels = C, .nb_params = P, .width = W,
                          .n_blocks = NB, .max_batch = B, .lr = 1e-3f, .weight_decay = 0.0f,
                          .grad_clip = 1.0f, .seed = 1};
  char err[128];
  CHECK(surrogate_create(&cfg, &sur, err, sizeof err) == OGAS_OK);
  size_t n = surrogate_param_count(sur);
  CHECK(n == (size_t)(W * (S + P) + W) + NB * (2 * W + 2 * (W * W + W)) + 2 * W + (S * W + S));
  for (int i = 0; i < B * S; i++) {
    states[i] = (float)ogas_rng_normal(&r);
    next[i] = states[i] + 0.3f * (float)ogas_rng_normal(&r);
  }
  for (int i = 0; i < B * P; i++) z[i] = (float)(2 * ogas_rng_uniform(&r) - 1);
  CHECK(surrogate_fit_normalization(sur, states, next, B) == OGAS_OK);
  CHECK(surrogate_has_normalization(sur));
  float *params = surrogate_params(sur);
  for (size_t i = 0; i < n; i++) params[i] += 0.1f * (float)ogas_rng_normal(&r);
  float *grads = malloc(n * sizeof(float));
  objective(NULL);
  memcpy(grads, surrogate_grads(sur), n * sizeof(float));
  CHECK(gradcheck("surrogate params", objective, NULL, params, grads, n, 1e-2f, 2e-3, 5e-3));

  /* Per-sample losses match the predictions. */
  double ps[B];
  float pred[B * S], loss;
  CHECK(surrogate_predict(sur, states, z, B, pred) == OGAS_OK);
  for (int kind = 0; kind < 3; kind++) {
    CHECK(surrogate_loss_and_grad(sur, states, next, z, NULL, B, (study_loss_kind)kind, &loss,
                                  ps) == OGAS_OK);
    for (int i = 0; i < B; i++) {
      double e2 = 0, t2 = 0;
      for (int j = 0; j < S; j++) {
        double d = pred[i * S + j] - next[i * S + j];
        e2 += d * d, t2 += (double)next[i * S + j] * next[i * S + j];
      }
      double want = kind == STUDY_LOSS_MSE ? e2 / S : kind == STUDY_LOSS_RMSE ? sqrt(e2 / S)
                                                                              : sqrt(e2 / t2);
      CHECK_NEAR(ps[i], want, 1e-4);
    }
  }
  study_loss_kind k;
  CHECK(study_loss_parse("nrmse", &k) == 0 && k == STUDY_LOSS_NRMSE);
  CHECK(study_loss_parse("l1", &k) == -1);

  /* Bad configs are refused with a message. */
  surrogate *bad = NULL;
  surrogate_config bc = cfg;
  bc.channels = 4; /* does not divide 6 */
  CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL && bad == NULL);
  CHECK(strstr(err, "channels") != NULL);
  bc = cfg;
  bc.lr = 0;
  CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL);
  surrogate_free(sur);

  /* Learning: next = 0.9 u + 0.2 z0 on one channel; 400 steps bring the
     one-step nRMSE well below the untrained one. */
  enum { S2 = 8, N = 64 };
  surrogate_config c2 = {.state_size = S2, .channels = 1, .nb_params = 1, .width = 32,
                         .n_blocks = 2, .max_batch = N, .lr = 3e-3f, .grad_clip = 1.0f, .seed = 3};
  CHECK(surrogate_create(&c2, &sur, err, sizeof err) == OGAS_OK);
  float *u = malloc(N * S2 * sizeof(float)), *un = malloc(N * S2 * sizeof(float));
  float zz[N];
  for (int i = 0; i < N; i++) {
    zz[i] = (float)(2 * ogas_rng_uniform(&r) - 1);
    for (int j = 0; j < S2; j++) {
      u[i * S2 + j] = 1.0f + (float)ogas_rng_normal(&r);
      un[i * S2 + j] = 0.9f * u[i * S2 + j] + 0.2f * zz[i];
    }
  }
  surrogate_fit_normalization(sur, u, un, N);
  double before = 0, after = 0, per[N];
  surrogate_loss_and_grad(sur, u, un, zz, NULL, N, STUDY_LOSS_NRMSE, &loss, per);
  for (int i = 0; i < N; i++) before += per[i] / N;
  for (int it = 0; it < 400; it++)
    CHECK(surrogate_train_step(sur, u, un, zz, NULL, N, STUDY_LOSS_NRMSE, &loss, NULL, NULL) ==
          OGAS_OK);
  surrogate_loss_and_grad(sur, u, un, zz, NULL, N, STUDY_LOSS_NRMSE, &loss, per);
  for (int i = 0; i < N; i++) after += per[i] / N;
  CHECK_MSG(after < 0.2 * before, "nrmse before %g after %g", before, after);
  CHECK(surrogate_steps(sur) == 400);
  surrogate_free(sur);
  free(u), free(un), free(grads);
  return check_exit("test_study_surrogate");
}
