/* The breeder learns where to simulate (SPEC §5–§7), on synthetic landscapes:
   1. synchronous mode is reproducible bit for bit from the seed;
   2. on the bump landscape in d = 8, after six generations the bred children
      fall in the hard region at least 3x as often as uniform draws would;
   3. the history-bias correction (RatioMLP weights) flattens the density of
      what the breeder samples on the multimodal landscape, where a breeder
      without it keeps feeding the modes it already favours. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "synth/synth.h"

/* A 64-wide DDPM keeps the test to seconds; ogas synth's default is 128. */
#define SMALL_MODEL "\"model\": {\"model_dim\": 64}"

static synth_options opts(landscape_kind k, uint64_t seed, const char *json) {
  synth_options o = {.landscape = k, .dim = 8, .generation_size = 100, .generations = 6,
                     .steps_per_sim = 10, .seed = seed, .async = 0, .breeder_json = json};
  return o;
}

/* Entropy of children from generation 3 on, over a 16x16 grid of (z1, z2). */
static double late_entropy(const synth_result *r) {
  double h[256] = {0}, n = 0;
  for (int64_t i = 0; i < r->nb_sims; i++) {
    if (r->generation_of[i] < 3) continue;
    const double *z = r->params + (size_t)i * r->d;
    int a = (int)fmin(15, floor((z[0] + 1) * 8)), b = (int)fmin(15, floor((z[1] + 1) * 8));
    h[16 * a + b]++, n++;
  }
  double e = 0;
  for (int k = 0; k < 256; k++)
    if (h[k] > 0) e -= h[k] / n * log(h[k] / n);
  return e;
}

int main(void) {
  char err[512];
  synth_result a, b;

  /* 1. Reproducible from the seed; another seed differs. */
  synth_options o = opts(LANDSCAPE_BUMP, 3, "{" SMALL_MODEL "}");
  o.generations = 3;
  o.generation_size = 60;
  CHECK(synth_run(&o, &a, err, sizeof err) == 0);
  CHECK(synth_run(&o, &b, err, sizeof err) == 0);
  size_t bytes = (size_t)a.nb_sims * a.d * sizeof(double);
  CHECK(a.gens[3].n_bred > 0);
  CHECK_MSG(memcmp(a.params, b.params, bytes) == 0, "same seed must give identical parameters");
  synth_result_free(&b);
  o.seed = 4;
  CHECK(synth_run(&o, &b, err, sizeof err) == 0);
  CHECK(memcmp(a.params, b.params, bytes) != 0);
  synth_result_free(&a);
  synth_result_free(&b);

  /* 2. Bump in d = 8: bred children in the hard region >= 3x uniform. */
  o = opts(LANDSCAPE_BUMP, 1, "{" SMALL_MODEL "}");
  CHECK_MSG(synth_run(&o, &a, err, sizeof err) == 0, "%s", err);
  const synth_generation *last = &a.gens[a.n_generations - 1];
  printf("bump d=8, generation %lld: bred children hard %.1f %% (all children %.1f %%), uniform %.1f %%\n",
         (long long)last->generation, 100 * last->hard_share_bred, 100 * last->hard_share,
         100 * a.uniform_share);
  CHECK(last->n_bred > 0);
  CHECK_MSG(last->hard_share_bred >= 3 * a.uniform_share, "bred %.3f vs uniform %.3f",
            last->hard_share_bred, a.uniform_share);
  synth_result_free(&a);

  /* 3. History-bias correction flattens the sampled density. */
  double with = 0, without = 0;
  for (uint64_t seed = 1; seed <= 2; seed++) {
    o = opts(LANDSCAPE_MULTIMODAL, seed,
             "{\"breeder\": {\"learn_sampling_ratio\": true}, " SMALL_MODEL "}");
    CHECK(synth_run(&o, &a, err, sizeof err) == 0);
    with += late_entropy(&a) / 2;
    synth_result_free(&a);
    o = opts(LANDSCAPE_MULTIMODAL, seed,
             "{\"breeder\": {\"learn_sampling_ratio\": false}, " SMALL_MODEL "}");
    CHECK(synth_run(&o, &a, err, sizeof err) == 0);
    without += late_entropy(&a) / 2;
    synth_result_free(&a);
  }
  printf("multimodal: entropy of generations 3+ with correction %.3f, without %.3f (max %.3f)\n",
         with, without, log(256.0));
  CHECK_MSG(with > without + 0.03, "with %.3f, without %.3f", with, without);
  return check_exit("test_breeder_learns");
}
