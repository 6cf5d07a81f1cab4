/* config — parse, check, copy and serialise the breeder settings.
 *
 * One table (FIELDS) lists every scalar setting with its section, type,
 * default and range; defaults, parsing, validation, equality and to_json all
 * walk it, so a new key is one line here plus one row in docs/config.md.
 * The study description (nb_params, bounds, names, seed, run_dir) has
 * arrays and cross-key rules, so it is handled by hand.
 *
 * The Melissa study layout maps onto the same struct; see parse_melissa. */
#include "breeder/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "breeder/space_filling.h"
#include "ddpm/denoiser.h"
#include "ogas.h"

/* Enums are written through their offset as plain ints. */
_Static_assert(sizeof(ogas_cfg_sampler) == sizeof(int), "enum size");
_Static_assert(sizeof(ogas_cfg_loss_sampling) == sizeof(int), "enum size");
_Static_assert(sizeof(ogas_cfg_schedule) == sizeof(int), "enum size");
_Static_assert(sizeof(ogas_cfg_ddpm_sampler) == sizeof(int), "enum size");

#define MAX_NB_PARAMS 4096
/* Generic cap for counts: keeps every downstream int arithmetic safe. */
#define CAP_COUNT INT64_C(2147483647)
/* Configs are small; refusing huge files keeps a typo'd path to a data file
   from eating memory. */
#define MAX_FILE_BYTES (64u << 20)

/* ------------------------------------------------------------------ */
/* The settings table                                                  */

typedef enum { KIND_INT, KIND_REAL, KIND_BOOL, KIND_ENUM } value_kind;
typedef enum { BOUND_NONE = 0, BOUND_CLOSED, BOUND_OPEN } bound_kind;

typedef struct {
  const char *section; /* NULL: top level */
  const char *name;
  size_t offset;       /* into ogas_config */
  value_kind kind;
  double def;          /* default (ints and enum indices are exact) */
  int64_t ilo, ihi;    /* KIND_INT: inclusive range */
  bool even;           /* KIND_INT: must be even */
  double lo, hi;       /* KIND_REAL */
  bound_kind lo_kind, hi_kind;
  const char *const *choices; /* KIND_ENUM, NULL-terminated */
} field_spec;

static const char *const SAMPLER_NAMES[] = {"uniform", "lhs", "halton", "sobol", NULL};
static const char *const LOSS_SAMPLING_NAMES[] = {"proportional", "uniform_quantile", NULL};
static const char *const SCHEDULE_NAMES[] = {"cosine", "linear", NULL};
static const char *const DDPM_SAMPLER_NAMES[] = {"ddpm", "ddim", NULL};

#define TOP(key) NULL, #key, offsetof(ogas_config, key)
#define BREEDER(key) "breeder", #key, offsetof(ogas_config, breeder.key)
#define MODEL(key) "model", #key, offsetof(ogas_config, model.key)
#define DATA(key) "data", #key, offsetof(ogas_config, data.key)
/* Range shorthands. */
#define INT_MIN_(a) .ilo = (a), .ihi = CAP_COUNT
#define INT_IN(a, b) .ilo = (a), .ihi = (b)
#define GE(a) .lo = (a), .lo_kind = BOUND_CLOSED
#define GT(a) .lo = (a), .lo_kind = BOUND_OPEN
#define LE(b) .hi = (b), .hi_kind = BOUND_CLOSED
#define LT(b) .hi = (b), .hi_kind = BOUND_OPEN

static const field_spec FIELDS[] = {
    {TOP(nb_sims), KIND_INT, .def = 0, INT_MIN_(1)}, /* required: no default */
    {TOP(non_breed_sampler), KIND_ENUM, .def = OGAS_CFG_SAMPLER_HALTON, .choices = SAMPLER_NAMES},
    {TOP(verbose), KIND_BOOL, .def = 0},

    {BREEDER(start_breed_ratio), KIND_REAL, .def = 0.0, GE(0), LE(1)},
    {BREEDER(end_breed_ratio), KIND_REAL, .def = 0.7, GE(0), LE(1)},
    {BREEDER(breakpoint), KIND_INT, .def = 4, INT_MIN_(1)},
    {BREEDER(loss_sampling_strategy), KIND_ENUM, .def = OGAS_CFG_LOSS_UNIFORM_QUANTILE,
     .choices = LOSS_SAMPLING_NAMES},
    {BREEDER(loss_sampling_alpha), KIND_REAL, .def = 1.0, GE(0)},
    {BREEDER(loss_sampling_quantile), KIND_REAL, .def = 0.9, GE(0), LT(1)},
    {BREEDER(learn_sampling_ratio), KIND_BOOL, .def = 0},
    {BREEDER(train_only_with_non_breed_samples), KIND_BOOL, .def = 0},
    {BREEDER(resample_oob), KIND_BOOL, .def = 1},
    {BREEDER(max_oob_attempts), KIND_INT, .def = 10, INT_MIN_(0)},
    {BREEDER(ratio_mlp_hidden_dim), KIND_INT, .def = 64, INT_IN(1, 65536)},
    {BREEDER(ratio_mlp_lr), KIND_REAL, .def = 1e-3, GT(0)},
    {BREEDER(ratio_mlp_weight_decay), KIND_REAL, .def = 0.01, GE(0)},
    {BREEDER(ratio_mlp_label_smoothing), KIND_REAL, .def = 0.0, GE(0), LT(0.5)},
    {BREEDER(ratio_weight_min), KIND_REAL, .def = 0.1, GT(0)},
    {BREEDER(ratio_weight_max), KIND_REAL, .def = 10.0, GT(0)},
    {BREEDER(max_mlp_steps_per_collect), KIND_INT, .def = 0, INT_MIN_(0)},
    {BREEDER(max_epoch_per_epoch), KIND_INT, .def = 2, INT_IN(1, 64)},
    {BREEDER(async_training), KIND_BOOL, .def = 1},
    {BREEDER(activate_breed), KIND_BOOL, .def = 1},
    {BREEDER(min_reservoir_entries), KIND_INT, .def = 128, INT_MIN_(1)},
    {BREEDER(min_train_steps), KIND_INT, .def = 100, INT_MIN_(0)},
    {BREEDER(trust_min_z), KIND_REAL, .def = 2.0, GE(0)},
    {BREEDER(trust_probe_share), KIND_REAL, .def = 0.25, GE(0), LE(1)},

    {MODEL(model_dim), KIND_INT, .def = 128, INT_IN(8, 65536), .even = true},
    {MODEL(n_blocks), KIND_INT, .def = 2, INT_IN(1, DENOISER_MAX_BLOCKS)},
    {MODEL(timesteps), KIND_INT, .def = 50, INT_IN(2, 10000)},
    {MODEL(noise_schedule), KIND_ENUM, .def = OGAS_CFG_SCHEDULE_COSINE, .choices = SCHEDULE_NAMES},
    {MODEL(beta_start), KIND_REAL, .def = 1e-4, GT(0), LT(1)},
    {MODEL(beta_end), KIND_REAL, .def = 0.02, GT(0), LT(1)},
    {MODEL(lr), KIND_REAL, .def = 1e-3, GT(0)},
    {MODEL(weight_decay), KIND_REAL, .def = 0.0, GE(0)},
    {MODEL(adam_beta1), KIND_REAL, .def = 0.9, GE(0), LT(1)},
    {MODEL(adam_beta2), KIND_REAL, .def = 0.999, GE(0), LT(1)},
    {MODEL(grad_clip), KIND_REAL, .def = 1.0, GT(0)},
    {MODEL(ema_decay), KIND_REAL, .def = 0.999, GE(0), LT(1)},
    {MODEL(p_uncond), KIND_REAL, .def = 0.1, GE(0), LE(1)},
    {MODEL(guidance_scale), KIND_REAL, .def = 1.0, GE(0)},
    {MODEL(sampler), KIND_ENUM, .def = OGAS_CFG_DDPM_SAMPLER_DDPM, .choices = DDPM_SAMPLER_NAMES},
    {MODEL(ddim_steps), KIND_INT, .def = 20, INT_IN(1, 10000)},
    {MODEL(n_train_steps_per_epoch), KIND_INT, .def = 0, INT_MIN_(0)},
    {MODEL(n_train_steps_per_sim), KIND_INT, .def = 2, INT_IN(0, 1000000)},
    {MODEL(blas_threads), KIND_INT, .def = 0, INT_IN(0, 1024)},
    {MODEL(train_threads), KIND_INT, .def = 1, INT_IN(1, 64)},
    {MODEL(box_prior), KIND_BOOL, .def = 1},

    {DATA(buffer_size), KIND_INT, .def = 6000, INT_MIN_(1)},
    {DATA(batch_size), KIND_INT, .def = 128, INT_MIN_(1)},
    {DATA(ema_loss_alpha), KIND_REAL, .def = 0.3, GT(0), LE(1)},
    {DATA(normalize_losses), KIND_BOOL, .def = 1},
    {DATA(min_max_queue_length), KIND_INT, .def = 20, INT_MIN_(1)},
    {DATA(max_loss_value), KIND_REAL, .def = 5.0, GT(0)},
    {DATA(clip_loss_norm_to_3_sigma), KIND_BOOL, .def = 0},
    {DATA(focus_share), KIND_REAL, .def = 0.5, GE(0), LT(1)},
    {DATA(focus_quantile), KIND_REAL, .def = 0.9, GE(0), LT(1)},
};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

static const char *const SECTIONS[] = {"breeder", "model", "data"};
#define N_SECTIONS 3

/* nb_params is a size_t outside the table, but its range reads the same way. */
static const field_spec NB_PARAMS_SPEC = {NULL, "nb_params", 0, KIND_INT, .ilo = 1,
                                          .ihi = MAX_NB_PARAMS};

/* Where each key of the study description lives in either layout; used to
   point a misplaced key to its home ("did you mean ..."). */
typedef struct {
  const char *key, *native, *melissa;
} key_home;

#define BP "active_sampling_config.breed_params."
static const key_home STUDY_HOMES[] = {
    {"nb_params", "nb_params", "study_options.nb_parameters"},
    {"nb_parameters", "nb_params", "study_options.nb_parameters"},
    {"nb_sims", "nb_sims", "study_options.parameter_sweep_size"},
    {"parameter_sweep_size", "nb_sims", "study_options.parameter_sweep_size"},
    {"l_bounds", "l_bounds", "study_options.l_bounds"},
    {"u_bounds", "u_bounds", "study_options.u_bounds"},
    {"seed", "seed", "study_options.seed"},
    {"parameter_names", "parameter_names", BP "parameter_names"},
    {"non_breed_sampler", "non_breed_sampler", BP "non_breed_sampler"},
    {"non_breed_sampling_strategy", "non_breed_sampler", BP "non_breed_sampling_strategy"},
    {"run_dir", "run_dir", BP "run_dir"},
    {"verbose", "verbose", BP "verbose"},
    {"breeder", "breeder", BP "breeder"},
    {"model", "model", BP "model"},
    {"data", "data", BP "data"},
    {"breed_params", NULL, "active_sampling_config.breed_params"},
    {"breeder_backend", NULL, "active_sampling_config.breeder_backend"},
};
#define N_STUDY_HOMES (sizeof STUDY_HOMES / sizeof STUDY_HOMES[0])

/* Keys of the reference (Python) breeder that ogas does not implement, as
   paths below breed_params: quietly ignored in the Melissa layout. */
static const char *const REFERENCE_ONLY_KEYS[] = {
    "log_extra",                 "breeder.ratio_mlp_dropout",
    "breeder.nb_candidates",     "breeder.loss_sampling_power", "breeder.use_kmeans_selection",
    "breeder.use_batch_priors",  "model.name",                 "data.use_timesteps",
};
#define N_REFERENCE_ONLY (sizeof REFERENCE_ONLY_KEYS / sizeof REFERENCE_ONLY_KEYS[0])

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void *field_ptr(ogas_config *c, const field_spec *f) { return (char *)c + f->offset; }
static const void *field_cptr(const ogas_config *c, const field_spec *f) {
  return (const char *)c + f->offset;
}

static int64_t get_i64(const ogas_config *c, const field_spec *f) {
  int64_t v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static double get_f64(const ogas_config *c, const field_spec *f) {
  double v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static bool get_bool(const ogas_config *c, const field_spec *f) {
  bool v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static int get_enum(const ogas_config *c, const field_spec *f) {
  int v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static size_t field_size(const field_spec *f) {
  switch (f->kind) {
  case KIND_INT: return sizeof(int64_t);
  case KIND_REAL: return sizeof(double);
  case KIND_BOOL: return sizeof(bool);
  case KIND_ENUM: return sizeof(int);
  }
  return 0;
}

static size_t n_choices(const char *const *choices) {
  size_t n = 0;
  while (choices[n]) n++;
  return n;
}

/* Shortest decimal text that reads back as x (15..17 significant digits),
   with '.' as decimal point whatever the C locale. */
static void format_number(double x, char out[40]) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, 40, "%.*g", prec, x);
    if (strtod(out, NULL) == x) break;
  }
  for (char *s = out; *s; s++)
    if (*s == ',') *s = '.';
}

static char *dup_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Levenshtein distance, case-insensitive; long strings count as far. */
static size_t edit_distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > 64 || nb > 64) return SIZE_MAX;
  size_t row[65];
  for (size_t j = 0; j <= nb; j++) row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t up = row[j];
      size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      size_t best = diag + cost;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[nb];
}

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
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: return "null";
  }
  return "something else";
}

/* ------------------------------------------------------------------ */
/* Parser state and errors                                             */

typedef struct {
  ogas_config *cfg;
  char *err;
  size_t errlen;
  ogas_cfg_layout layout;
  /* Key paths of the study keys in the current layout, for messages. */
  const char *nb_params_path, *nb_sims_path, *study_prefix, *section_prefix;
  /* Borrowed from the JSON tree; read once every key has been seen. */
  json_t *nb_params, *l_bounds, *u_bounds, *names;
  bool have_nb_sims, have_sampler;
} parser;

static int fail(parser *p, const char *fmt, ...) {
  if (p->err && p->errlen) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "config: %s", msg);
  }
  return OGAS_EINVAL;
}

static int out_of_memory(parser *p) {
  if (p->err && p->errlen) snprintf(p->err, p->errlen, "config: out of memory");
  return OGAS_ENOMEM;
}

static void join_path(char *out, size_t n, const char *prefix, const char *key) {
  snprintf(out, n, "%s%s", prefix, key);
}

static int record_ignored(parser *p, const char *path) {
  ogas_config *c = p->cfg;
  char **grown = realloc(c->ignored, (c->n_ignored + 1) * sizeof *grown);
  if (!grown) return out_of_memory(p);
  c->ignored = grown;
  if (!(c->ignored[c->n_ignored] = dup_string(path))) return out_of_memory(p);
  c->n_ignored++;
  return OGAS_OK;
}

/* ------------------------------------------------------------------ */
/* Range checks (shared by parse and validate)                         */

static bool int_in_range(const field_spec *f, int64_t v) {
  return v >= f->ilo && v <= f->ihi && (!f->even || v % 2 == 0);
}

static bool real_in_range(const field_spec *f, double v) {
  if (!isfinite(v)) return false;
  if (f->lo_kind == BOUND_CLOSED && !(v >= f->lo)) return false;
  if (f->lo_kind == BOUND_OPEN && !(v > f->lo)) return false;
  if (f->hi_kind == BOUND_CLOSED && !(v <= f->hi)) return false;
  if (f->hi_kind == BOUND_OPEN && !(v < f->hi)) return false;
  return true;
}

/* "an integer >= 1", "an even integer in 8..65536", "a number in [0, 1)". */
static void describe_range(const field_spec *f, bool value_above_cap, char *out, size_t n) {
  if (f->kind == KIND_INT) {
    const char *even = f->even ? "even " : "";
    if (f->ihi == CAP_COUNT && !value_above_cap)
      snprintf(out, n, "an %sinteger >= %" PRId64, even, f->ilo);
    else
      snprintf(out, n, "an %sinteger in %" PRId64 "..%" PRId64, even, f->ilo, f->ihi);
    return;
  }
  char lo[40], hi[40];
  format_number(f->lo, lo);
  format_number(f->hi, hi);
  if (f->lo_kind && f->hi_kind)
    snprintf(out, n, "a number in %c%s, %s%c", f->lo_kind == BOUND_CLOSED ? '[' : '(', lo, hi,
             f->hi_kind == BOUND_CLOSED ? ']' : ')');
  else if (f->lo_kind)
    snprintf(out, n, "a number %s %s", f->lo_kind == BOUND_CLOSED ? ">=" : ">", lo);
  else if (f->hi_kind)
    snprintf(out, n, "a number %s %s", f->hi_kind == BOUND_CLOSED ? "<=" : "<", hi);
  else
    snprintf(out, n, "a finite number");
}

static int range_error(parser *p, const field_spec *f, const char *path, const char *got,
                       bool above_cap) {
  char want[96];
  describe_range(f, above_cap, want, sizeof want);
  return fail(p, "%s: expected %s, got %s", path, want, got);
}

static int check_int_field(parser *p, const field_spec *f, const char *path, int64_t v) {
  if (int_in_range(f, v)) return OGAS_OK;
  char got[32];
  snprintf(got, sizeof got, "%" PRId64, v);
  return range_error(p, f, path, got, v > f->ihi);
}

static int check_real_field(parser *p, const field_spec *f, const char *path, double v) {
  if (real_in_range(f, v)) return OGAS_OK;
  char got[40];
  format_number(v, got);
  return range_error(p, f, path, got, false);
}

/* ------------------------------------------------------------------ */
/* Reading one JSON value                                              */

/* An integer, or a real that is integral ("4.0"). */
static int read_int(parser *p, const field_spec *f, const char *path, json_t *v, int64_t *out) {
  if (json_is_integer(v)) {
    *out = (int64_t)json_integer_value(v);
    return check_int_field(p, f, path, *out);
  }
  if (json_is_real(v)) {
    double x = json_real_value(v);
    /* 2^63 is exactly representable; anything at or above it is no int64. */
    if (x == floor(x) && fabs(x) < 9223372036854775808.0) {
      *out = (int64_t)x;
      return check_int_field(p, f, path, *out);
    }
    char got[40];
    format_number(x, got);
    return range_error(p, f, path, got, fabs(x) >= 9223372036854775808.0);
  }
  return fail(p, "%s: expected an integer, got %s", path, json_kind_name(v));
}

static int read_real(parser *p, const field_spec *f, const char *path, json_t *v, double *out) {
  if (!json_is_number(v))
    return fail(p, "%s: expected a number, got %s", path, json_kind_name(v));
  *out = json_number_value(v);
  return check_real_field(p, f, path, *out);
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
  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  for (size_t i = 0; choices[i]; i++) {
    size_t d = edit_distance(got, choices[i]);
    if (d < best_d && d <= typo_threshold(choices[i], false)) best_d = d, best = choices[i];
  }
  if (best)
    return fail(p, "%s: expected one of %s, got \"%.80s\" (did you mean \"%s\"?)", path, list, got,
                best);
  return fail(p, "%s: expected one of %s, got \"%.80s\"", path, list, got);
}

static int read_enum(parser *p, const char *path, const char *const *choices, json_t *v,
                     int *out) {
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

static const field_spec *find_field(const char *section, const char *name) {
  for (size_t i = 0; i < N_FIELDS; i++) {
    const field_spec *f = &FIELDS[i];
    bool same_section = section ? (f->section && strcmp(f->section, section) == 0) : !f->section;
    if (same_section && strcmp(f->name, name) == 0) return f;
  }
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Unknown keys                                                        */

/* The path where `key` belongs in the current layout, or NULL. */
static const char *home_of(const parser *p, const char *key, char *buf, size_t n) {
  bool melissa = p->layout == OGAS_CFG_LAYOUT_MELISSA;
  for (size_t i = 0; i < N_STUDY_HOMES; i++)
    if (strcmp(STUDY_HOMES[i].key, key) == 0) {
      const char *home = melissa ? STUDY_HOMES[i].melissa : STUDY_HOMES[i].native;
      if (home) return home;
    }
  for (size_t i = 0; i < N_FIELDS; i++)
    if (FIELDS[i].section && strcmp(FIELDS[i].name, key) == 0) {
      snprintf(buf, n, "%s%s.%s", melissa ? BP : "", FIELDS[i].section, key);
      return buf;
    }
  return NULL;
}

/* The home of the known key closest to `key` (within the typo threshold). */
static const char *closest_anywhere(const parser *p, const char *key, bool lenient, char *buf,
                                    size_t n) {
  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  for (size_t i = 0; i < N_STUDY_HOMES + N_FIELDS; i++) {
    const char *cand =
        i < N_STUDY_HOMES ? STUDY_HOMES[i].key : FIELDS[i - N_STUDY_HOMES].name;
    size_t d = edit_distance(key, cand);
    if (d < best_d && d <= typo_threshold(cand, lenient)) best_d = d, best = cand;
  }
  return best ? home_of(p, best, buf, n) : NULL;
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
  for (size_t i = 0; i < N_FIELDS; i++) {
    bool same = section ? (FIELDS[i].section && strcmp(FIELDS[i].section, section) == 0)
                        : !FIELDS[i].section;
    if (same) add_key(l, FIELDS[i].name);
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
    for (size_t i = 0; i < N_REFERENCE_ONLY; i++)
      if (strcmp(rel, REFERENCE_ONLY_KEYS[i]) == 0) reference_only = true;
  }
  if (reference_only) {
    if (lenient) return record_ignored(p, path);
    return fail(p, "unknown key '%s' (a key of the reference breeder that ogas does not use)",
                path);
  }

  const char *home = home_of(p, key, home_buf, sizeof home_buf);
  if (home && strcmp(home, path) != 0)
    return fail(p, "unknown key '%s' (did you mean '%s'?)", path, home);

  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  for (size_t i = 0; i < valid->n; i++) {
    size_t d = edit_distance(key, valid->keys[i]);
    if (d < best_d && d <= typo_threshold(valid->keys[i], lenient)) best_d = d, best = valid->keys[i];
  }
  if (best) return fail(p, "unknown key '%s' (did you mean '%s%s'?)", path, level_path, best);

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
  if (!json_is_object(obj)) return fail(p, "%s: expected an object, got %s", path, json_kind_name(obj));
  char prefix[256], rel[256];
  join_path(prefix, sizeof prefix, path, ".");
  if (below_breed_params) join_path(rel, sizeof rel, section, ".");
  key_list valid = {.n = 0};
  add_section_keys(&valid, section);
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    const field_spec *f = find_field(section, key);
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
      format_number(x, got);
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
      if (digit > 9 || x > (UINT64_MAX - digit) / 10) ok = false;
      else x = x * 10 + digit;
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
  if (!(p->cfg->run_dir = dup_string(json_string_value(v)))) return out_of_memory(p);
  return OGAS_OK;
}

/* The reference's DefaultBreeder spells the non-breed sampler
   "random" / "LHS" / "HALTON" / "SOBOL"; accept it in the Melissa layout. */
static int read_reference_sampler(parser *p, const char *path, json_t *v) {
  static const char *const reference_names[] = {"random", "LHS", "HALTON", "SOBOL", NULL};
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    for (int i = 0; reference_names[i]; i++)
      if (strcasecmp(s, reference_names[i]) == 0 || strcasecmp(s, SAMPLER_NAMES[i]) == 0) {
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
  const field_spec *f = find_field(NULL, key);
  if (strcmp(key, "non_breed_sampler") == 0 || strcmp(key, "non_breed_sampling_strategy") == 0) {
    /* Checked for both spellings so that giving both is an error, not a race. */
    if (p->have_sampler)
      return fail(p, "%s: the non-breed sampler is already set by another key", path);
    p->have_sampler = true;
    if (strcmp(key, "non_breed_sampling_strategy") == 0) return read_reference_sampler(p, path, v);
    return read_field(p, f, path, v);
  }
  if (f) {
    if (f == find_field(NULL, "nb_sims")) p->have_nb_sims = true;
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
  join_path(path, sizeof path, p->study_prefix, name);
  if (!arr) return fail(p, "missing required key '%s'", path);
  if (!json_is_array(arr)) return fail(p, "%s: expected an array, got %s", path, json_kind_name(arr));
  size_t d = p->cfg->nb_params;
  if (json_array_size(arr) != d)
    return fail(p, "%s has %zu entries but %s is %zu", path, json_array_size(arr),
                p->nb_params_path, d);
  double *x = malloc(d * sizeof *x);
  if (!x) return out_of_memory(p);
  for (size_t i = 0; i < d; i++) {
    json_t *e = json_array_get(arr, i);
    if (!json_is_number(e)) {
      free(x);
      if (json_is_string(e))
        return fail(p, "%s[%zu]: expected a number, got a string (\"%.40s\"; ogas does not "
                       "evaluate expressions)", path, i, json_string_value(e));
      return fail(p, "%s[%zu]: expected a number, got %s", path, i, json_kind_name(e));
    }
    x[i] = json_number_value(e);
  }
  *out = x;
  return OGAS_OK;
}

static int read_names(parser *p) {
  char path[128];
  join_path(path, sizeof path, p->layout == OGAS_CFG_LAYOUT_MELISSA ? BP : "", "parameter_names");
  size_t d = p->cfg->nb_params;
  json_t *arr = p->names;
  if (arr && !json_is_array(arr))
    return fail(p, "%s: expected an array of strings, got %s", path, json_kind_name(arr));
  if (arr && json_array_size(arr) != d)
    return fail(p, "%s has %zu entries but %s is %zu", path, json_array_size(arr),
                p->nb_params_path, d);
  char **names = calloc(d, sizeof *names);
  if (!names) return out_of_memory(p);
  p->cfg->parameter_names = names; /* freed with the config on any error */
  for (size_t i = 0; i < d; i++) {
    if (arr) {
      json_t *e = json_array_get(arr, i);
      if (!json_is_string(e))
        return fail(p, "%s[%zu]: expected a string, got %s", path, i, json_kind_name(e));
      names[i] = dup_string(json_string_value(e));
    } else {
      char def[24];
      snprintf(def, sizeof def, "p%zu", i);
      names[i] = dup_string(def);
    }
    if (!names[i]) return out_of_memory(p);
  }
  return OGAS_OK;
}

static int read_study_arrays(parser *p) {
  int rc;
  if (p->nb_params) {
    int64_t d = 0;
    if ((rc = read_int(p, &NB_PARAMS_SPEC, p->nb_params_path, p->nb_params, &d))) return rc;
    p->cfg->nb_params = (size_t)d;
  } else if (p->layout == OGAS_CFG_LAYOUT_MELISSA) {
    /* Melissa servers may derive nb_parameters from the bounds. */
    if (!p->l_bounds) return fail(p, "missing required key 'study_options.l_bounds'");
    if (!json_is_array(p->l_bounds))
      return fail(p, "study_options.l_bounds: expected an array, got %s", json_kind_name(p->l_bounds));
    size_t d = json_array_size(p->l_bounds);
    if (d < 1 || d > MAX_NB_PARAMS)
      return fail(p, "%sl_bounds: expected 1..%d entries, got %zu", p->study_prefix, MAX_NB_PARAMS, d);
    p->cfg->nb_params = d;
  } else {
    return fail(p, "missing required key '%s'", p->nb_params_path);
  }
  if ((rc = read_bounds(p, p->l_bounds, "l_bounds", &p->cfg->l_bounds))) return rc;
  if ((rc = read_bounds(p, p->u_bounds, "u_bounds", &p->cfg->u_bounds))) return rc;
  if ((rc = read_names(p))) return rc;
  if (!p->have_nb_sims) return fail(p, "missing required key '%s'", p->nb_sims_path);
  return OGAS_OK;
}

/* ------------------------------------------------------------------ */
/* Checks across keys (shared by parse and validate)                   */

static int check_study(parser *p, const ogas_config *c) {
  const char *sp = p->study_prefix;
  if (c->nb_params < 1 || c->nb_params > MAX_NB_PARAMS)
    return fail(p, "%s: expected an integer in 1..%d, got %zu", p->nb_params_path, MAX_NB_PARAMS,
                c->nb_params);
  if (!c->l_bounds || !c->u_bounds) return fail(p, "%sl_bounds and %su_bounds must be set", sp, sp);
  for (size_t i = 0; i < c->nb_params; i++) {
    char l[40], u[40];
    format_number(c->l_bounds[i], l);
    format_number(c->u_bounds[i], u);
    if (!isfinite(c->l_bounds[i]) || !isfinite(c->u_bounds[i]))
      return fail(p, "%sl_bounds[%zu] = %s and %su_bounds[%zu] = %s must be finite", sp, i, l, sp,
                  i, u);
    if (!(c->l_bounds[i] < c->u_bounds[i]))
      return fail(p, "%sl_bounds[%zu] = %s must be < %su_bounds[%zu] = %s", sp, i, l, sp, i, u);
    /* z = 2(x-l)/(u-l) - 1 needs a finite width. */
    if (!isfinite(c->u_bounds[i] - c->l_bounds[i]))
      return fail(p, "%su_bounds[%zu] - %sl_bounds[%zu] overflows a double", sp, i, sp, i);
  }
  const char *names_path =
      p->layout == OGAS_CFG_LAYOUT_MELISSA ? BP "parameter_names" : "parameter_names";
  if (!c->parameter_names) return fail(p, "%s must be set", names_path);
  for (size_t i = 0; i < c->nb_params; i++) {
    const char *name = c->parameter_names[i];
    if (!name || !*name) return fail(p, "%s[%zu]: expected a non-empty string", names_path, i);
    for (size_t j = 0; j < i; j++)
      if (strcmp(c->parameter_names[j], name) == 0)
        return fail(p, "%s[%zu] = \"%.60s\" repeats %s[%zu]", names_path, i, name, names_path, j);
  }
  if (c->run_dir && !*c->run_dir) return fail(p, "run_dir: expected a non-empty string (or null)");
  /* The QMC sequences have direction numbers / primes for so many axes. */
  size_t max_dim = c->non_breed_sampler == OGAS_CFG_SAMPLER_HALTON ? SF_HALTON_MAX_DIM
                   : c->non_breed_sampler == OGAS_CFG_SAMPLER_SOBOL ? SF_SOBOL_MAX_DIM
                                                                     : MAX_NB_PARAMS;
  if (c->nb_params > max_dim)
    return fail(p, "%s: \"%s\" draws at most %zu parameters, %s is %zu (use \"uniform\" or \"lhs\")",
                p->layout == OGAS_CFG_LAYOUT_MELISSA ? BP "non_breed_sampler" : "non_breed_sampler",
                ogas_config_sampler_name(c->non_breed_sampler), max_dim, p->nb_params_path,
                c->nb_params);
  return OGAS_OK;
}

static int check_cross_fields(parser *p, const ogas_config *c) {
  const char *s = p->section_prefix;
  const ogas_config_data *data = &c->data;
  const ogas_config_model *model = &c->model;
  const ogas_config_breeder *breeder = &c->breeder;
  if (data->buffer_size < data->batch_size)
    return fail(p, "%sdata.buffer_size (%" PRId64 ") must be >= %sdata.batch_size (%" PRId64 ")", s,
                data->buffer_size, s, data->batch_size);
  /* Breeding waits for this many reservoir entries: more than the reservoir
     holds would mean never breeding. */
  if (breeder->min_reservoir_entries > data->buffer_size)
    return fail(p,
                "%sbreeder.min_reservoir_entries (%" PRId64 ") must be <= %sdata.buffer_size (%" PRId64
                ")",
                s, breeder->min_reservoir_entries, s, data->buffer_size);
  if (breeder->ratio_weight_max < breeder->ratio_weight_min) {
    char lo[40], hi[40];
    format_number(breeder->ratio_weight_min, lo);
    format_number(breeder->ratio_weight_max, hi);
    return fail(p, "%sbreeder.ratio_weight_max (%s) must be >= %sbreeder.ratio_weight_min (%s)", s,
                hi, s, lo);
  }
  /* Unused settings are not held against the user: betas only matter for the
     linear schedule, ddim_steps only for the DDIM sampler. */
  if (model->noise_schedule == OGAS_CFG_SCHEDULE_LINEAR && !(model->beta_start < model->beta_end)) {
    char lo[40], hi[40];
    format_number(model->beta_start, lo);
    format_number(model->beta_end, hi);
    return fail(p, "%smodel.beta_start (%s) must be < %smodel.beta_end (%s) for the linear schedule",
                s, lo, s, hi);
  }
  if (model->sampler == OGAS_CFG_DDPM_SAMPLER_DDIM && model->ddim_steps > model->timesteps)
    return fail(p, "%smodel.ddim_steps (%" PRId64 ") must be <= %smodel.timesteps (%" PRId64 ")", s,
                model->ddim_steps, s, model->timesteps);
  return OGAS_OK;
}

/* Every table field within its range (for configs built in code). */
static int check_fields(parser *p, const ogas_config *c) {
  for (size_t i = 0; i < N_FIELDS; i++) {
    const field_spec *f = &FIELDS[i];
    char path[128];
    if (f->section)
      snprintf(path, sizeof path, "%s%s.%s", p->section_prefix, f->section, f->name);
    else
      join_path(path, sizeof path, "", f->name);
    int rc = OGAS_OK;
    switch (f->kind) {
    case KIND_INT: rc = check_int_field(p, f, path, get_i64(c, f)); break;
    case KIND_REAL: rc = check_real_field(p, f, path, get_f64(c, f)); break;
    case KIND_BOOL: break;
    case KIND_ENUM: {
      int e = get_enum(c, f);
      if (e < 0 || (size_t)e >= n_choices(f->choices))
        rc = fail(p, "%s: invalid enum value %d", path, e);
      break;
    }
    }
    if (rc) return rc;
  }
  return OGAS_OK;
}

/* ------------------------------------------------------------------ */
/* The two layouts                                                     */

static int parse_native(parser *p, json_t *root) {
  key_list valid = {.n = 0};
  add_section_keys(&valid, NULL);
  static const char *const study_keys[] = {"nb_params", "l_bounds", "u_bounds", "parameter_names",
                                           "seed", "run_dir"};
  for (size_t i = 0; i < sizeof study_keys / sizeof study_keys[0]; i++) add_key(&valid, study_keys[i]);
  for (size_t i = 0; i < N_SECTIONS; i++) add_key(&valid, SECTIONS[i]);

  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    int rc = NOT_MINE;
    for (size_t i = 0; i < N_SECTIONS && rc == NOT_MINE; i++)
      if (strcmp(key, SECTIONS[i]) == 0) rc = parse_section(p, key, v, key, STRICT, "");
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
  key_list valid = {.keys = {"parameter_sweep_size", "nb_parameters", "l_bounds", "u_bounds", "seed"},
                    .n = 5};
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    char path[512];
    join_path(path, sizeof path, "study_options.", key);
    int rc;
    if (strcmp(key, "parameter_sweep_size") == 0) rc = parse_study_key(p, "nb_sims", v, path);
    else if (strcmp(key, "nb_parameters") == 0) rc = parse_study_key(p, "nb_params", v, path);
    else if (strcmp(key, "l_bounds") == 0 || strcmp(key, "u_bounds") == 0 || strcmp(key, "seed") == 0)
      rc = parse_study_key(p, key, v, path);
    else rc = unknown_key(p, "study_options.", key, &valid, LENIENT, NULL);
    if (rc) return rc;
  }
  return OGAS_OK;
}

/* breed_params: the keyword arguments Melissa passes to the breeder. */
static int parse_breed_params(parser *p, json_t *obj) {
  if (!json_is_object(obj))
    return fail(p, "active_sampling_config.breed_params: expected an object, got %s",
                json_kind_name(obj));
  key_list valid = {.keys = {"breeder", "model", "data", "non_breed_sampler",
                             "non_breed_sampling_strategy", "parameter_names", "run_dir", "verbose"},
                    .n = 8};
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    char path[512];
    join_path(path, sizeof path, BP, key);
    int rc = NOT_MINE;
    for (size_t i = 0; i < N_SECTIONS && rc == NOT_MINE; i++)
      if (strcmp(key, SECTIONS[i]) == 0) rc = parse_section(p, key, v, path, LENIENT, "");
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
    if (strcmp(key, "study_options") == 0) rc = parse_study_options(p, v);
    else if (strcmp(key, "active_sampling_config") == 0) rc = parse_active_sampling(p, v);
    else rc = unknown_key(p, "", key, &valid, LENIENT, NULL);
    if (rc) return rc;
  }
  if (!json_object_get(root, "study_options"))
    return fail(p, "missing required key 'study_options' (it gives the bounds and budget)");
  return read_study_arrays(p);
}

/* ------------------------------------------------------------------ */
/* Relaxed JSON: comments and trailing commas, as in Melissa files     */

/* Copies text with // and block comments blanked and a comma followed only
   by whitespace/comments and then } or ] removed. Newlines are kept and each
   character inside a comment becomes one space, so jansson's line and column
   still point into the original text. Returns 0, -1 (out of memory) or 1
   (unterminated block comment starting at *line, *col). */
static int strip_relaxed_json(const char *text, char **out, int *line, int *col) {
  size_t n = strlen(text);
  char *o = malloc(n + 1);
  if (!o) return -1;
  enum { CODE, STRING, STRING_ESCAPE, LINE_COMMENT, BLOCK_COMMENT } state = CODE;
  size_t w = 0;
  size_t pending_comma = SIZE_MAX; /* output index of a comma that may be trailing */
  char last_significant = 0;       /* before the pending comma */
  int cur_line = 1, cur_col = 0, comment_line = 0, comment_col = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)text[i];
    bool continuation = (ch & 0xC0) == 0x80;
    if (ch == '\n') cur_line++, cur_col = 0;
    else if (!continuation) cur_col++;
    switch (state) {
    case STRING:
      if (ch == '\\') state = STRING_ESCAPE;
      else if (ch == '"') state = CODE;
      o[w++] = (char)ch;
      break;
    case STRING_ESCAPE:
      state = STRING;
      o[w++] = (char)ch;
      break;
    case LINE_COMMENT:
      if (ch == '\n') state = CODE, o[w++] = '\n';
      else if (!continuation) o[w++] = ' ';
      break;
    case BLOCK_COMMENT:
      if (ch == '*' && text[i + 1] == '/') {
        o[w++] = ' ', o[w++] = ' ';
        i++, cur_col++;
        state = CODE;
      } else if (ch == '\n') {
        o[w++] = '\n';
      } else if (!continuation) {
        o[w++] = ' ';
      }
      break;
    case CODE:
      if (ch == '/' && (text[i + 1] == '/' || text[i + 1] == '*')) {
        state = text[i + 1] == '/' ? LINE_COMMENT : BLOCK_COMMENT;
        comment_line = cur_line, comment_col = cur_col;
        o[w++] = ' ', o[w++] = ' ';
        i++, cur_col++;
        break;
      }
      if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
        o[w++] = (char)ch;
        break;
      }
      if ((ch == '}' || ch == ']') && pending_comma != SIZE_MAX) o[pending_comma] = ' ';
      pending_comma = SIZE_MAX;
      /* Only a comma after a value can be trailing: "[,]" stays an error. */
      if (ch == ',' && last_significant && !strchr("[{,:", last_significant)) pending_comma = w;
      if (ch == '"') state = STRING;
      last_significant = (char)ch;
      o[w++] = (char)ch;
      break;
    }
  }
  o[w] = '\0';
  if (state == BLOCK_COMMENT) {
    free(o);
    *line = comment_line, *col = comment_col;
    return 1;
  }
  *out = o;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Public functions                                                    */

void ogas_config_defaults(ogas_config *c) {
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < N_FIELDS; i++) {
    const field_spec *f = &FIELDS[i];
    void *dst = field_ptr(c, f);
    switch (f->kind) {
    case KIND_INT: {
      int64_t v = (int64_t)f->def;
      memcpy(dst, &v, sizeof v);
      break;
    }
    case KIND_REAL: memcpy(dst, &f->def, sizeof f->def); break;
    case KIND_BOOL: {
      bool v = f->def != 0;
      memcpy(dst, &v, sizeof v);
      break;
    }
    case KIND_ENUM: {
      int v = (int)f->def;
      memcpy(dst, &v, sizeof v);
      break;
    }
    }
  }
  c->layout = OGAS_CFG_LAYOUT_NATIVE;
}

void ogas_config_free(ogas_config *c) {
  if (!c) return;
  free(c->l_bounds);
  free(c->u_bounds);
  if (c->parameter_names)
    for (size_t i = 0; i < c->nb_params; i++) free(c->parameter_names[i]);
  free(c->parameter_names);
  free(c->run_dir);
  for (size_t i = 0; i < c->n_ignored; i++) free(c->ignored[i]);
  free(c->ignored);
  ogas_config_defaults(c);
}

static void init_parser(parser *p, ogas_config *c, ogas_cfg_layout layout, char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  p->cfg = c;
  p->err = err;
  p->errlen = errlen;
  p->layout = layout;
  bool melissa = layout == OGAS_CFG_LAYOUT_MELISSA;
  p->nb_params_path = melissa ? "study_options.nb_parameters" : "nb_params";
  p->nb_sims_path = melissa ? "study_options.parameter_sweep_size" : "nb_sims";
  p->study_prefix = melissa ? "study_options." : "";
  p->section_prefix = melissa ? BP : "";
}

static int parse_tree(json_t *root, ogas_config *c, char *err, size_t errlen) {
  bool melissa = json_object_get(root, "study_options") || json_object_get(root, "active_sampling_config");
  parser p;
  init_parser(&p, c, melissa ? OGAS_CFG_LAYOUT_MELISSA : OGAS_CFG_LAYOUT_NATIVE, err, errlen);
  c->layout = p.layout;
  int rc = melissa ? parse_melissa(&p, root) : parse_native(&p, root);
  if (!rc) rc = check_study(&p, c);
  if (!rc) rc = check_cross_fields(&p, c);
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
  int s = strip_relaxed_json(json_text, &strict, &line, &col);
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
    case json_error_out_of_memory: return out_of_memory(&p);
    case json_error_duplicate_key:
      return fail(&p, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    case json_error_numeric_overflow:
      return fail(&p, "line %d, column %d: number out of range (integers must fit in 64 bits, "
                      "reals in a double): %s", jerr.line, jerr.column, jerr.text);
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
    if (err && errlen)
      snprintf(err, errlen, "config: cannot read '%s': %s", path, strerror(errno));
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
      if (rc == OGAS_EIO) snprintf(err, errlen, "config: cannot read '%s': %s", path, strerror(read_errno));
      else if (rc == OGAS_EINVAL) snprintf(err, errlen, "config: '%s' is larger than %u MiB", path, MAX_FILE_BYTES >> 20);
      else snprintf(err, errlen, "config: out of memory reading '%s'", path);
    }
    return rc;
  }
  text[len] = '\0';
  if (memchr(text, '\0', len)) {
    free(text);
    if (err && errlen) snprintf(err, errlen, "config: '%s' contains a NUL byte (not a JSON text file?)", path);
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

int ogas_config_validate(const ogas_config *c, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  parser p;
  init_parser(&p, NULL, OGAS_CFG_LAYOUT_NATIVE, err, errlen);
  if (!c) return fail(&p, "no config given");
  int rc = check_fields(&p, c);
  if (!rc) rc = check_study(&p, c);
  if (!rc) rc = check_cross_fields(&p, c);
  return rc;
}

/* *out = a copy of n doubles (NULL for NULL or n == 0); false when out of memory. */
static bool copy_doubles(const double *src, size_t n, double **out) {
  *out = NULL;
  if (!src || n == 0) return true;
  if (!(*out = malloc(n * sizeof *src))) return false;
  memcpy(*out, src, n * sizeof *src);
  return true;
}

/* *out = a copy of n strings (NULL for NULL); false when out of memory. */
static bool copy_strings(char *const *src, size_t n, char ***out) {
  *out = NULL;
  if (!src || n == 0) return true;
  if (!(*out = calloc(n, sizeof *src))) return false;
  for (size_t i = 0; i < n; i++)
    if (src[i] && !((*out)[i] = dup_string(src[i]))) return false;
  return true;
}

int ogas_config_copy(ogas_config *dst, const ogas_config *src) {
  ogas_config c = *src;
  c.l_bounds = c.u_bounds = NULL;
  c.parameter_names = c.ignored = NULL;
  c.run_dir = NULL;
  size_t d = src->nb_params;
  bool ok = copy_doubles(src->l_bounds, d, &c.l_bounds) && copy_doubles(src->u_bounds, d, &c.u_bounds) &&
            copy_strings(src->parameter_names, d, &c.parameter_names) &&
            copy_strings(src->ignored, src->n_ignored, &c.ignored) &&
            (!src->run_dir || (c.run_dir = dup_string(src->run_dir)) != NULL);
  if (!c.ignored) c.n_ignored = 0; /* so that freeing a failed copy stays in bounds */
  if (!ok) {
    ogas_config_free(&c);
    ogas_config_defaults(dst);
    return OGAS_ENOMEM;
  }
  *dst = c;
  return OGAS_OK;
}

/* ------------------------------------------------------------------ */
/* Serialisation                                                       */

typedef struct {
  char *s;
  size_t len, cap;
  bool oom;
} text_buf;

static void tb_append(text_buf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = true;
      return;
    }
    if ((size_t)k < b->cap - b->len) {
      b->len += (size_t)k;
      return;
    }
    size_t cap = (b->cap + (size_t)k + 1) * 2;
    char *grown = realloc(b->s, cap);
    if (!grown) {
      b->oom = true;
      return;
    }
    b->s = grown, b->cap = cap;
  }
}

/* A real always shows a '.' or an exponent, so it reads back as a real. */
static void tb_real(text_buf *b, double x) {
  char num[40];
  format_number(x, num);
  tb_append(b, "%s%s", num, strpbrk(num, ".eEn") ? "" : ".0");
}

static void tb_string(text_buf *b, const char *s) {
  tb_append(b, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\') tb_append(b, "\\%c", *c);
    else if (*c < 0x20) tb_append(b, "\\u%04x", *c);
    else tb_append(b, "%c", *c);
  }
  tb_append(b, "\"");
}

static void tb_field(text_buf *b, const ogas_config *c, const field_spec *f, const char *indent,
                     bool last) {
  tb_append(b, "%s\"%s\": ", indent, f->name);
  switch (f->kind) {
  case KIND_INT: tb_append(b, "%" PRId64, get_i64(c, f)); break;
  case KIND_REAL: tb_real(b, get_f64(c, f)); break;
  case KIND_BOOL: tb_append(b, "%s", get_bool(c, f) ? "true" : "false"); break;
  case KIND_ENUM: {
    int e = get_enum(c, f);
    bool valid = e >= 0 && (size_t)e < n_choices(f->choices);
    tb_string(b, valid ? f->choices[e] : "?");
    break;
  }
  }
  tb_append(b, "%s\n", last ? "" : ",");
}

char *ogas_config_to_json(const ogas_config *c) {
  text_buf b = {.s = malloc(1024), .cap = 1024};
  if (!b.s) return NULL;
  b.s[0] = '\0';
  size_t d = c->nb_params;
  tb_append(&b, "{\n  \"nb_params\": %zu,\n", d);
  const char *arrays[] = {"l_bounds", "u_bounds"};
  const double *values[] = {c->l_bounds, c->u_bounds};
  for (int a = 0; a < 2; a++) {
    tb_append(&b, "  \"%s\": [", arrays[a]);
    for (size_t i = 0; i < d && values[a]; i++) {
      if (i) tb_append(&b, ", ");
      tb_real(&b, values[a][i]);
    }
    tb_append(&b, "],\n");
  }
  tb_append(&b, "  \"parameter_names\": [");
  for (size_t i = 0; i < d && c->parameter_names; i++) {
    if (i) tb_append(&b, ", ");
    tb_string(&b, c->parameter_names[i] ? c->parameter_names[i] : "");
  }
  tb_append(&b, "],\n");
  tb_field(&b, c, find_field(NULL, "nb_sims"), "  ", false);
  /* Seeds above 2^63-1 do not fit jansson's integers: write them as text. */
  if (c->seed > (uint64_t)INT64_MAX) tb_append(&b, "  \"seed\": \"%" PRIu64 "\",\n", c->seed);
  else tb_append(&b, "  \"seed\": %" PRIu64 ",\n", c->seed);
  tb_field(&b, c, find_field(NULL, "non_breed_sampler"), "  ", false);
  if (c->run_dir) {
    tb_append(&b, "  \"run_dir\": ");
    tb_string(&b, c->run_dir);
    tb_append(&b, ",\n");
  }
  tb_field(&b, c, find_field(NULL, "verbose"), "  ", false);
  for (size_t s = 0; s < N_SECTIONS; s++) {
    tb_append(&b, "  \"%s\": {\n", SECTIONS[s]);
    const field_spec *last = NULL;
    for (size_t i = 0; i < N_FIELDS; i++)
      if (FIELDS[i].section && strcmp(FIELDS[i].section, SECTIONS[s]) == 0) last = &FIELDS[i];
    for (size_t i = 0; i < N_FIELDS; i++)
      if (FIELDS[i].section && strcmp(FIELDS[i].section, SECTIONS[s]) == 0)
        tb_field(&b, c, &FIELDS[i], "    ", &FIELDS[i] == last);
    tb_append(&b, "  }%s\n", s + 1 < N_SECTIONS ? "," : "");
  }
  tb_append(&b, "}\n");
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

/* ------------------------------------------------------------------ */
/* Comparison                                                          */

static bool same_doubles(const double *a, const double *b, size_t n) {
  if (!a || !b) return a == b;
  return memcmp(a, b, n * sizeof *a) == 0;
}

static bool same_string(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

bool ogas_config_equal(const ogas_config *a, const ogas_config *b) {
  if (a->nb_params != b->nb_params || a->seed != b->seed) return false;
  size_t d = a->nb_params;
  if (!same_doubles(a->l_bounds, b->l_bounds, d) || !same_doubles(a->u_bounds, b->u_bounds, d))
    return false;
  if (!a->parameter_names || !b->parameter_names) {
    if (a->parameter_names != b->parameter_names) return false;
  } else {
    for (size_t i = 0; i < d; i++)
      if (!same_string(a->parameter_names[i], b->parameter_names[i])) return false;
  }
  if (!same_string(a->run_dir, b->run_dir)) return false;
  for (size_t i = 0; i < N_FIELDS; i++)
    if (memcmp(field_cptr(a, &FIELDS[i]), field_cptr(b, &FIELDS[i]), field_size(&FIELDS[i])) != 0)
      return false;
  return true;
}

const char *ogas_config_incompatible_field(const ogas_config *a, const ogas_config *b) {
  if (a->nb_params != b->nb_params) return "nb_params";
  if (!same_doubles(a->l_bounds, b->l_bounds, a->nb_params)) return "l_bounds";
  if (!same_doubles(a->u_bounds, b->u_bounds, a->nb_params)) return "u_bounds";
  const ogas_config_model *ma = &a->model, *mb = &b->model;
  if (ma->model_dim != mb->model_dim) return "model.model_dim";
  if (ma->n_blocks != mb->n_blocks) return "model.n_blocks";
  if (ma->timesteps != mb->timesteps) return "model.timesteps";
  if (ma->noise_schedule != mb->noise_schedule) return "model.noise_schedule";
  if (ma->box_prior != mb->box_prior) return "model.box_prior"; /* what the weights add to */
  /* The betas shape the schedule only when it is linear. */
  if (ma->noise_schedule == OGAS_CFG_SCHEDULE_LINEAR) {
    if (ma->beta_start != mb->beta_start) return "model.beta_start";
    if (ma->beta_end != mb->beta_end) return "model.beta_end";
  }
  if (a->breeder.ratio_mlp_hidden_dim != b->breeder.ratio_mlp_hidden_dim)
    return "breeder.ratio_mlp_hidden_dim";
  if (a->data.buffer_size != b->data.buffer_size) return "data.buffer_size";
  return NULL;
}

size_t ogas_config_n_ignored(const ogas_config *c) { return c ? c->n_ignored : 0; }

const char *ogas_config_ignored(const ogas_config *c, size_t i) {
  return c && i < c->n_ignored ? c->ignored[i] : NULL;
}

static const char *enum_name(const char *const *names, int v) {
  return v >= 0 && (size_t)v < n_choices(names) ? names[v] : NULL;
}
const char *ogas_config_sampler_name(ogas_cfg_sampler s) { return enum_name(SAMPLER_NAMES, (int)s); }
const char *ogas_config_loss_sampling_name(ogas_cfg_loss_sampling s) {
  return enum_name(LOSS_SAMPLING_NAMES, (int)s);
}
const char *ogas_config_schedule_name(ogas_cfg_schedule s) { return enum_name(SCHEDULE_NAMES, (int)s); }
const char *ogas_config_ddpm_sampler_name(ogas_cfg_ddpm_sampler s) {
  return enum_name(DDPM_SAMPLER_NAMES, (int)s);
}
