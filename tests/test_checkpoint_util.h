/* Helpers shared by the checkpoint tests: a small breeder, a deterministic
   synthetic study that drives it one generation at a time, and file
   utilities. */
#ifndef OGAS_TEST_CHECKPOINT_UTIL_H
#define OGAS_TEST_CHECKPOINT_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"

/* Config of a small breeder over [-1-k, 2+k] per dimension k: fast enough
   that a test runs many generations in a second. `extra_breeder` and
   `extra_model` are spliced into their sections (may be ""). Malloc'd. */
/* Append the default settings of one section that `extra` does not set. */
static inline size_t ckt_section(char *s, size_t cap, size_t n, const char *const *defaults,
                                 const char *extra) {
  const char *sep = "";
  for (size_t i = 0; defaults[i]; i++) {
    char key[64];
    snprintf(key, sizeof key, "\"%.*s\"", (int)(strchr(defaults[i], ':') - defaults[i] - 2),
             defaults[i] + 1);
    if (strstr(extra, key)) continue;
    n += (size_t)snprintf(s + n, cap - n, "%s%s", sep, defaults[i]);
    sep = ", ";
  }
  if (*extra) n += (size_t)snprintf(s + n, cap - n, "%s%s", sep, extra);
  return n;
}

/* Config of a small breeder over [-1-k%7, 2+k%5] per dimension k: fast
   enough that a test runs many generations in a second. `extra_breeder` and
   `extra_model` override or add settings of their sections (may be "").
   Malloc'd. */
/* The non-breed sampler of ckt_config (tests may switch it). */
static const char *ckt_sampler = "halton";

static inline char *ckt_config(size_t d, int64_t nb_sims, int async, const char *extra_breeder,
                               const char *extra_model) {
  static const char *const breeder[] = {"\"min_reservoir_entries\": 8",
                                        "\"min_train_steps\": 6",
                                        "\"start_breed_ratio\": 0.3",
                                        "\"end_breed_ratio\": 0.8",
                                        "\"breakpoint\": 3",
                                        "\"ratio_mlp_hidden_dim\": 16",
                                        "\"max_mlp_steps_per_collect\": 2",
                                        NULL};
  static const char *const model[] = {"\"model_dim\": 32", "\"n_blocks\": 1", "\"timesteps\": 20",
                                      "\"n_train_steps_per_epoch\": 3", NULL};
  size_t cap = 2048 + 64 * d + strlen(extra_breeder) + strlen(extra_model);
  char *s = malloc(cap);
  if (!s) return NULL;
  size_t n = (size_t)snprintf(s, cap, "{\"nb_params\": %zu, \"l_bounds\": [", d);
  for (size_t k = 0; k < d; k++)
    n += (size_t)snprintf(s + n, cap - n, "%s%d", k ? ", " : "", -1 - (int)(k % 7));
  n += (size_t)snprintf(s + n, cap - n, "], \"u_bounds\": [");
  for (size_t k = 0; k < d; k++)
    n += (size_t)snprintf(s + n, cap - n, "%s%d", k ? ", " : "", 2 + (int)(k % 5));
  n += (size_t)snprintf(s + n, cap - n,
                        "], \"nb_sims\": %lld, \"seed\": 11, \"non_breed_sampler\": \"%s\","
                        " \"breeder\": {\"async_training\": %s, ",
                        (long long)nb_sims, ckt_sampler, async ? "true" : "false");
  n = ckt_section(s, cap, n, breeder, extra_breeder);
  n += (size_t)snprintf(s + n, cap - n, "}, \"model\": {");
  n = ckt_section(s, cap, n, model, extra_model);
  snprintf(s + n, cap - n,
           "}, \"data\": {\"batch_size\": 16, \"buffer_size\": 200, \"min_max_queue_length\": 5}}");
  return s;
}

static inline ogas_breeder *ckt_make(size_t d, int64_t nb_sims, int async,
                                     const char *extra_breeder, const char *extra_model) {
  char *json = ckt_config(d, nb_sims, async, extra_breeder, extra_model);
  char err[512] = "";
  ogas_breeder *b = NULL;
  ogas_status st = json ? ogas_breeder_create(json, &b, err, sizeof err) : OGAS_ENOMEM;
  if (st != OGAS_OK) fprintf(stderr, "ckt_make: %s: %s\n", ogas_status_name(st), err);
  free(json);
  return b;
}

/* Difficulty of a parameter vector: high in one corner of the box. */
static inline double ckt_loss(ogas_breeder *b, const double *x) {
  size_t d = ogas_nb_params(b);
  double s = 0.05;
  for (size_t k = 0; k < d && k < 3; k++) s += (x[k] + 1.0) * (x[k] + 1.0);
  return s;
}

/* Generation g >= 1 of the synthetic study, in steps so that a test can stop
   between them: the B simulations submitted for generation g (ids
   (g-1)B .. gB-1) report `steps` losses each, one record call per step
   (phase 1); B children are staged (phase 2) and written after them
   (phase 3). Returns 0 or the first failing status. */
static inline int ckt_phase(ogas_breeder *b, int64_t g, int64_t B, int phase) {
  size_t d = ogas_nb_params(b);
  int64_t first = (g - 1) * B;
  if (phase == 1) {
    int64_t *ids = malloc((size_t)B * sizeof *ids), *ts = malloc((size_t)B * sizeof *ts);
    double *v = malloc((size_t)B * sizeof *v), *x = malloc(d * sizeof *x);
    int st = ids && ts && v && x ? OGAS_OK : OGAS_ENOMEM;
    for (int step = 0; step < 3 && st == OGAS_OK; step++) {
      for (int64_t i = 0; i < B && st == OGAS_OK; i++) {
        ids[i] = first + i;
        ts[i] = step;
        st = ogas_get_parameters(b, first + i, x, NULL);
        v[i] = ckt_loss(b, x) / (1.0 + 0.3 * step + 0.01 * (double)g);
      }
      if (st == OGAS_OK) st = ogas_record_increments(b, ids, ts, v, (size_t)B, step);
    }
    free(ids), free(ts), free(v), free(x);
    return st;
  }
  if (phase == 2) {
    size_t n = 0;
    return ogas_next_parameters(b, B, &n);
  }
  int64_t lo, hi;
  return ogas_concretize_resampled_parameters(b, g * B - 1, &lo, &hi);
}

static inline int ckt_generation(ogas_breeder *b, int64_t g, int64_t B) {
  for (int phase = 1; phase <= 3; phase++) {
    int st = ckt_phase(b, g, B, phase);
    if (st != OGAS_OK) return st;
  }
  return OGAS_OK;
}

/* FNV-1a over the parameter table and is_bred flags. */
static inline uint64_t ckt_table_hash(ogas_breeder *b) {
  size_t d = ogas_nb_params(b), N = (size_t)ogas_nb_sims(b);
  double *t = malloc(N * d * sizeof *t);
  int *bred = malloc(N * sizeof *bred);
  uint64_t h = 1469598103934665603ull;
  if (t && bred && ogas_get_parameter_table(b, t, bred) == OGAS_OK) {
    const unsigned char *p = (const unsigned char *)t;
    for (size_t i = 0; i < N * d * sizeof *t; i++) h = (h ^ p[i]) * 1099511628211ull;
    for (size_t i = 0; i < N; i++) h = (h ^ (unsigned)bred[i]) * 1099511628211ull;
  }
  free(t), free(bred);
  return h;
}

/* Whole file into a malloc'd buffer (NULL if unreadable); *n gets its size. */
static inline unsigned char *ckt_read(const char *path, size_t *n) {
  *n = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
  if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) free(buf), buf = NULL;
  fclose(f);
  if (buf) *n = (size_t)len;
  return buf;
}

static inline int ckt_write(const char *path, const void *buf, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(buf, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* 1 when both files exist and hold the same bytes. */
static inline int ckt_same_file(const char *a, const char *b) {
  size_t na, nb;
  unsigned char *x = ckt_read(a, &na), *y = ckt_read(b, &nb);
  int same = x && y && na == nb && !memcmp(x, y, na);
  free(x), free(y);
  return same;
}

#endif
