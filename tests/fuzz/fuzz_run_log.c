/* libFuzzer target: the run-log readers (util/run_log.h). The first byte
   picks the file (even: children.csv, odd: generations.jsonl), the rest is
   its content, written into a temporary folder of the fuzzer's own. A read
   gives OK, or an error whose message names the file; what reads as
   children.csv writes back and reads again to the same table (train_loss to
   its 9 written digits), and what reads as generations.jsonl to the same
   generations. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/run_log.h"

static char dir[256];

static int put(const char *name, const char *data, size_t size) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(data, 1, size, f);
  return fclose(f) || w != size ? -1 : 0;
}

static int same_number(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

/* train_loss is written with 9 significant digits. */
static int same_loss(double a, double b) {
  return same_number(a, b) || fabs(a - b) <= 1e-8 * fabs(a);
}

static int children(const uint8_t *data, size_t size) {
  char err[512] = "";
  run_log_children c;
  if (put(RUN_LOG_CHILDREN, (const char *)data, size)) return 0;
  int st = run_log_read_children(dir, &c, err, sizeof err);
  if (st) return strstr(err, RUN_LOG_CHILDREN) || strstr(err, "memory") ? 0 : -1;
  run_log_text t = {0};
  int bad = run_log_children_header(&t, (const char *const *)c.names, c.nb_params);
  for (size_t r = 0; r < c.n_rows && !bad; r++)
    bad = run_log_child_row(&t, (int64_t)r, c.generation[r], c.is_bred[r], c.status[r],
                            c.train_loss[r], c.params + r * c.nb_params, c.nb_params);
  run_log_children back;
  int broken = bad || put(RUN_LOG_CHILDREN, t.text, t.len) ||
               run_log_read_children(dir, &back, err, sizeof err) || back.n_rows != c.n_rows ||
               back.nb_params != c.nb_params;
  for (size_t r = 0; !broken && r < c.n_rows; r++) {
    broken = back.generation[r] != c.generation[r] || back.is_bred[r] != c.is_bred[r] ||
             back.status[r] != c.status[r] || !same_loss(back.train_loss[r], c.train_loss[r]);
    for (size_t k = 0; !broken && k < c.nb_params; k++)
      broken = !same_number(back.params[r * c.nb_params + k], c.params[r * c.nb_params + k]);
  }
  for (size_t k = 0; !broken && k < c.nb_params; k++) broken = strcmp(back.names[k], c.names[k]);
  if (!broken) run_log_children_free(&back);
  free(t.text);
  run_log_children_free(&c);
  return broken ? -1 : 0;
}

static int generations(const uint8_t *data, size_t size) {
  char err[512] = "";
  run_log_generation *g = NULL, *back = NULL;
  size_t n = 0, n_back = 0;
  if (put(RUN_LOG_GENERATIONS, (const char *)data, size)) return 0;
  int st = run_log_read_generations(dir, &g, &n, err, sizeof err);
  if (st) return strstr(err, RUN_LOG_GENERATIONS) || strstr(err, "memory") ? 0 : -1;
  run_log_text t = {0};
  int bad = 0;
  for (size_t i = 0; i < n && !bad; i++) bad = run_log_generation_line(&t, &g[i]);
  int broken = bad || put(RUN_LOG_GENERATIONS, t.text ? t.text : "", t.len) ||
               run_log_read_generations(dir, &back, &n_back, err, sizeof err) || n_back != n;
  for (size_t i = 0; !broken && i < n; i++)
    broken = back[i].info.generation != g[i].info.generation ||
             back[i].info.n_bred != g[i].info.n_bred || back[i].batch != g[i].batch ||
             back[i].info.trusted != g[i].info.trusted;
  free(t.text), free(g), free(back);
  return broken ? -1 : 0;
}

/* The folder goes when the fuzzer exits. */
static void remove_dir(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, RUN_LOG_CHILDREN);
  unlink(path);
  snprintf(path, sizeof path, "%s/%s", dir, RUN_LOG_GENERATIONS);
  unlink(path);
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ogas_fuzz_run_log_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) abort();
    atexit(remove_dir);
  }
  if (size < 1) return 0;
  if ((data[0] % 2 == 0 ? children : generations)(data + 1, size - 1)) abort();
  return 0;
}
