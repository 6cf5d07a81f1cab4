/* The two surrogate hooks of data-parallel training and study checkpoints:
   loss_and_grad followed by apply_gradients is train_step bit for bit (for
   the MLP, the conv1d network, the FNO and the UNet, each on 2 fields x 8
   points), a gradient that is not finite leaves the
   weights alone, and a surrogate saved and loaded into a fresh one of the
   same config continues training bit for bit, while bytes of another shape
   are refused (OGAS_ECORRUPT). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/rng.h"
#include "ogas.h"
#include "study/surrogate.h"

enum { S = 16, C = 2, P = 3, B = 8 };

static surrogate *make(surrogate_arch arch, int width) {
  surrogate_config c = {.state_size = S,
                        .channels = C,
                        .nb_params = P,
                        .width = width,
                        .n_blocks = 2,
                        .arch = arch,
                        .kernel = 3,
                        .max_batch = B,
                        .lr = 1e-2f,
                        .weight_decay = 0.01f,
                        .grad_clip = 1.0f,
                        .seed = 4,
                        .lr_decay_steps = 20,
                        .lr_final_fraction = 0.1f};
  surrogate *s = NULL;
  char err[256];
  CHECK_MSG(surrogate_create(&c, &s, err, sizeof err) == OGAS_OK, "%s", err);
  return s;
}

static void batch(ogas_rng *rng, float *u, float *un, float *z) {
  for (int i = 0; i < B * S; i++) u[i] = (float)ogas_rng_normal(rng), un[i] = u[i] * 0.9f + 0.1f;
  for (int i = 0; i < B * P; i++) z[i] = (float)(2 * ogas_rng_uniform(rng) - 1);
}

int main(void) {
  surrogate_arch archs[] = {SURROGATE_MLP, SURROGATE_CONV1D, SURROGATE_FNO, SURROGATE_UNET};
  for (int a = 0; a < 4; a++) {
    surrogate *one = make(archs[a], 8), *two = make(archs[a], 8);
    if (!one || !two) return check_exit("test_surrogate_state");
    ogas_rng rng;
    ogas_rng_seed(&rng, 9, 1);
    float u[B * S], un[B * S], z[B * P];
    batch(&rng, u, un, z);
    CHECK(surrogate_fit_normalization(one, u, un, B) == OGAS_OK);
    CHECK(surrogate_fit_normalization(two, u, un, B) == OGAS_OK);
    size_t n = surrogate_param_count(one);
    for (int step = 0; step < 5; step++) {
      batch(&rng, u, un, z);
      float l1, l2, g1, g2;
      double ps1[B], ps2[B];
      CHECK(surrogate_train_step(one, u, un, z, NULL, B, STUDY_LOSS_NRMSE, &l1, ps1, &g1) ==
            OGAS_OK);
      CHECK(surrogate_loss_and_grad(two, u, un, z, NULL, B, STUDY_LOSS_NRMSE, &l2, ps2) == OGAS_OK);
      CHECK(surrogate_apply_gradients(two, &g2) == OGAS_OK);
      CHECK(l1 == l2 && g1 == g2 && !memcmp(ps1, ps2, sizeof ps1));
      CHECK_MSG(!memcmp(surrogate_params(one), surrogate_params(two), n * sizeof(float)),
                "%s: train_step and loss_and_grad + apply_gradients differ at step %d",
                surrogate_arch_name(archs[a]), step);
    }
    /* A non-finite gradient: ERANGE, weights unchanged, step not counted. */
    float *before = malloc(n * sizeof(float));
    memcpy(before, surrogate_params(two), n * sizeof(float));
    int64_t steps = surrogate_steps(two);
    surrogate_grads(two)[0] = NAN;
    CHECK(surrogate_apply_gradients(two, NULL) == OGAS_ERANGE);
    CHECK(!memcmp(before, surrogate_params(two), n * sizeof(float)) &&
          surrogate_steps(two) == steps);
    free(before);

    /* Save, load into a fresh surrogate, train both on: the same bits. */
    size_t bytes = surrogate_state_bytes(one);
    void *state = malloc(bytes);
    surrogate_save_state(one, state);
    surrogate *fresh = make(archs[a], 8);
    CHECK(surrogate_load_state(fresh, state, bytes) == OGAS_OK);
    CHECK(surrogate_steps(fresh) == surrogate_steps(one) && surrogate_has_normalization(fresh));
    for (int step = 0; step < 5; step++) {
      batch(&rng, u, un, z);
      float l1, l2;
      CHECK(surrogate_train_step(one, u, un, z, NULL, B, STUDY_LOSS_MSE, &l1, NULL, NULL) ==
            OGAS_OK);
      CHECK(surrogate_train_step(fresh, u, un, z, NULL, B, STUDY_LOSS_MSE, &l2, NULL, NULL) ==
            OGAS_OK);
      CHECK(l1 == l2);
    }
    CHECK_MSG(!memcmp(surrogate_params(one), surrogate_params(fresh), n * sizeof(float)),
              "%s: the restored surrogate trains differently", surrogate_arch_name(archs[a]));
    float pred1[B * S], pred2[B * S];
    CHECK(surrogate_predict(one, u, z, B, pred1) == OGAS_OK);
    CHECK(surrogate_predict(fresh, u, z, B, pred2) == OGAS_OK);
    CHECK(!memcmp(pred1, pred2, sizeof pred1));
    /* Another width: refused, and a short buffer too. */
    surrogate *wide = make(archs[a], 12);
    CHECK(surrogate_load_state(wide, state, bytes) == OGAS_ECORRUPT);
    CHECK(surrogate_load_state(fresh, state, bytes - 4) == OGAS_ECORRUPT);
    ((int64_t *)state)[2] = -1; /* a negative step */
    CHECK(surrogate_load_state(fresh, state, bytes) == OGAS_ECORRUPT);
    CHECK(surrogate_load_state(NULL, state, bytes) == OGAS_EINVAL);
    free(state);
    surrogate_free(one), surrogate_free(two), surrogate_free(fresh), surrogate_free(wide);
  }
  return check_exit("test_surrogate_state");
}
