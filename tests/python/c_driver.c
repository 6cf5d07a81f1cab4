/* c_driver — the C side of the Python cross-checks (tests/python/).
 *
 * The pytest suite compiles this file against the libogas it tests and runs:
 *
 *   c_driver layout
 *       print sizeof/offsetof of the public structs, one "name value" a line,
 *       so the suite can check its ctypes mirrors against the header.
 *   c_driver run CONFIG GEN_SIZE N_GEN STEPS OUT [--restore CKPT FROM_GEN]
 *                                                [--save CKPT AT_GEN]
 *       drive a breeder through the scripted protocol below (the same one
 *       tests/python/protocol.py runs from Python) and write the final
 *       parameter table to OUT as hex floats ("%a"), one row a line, followed
 *       by the row's is_bred flag.
 *
 * Protocol, generation g = 0 .. N_GEN, each generation being GEN_SIZE rows
 * first = g * GEN_SIZE .. last = first + GEN_SIZE - 1:
 *   every row id reports STEPS values v_s = p0 * p0 + 0.25 s (p0 its first
 *   parameter) in one record_increments call with batch_idx = id;
 *   then, unless g == N_GEN: train_sampler(0), next_parameters(GEN_SIZE),
 *   concretize_resampled_parameters(last).
 * --save writes a checkpoint right after generation AT_GEN's concretize and
 * stops; --restore reads one into a fresh breeder and resumes at FROM_GEN.
 *
 * Exit status: 0 on success, 1 with the library's message on stderr, 2 for
 * bad usage, 3 when checkpointing is asked of a library that lacks it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"

/* Checkpointing may be missing from an older library: bind it weakly so that
   the driver still links, and report exit status 3 ("not available"). */
#if defined(__GNUC__)
#pragma weak ogas_checkpoint_state
#pragma weak ogas_restart_from_checkpoint
#endif

#define LAYOUT(type, field) printf(#type "." #field " %zu\n", offsetof(type, field))

static int print_layout(void) {
  printf("ogas_generation_info %zu\n", sizeof(ogas_generation_info));
  LAYOUT(ogas_generation_info, struct_size);
  LAYOUT(ogas_generation_info, generation);
  LAYOUT(ogas_generation_info, breed_ratio);
  LAYOUT(ogas_generation_info, n_children);
  LAYOUT(ogas_generation_info, n_bred);
  LAYOUT(ogas_generation_info, n_non_bred);
  LAYOUT(ogas_generation_info, n_oob_regenerated);
  LAYOUT(ogas_generation_info, n_clipped);
  LAYOUT(ogas_generation_info, target_mean);
  LAYOUT(ogas_generation_info, ddpm_steps);
  LAYOUT(ogas_generation_info, ddpm_steps_since_last);
  LAYOUT(ogas_generation_info, ratio_steps);
  LAYOUT(ogas_generation_info, train_cpu_s_since_last);
  LAYOUT(ogas_generation_info, ddpm_loss);
  LAYOUT(ogas_generation_info, ratio_loss);
  LAYOUT(ogas_generation_info, reservoir_entries);
  LAYOUT(ogas_generation_info, values_rejected);
  LAYOUT(ogas_generation_info, generate_ms);
  LAYOUT(ogas_generation_info, not_bred_reason);
  LAYOUT(ogas_generation_info, ddpm_steps_dropped);
  LAYOUT(ogas_generation_info, trust_entries);
  LAYOUT(ogas_generation_info, trust_loss_high);
  LAYOUT(ogas_generation_info, trust_loss_low);
  LAYOUT(ogas_generation_info, trust_z);
  LAYOUT(ogas_generation_info, outcome_bred);
  LAYOUT(ogas_generation_info, outcome_non_bred);
  LAYOUT(ogas_generation_info, outcome_z);
  LAYOUT(ogas_generation_info, trusted);
  printf("ogas_stats %zu\n", sizeof(ogas_stats));
  LAYOUT(ogas_stats, struct_size);
  LAYOUT(ogas_stats, values_accepted);
  LAYOUT(ogas_stats, rejected_nonfinite);
  LAYOUT(ogas_stats, rejected_negative);
  LAYOUT(ogas_stats, rejected_unknown_id);
  LAYOUT(ogas_stats, reservoir_entries);
  LAYOUT(ogas_stats, ddpm_steps);
  LAYOUT(ogas_stats, ratio_steps);
  LAYOUT(ogas_stats, budget_pending);
  LAYOUT(ogas_stats, ddpm_loss);
  LAYOUT(ogas_stats, ratio_loss);
  LAYOUT(ogas_stats, train_cpu_s);
  LAYOUT(ogas_stats, n_staged);
  LAYOUT(ogas_stats, highest_submitted_id);
  LAYOUT(ogas_stats, telemetry_failures);
  return 0;
}

static int fail(ogas_breeder *b, const char *what) {
  fprintf(stderr, "c_driver: %s: %s\n", what, ogas_errmsg(b));
  ogas_breeder_free(b);
  return 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "layout")) return print_layout();
  if (argc < 7 || strcmp(argv[1], "run")) {
    fprintf(stderr,
            "usage: c_driver layout | run CONFIG GEN_SIZE N_GEN STEPS OUT "
            "[--restore CKPT FROM_GEN] [--save CKPT AT_GEN]\n");
    return 2;
  }
  const char *config = argv[2], *out_path = argv[6];
  int64_t G = atoll(argv[3]), n_gen = atoll(argv[4]), steps = atoll(argv[5]);
  const char *restore = NULL, *save = NULL;
  int64_t from_gen = 0, save_at = -1;
  for (int i = 7; i < argc; i += 3) {
    if (i + 2 >= argc) {
      fprintf(stderr, "c_driver: %s expects two values\n", argv[i]);
      return 2;
    }
    if (!strcmp(argv[i], "--restore"))
      restore = argv[i + 1], from_gen = atoll(argv[i + 2]);
    else if (!strcmp(argv[i], "--save"))
      save = argv[i + 1], save_at = atoll(argv[i + 2]);
    else {
      fprintf(stderr, "c_driver: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if ((restore && !ogas_restart_from_checkpoint) || (save && !ogas_checkpoint_state)) {
    fprintf(stderr, "c_driver: this libogas has no checkpoint functions\n");
    return 3;
  }
  char err[1024] = "";
  ogas_breeder *b = NULL;
  if (ogas_breeder_create_from_file(config, &b, err, sizeof err)) {
    fprintf(stderr, "c_driver: %s\n", err);
    return 1;
  }
  if (restore && ogas_restart_from_checkpoint(b, restore))
    return fail(b, "restart_from_checkpoint");
  size_t d = ogas_nb_params(b);
  int64_t nb_sims = ogas_nb_sims(b);
  double *p = malloc(d * sizeof *p);
  int64_t *ids = malloc((size_t)steps * sizeof *ids), *ts = malloc((size_t)steps * sizeof *ts);
  double *vals = malloc((size_t)steps * sizeof *vals);
  if (!p || !ids || !ts || !vals) return fail(b, "out of memory");
  for (int64_t g = from_gen; g <= n_gen; g++) {
    int64_t first = g * G, last = first + G - 1;
    for (int64_t id = first; id <= last; id++) {
      if (ogas_get_parameters(b, id, p, NULL)) return fail(b, "get_parameters");
      for (int64_t s = 0; s < steps; s++)
        ids[s] = id, ts[s] = s, vals[s] = p[0] * p[0] + 0.25 * (double)s;
      if (ogas_record_increments(b, ids, ts, vals, (size_t)steps, id))
        return fail(b, "record_increments");
    }
    if (g == n_gen) break;
    size_t staged = 0;
    int64_t f = -1, l = -1;
    if (ogas_train_sampler(b, 0)) return fail(b, "train_sampler");
    if (ogas_next_parameters(b, G, &staged)) return fail(b, "next_parameters");
    if (ogas_concretize_resampled_parameters(b, last, &f, &l)) return fail(b, "concretize");
    if (save && g == save_at) {
      if (ogas_checkpoint_state(b, save)) return fail(b, "checkpoint_state");
      break;
    }
  }
  double *table = malloc((size_t)nb_sims * d * sizeof *table);
  int *bred = malloc((size_t)nb_sims * sizeof *bred);
  if (!table || !bred) return fail(b, "out of memory");
  if (ogas_get_parameter_table(b, table, bred)) return fail(b, "get_parameter_table");
  FILE *out = fopen(out_path, "w");
  if (!out) return fail(b, "cannot open the output file");
  for (int64_t i = 0; i < nb_sims; i++) {
    for (size_t k = 0; k < d; k++) fprintf(out, "%a ", table[(size_t)i * d + k]);
    fprintf(out, "%d\n", bred[i]);
  }
  fclose(out);
  free(p), free(ids), free(ts), free(vals), free(table), free(bred);
  ogas_breeder_free(b);
  return 0;
}
