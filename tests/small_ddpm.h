/* A small box-prior DDPM config for the tests that need a model but do not
   train it: d inputs, 16 wide, one block, T steps. */
#ifndef OGAS_TEST_SMALL_DDPM_H
#define OGAS_TEST_SMALL_DDPM_H

#include "ddpm/ddpm.h"

static inline ddpm_config small_ddpm_config(int d, int T) {
  ddpm_config cfg = {.shape = {d, 16, 1},
                     .schedule = SCHEDULE_COSINE,
                     .timesteps = T,
                     .adam = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f},
                     .grad_clip = 1,
                     .ema_decay = 0.999f,
                     .p_uncond = 0.1f,
                     .batch_size = 8,
                     .box_prior = 1};
  return cfg;
}

#endif
