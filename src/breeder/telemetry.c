/* telemetry — per-generation records: kept in memory for
 * ogas_generation_info_get and, when the config names a run_dir, appended as
 * one JSON object per line to RUN_DIR/generations.jsonl. */
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

  if (mkdir(b->cfg.run_dir, 0777) && errno != EEXIST)
    return breeder_fail(b, OGAS_EIO, "telemetry: cannot create run_dir '%s': %s", b->cfg.run_dir,
                        strerror(errno));
  char path[4096];
  snprintf(path, sizeof path, "%s/generations.jsonl", b->cfg.run_dir);
  FILE *f = fopen(path, "a");
  if (!f) return breeder_fail(b, OGAS_EIO, "telemetry: cannot open '%s': %s", path, strerror(errno));
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
  /* The parameters of this generation are written by the caller's table
     dumps; the line above is what plots read. */
  int bad = ferror(f);
  if (fclose(f) || bad)
    return breeder_fail(b, OGAS_EIO, "telemetry: write to '%s' failed", path);
  return OGAS_OK;
}
