/* config_read — JSON text (either layout) into an ogas_config.
 *
 * Every value is checked as it is read, against its row of the settings table
 * (config_fields), and the whole config against the rules across keys
 * (config_check) once every key has been seen. An unknown key is an error
 * naming its likely meaning ("did you mean"); in the Melissa layout, keys
 * that resemble no ogas key are recorded as ignored instead (parse_melissa). */
#include "breeder/config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "breeder/config_check.h"
#include "breeder/config_fields.h"
#include "ogas.h"
#include "util/relaxed_json.h"
#include "util/suggest.h"

/* How far a key may be from a valid one and still count as its typo.
   Strict levels only use this to decide whether to suggest; lenient levels
   (Melissa files, full of keys ogas does not know) also use it to decide
   between "error" and "ignore", so they demand a closer match. */
static size_t typo_threshold(const char *candidate, bool lenient) {
  size_t n = strlen(candidate);
  if (lenient) return n <= 5 ? 1 : (n <= 12 ? 2 : 3);
  return n <= 3 ? 1 : (n <= 6 ? 2 : 3);
}

static const char *json_kind_name(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT:
      return "an object";
    case JSON_ARRAY:
      return "an array";
    case JSON_STRING:
      return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
      return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
      return "a boolean";
    case JSON_NULL:
      return "null";
  }
  return "something else";
}

typedef struct {
  config_ctx ctx; /* messages, and the key paths of the current layout */
  ogas_config *cfg;
  /* Borrowed from the JSON tree; read once every key has been seen. */
  json_t *nb_params, *l_bounds, *u_bounds, *names;
  bool have_nb_sims, have_sampler;
} parser;

static int fail(parser *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = config_vfail(&p->ctx, fmt, ap);
  va_end(ap);
  return rc;
}

static int out_of_memory(parser *p) { return config_out_of_memory(&p->ctx); }

static void join_path(char *out, size_t n, const char *prefix, const char *key) {
  snprintf(out, n, "%s%s", prefix, key);
}

static int record_ignored(parser *p, const char *path) {
  ogas_config *c = p->cfg;
  char **grown = realloc(c->ignored, (c->n_ignored + 1) * sizeof *grown);
  if (!grown) return out_of_memory(p);
  c->ignored = grown;
  if (!(c->ignored[c->n_ignored] = config_dup_string(path))) return out_of_memory(p);
  c->n_ignored++;
  return OGAS_OK;
}

/* An integer, or a real that is integral ("4.0"). */
static int read_int(parser *p, const field_spec *f, const char *path, json_t *v, int64_t *out) {
  if (json_is_integer(v)) {
    *out = (int64_t)json_integer_value(v);
    return config_check_int(&p->ctx, f, path, *out);
  }
  if (json_is_real(v)) {
    double x = json_real_value(v);
    /* 2^63 is exactly representable; anything at or above it is no int64. */
    if (x == floor(x) && fabs(x) < 9223372036854775808.0) {
      *out = (int64_t)x;
      return config_check_int(&p->ctx, f, path, *out);
    }
    char got[40];
    config_format_number(x, got);
    return config_range_error(&p->ctx, f, path, got, fabs(x) >= 9223372036854775808.0);
  }
  return fail(p, "%s: expected an integer, got %s", path, json_kind_name(v));
}

static int read_real(parser *p, const field_spec *f, const char *path, json_t *v, double *out) {
  if (!json_is_number(v)) return fail(p, "%s: expected a number, got %s", path, json_kind_name(v));
  *out = json_number_value(v);
  return config_check_real(&p->ctx, f, path, *out);
}

static int read_bool(parser *p, const char *path, json_t *v, bool *out) {
  if (!json_is_boolean(v))
    return fail(p, "%s: expected a boolean, got %s", path, json_kind_name(v));
  *out = json_is_true(v);
  return OGAS_OK;
}

/* '"a", "b", "c"' */
static void list_choices(const char *const *choices, char *out, size_t n) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; choices[i] && used < n; i++) {
    int k = snprintf(out + used, n - used, "%s\"%s\"", i ? ", " : "", choices[i]);
    if (k < 0) break;
    used += (size_t)k;
  }
}

static int enum_error(parser *p, const char *path, const char *const *choices, json_t *v) {
  char list[256];
  list_choices(choices, list, sizeof list);
  if (!json_is_string(v))
    return fail(p, "%s: expected one of %s, got %s", path, list, json_kind_name(v));
  const char *got = json_string_value(v);
  suggestion guess;
  suggest_init(&guess, got, true);
  for (size_t i = 0; choices[i]; i++)
    suggest_consider(&guess, choices[i], typo_threshold(choices[i], false));
  const char *best = guess.best;
  if (best)
    return fail(p, "%s: expected one of %s, got \"%.80s\" (did you mean \"%s\"?)", path, list, got,
                best);
  return fail(p, "%s: expected one of %s, got \"%.80s\"", path, list, got);
}

static int read_enum(parser *p, const char *path, const char *const *choices, json_t *v, int *out) {
  if (json_is_string(v)) {
    for (int i = 0; choices[i]; i++)
      if (strcmp(json_string_value(v), choices[i]) == 0) {
        *out = i;
        return OGAS_OK;
      }
  }
  return enum_error(p, path, choices, v);
}

static int read_field(parser *p, const field_spec *f, const char *path, json_t *v) {
  void *dst = field_ptr(p->cfg, f);
  int rc;
  switch (f->kind) {
    case KIND_INT: {
      int64_t x = 0;
      if ((rc = read_int(p, f, path, v, &x))) return rc;
      memcpy(dst, &x, sizeof x);
      return OGAS_OK;
    }
    case KIND_REAL: {
      double x = 0;
      if ((rc = read_real(p, f, path, v, &x))) return rc;
      memcpy(dst, &x, sizeof x);
      return OGAS_OK;
    }
    case KIND_BOOL: {
      bool x = false;
      if ((rc = read_bool(p, path, v, &x))) return rc;
      memcpy(dst, &x, sizeof x);
      return OGAS_OK;
    }
    case KIND_ENUM: {
      int x = 0;
      if ((rc = read_enum(p, path, f->choices, v, &x))) return rc;
      memcpy(dst, &x, sizeof x);
      return OGAS_OK;
    }
  }
  return OGAS_EINVAL;
}

/* The path where `key` belongs in the current layout, or NULL. */
static const char *home_of(const parser *p, const char *key, char *buf, size_t n) {
  bool melissa = p->ctx.layout == OGAS_CFG_LAYOUT_MELISSA;
  for (size_t i = 0; i < config_n_study_homes; i++)
    if (strcmp(config_study_homes[i].key, key) == 0) {
      const char *home = melissa ? config_study_homes[i].melissa : config_study_homes[i].native;
      if (home) return home;
    }
  for (size_t i = 0; i < config_n_fields; i++)
    if (config_fields[i].section && strcmp(config_fields[i].name, key) == 0) {
      snprintf(buf, n, "%s%s.%s", melissa ? BP : "", config_fields[i].section, key);
      return buf;
    }
  return NULL;
}

/* The home of the known key closest to `key` (within the typo threshold). */
static const char *closest_anywhere(const parser *p, const char *key, bool lenient, char *buf,
                                    size_t n) {
  suggestion guess;
  suggest_init(&guess, key, true);
  for (size_t i = 0; i < config_n_study_homes + config_n_fields; i++) {
    const char *cand = i < config_n_study_homes ? config_study_homes[i].key
                                                : config_fields[i - config_n_study_homes].name;
    suggest_consider(&guess, cand, typo_threshold(cand, lenient));
  }
  return guess.best ? home_of(p, guess.best, buf, n) : NULL;
}

/* The keys valid at one level, for same-level suggestions. */
typedef struct {
  const char *keys[64];
  size_t n;
} key_list;

static void add_key(key_list *l, const char *k) {
  if (l->n < sizeof l->keys / sizeof l->keys[0]) l->keys[l->n++] = k;
}

static void add_section_keys(key_list *l, const char *section) {
  for (size_t i = 0; i < config_n_fields; i++) {
    bool same = section
                    ? (config_fields[i].section && strcmp(config_fields[i].section, section) == 0)
                    : !config_fields[i].section;
    if (same) add_key(l, config_fields[i].name);
  }
}

typedef enum { STRICT, LENIENT } key_policy;

/* A key not valid at this level: an error naming the best guess, or (lenient
   levels, nothing close) a recorded ignored key. `level_path` is the prefix
   of keys at this level ("", "model.", "study_options.", ...), and
   `below_breed_params` the part of it below breed_params (the native root
   plays that role in the native layout; NULL: Melissa's own objects), used
   to recognise keys of the reference breeder that ogas leaves out. */
static int unknown_key(parser *p, const char *level_path, const char *key, const key_list *valid,
                       key_policy policy, const char *below_breed_params) {
  char path[512], home_buf[256];
  join_path(path, sizeof path, level_path, key);
  bool lenient = policy == LENIENT;

  bool reference_only = false;
  if (below_breed_params) {
    char rel[256];
    join_path(rel, sizeof rel, below_breed_params, key);
    for (size_t i = 0; i < config_n_reference_only; i++)
      if (strcmp(rel, config_reference_only_keys[i]) == 0) reference_only = true;
  }
  if (reference_only) {
    if (lenient) return record_ignored(p, path);
    return fail(p, "unknown key '%s' (a key of the reference breeder that ogas does not use)",
                path);
  }

  const char *home = home_of(p, key, home_buf, sizeof home_buf);
  if (home && strcmp(home, path) != 0)
    return fail(p, "unknown key '%s' (did you mean '%s'?)", path, home);

  suggestion guess;
  suggest_init(&guess, key, true);
  for (size_t i = 0; i < valid->n; i++)
    suggest_consider(&guess, valid->keys[i], typo_threshold(valid->keys[i], lenient));
  if (guess.best)
    return fail(p, "unknown key '%s' (did you mean '%s%s'?)", path, level_path, guess.best);

  /* Elsewhere in the ogas keys: only where ogas settings live, since a
     Melissa file's own keys may resemble ours by chance. */
  if (!lenient || below_breed_params) {
    const char *near = closest_anywhere(p, key, lenient, home_buf, sizeof home_buf);
    if (near) return fail(p, "unknown key '%s' (did you mean '%s'?)", path, near);
  }
  if (lenient) return record_ignored(p, path);
  return fail(p, "unknown key '%s'", path);
}

/* ------------------------------------------------------------------ */
/* Sections and study keys                                             */

/* breeder / model / data: every key is a table field. */
static int parse_section(parser *p, const char *section, json_t *obj, const char *path,
                         key_policy policy, const char *below_breed_params) {
  if (!json_is_object(obj))
    return fail(p, "%s: expected an object, got %s", path, json_kind_name(obj));
  char prefix[256], rel[256];
  join_path(prefix, sizeof prefix, path, ".");
  if (below_breed_params) join_path(rel, sizeof rel, section, ".");
  key_list valid = {.n = 0};
  add_section_keys(&valid, section);
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    const field_spec *f = config_find_field(section, key);
    int rc;
    if (f) {
      char kpath[512];
      join_path(kpath, sizeof kpath, prefix, key);
      rc = read_field(p, f, kpath, v);
    } else {
      rc = unknown_key(p, prefix, key, &valid, policy, below_breed_params ? rel : NULL);
    }
    if (rc) return rc;
  }
  return OGAS_OK;
}

/* Seed: 0..2^64-1 as a JSON integer (up to 2^63-1, jansson's limit), an
   integral real, or a string of decimal digits for the whole range. */
static int read_seed(parser *p, const char *path, json_t *v) {
  const char *want = "an integer in 0..18446744073709551615 (or a string of decimal digits)";
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    if (x < 0) return fail(p, "%s: expected %s, got %" JSON_INTEGER_FORMAT, path, want, x);
    p->cfg->seed = (uint64_t)x;
    return OGAS_OK;
  }
  if (json_is_real(v)) {
    double x = json_real_value(v);
    if (x != floor(x) || x < 0 || x >= 18446744073709551616.0) {
      char got[40];
      config_format_number(x, got);
      return fail(p, "%s: expected %s, got %s", path, want, got);
    }
    p->cfg->seed = (uint64_t)x;
    return OGAS_OK;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    uint64_t x = 0;
    bool ok = *s != '\0';
    for (const char *c = s; *c && ok; c++) {
      unsigned digit = (unsigned)(*c - '0');
      if (digit > 9 || x > (UINT64_MAX - digit) / 10)
        ok = false;
      else
        x = x * 10 + digit;
    }
    if (!ok) return fail(p, "%s: expected %s, got \"%.40s\"", path, want, s);
    p->cfg->seed = x;
    return OGAS_OK;
  }
  return fail(p, "%s: expected %s, got %s", path, want, json_kind_name(v));
}

static int read_run_dir(parser *p, const char *path, json_t *v) {
  if (json_is_null(v)) return OGAS_OK;
  if (!json_is_string(v) || json_string_length(v) == 0)
    return fail(p, "%s: expected a non-empty string (or null), got %s", path,
                json_is_string(v) ? "\"\"" : json_kind_name(v));
  free(p->cfg->run_dir);
  if (!(p->cfg->run_dir = config_dup_string(json_string_value(v)))) return out_of_memory(p);
  return OGAS_OK;
}

/* The reference's DefaultBreeder spells the non-breed sampler
   "random" / "LHS" / "HALTON" / "SOBOL"; accept it in the Melissa layout. */
static int read_reference_sampler(parser *p, const char *path, json_t *v) {
  static const char *const reference_names[] = {"random", "LHS", "HALTON", "SOBOL", NULL};
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    for (int i = 0; reference_names[i]; i++)
      if (strcasecmp(s, reference_names[i]) == 0 || strcasecmp(s, config_sampler_names[i]) == 0) {
        p->cfg->non_breed_sampler = (ogas_cfg_sampler)i;
        return OGAS_OK;
      }
  }
  return enum_error(p, path, reference_names, v);
}

/* Returned by parse_study_key for a key it does not handle (statuses are
   >= 0). */
#define NOT_MINE (-1)

/* Keys describing the study outside the sections. Returns NOT_MINE when
   `key` is not one of them. `path` is the key's full path. */
static int parse_study_key(parser *p, const char *key, json_t *v, const char *path) {
  const field_spec *f = config_find_field(NULL, key);
  if (strcmp(key, "non_breed_sampler") == 0 || strcmp(key, "non_breed_sampling_strategy") == 0) {
    /* Checked for both spellings so that giving both is an error, not a race. */
    if (p->have_sampler)
      return fail(p, "%s: the non-breed sampler is already set by another key", path);
    p->have_sampler = true;
    if (strcmp(key, "non_breed_sampling_strategy") == 0) return read_reference_sampler(p, path, v);
    return read_field(p, f, path, v);
  }
  if (f) {
    if (f == config_find_field(NULL, "nb_sims")) p->have_nb_sims = true;
    return read_field(p, f, path, v);
  }
  if (strcmp(key, "seed") == 0) return read_seed(p, path, v);
  if (strcmp(key, "run_dir") == 0) return read_run_dir(p, path, v);
  if (strcmp(key, "nb_params") == 0) return p->nb_params = v, OGAS_OK;
  if (strcmp(key, "l_bounds") == 0) return p->l_bounds = v, OGAS_OK;
  if (strcmp(key, "u_bounds") == 0) return p->u_bounds = v, OGAS_OK;
  if (strcmp(key, "parameter_names") == 0) return p->names = v, OGAS_OK;
  return NOT_MINE;
}

/* Bounds and names, once nb_params is known. */
static int read_bounds(parser *p, json_t *arr, const char *name, double **out) {
  char path[128];
  join_path(path, sizeof path, p->ctx.study_prefix, name);
  if (!arr) return fail(p, "missing required key '%s'", path);
  if (!json_is_array(arr))
    return fail(p, "%s: expected an array, got %s", path, json_kind_name(arr));
  size_t d = p->cfg->nb_params;
  if (json_array_size(arr) != d)
    return fail(p, "%s has %zu entries but %s is %zu", path, json_array_size(arr),
                p->ctx.nb_params_path, d);
  double *x = malloc(d * sizeof *x);
  if (!x) return out_of_memory(p);
  for (size_t i = 0; i < d; i++) {
    json_t *e = json_array_get(arr, i);
    if (!json_is_number(e)) {
      free(x);
      if (json_is_string(e))
        return fail(p,
                    "%s[%zu]: expected a number, got a string (\"%.40s\"; ogas does not "
                    "evaluate expressions)",
                    path, i, json_string_value(e));
      return fail(p, "%s[%zu]: expected a number, got %s", path, i, json_kind_name(e));
    }
    x[i] = json_number_value(e);
  }
  *out = x;
  return OGAS_OK;
}

static int read_names(parser *p) {
  char path[128];
  join_path(path, sizeof path, p->ctx.layout == OGAS_CFG_LAYOUT_MELISSA ? BP : "",
            "parameter_names");
  size_t d = p->cfg->nb_params;
  json_t *arr = p->names;
  if (arr && !json_is_array(arr))
    return fail(p, "%s: expected an array of strings, got %s", path, json_kind_name(arr));
  if (arr && json_array_size(arr) != d)
    return fail(p, "%s has %zu entries but %s is %zu", path, json_array_size(arr),
                p->ctx.nb_params_path, d);
  char **names = calloc(d, sizeof *names);
  if (!names) return out_of_memory(p);
  p->cfg->parameter_names = names; /* freed with the config on any error */
  for (size_t i = 0; i < d; i++) {
    if (arr) {
      json_t *e = json_array_get(arr, i);
      if (!json_is_string(e))
        return fail(p, "%s[%zu]: expected a string, got %s", path, i, json_kind_name(e));
      names[i] = config_dup_string(json_string_value(e));
    } else {
      char def[24];
      snprintf(def, sizeof def, "p%zu", i);
      names[i] = config_dup_string(def);
    }
    if (!names[i]) return out_of_memory(p);
  }
  return OGAS_OK;
}

static int read_study_arrays(parser *p) {
  int rc;
  if (p->nb_params) {
    int64_t d = 0;
    if ((rc = read_int(p, &config_nb_params_spec, p->ctx.nb_params_path, p->nb_params, &d)))
      return rc;
    p->cfg->nb_params = (size_t)d;
  } else if (p->ctx.layout == OGAS_CFG_LAYOUT_MELISSA) {
    /* Melissa servers may derive nb_parameters from the bounds. */
    if (!p->l_bounds) return fail(p, "missing required key 'study_options.l_bounds'");
    if (!json_is_array(p->l_bounds))
      return fail(p, "study_options.l_bounds: expected an array, got %s",
                  json_kind_name(p->l_bounds));
    size_t d = json_array_size(p->l_bounds);
    if (d < 1 || d > MAX_NB_PARAMS)
      return fail(p, "%sl_bounds: expected 1..%d entries, got %zu", p->ctx.study_prefix,
                  MAX_NB_PARAMS, d);
    p->cfg->nb_params = d;
  } else {
    return fail(p, "missing required key '%s'", p->ctx.nb_params_path);
  }
  if ((rc = read_bounds(p, p->l_bounds, "l_bounds", &p->cfg->l_bounds))) return rc;
  if ((rc = read_bounds(p, p->u_bounds, "u_bounds", &p->cfg->u_bounds))) return rc;
  if ((rc = read_names(p))) return rc;
  if (!p->have_nb_sims) return fail(p, "missing required key '%s'", p->ctx.nb_sims_path);
  return OGAS_OK;
}

static int parse_native(parser *p, json_t *root) {
  key_list valid = {.n = 0};
  add_section_keys(&valid, NULL);
  static const char *const study_keys[] = {"nb_params",       "l_bounds", "u_bounds",
                                           "parameter_names", "seed",     "run_dir"};
  for (size_t i = 0; i < sizeof study_keys / sizeof study_keys[0]; i++)
    add_key(&valid, study_keys[i]);
  for (size_t i = 0; i < CONFIG_N_SECTIONS; i++) add_key(&valid, config_sections[i]);

  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    int rc = NOT_MINE;
    for (size_t i = 0; i < CONFIG_N_SECTIONS && rc == NOT_MINE; i++)
      if (strcmp(key, config_sections[i]) == 0) rc = parse_section(p, key, v, key, STRICT, "");
    if (rc == NOT_MINE && strcmp(key, "non_breed_sampling_strategy") != 0)
      rc = parse_study_key(p, key, v, key);
    if (rc == NOT_MINE) rc = unknown_key(p, "", key, &valid, STRICT, "");
    if (rc) return rc;
  }
  return read_study_arrays(p);
}

/* study_options: Melissa's study description. Keys ogas does not use
   (field_names, nb_time_steps, simulation_timeout, ...) are recorded. */
static int parse_study_options(parser *p, json_t *obj) {
  if (!json_is_object(obj))
    return fail(p, "study_options: expected an object, got %s", json_kind_name(obj));
  key_list valid = {
      .keys = {"parameter_sweep_size", "nb_parameters", "l_bounds", "u_bounds", "seed"}, .n = 5};
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    char path[512];
    join_path(path, sizeof path, "study_options.", key);
    int rc;
    if (strcmp(key, "parameter_sweep_size") == 0)
      rc = parse_study_key(p, "nb_sims", v, path);
    else if (strcmp(key, "nb_parameters") == 0)
      rc = parse_study_key(p, "nb_params", v, path);
    else if (strcmp(key, "l_bounds") == 0 || strcmp(key, "u_bounds") == 0 ||
             strcmp(key, "seed") == 0)
      rc = parse_study_key(p, key, v, path);
    else
      rc = unknown_key(p, "study_options.", key, &valid, LENIENT, NULL);
    if (rc) return rc;
  }
  return OGAS_OK;
}

/* breed_params: the keyword arguments Melissa passes to the breeder. */
static int parse_breed_params(parser *p, json_t *obj) {
  if (!json_is_object(obj))
    return fail(p, "active_sampling_config.breed_params: expected an object, got %s",
                json_kind_name(obj));
  key_list valid = {
      .keys = {"breeder", "model", "data", "non_breed_sampler", "non_breed_sampling_strategy",
               "parameter_names", "run_dir", "verbose"},
      .n = 8};
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    char path[512];
    join_path(path, sizeof path, BP, key);
    int rc = NOT_MINE;
    for (size_t i = 0; i < CONFIG_N_SECTIONS && rc == NOT_MINE; i++)
      if (strcmp(key, config_sections[i]) == 0) rc = parse_section(p, key, v, path, LENIENT, "");
    bool study_key = false;
    for (size_t i = 0; i < valid.n; i++) study_key |= strcmp(key, valid.keys[i]) == 0;
    if (rc == NOT_MINE && study_key) rc = parse_study_key(p, key, v, path);
    if (rc == NOT_MINE) rc = unknown_key(p, BP, key, &valid, LENIENT, "");
    if (rc) return rc;
  }
  return OGAS_OK;
}

static int parse_active_sampling(parser *p, json_t *obj) {
  if (!json_is_object(obj))
    return fail(p, "active_sampling_config: expected an object, got %s", json_kind_name(obj));
  key_list valid = {.keys = {"breeder_backend", "breed_params"}, .n = 2};
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    int rc;
    if (strcmp(key, "breeder_backend") == 0) {
      /* The reference server spells it "ogas_breeder"; other backends come
         with settings for another breeder, which ogas would misread. */
      static const char *const backends[] = {"ogas", "ogas_breeder", NULL};
      int which = 0;
      rc = read_enum(p, "active_sampling_config.breeder_backend", backends, v, &which);
    } else if (strcmp(key, "breed_params") == 0) {
      rc = parse_breed_params(p, v);
    } else {
      rc = unknown_key(p, "active_sampling_config.", key, &valid, LENIENT, NULL);
    }
    if (rc) return rc;
  }
  return OGAS_OK;
}

static int parse_melissa(parser *p, json_t *root) {
  key_list valid = {.keys = {"study_options", "active_sampling_config"}, .n = 2};
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    int rc;
    if (strcmp(key, "study_options") == 0)
      rc = parse_study_options(p, v);
    else if (strcmp(key, "active_sampling_config") == 0)
      rc = parse_active_sampling(p, v);
    else
      rc = unknown_key(p, "", key, &valid, LENIENT, NULL);
    if (rc) return rc;
  }
  if (!json_object_get(root, "study_options"))
    return fail(p, "missing required key 'study_options' (it gives the bounds and budget)");
  return read_study_arrays(p);
}

static void init_parser(parser *p, ogas_config *c, ogas_cfg_layout layout, char *err,
                        size_t errlen) {
  memset(p, 0, sizeof *p);
  config_ctx_init(&p->ctx, layout, err, errlen);
  p->cfg = c;
}

static int parse_tree(json_t *root, ogas_config *c, char *err, size_t errlen) {
  bool melissa =
      json_object_get(root, "study_options") || json_object_get(root, "active_sampling_config");
  parser p;
  init_parser(&p, c, melissa ? OGAS_CFG_LAYOUT_MELISSA : OGAS_CFG_LAYOUT_NATIVE, err, errlen);
  c->layout = p.ctx.layout;
  int rc = melissa ? parse_melissa(&p, root) : parse_native(&p, root);
  if (!rc) rc = config_check_whole(&p.ctx, c);
  return rc;
}

int ogas_config_parse(const char *json_text, ogas_config *out, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  ogas_config_defaults(out);
  parser p;
  init_parser(&p, out, OGAS_CFG_LAYOUT_NATIVE, err, errlen);
  if (!json_text) return fail(&p, "no JSON text given");
  /* The same bound as for a file: jansson's tree of a text this size takes
     several times its bytes. */
  if (strnlen(json_text, (size_t)MAX_FILE_BYTES + 1) > MAX_FILE_BYTES)
    return fail(&p, "the text is larger than %u MiB", MAX_FILE_BYTES >> 20);

  char *strict = NULL;
  int line = 0, col = 0;
  int s = relaxed_json_strip(json_text, &strict, &line, &col);
  if (s < 0) return out_of_memory(&p);
  if (s > 0) return fail(&p, "line %d, column %d: unterminated /* comment", line, col);

  json_error_t jerr;
  json_t *root = json_loads(strict, JSON_REJECT_DUPLICATES, &jerr);
  /* jansson reports some allocation failures as syntax errors (a key it
     could not copy reads as "string expected") or with no message at all;
     a failure that a second attempt does not reproduce was one of those. */
  if (!root && json_error_code(&jerr) != json_error_out_of_memory)
    root = json_loads(strict, JSON_REJECT_DUPLICATES, &jerr);
  free(strict);
  if (!root) {
    if (jerr.text[0] == '\0') return out_of_memory(&p);
    switch (json_error_code(&jerr)) {
      case json_error_out_of_memory:
        return out_of_memory(&p);
      case json_error_duplicate_key:
        return fail(&p, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
      case json_error_numeric_overflow:
        return fail(&p,
                    "line %d, column %d: number out of range (integers must fit in 64 bits, "
                    "reals in a double): %s",
                    jerr.line, jerr.column, jerr.text);
      default:
        return fail(&p, "line %d, column %d: JSON syntax error: %s", jerr.line, jerr.column,
                    jerr.text);
    }
  }
  if (!json_is_object(root)) {
    int rc = fail(&p, "expected a JSON object at the top level, got %s", json_kind_name(root));
    json_decref(root);
    return rc;
  }
  ogas_config tmp;
  ogas_config_defaults(&tmp);
  int rc = parse_tree(root, &tmp, err, errlen);
  json_decref(root);
  if (rc) {
    ogas_config_free(&tmp);
    return rc;
  }
  *out = tmp;
  return OGAS_OK;
}

int ogas_config_load_file(const char *path, ogas_config *out, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  ogas_config_defaults(out);
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err && errlen) snprintf(err, errlen, "config: cannot read '%s': %s", path, strerror(errno));
    return OGAS_EIO;
  }
  size_t cap = 4096, len = 0;
  int read_errno = 0;
  char *text = malloc(cap);
  int rc = text ? OGAS_OK : OGAS_ENOMEM;
  while (rc == OGAS_OK) {
    if (len + 1 >= cap) {
      char *grown = cap >= MAX_FILE_BYTES ? NULL : realloc(text, cap * 2);
      if (!grown) {
        rc = cap >= MAX_FILE_BYTES ? OGAS_EINVAL : OGAS_ENOMEM;
        break;
      }
      text = grown, cap *= 2;
    }
    size_t got = fread(text + len, 1, cap - 1 - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) rc = OGAS_EIO, read_errno = errno;
      break;
    }
  }
  fclose(f);
  if (rc) {
    free(text);
    if (err && errlen) {
      if (rc == OGAS_EIO)
        snprintf(err, errlen, "config: cannot read '%s': %s", path, strerror(read_errno));
      else if (rc == OGAS_EINVAL)
        snprintf(err, errlen, "config: '%s' is larger than %u MiB", path, MAX_FILE_BYTES >> 20);
      else
        snprintf(err, errlen, "config: out of memory reading '%s'", path);
    }
    return rc;
  }
  text[len] = '\0';
  if (memchr(text, '\0', len)) {
    free(text);
    if (err && errlen)
      snprintf(err, errlen, "config: '%s' contains a NUL byte (not a JSON text file?)", path);
    return OGAS_EINVAL;
  }
  rc = ogas_config_parse(text, out, err, errlen);
  free(text);
  if (rc && err && errlen) {
    /* Name the file: "<path>: config: ..." */
    size_t plen = strlen(path) + 2, mlen = strlen(err);
    if (plen + mlen < errlen) {
      memmove(err + plen, err, mlen + 1);
      memcpy(err, path, plen - 2);
      memcpy(err + plen - 2, ": ", 2);
    }
  }
  return rc;
}
