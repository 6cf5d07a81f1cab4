/* The bodies of the two libFuzzer targets, shared with the regression test
   (tests/test_checkpoint_fuzz_corpus.c) that replays the seed corpus and
   every input that once crashed (tests/fuzz/regressions/) in every build.
   A finding becomes a regression by copying the crashing input into
   regressions/config/ or regressions/checkpoint/. */
#ifndef OGAS_FUZZ_COMMON_H
#define OGAS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breeder/breeder_internal.h"
#include "breeder/checkpoint_format.h"
#include "breeder/config.h"
#include "ogas.h"

/* The breeder every checkpoint input is restored into; the seed corpus was
   written by a breeder of this config (tests/test_checkpoint_fuzz_corpus.c
   --write-seeds DIR writes it again). */
#define FUZZ_BREEDER_CONFIG                                                              \
  "{\"nb_params\": 2, \"l_bounds\": [0, -1], \"u_bounds\": [1, 1], \"nb_sims\": 12, "    \
  "\"seed\": 3, \"breeder\": {\"async_training\": false, \"min_reservoir_entries\": 2, " \
  "\"min_train_steps\": 1, \"ratio_mlp_hidden_dim\": 4, \"start_breed_ratio\": 0.5}, "   \
  "\"model\": {\"model_dim\": 8, \"n_blocks\": 1, \"timesteps\": 4, "                    \
  "\"n_train_steps_per_epoch\": 2}, \"data\": {\"buffer_size\": 16, \"batch_size\": 4, " \
  "\"min_max_queue_length\": 3}}"

/* The input as a NUL-terminated string (NULL when out of memory: skip it). */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text) memcpy(text, data, size), text[size] = '\0';
  return text;
}

/* Any text as a config: parse must give OK or an error with a message,
   never crash; what parses must print and parse back to the same config;
   small valid configs also create (and free) a breeder. Returns 0, or -1
   for a broken invariant (the fuzzer then aborts). */
static inline int fuzz_config_one(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  if (!text) return 0;
  ogas_config c;
  char err[512] = "";
  int bad = 0;
  int st = ogas_config_parse(text, &c, err, sizeof err);
  if (st != OGAS_OK) {
    bad = !(st == OGAS_EINVAL || st == OGAS_ENOMEM) || err[0] == '\0';
  } else {
    char *json = ogas_config_to_json(&c);
    ogas_config back;
    if (json && ogas_config_parse(json, &back, err, sizeof err) == OGAS_OK) {
      bad = !ogas_config_equal(&c, &back);
      ogas_config_free(&back);
    } else if (json) {
      bad = 1;
    }
    free(json);
    bad |= ogas_config_validate(&c, err, sizeof err) != OGAS_OK;
    if (!bad && !c.breeder.async_training && !c.run_dir && c.nb_sims <= 256 && c.nb_params <= 8 &&
        c.model.model_dim <= 32 && c.model.n_blocks <= 2 && c.model.timesteps <= 50 &&
        c.data.buffer_size <= 1024 && c.data.batch_size <= 64 &&
        c.breeder.ratio_mlp_hidden_dim <= 32) {
      ogas_breeder *b = NULL;
      st = ogas_breeder_create(text, &b, err, sizeof err);
      if (st == OGAS_OK) {
        size_t n;
        ogas_next_parameters(b, -1, &n);
        ogas_breeder_free(b);
      }
    }
    ogas_config_free(&c);
  }
  if (bad) fprintf(stderr, "fuzz_config: broken invariant (status %d, '%s')\n", st, err);
  free(text);
  return bad ? -1 : 0;
}

typedef struct {
  ogas_breeder *b;
  char input_path[256], pristine_path[256];
} fuzz_checkpoint_ctx;

static inline int fuzz_checkpoint_init(fuzz_checkpoint_ctx *x, const char *dir) {
  char err[512];
  if (ogas_breeder_create(FUZZ_BREEDER_CONFIG, &x->b, err, sizeof err) != OGAS_OK) {
    fprintf(stderr, "fuzz_checkpoint: %s\n", err);
    return -1;
  }
  snprintf(x->input_path, sizeof x->input_path, "%s/fuzz_ckpt_input_%ld.ckpt", dir, (long)getpid());
  snprintf(x->pristine_path, sizeof x->pristine_path, "%s/fuzz_ckpt_pristine_%ld.ckpt", dir,
           (long)getpid());
  return ogas_checkpoint_state(x->b, x->pristine_path) == OGAS_OK ? 0 : -1;
}

static inline void fuzz_checkpoint_free(fuzz_checkpoint_ctx *x) {
  ogas_breeder_free(x->b);
  remove(x->input_path);
  remove(x->pristine_path);
}

static inline int fuzz_restore_bytes(fuzz_checkpoint_ctx *x, const uint8_t *data, size_t size) {
  FILE *f = fopen(x->input_path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  ogas_status st = ogas_restart_from_checkpoint(x->b, x->input_path);
  if (st == OGAS_OK) {
    /* Accepted: the breeder must work from this state; then go back. A
       restored training budget (DDPM or RatioMLP) is spent by the next
       synchronous next_parameters, and a budget up to INT64_MAX restores
       (train_sampler can grant that much): above a few thousand steps that
       is hours of training, so such states are only restored. */
    int cheap = x->b->tr.budget_ddpm <= 10000 && x->b->tr.budget_ratio <= 10000;
    size_t n;
    if (cheap) ogas_next_parameters(x->b, 2, &n);
    int64_t ids[2] = {0, 1}, ts[2] = {0, 0};
    double v[2] = {0.5, 1.5};
    ogas_record_increments(x->b, ids, ts, v, 2, 0);
    if (cheap) ogas_train_sampler(x->b, 2);
    if (ogas_restart_from_checkpoint(x->b, x->pristine_path) != OGAS_OK) return -1;
    return 0;
  }
  return *ogas_errmsg(x->b) ? 0 : -1;
}

/* Any bytes as a checkpoint, as they are and with every checksum fixed so
   that the decoder sees the damage; plus the lenient parse of ogas inspect. */
static inline int fuzz_checkpoint_one(fuzz_checkpoint_ctx *x, const uint8_t *data, size_t size) {
  ckpt_file *f = malloc(sizeof *f);
  uint8_t *copy = malloc(size ? size : 1);
  int bad = 0;
  if (f && copy) {
    char err[256];
    ckpt_parse(data, size, 1, f, err, sizeof err);
    ckpt_meta m;
    const ckpt_section *s = ckpt_find(f, CKPT_TAG_META);
    if (s && s->data) ckpt_meta_decode(s, &m, err, sizeof err);
    bad |= fuzz_restore_bytes(x, data, size);
    memcpy(copy, data, size);
    ckpt_fix_checksums(copy, size);
    bad |= fuzz_restore_bytes(x, copy, size);
  }
  free(f), free(copy);
  return bad;
}

#endif
