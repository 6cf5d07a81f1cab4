/* sample_team: each member's candidates are exactly what one ddpm_sample call
   draws for its rows (its conditions, its random stream seeded from the
   caller's generator), for 2 and 3 members and for fewer candidates than
   members; the same seed gives the same bits; n out of range is refused. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ddpm/sample_team.h"
#include "nn/blas_threads.h"
#include "small_ddpm.h"

enum { D = 3, T = 12, MAX = 50 };

int main(void) {
  blas_set_threads(1);
  ddpm_config cfg = small_ddpm_config(D, T);
  ogas_rng init;
  ogas_rng_seed(&init, 11, 0);
  ddpm_model m;
  CHECK(ddpm_model_init(&m, &cfg, &init) == 0);
  ddpm_sampler *one = ddpm_sampler_create(&cfg, MAX);
  float c[MAX], got[MAX * D], want[MAX * D], again[MAX * D];
  for (int i = 0; i < MAX; i++) c[i] = (float)i / MAX;
  for (int threads = 2; threads <= 3; threads++) {
    sample_team *team = sample_team_create(&cfg, MAX, threads);
    CHECK(team != NULL && one != NULL);
    if (!team || !one) break;
    const int sizes[] = {MAX, 7, 2};
    for (int si = 0; si < 3; si++) {
      int n = sizes[si];
      for (int ddim = 0; ddim <= 4; ddim += 4) {
        ogas_rng r, copy;
        ogas_rng_seed(&r, 100 + (uint64_t)n, 0);
        copy = r;
        CHECK(sample_team_run(team, m.ema, c, n, 3.0f, ddim, &r, got) == 0);
        for (int k = 0; k < threads; k++) {
          int r0 = n * k / threads, r1 = n * (k + 1) / threads;
          ogas_rng mine;
          ogas_rng_seed(&mine, ogas_rng_u64(&copy), (uint64_t)k);
          if (r1 > r0)
            CHECK(ddpm_sample(one, m.ema, c + r0, r1 - r0, 3.0f, ddim, &mine, want + r0 * D) == 0);
        }
        CHECK_MSG(!memcmp(got, want, (size_t)n * D * sizeof(float)),
                  "%d threads, %d candidates, ddim %d: not the members' own draws", threads, n,
                  ddim);
        ogas_rng_seed(&r, 100 + (uint64_t)n, 0);
        CHECK(sample_team_run(team, m.ema, c, n, 3.0f, ddim, &r, again) == 0);
        CHECK(!memcmp(got, again, (size_t)n * D * sizeof(float)));
      }
    }
    ogas_rng r;
    ogas_rng_seed(&r, 1, 0);
    CHECK(sample_team_run(team, m.ema, c, MAX + 1, 1.0f, 0, &r, got) == -1);
    CHECK(sample_team_run(team, m.ema, c, 0, 1.0f, 0, &r, got) == -1);
    CHECK(sample_team_run(team, m.ema, NULL, 5, 1.0f, 0, &r, got) == 0); /* unconditional */
    sample_team_free(team);
  }
  CHECK(sample_team_create(&cfg, MAX, 1) == NULL && sample_team_create(&cfg, MAX, 65) == NULL);
  ddpm_sampler_free(one);
  ddpm_model_free(&m);
  return check_exit("test_sample_team");
}
