/* The documentation says what the code does:
     - every count range "a..b" of docs/config.md is the parser's: b is
       accepted and b+1 refused naming the key; the documented maxima of
       model.n_blocks and nb_params (per sampler) create a breeder;
     - the settings docs/config.md says a restart needs equal are exactly the
       ones a restart refuses to change;
     - every ogas_* function the docs and READMEs name is declared in
       include/ogas.h (internal names do not leak into user documentation).
   (test_config checks the documented defaults and types.) */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/config.h"
#include "check.h"
#include "ogas.h"
#include "read_text.h"
#include "temp_dir.h"

#define DOCS OGAS_TEST_DATA "/../../docs"
#define REPO OGAS_TEST_DATA "/../.."

/* A valid config (d parameters, `sampler`) with `extra` spliced into the
   top level, e.g. "\"model\": {\"n_blocks\": 3}" (may be ""). Malloc'd. */
static char *config_text(size_t d, const char *sampler, const char *extra) {
  size_t cap = 256 + 8 * d + strlen(extra);
  char *s = malloc(cap);
  size_t n = (size_t)snprintf(s, cap, "{\"nb_params\": %zu, \"l_bounds\": [", d);
  for (size_t i = 0; i < d; i++) n += (size_t)snprintf(s + n, cap - n, "%s0", i ? "," : "");
  n += (size_t)snprintf(s + n, cap - n, "], \"u_bounds\": [");
  for (size_t i = 0; i < d; i++) n += (size_t)snprintf(s + n, cap - n, "%s1", i ? "," : "");
  snprintf(s + n, cap - n, "], \"nb_sims\": 8, \"non_breed_sampler\": \"%s\"%s%s}", sampler,
           *extra ? ", " : "", extra);
  return s;
}

/* {"section": {"key": v}} or {"key": v} for a key path. */
static void setting(char *out, size_t len, const char *path, long long v) {
  const char *dot = strchr(path, '.');
  if (dot)
    snprintf(out, len, "\"%.*s\": {\"%s\": %lld}", (int)(dot - path), path, dot + 1, v);
  else
    snprintf(out, len, "\"%s\": %lld", path, v);
}

static int parses(const char *text, char *err, size_t errlen) {
  ogas_config c;
  int st = ogas_config_parse(text, &c, err, errlen);
  if (st == OGAS_OK) ogas_config_free(&c);
  return st == OGAS_OK;
}

/* The range cell of the key's row in docs/config.md ("" when absent). */
static void documented_range(const char *doc, const char *key, char *out, size_t len) {
  char needle[128];
  snprintf(needle, sizeof needle, "| `%s` |", key);
  out[0] = '\0';
  const char *row = strstr(doc, needle);
  if (!row) return;
  const char *p = row + 1;
  for (int cell = 0; cell < 3; cell++) p = strchr(p, '|') + 1; /* key, type, default */
  const char *end = strchr(p, '|');
  size_t n = (size_t)(end - p);
  while (n && p[n - 1] == ' ') n--;
  while (n && *p == ' ') p++, n--;
  snprintf(out, len, "%.*s", (int)n, p);
}

static void test_count_ranges(const char *doc) {
  int tested = 0;
  for (const char *row = strstr(doc, "\n| `"); row; row = strstr(row + 1, "\n| `")) {
    char key[96], type[32], range[160];
    if (sscanf(row, "\n| `%95[^`]` | %31[^ |]", key, type) != 2 || strcmp(type, "count")) continue;
    if (!strcmp(key, "nb_params") || !strcmp(key, "seed")) continue; /* below, and a string form */
    documented_range(doc, key, range, sizeof range);
    const char *r = range;
    int even = !strncmp(r, "even, ", 6);
    if (even) r += 6;
    long long lo, hi;
    char rest;
    if (sscanf(r, "%lld..%lld%c", &lo, &hi, &rest) < 2) continue; /* ">= 1" etc. */
    char extra[256], err[512], *text;
    setting(extra, sizeof extra, key, hi);
    text = config_text(2, "halton", extra);
    CHECK_MSG(parses(text, err, sizeof err), "%s = %lld (documented maximum) refused: %s", key, hi,
              err);
    free(text);
    setting(extra, sizeof extra, key, hi + (even ? 2 : 1));
    text = config_text(2, "halton", extra);
    CHECK_MSG(!parses(text, err, sizeof err) && strstr(err, key),
              "%s = %lld (above the documented "
              "%lld..%lld) accepted or not named: %s",
              key, hi + 1, lo, hi, err);
    free(text);
    setting(extra, sizeof extra, key, lo - (even ? 2 : 1));
    text = config_text(2, "halton", extra);
    CHECK_MSG(!parses(text, err, sizeof err), "%s = %lld (below the documented minimum) accepted",
              key, lo - 1);
    free(text);
    tested++;
  }
  CHECK_MSG(tested >= 5, "only %d ranges found in docs/config.md", tested);
}

static int creates(const char *text, char *err, size_t errlen) {
  ogas_breeder *b = NULL;
  ogas_status st = ogas_breeder_create(text, &b, err, errlen);
  ogas_breeder_free(b);
  return st == OGAS_OK;
}

/* The documented maxima of the two limits that creation used to enforce on
   its own (n_blocks 1024 in the docs, 32 in the model; nb_params 4096 for
   every sampler in the docs, 1111 for Halton and Sobol). */
static void test_documented_maxima_create(const char *doc) {
  char range[160], err[512], extra[256];
  long long lo, hi;
  documented_range(doc, "model.n_blocks", range, sizeof range);
  if (sscanf(range, "%lld..%lld", &lo, &hi) != 2) {
    CHECK_MSG(0, "model.n_blocks range: %s", range);
    return;
  }
  snprintf(extra, sizeof extra,
           "\"model\": {\"n_blocks\": %lld, \"model_dim\": 8, \"timesteps\": 2}, "
           "\"breeder\": {\"async_training\": false}",
           hi);
  char *text = config_text(1, "halton", extra);
  CHECK_MSG(creates(text, err, sizeof err), "model.n_blocks = %lld: %s", hi, err);
  free(text);

  documented_range(doc, "nb_params", range, sizeof range);
  long long all = 0, qmc = 0;
  int parsed = sscanf(range, "1..%lld; 1..%lld with", &all, &qmc) == 2;
  CHECK_MSG(parsed, "nb_params range: %s (no limit for halton and sobol)", range);
  if (!parsed) return;
  const char *small =
      "\"model\": {\"model_dim\": 8, \"n_blocks\": 1, \"timesteps\": 2}, "
      "\"breeder\": {\"async_training\": false, \"ratio_mlp_hidden_dim\": 1, "
      "\"min_reservoir_entries\": 2}, "
      "\"data\": {\"buffer_size\": 8, \"batch_size\": 2}";
  static const char *const every[] = {"uniform", "lhs"}, *const qmc_samplers[] = {"halton",
                                                                                  "sobol"};
  for (int i = 0; i < 2; i++) {
    text = config_text((size_t)all, every[i], small);
    CHECK_MSG(creates(text, err, sizeof err), "nb_params = %lld with %s: %s", all, every[i], err);
    free(text);
    text = config_text((size_t)qmc, qmc_samplers[i], small);
    CHECK_MSG(creates(text, err, sizeof err), "nb_params = %lld with %s: %s", qmc, qmc_samplers[i],
              err);
    free(text);
    text = config_text((size_t)qmc + 1, qmc_samplers[i], small);
    CHECK_MSG(!parses(text, err, sizeof err) && strstr(err, "non_breed_sampler"),
              "nb_params = %lld with %s: %s", qmc + 1, qmc_samplers[i], err);
    free(text);
  }
}

/* ---- restart ------------------------------------------------------------- */

/* A small breeder, and per setting a second valid value (merged over it). */
static const char *const RESTART_BASE =
    "{\"nb_params\": 2, \"l_bounds\": [0, 0], \"u_bounds\": [1, 1], \"nb_sims\": 40, \"seed\": 7, "
    "\"non_breed_sampler\": \"halton\", \"breeder\": {\"async_training\": false, "
    "\"min_reservoir_entries\": 8}, \"model\": {\"model_dim\": 16, \"n_blocks\": 1, "
    "\"timesteps\": 10}, \"data\": {\"buffer_size\": 64, \"batch_size\": 8}}";

static const struct {
  const char *key, *changed;
} SETTINGS[] = {
    {"nb_params", "{\"nb_params\": 3, \"l_bounds\": [0, 0, 0], \"u_bounds\": [1, 1, 1]}"},
    {"l_bounds", "{\"l_bounds\": [-1, 0]}"},
    {"u_bounds", "{\"u_bounds\": [1, 2]}"},
    {"nb_sims", "{\"nb_sims\": 41}"},
    {"seed", "{\"seed\": 8}"},
    {"non_breed_sampler", "{\"non_breed_sampler\": \"sobol\"}"},
    {"run_dir", NULL}, /* a folder of the test's: set below */
    {"model.model_dim", "{\"model\": {\"model_dim\": 24}}"},
    {"model.n_blocks", "{\"model\": {\"n_blocks\": 2}}"},
    {"model.timesteps", "{\"model\": {\"timesteps\": 12}}"},
    {"model.noise_schedule", "{\"model\": {\"noise_schedule\": \"linear\"}}"},
    {"model.lr", "{\"model\": {\"lr\": 0.001}}"},
    {"model.guidance_scale", "{\"model\": {\"guidance_scale\": 2}}"},
    {"model.n_train_steps_per_epoch", "{\"model\": {\"n_train_steps_per_epoch\": 5}}"},
    {"breeder.ratio_mlp_hidden_dim", "{\"breeder\": {\"ratio_mlp_hidden_dim\": 12}}"},
    {"breeder.end_breed_ratio", "{\"breeder\": {\"end_breed_ratio\": 0.5}}"},
    {"breeder.max_oob_attempts", "{\"breeder\": {\"max_oob_attempts\": 3}}"},
    {"breeder.loss_sampling_strategy",
     "{\"breeder\": {\"loss_sampling_strategy\": \"uniform_quantile\"}}"},
    {"data.buffer_size", "{\"data\": {\"buffer_size\": 90}}"},
    {"data.min_max_queue_length", "{\"data\": {\"min_max_queue_length\": 7}}"},
    {"data.ema_loss_alpha", "{\"data\": {\"ema_loss_alpha\": 0.5}}"},
    {"data.max_loss_value", "{\"data\": {\"max_loss_value\": 4}}"},
};

/* RESTART_BASE with `changed` merged over it (NULL: as it is). */
static ogas_breeder *restart_breeder(const char *changed, char *err, size_t errlen) {
  json_t *cfg = json_loads(RESTART_BASE, 0, NULL);
  json_t *over = changed ? json_loads(changed, 0, NULL) : NULL;
  if (over) json_object_update_recursive(cfg, over);
  char *text = json_dumps(cfg, JSON_COMPACT);
  ogas_breeder *b = NULL;
  if (text) ogas_breeder_create(text, &b, err, errlen);
  free(text);
  json_decref(over);
  json_decref(cfg);
  return b;
}

/* The keys between "refuses" and "Every other setting" in the restart
   section, as a JSON set. */
static json_t *documented_restart_keys(const char *doc) {
  json_t *keys = json_object();
  const char *a = strstr(doc, "## Restarting from a checkpoint");
  const char *b = a ? strstr(a, "Every other setting") : NULL;
  for (const char *p = a; p && p < b; p++) {
    if (*p != '`') continue;
    const char *q = strchr(p + 1, '`');
    if (!q || q > b) break;
    char key[96];
    snprintf(key, sizeof key, "%.*s", (int)(q - p - 1), p + 1);
    if (islower((unsigned char)key[0]) && !strchr(key, '(') && strncmp(key, "ogas_", 5))
      json_object_set_new(keys, key, json_true());
    p = q;
  }
  return keys;
}

static void test_restart_list(const char *doc) {
  json_t *listed = documented_restart_keys(doc);
  CHECK_MSG(json_object_size(listed) >= 8, "restart section lists %zu settings",
            json_object_size(listed));
  char tmp[512];
  CHECK(temp_dir_make(tmp, sizeof tmp, "docs_restart") == 0);
  char path[600], err[512];
  snprintf(path, sizeof path, "%s/base.ckpt", tmp);
  ogas_breeder *base = restart_breeder(NULL, err, sizeof err);
  CHECK_MSG(base, "%s", err);
  if (!base) return;
  CHECK(ogas_checkpoint_state(base, path) == OGAS_OK);
  ogas_breeder_free(base);
  for (size_t i = 0; i < sizeof SETTINGS / sizeof *SETTINGS; i++) {
    char run_dir[700];
    const char *changed = SETTINGS[i].changed;
    if (!changed) {
      snprintf(run_dir, sizeof run_dir, "{\"run_dir\": \"%s/run\"}", tmp);
      changed = run_dir;
    }
    ogas_breeder *b = restart_breeder(changed, err, sizeof err);
    CHECK_MSG(b != NULL, "%s: %s", SETTINGS[i].key, err);
    if (!b) continue;
    ogas_status st = ogas_restart_from_checkpoint(b, path);
    int refused = st != OGAS_OK;
    int documented = json_object_get(listed, SETTINGS[i].key) != NULL;
    CHECK_MSG(refused == documented, "%s: the docs say a restart %s it, the code %s it (%s)",
              SETTINGS[i].key, documented ? "needs the same" : "may change",
              refused ? "refuses" : "accepts", refused ? ogas_errmsg(b) : "");
    if (refused) CHECK_MSG(strstr(ogas_errmsg(b), SETTINGS[i].key), "%s", ogas_errmsg(b));
    ogas_breeder_free(b);
  }
  json_decref(listed);
  temp_dir_remove(tmp);
}

/* ---- function names -------------------------------------------------------- */

static void test_function_names(void) {
  char *header = read_text(REPO "/include/ogas.h");
  CHECK(header != NULL);
  static const char *const files[] = {DOCS "/config.md", DOCS "/checkpoint.md", DOCS "/compare.md",
                                      REPO "/README.md", REPO "/python/README.md"};
  /* ogas_* words that are not functions: types, a backend name, a file. */
  static const char *const not_functions[] = {
      "ogas_breeder",         "ogas_status",  "ogas_checkpoint", "ogas_stats",
      "ogas_generation_info", "ogas_version", "ogas_mpi"};
  int named = 0;
  for (size_t f = 0; header && f < sizeof files / sizeof *files; f++) {
    char *text = read_text(files[f]);
    CHECK_MSG(text != NULL, "cannot read %s", files[f]);
    for (char *p = text; p && (p = strstr(p, "ogas_")); p++) {
      if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
      char name[96];
      size_t n = 0;
      while (n + 1 < sizeof name &&
             (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) || p[n] == '_'))
        name[n] = p[n], n++;
      name[n] = '\0';
      int skip = 0;
      for (size_t k = 0; k < sizeof not_functions / sizeof *not_functions; k++)
        skip |= !strcmp(name, not_functions[k]);
      if (skip) continue;
      char decl[128];
      snprintf(decl, sizeof decl, "%s(", name);
      int declared = 0;
      for (const char *h = strstr(header, decl); h && !declared; h = strstr(h + 1, decl))
        declared = h > header && (h[-1] == ' ' || h[-1] == '*');
      CHECK_MSG(declared, "%s names %s, which include/ogas.h does not declare", files[f], name);
      named++;
    }
    free(text);
  }
  CHECK_MSG(named >= 10, "only %d function names found", named);
  free(header);
}

int main(void) {
  char *doc = read_text(DOCS "/config.md");
  CHECK_MSG(doc != NULL, "cannot read docs/config.md");
  if (doc) {
    test_count_ranges(doc);
    test_documented_maxima_create(doc);
    test_restart_list(doc);
  }
  test_function_names();
  free(doc);
  return check_exit("test_docs");
}
