/* A minimal online-training loop around libogas, as a C training server
 * would run it: simulations are submitted with the breeder's parameters,
 * their per-sample losses are reported as they "train", and at each
 * generation break the unsubmitted simulations are resampled.
 *
 * Build against an installed ogas:
 *   cc minimal_server.c $(pkg-config --cflags --libs ogas) -o minimal_server
 * The "loss" here is a stand-in for a surrogate's: high near x0 = 0.8. */
#include <math.h>
#include <ogas.h>
#include <stdio.h>

int main(void) {
  const char *config =
      "{\"nb_params\": 2, \"l_bounds\": [0, 0], \"u_bounds\": [1, 1], \"nb_sims\": 400,"
      " \"seed\": 1, \"breeder\": {\"min_reservoir_entries\": 64, \"min_train_steps\": 100},"
      " \"model\": {\"model_dim\": 64, \"n_blocks\": 2, \"timesteps\": 50,"
      "            \"n_train_steps_per_epoch\": 10}}";
  char err[512];
  ogas_breeder *b;
  if (ogas_breeder_create(config, &b, err, sizeof err) != OGAS_OK) {
    fprintf(stderr, "ogas: %s\n", err);
    return 1;
  }
  const int64_t generation_size = 100;
  int64_t submitted = -1, batch = 0;
  while (submitted < ogas_nb_sims(b) - 1) {
    /* Run one generation: each simulation reports 8 losses. */
    int64_t last = submitted + generation_size;
    if (last > ogas_nb_sims(b) - 1) last = ogas_nb_sims(b) - 1;
    int hard = 0;
    for (int64_t id = submitted + 1; id <= last; id++) {
      double x[2];
      int is_bred;
      if (ogas_get_parameters(b, id, x, &is_bred) != OGAS_OK) return 1;
      double loss = exp(-10 * (x[0] - 0.8) * (x[0] - 0.8));
      hard += loss > 0.5;
      int64_t ids[8], steps[8];
      double values[8];
      for (int t = 0; t < 8; t++) ids[t] = id, steps[t] = t, values[t] = loss * (1 + 0.05 * t);
      if (ogas_record_increments(b, ids, steps, values, 8, batch++) != OGAS_OK) {
        fprintf(stderr, "ogas: %s\n", ogas_errmsg(b));
        return 1;
      }
    }
    printf("generation %lld: sims %lld..%lld, %d with a high loss\n",
           (long long)ogas_current_generation(b), (long long)(submitted + 1), (long long)last,
           hard);
    submitted = last;
    /* Generation break: resample what has not been submitted yet. */
    ogas_train_sampler(b, 0); /* here: wait for the background training to catch up */
    size_t staged;
    int64_t first, end;
    if (ogas_next_parameters(b, generation_size, &staged) != OGAS_OK ||
        ogas_concretize_resampled_parameters(b, submitted, &first, &end) != OGAS_OK) {
      fprintf(stderr, "ogas: %s\n", ogas_errmsg(b));
      return 1;
    }
  }
  ogas_breeder_free(b);
  return 0;
}
