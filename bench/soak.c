/* soak — a long run with background training: 100,000 record_increments
 * calls and 1,000 generations (defaults), printing resident memory as it
 * goes. Once the reservoir is full nothing should grow but what is bounded
 * by nb_sims: every buffer is sized at creation, the reservoir evicts; the
 * per-simulation arrays (scores, counts, the table rows) become resident as
 * simulations are first touched, and the telemetry array doubles (one
 * 280-byte record per generation) — about 1 MB over a 20,000-simulation
 * run. Not a CI test: scripts/soak.sh builds and
 * runs it, and the figures go into the report.
 *
 * usage: soak [CALLS] [GENERATIONS] [CHECKPOINT_PATH]
 *   with a path, a checkpoint is also written every 100 generations. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ogas.h"

static double rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  long calls = argc > 1 ? atol(argv[1]) : 100000;
  long gens = argc > 2 ? atol(argv[2]) : 1000;
  const char *ckpt = argc > 3 ? argv[3] : NULL;
  if (calls < gens || gens < 1) {
    fprintf(stderr, "usage: soak [CALLS >= GENERATIONS] [GENERATIONS >= 1] [CHECKPOINT]\n");
    return 2;
  }
  const int per_gen = 20, per_call = 32;
  long calls_per_gen = calls / gens;
  char json[1024], err[512];
  snprintf(
      json, sizeof json,
      "{\"nb_params\": 4, \"l_bounds\": [0, 0, 0, 0], \"u_bounds\": [1, 1, 1, 1],"
      " \"nb_sims\": %ld, \"seed\": 1, \"breeder\": {\"async_training\": true,"
      " \"min_reservoir_entries\": 64, \"min_train_steps\": 20},"
      " \"model\": {\"model_dim\": 32, \"n_blocks\": 1, \"timesteps\": 20,"
      " \"n_train_steps_per_epoch\": 1}, \"data\": {\"buffer_size\": 2000, \"batch_size\": 32}}",
      (long)per_gen * (gens + 1));
  ogas_breeder *b = NULL;
  if (ogas_breeder_create(json, &b, err, sizeof err) != OGAS_OK) {
    fprintf(stderr, "soak: %s\n", err);
    return 1;
  }
  printf("soak: %ld record calls of %d values, %ld generations of %d, background training\n", calls,
         per_call, gens, per_gen);
  printf("%10s %6s %10s %10s %9s\n", "calls", "gen", "reservoir", "ddpm_steps", "rss_MB");
  double t0 = now_s(), rss_full = -1, rss_max_after = 0, rss_start = rss_mb();
  long full_at = -1;
  int64_t ids[32], ts[32];
  double v[32];
  long call = 0;
  for (long g = 1; g <= gens; g++) {
    /* The simulations of the last generation report their losses. */
    int64_t first = (g - 1) * per_gen;
    for (long c = 0; c < calls_per_gen; c++, call++) {
      for (int i = 0; i < per_call; i++) {
        ids[i] = first + (c * per_call + i) % per_gen;
        ts[i] = c;
        double x[4];
        ogas_get_parameters(b, ids[i], x, NULL);
        v[i] = (x[0] - 0.8) * (x[0] - 0.8) + 0.1 * x[1] + 1.0 / (1.0 + (double)c);
      }
      ogas_record_increments(b, ids, ts, v, per_call, call);
    }
    size_t n;
    int64_t lo, hi;
    if (ogas_next_parameters(b, per_gen, &n) != OGAS_OK ||
        ogas_concretize_resampled_parameters(b, g * per_gen - 1, &lo, &hi) != OGAS_OK) {
      fprintf(stderr, "soak: generation %ld: %s\n", g, ogas_errmsg(b));
      return 1;
    }
    if (ckpt && g % 100 == 0 && ogas_checkpoint_state(b, ckpt) != OGAS_OK) {
      fprintf(stderr, "soak: checkpoint: %s\n", ogas_errmsg(b));
      return 1;
    }
    ogas_stats s = OGAS_STATS_INIT;
    ogas_get_stats(b, &s);
    double rss = rss_mb();
    if (full_at < 0 && s.reservoir_entries >= 2000) full_at = call, rss_full = rss;
    if (full_at >= 0 && rss > rss_max_after) rss_max_after = rss;
    if (g % (gens / 10 > 0 ? gens / 10 : 1) == 0 || g == 1)
      printf("%10ld %6ld %10lld %10lld %9.1f\n", call, g, (long long)s.reservoir_entries,
             (long long)s.ddpm_steps, rss);
  }
  ogas_stats s = OGAS_STATS_INIT;
  ogas_get_stats(b, &s);
  double rss_end = rss_mb();
  printf(
      "\nstart %.1f MB; reservoir full after %ld calls at %.1f MB; max afterwards %.1f MB; "
      "end %.1f MB\n",
      rss_start, full_at, rss_full, rss_max_after, rss_end);
  printf("growth after the reservoir filled: %+.2f MB over %ld calls (%lld DDPM steps, %.1f s)\n",
         rss_max_after - rss_full, call - full_at, (long long)s.ddpm_steps, now_s() - t0);
  printf("%s\n",
         rss_max_after - rss_full < 2.0 ? "resident memory is flat" : "RESIDENT MEMORY GREW");
  ogas_breeder_free(b);
  return 0;
}
