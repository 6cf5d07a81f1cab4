/* telemetry — per-generation records: kept in memory for
 * ogas_generation_info_get and, when the config names a run_dir, appended as
 * one JSON object per line to RUN_DIR/generations.jsonl. With a run_dir the
 * submitted simulations are also logged to RUN_DIR/children.csv
 * (sim_id, generation, is_bred, status, train_loss, <parameter names>), the
 * format `ogas plot` reads. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "breeder/breeder_internal.h"

static void json_number(FILE *f, const char *key, double v, const char *sep) {
  if (isfinite(v)) fprintf(f, "\"%s\": %.9g%s", key, v, sep);
  else fprintf(f, "\"%s\": null%s", key, sep);
}

static FILE *open_in_run_dir(ogas_breeder *b, const char *name, char *path, size_t pathlen) {
  if (mkdir(b->cfg.run_dir, 0777) && errno != EEXIST) {
    breeder_fail(b, OGAS_EIO, "telemetry: cannot create run_dir '%s': %s", b->cfg.run_dir,
                 strerror(errno));
    return NULL;
  }
  snprintf(path, pathlen, "%s/%s", b->cfg.run_dir, name);
  FILE *f = fopen(path, "a");
  if (!f) breeder_fail(b, OGAS_EIO, "telemetry: cannot open '%s': %s", path, strerror(errno));
  return f;
}

/* [lock] held. Rows up to `upto` have been submitted: their parameters are
   final, so they are logged once each. train_loss is the simulation's score
   so far (empty before any value). */
ogas_status telemetry_log_children(ogas_breeder *b, int64_t upto) {
  if (!b->cfg.run_dir || upto <= b->logged_upto) return OGAS_OK;
  char path[4096];
  FILE *f = open_in_run_dir(b, "children.csv", path, sizeof path);
  if (!f) return OGAS_EIO;
  if (ftell(f) == 0) {
    fputs("sim_id,generation,is_bred,status,train_loss", f);
    for (size_t k = 0; k < b->d; k++) fprintf(f, ",%s", b->cfg.parameter_names[k]);
    fputc('\n', f);
  }
  for (int64_t id = b->logged_upto + 1; id <= upto; id++) {
    fprintf(f, "%lld,%d,%d,submitted,", (long long)id, (int)b->row_generation[id], b->is_bred[id]);
    if (b->signal.n_values[id]) fprintf(f, "%.9g", b->signal.score[id]);
    for (size_t k = 0; k < b->d; k++) fprintf(f, ",%.17g", b->table[(size_t)id * b->d + k]);
    fputc('\n', f);
  }
  b->logged_upto = upto;
  int bad = ferror(f);
  if (fclose(f) || bad) return breeder_fail(b, OGAS_EIO, "telemetry: write to '%s' failed", path);
  return OGAS_OK;
}

/* [lock] held. */
ogas_status telemetry_append(ogas_breeder *b, const ogas_generation_info *info) {
  if (b->n_gens == b->cap_gens) {
    int64_t cap = b->cap_gens ? 2 * b->cap_gens : 16;
    ogas_generation_info *g = realloc(b->gens, (size_t)cap * sizeof *g);
    if (!g) return breeder_fail(b, OGAS_ENOMEM, "telemetry: out of memory");
    b->gens = g;
    b->cap_gens = cap;
  }
  b->gens[b->n_gens++] = *info;
  if (!b->cfg.run_dir) return OGAS_OK;
  char path[4096];
  FILE *f = open_in_run_dir(b, "generations.jsonl", path, sizeof path);
  if (!f) return OGAS_EIO;
  fprintf(f, "{\"generation\": %lld, ", (long long)info->generation);
  json_number(f, "breed_ratio", info->breed_ratio, ", ");
  fprintf(f,
          "\"n_children\": %lld, \"n_bred\": %lld, \"n_non_bred\": %lld, "
          "\"n_oob_regenerated\": %lld, \"n_clipped\": %lld, ",
          (long long)info->n_children, (long long)info->n_bred, (long long)info->n_non_bred,
          (long long)info->n_oob_regenerated, (long long)info->n_clipped);
  json_number(f, "target_mean", info->target_mean, ", ");
  fprintf(f, "\"ddpm_steps\": %lld, \"ddpm_steps_since_last\": %lld, \"ratio_steps\": %lld, ",
          (long long)info->ddpm_steps, (long long)info->ddpm_steps_since_last,
          (long long)info->ratio_steps);
  json_number(f, "train_cpu_s_since_last", info->train_cpu_s_since_last, ", ");
  json_number(f, "ddpm_loss", info->ddpm_loss, ", ");
  json_number(f, "ratio_loss", info->ratio_loss, ", ");
  fprintf(f, "\"reservoir_entries\": %lld, \"values_rejected\": %lld, ",
          (long long)info->reservoir_entries, (long long)info->values_rejected);
  json_number(f, "generate_ms", info->generate_ms, ", ");
  fprintf(f, "\"not_bred_reason\": \"");
  for (const char *p = info->not_bred_reason; *p; p++) fputc(*p == '"' ? '\'' : *p, f);
  fprintf(f, "\"}\n");
  int bad = ferror(f);
  if (fclose(f) || bad)
    return breeder_fail(b, OGAS_EIO, "telemetry: write to '%s' failed", path);
  return OGAS_OK;
}
