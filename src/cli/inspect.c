/* ogas inspect — what a checkpoint file holds: format version, every
 * section with its checksum, the config, the generation and the counts.
 * Exit status 0 when every checksum holds and the file decodes, 1 when it
 * is damaged, 2 for a usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/checkpoint_format.h"
#include "breeder/config.h"
#include "cli/commands.h"
#include "ogas.h"

static const char *usage =
    "usage: ogas inspect [--quiet] [--config] FILE\n\n"
    "Prints a checkpoint's format version, its sections with their sizes and\n"
    "checksums, the generation, the counts of the breeder's state and its config,\n"
    "then whether every checksum holds. Exits with 1 when the file is damaged.\n\n"
    "options:\n"
    "  --config   print only the config (JSON) held in the checkpoint\n"
    "  --quiet    print only the verdict line\n";

static void print_config(const ckpt_section *c, int indent_only) {
  /* The section holds canonical JSON; print it through the parser when it
     parses, else as stored. */
  char *text = malloc((size_t)c->size + 1);
  if (!text) return;
  memcpy(text, c->data, (size_t)c->size);
  text[c->size] = '\0';
  ogas_config cfg;
  ogas_config_defaults(&cfg);
  char err[256];
  if (ogas_config_parse(text, &cfg, err, sizeof err) == OGAS_OK) {
    if (!indent_only) {
      printf("nb_params:    %zu\nnb_sims:      %lld\nseed:         %llu\n", cfg.nb_params,
             (long long)cfg.nb_sims, (unsigned long long)cfg.seed);
      printf("model:        model_dim %lld, n_blocks %lld, timesteps %lld\n",
             (long long)cfg.model.model_dim, (long long)cfg.model.n_blocks,
             (long long)cfg.model.timesteps);
      printf("sampler:      %s, async_training %s\n",
             ogas_config_sampler_name(cfg.non_breed_sampler),
             cfg.breeder.async_training ? "true" : "false");
      printf("config:\n%s\n", text);
    } else {
      printf("%s\n", text);
    }
  } else {
    printf(indent_only ? "%s\n" : "config:       (does not parse: %s)\n", indent_only ? text : err);
  }
  ogas_config_free(&cfg);
  free(text);
}

int cmd_inspect(int argc, char **argv) {
  const char *path = NULL;
  int quiet = 0, config_only = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage, stdout);
      return 0;
    } else if (!strcmp(argv[i], "--quiet")) {
      quiet = 1;
    } else if (!strcmp(argv[i], "--config")) {
      config_only = 1;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "ogas inspect: unknown option '%s'\n\n%s", argv[i], usage);
      return 2;
    } else if (path) {
      fprintf(stderr, "ogas inspect: one file at a time\n\n%s", usage);
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fputs(usage, stderr);
    return 2;
  }
  uint8_t *buf = NULL;
  size_t n = 0;
  char err[512] = "";
  int st = ckpt_read_file(path, &buf, &n, err, sizeof err);
  if (st != OGAS_OK) {
    fprintf(stderr, "ogas inspect: %s\n", err);
    return 1;
  }
  ckpt_file *f = malloc(sizeof *f);
  if (!f) {
    free(buf);
    fprintf(stderr, "ogas inspect: out of memory\n");
    return 1;
  }
  st = ckpt_parse(buf, n, 1, f, err, sizeof err);
  const ckpt_section *conf = ckpt_find(f, CKPT_TAG_CONFIG);
  if (config_only) {
    int ok = conf && conf->data && conf->crc_actual == conf->crc_stored && st == OGAS_OK;
    if (conf && conf->data) print_config(conf, 1);
    if (!ok) fprintf(stderr, "ogas inspect: %s: %s\n", path, st ? err : "no config section");
    free(f), free(buf);
    return ok ? 0 : 1;
  }
  if (!quiet) {
    printf("file:         %s (%zu bytes)\n", path, n);
    if (f->version) {
      printf("format:       ogas checkpoint, version %u (this build reads %u)\n", f->version,
             CKPT_VERSION);
      printf("header:       checksum %s\n", f->header_crc_ok ? "ok" : "BAD");
    }
    if (f->n_sections) {
      printf("sections:     %u, table checksum %s\n", f->n_sections,
             f->table_crc_ok ? "ok" : "BAD");
      for (uint32_t i = 0; i < f->n_sections && i < CKPT_MAX_SECTIONS; i++) {
        const ckpt_section *s = &f->sections[i];
        printf(
            "  %-4s  offset %10llu  size %10llu  crc 0x%08x  %s\n", s->tag,
            (unsigned long long)s->offset, (unsigned long long)s->size, s->crc_stored,
            !s->in_bounds ? "OUTSIDE THE FILE" : (s->crc_actual == s->crc_stored ? "ok" : "BAD"));
      }
    }
    const ckpt_section *m = ckpt_find(f, CKPT_TAG_META);
    ckpt_meta meta;
    char merr[256];
    if (m && m->data && m->crc_actual == m->crc_stored &&
        ckpt_meta_decode(m, &meta, merr, sizeof merr) == OGAS_OK) {
      printf("generation:   %lld (breed ratio %.4g)\n", (long long)meta.generation,
             meta.breed_ratio);
      printf("simulations:  %lld known submitted, %lld staged\n",
             (long long)(meta.highest_known_id + 1), (long long)meta.n_staged);
      printf(
          "values:       %lld accepted, rejected %lld non-finite, %lld negative, %lld unknown id "
          "(%lld record calls)\n",
          (long long)meta.values_accepted, (long long)meta.rejected_nonfinite,
          (long long)meta.rejected_negative, (long long)meta.rejected_unknown_id,
          (long long)meta.record_calls);
      printf("reservoir:    %lld entries\n", (long long)meta.reservoir_count);
      printf("training:     %lld DDPM steps, %lld RatioMLP steps\n", (long long)meta.ddpm_steps,
             (long long)meta.ratio_steps);
      printf("telemetry:    %lld generation records\n", (long long)meta.n_gens);
    }
    if (conf && conf->data && conf->crc_actual == conf->crc_stored) print_config(conf, 0);
  }
  if (st == OGAS_OK)
    printf("checksums:    all hold\n");
  else
    printf("checksums:    DAMAGED: %s\n", err);
  free(f), free(buf);
  return st == OGAS_OK ? 0 : 1;
}
