/* The UNet surrogate (arch "unet", nn/unet.h): finite differences of the
   whole backward pass (every parameter) in 1-D and 2-D, for 0, 1 and 2
   levels, with coordinates, without FiLM inputs and with both training
   losses; shift equivariance by multiples of 2^levels without coordinates
   and u = 0 -> 0; bad shapes and config keys refused with the key's name;
   learning one exact step of the periodic heat equation (1-D); and a tiny
   deterministic heat2d study that must beat the persistence forecast and
   an MLP on the same budget.

   Margins, measured once: the 1-D heat step reaches 1.4-1.7 % (bound 4 %)
   over data seeds 5-10 (OGAS_TEST_SEED), no failure in those 6 runs; the
   study's figures are next to it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "grid_surrogate.h"

#define UNET(C_, ny_, nx_, P_, levels_, coords_, tl_)                                             \
  (surrogate_config) {                                                                            \
    .state_size = (size_t)(C_) * (ny_) * (nx_), .channels = (C_), .nb_params = (P_), .width = 2,  \
    .n_blocks = (levels_), .arch = SURROGATE_UNET, .ny = (ny_), .kernel = 3, .coords = (coords_), \
    .train_loss = (tl_)                                                                           \
  }

int main(void) {
  ogas_rng r;
  const char *seed = getenv("OGAS_TEST_SEED");
  ogas_rng_seed(&r, seed ? strtoull(seed, NULL, 10) : 5, 0);
  check_grad("unet 1-D, 2 levels", UNET(2, 1, 8, 3, 2, 0, SURROGATE_TRAIN_MSE), &r);
  check_grad("unet 1-D, 0 levels, coords", UNET(1, 1, 6, 2, 0, 1, SURROGATE_TRAIN_NRMSE), &r);
  check_grad("unet 2-D, 1 level", UNET(2, 4, 4, 2, 1, 0, SURROGATE_TRAIN_MSE), &r);
  check_grad("unet 2-D, 2 levels, coords, no params", UNET(1, 8, 8, 0, 2, 1, SURROGATE_TRAIN_NRMSE),
             &r);
  {
    surrogate_config k5 = UNET(1, 1, 8, 1, 1, 0, SURROGATE_TRAIN_MSE);
    k5.kernel = 5;
    check_grad("unet 1-D, kernel 5", k5, &r);
  }
  surrogate_config eq = UNET(2, 1, 16, 2, 2, 0, SURROGATE_TRAIN_MSE);
  eq.width = 4;
  check_equivariance(eq, 0, 4, &r);
  eq = UNET(2, 8, 8, 2, 2, 0, SURROGATE_TRAIN_MSE);
  eq.width = 4;
  check_equivariance(eq, 4, 4, &r);

  surrogate_arch a;
  CHECK(surrogate_arch_parse("unet", &a) == 0 && a == SURROGATE_UNET);
  CHECK(!strcmp(surrogate_arch_name(SURROGATE_UNET), "unet"));
  {
    surrogate_config bc = UNET(1, 1, 12, 1, 3, 0, SURROGATE_TRAIN_MSE); /* 12 / 8 */
    bc.max_batch = 2, bc.lr = 1e-3f, bc.grad_clip = 1.0f;
    surrogate *bad = NULL;
    char err[200];
    CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL && bad == NULL);
    CHECK_MSG(strstr(err, "blocks") != NULL, "%s", err);
    bc.n_blocks = 2, bc.kernel = 4;
    CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "kernel") != NULL, "%s", err);
    bc.kernel = 0; /* default 3 */
    CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_OK);
    CHECK(surrogate_get_config(bad)->kernel == 3);
    surrogate_free(bad);
  }
  {
    study_config sc;
    char err[256];
    CHECK_MSG(
        study_config_parse("{\"problem\": \"grayscott2d\", \"nb_sims\": 4, \"pde\": {\"grid\": 16},"
                           " \"surrogate\": {\"arch\": \"unet\", \"blocks\": 3}}",
                           &sc, err, sizeof err) == OGAS_OK,
        "%s", err);
    CHECK(sc.surrogate.arch == SURROGATE_UNET && sc.surrogate.width == 16 &&
          sc.surrogate.kernel == 3);
    study_config_free(&sc);
    CHECK(
        study_config_parse("{\"problem\": \"grayscott2d\", \"nb_sims\": 4, \"pde\": {\"grid\": 16},"
                           " \"surrogate\": {\"arch\": \"unet\", \"blocks\": 4}}",
                           &sc, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "surrogate.blocks") != NULL, "%s", err);
  }

  surrogate_config heat = {
      .state_size = 32, .width = 8, .n_blocks = 2, .arch = SURROGATE_UNET, .ny = 1, .kernel = 5};
  double rel = learn_heat(heat, 1000, &r);
  printf("heat step 1-D (32 points): relative increment error %.4f after 1000 steps\n", rel);
  CHECK_MSG(rel < 0.04, "1-D heat step: relative increment error %g", rel);

  /* Measured (study seed 3): unet 0.0105, mlp 0.0135, persistence 0.0174;
     over study seeds 0-5 unet 0.0090-0.0110, unet / mlp 0.61-0.96 (the
     weakest margin of these tests). With lr 0.01 one seed of six diverged. */
  tiny_study(
      "{\"problem\": \"heat2d\", \"pde\": {\"grid\": 8, \"n_steps\": 20}, \"nb_sims\": 20,"
      " \"deterministic\": true, \"seed\": 3,"
      " \"surrogate\": {\"arch\": \"unet\", \"width\": 8, \"blocks\": 1, \"coords\": true,"
      "   \"batch_size\": 16, \"lr\": 0.003, \"lr_schedule\": \"cosine\"},"
      " \"buffer\": {\"capacity\": 400}, \"batches_per_sim\": 40,"
      " \"validation\": {\"n_sims\": 8, \"seed\": 9}}",
      "{\"arch\": \"mlp\", \"width\": 64, \"blocks\": 2, \"batch_size\": 16, \"lr\": 0.003,"
      " \"lr_schedule\": \"cosine\"}",
      0.75, 1.0);
  return check_exit("test_surrogate_unet");
}
