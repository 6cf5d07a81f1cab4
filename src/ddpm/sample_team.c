/* sample_team — see sample_team.h. */
#include "ddpm/sample_team.h"

#include <pthread.h>
#include <stdlib.h>

#define TEAM_MAX 64

struct sample_team {
  int n, max_samples, dim;
  ddpm_sampler *samplers[TEAM_MAX];
};

typedef struct {
  ddpm_sampler *sampler;
  const float *params, *c;
  int n, ddim_steps, status;
  float guidance;
  ogas_rng rng;
  float *out;
  pthread_t thread;
} share;

static void *draw(void *arg) {
  share *s = arg;
  s->status = s->n > 0 ? ddpm_sample(s->sampler, s->params, s->c, s->n, s->guidance, s->ddim_steps,
                                     &s->rng, s->out)
                       : 0;
  return NULL;
}

sample_team *sample_team_create(const ddpm_config *cfg, int max_samples, int threads) {
  if (threads < 2 || threads > TEAM_MAX || max_samples < 1) return NULL;
  sample_team *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->n = threads, t->max_samples = max_samples, t->dim = cfg->shape.dim;
  int per = (max_samples + threads - 1) / threads;
  for (int k = 0; k < threads; k++)
    if (!(t->samplers[k] = ddpm_sampler_create(cfg, per))) {
      sample_team_free(t);
      return NULL;
    }
  return t;
}

void sample_team_free(sample_team *t) {
  if (!t) return;
  for (int k = 0; k < t->n; k++) ddpm_sampler_free(t->samplers[k]);
  free(t);
}

int sample_team_run(sample_team *t, const float *params, const float *c, int n, float guidance,
                    int ddim_steps, ogas_rng *rng, float *out) {
  if (n < 1 || n > t->max_samples) return -1;
  share s[TEAM_MAX] = {{0}};
  for (int k = 0; k < t->n; k++) {
    int r0 = (int)((long)n * k / t->n), r1 = (int)((long)n * (k + 1) / t->n);
    s[k] = (share){.sampler = t->samplers[k],
                   .params = params,
                   .c = c ? c + r0 : NULL,
                   .n = r1 - r0,
                   .ddim_steps = ddim_steps,
                   .guidance = guidance,
                   .out = out + (size_t)r0 * t->dim};
    ogas_rng_seed(&s[k].rng, ogas_rng_u64(rng), (uint64_t)k);
  }
  int started = 1;
  while (started < t->n && !pthread_create(&s[started].thread, NULL, draw, &s[started])) started++;
  int failed = started < t->n;
  if (!failed) draw(&s[0]);
  for (int k = 1; k < started; k++) pthread_join(s[k].thread, NULL);
  if (failed) return -1;
  for (int k = 0; k < t->n; k++)
    if (s[k].status) return -1;
  return 0;
}
