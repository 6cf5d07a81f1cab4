#include "study/study_config.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "util/suggest.h"

void study_config_defaults(study_config *c) {
  memset(c, 0, sizeof *c);
  c->concurrent_sims = 2;
  c->sampler = STUDY_SAMPLER_UNIFORM;
  c->surrogate.width = 128;
  c->surrogate.blocks = 2;
  c->surrogate.batch_size = 64;
  c->surrogate.lr = 1e-3;
  c->surrogate.weight_decay = 0.0;
  c->surrogate.grad_clip = 1.0;
  c->surrogate.arch = SURROGATE_MLP;
  c->surrogate.kernel = 5;
  c->surrogate.modes = 0;
  c->surrogate.coords = 0;
  c->surrogate.train_loss = SURROGATE_TRAIN_MSE;
  c->surrogate.lr_cosine = 0;
  c->surrogate.lr_final_fraction = 0.05;
  c->buffer_capacity = 4000;
  c->buffer_min_fill = 0;
  c->batches_per_sim = 10;
  c->loss = STUDY_LOSS_NRMSE;
  c->nn_updates = 50;
  c->min_finished_between_generations = 2;
  c->generation_size = STUDY_GENERATION_AUTO;
  c->validation_n_sims = 750;
  c->validation_seed = 12345;
  c->validation_rollout_steps = 10;
  study_breed_config_defaults(&c->breed);
  study_sbal_config_defaults(&c->sbal);
}

void study_config_free(study_config *c) {
  if (!c) return;
  free(c->ogas_json);
  free(c->mpi_json);
  c->ogas_json = NULL;
  c->mpi_json = NULL;
}

int64_t study_config_total_batches(const study_config *c) {
  return (int64_t)llround((double)c->nb_sims * c->batches_per_sim);
}

/* "auto": twice the simulations that start between two breaks, plus one per
   concurrent slot. A break waits for min_finished_between_generations
   finished simulations and nn_updates batches, and each simulation feeds
   about batches_per_sim batches, so about max(min_finished, nn_updates /
   batches_per_sim) start in between. Rewriting every unstarted row instead
   (-1) samples O(nb_sims^2) rows over a study. */
int64_t study_config_generation_rows(const study_config *c) {
  if (c->generation_size != STUDY_GENERATION_AUTO) return c->generation_size;
  double per_break = c->batches_per_sim > 0 ? ceil((double)c->nn_updates / c->batches_per_sim) : 1;
  if (per_break < (double)c->min_finished_between_generations)
    per_break = (double)c->min_finished_between_generations;
  double rows = 2 * per_break + (double)c->concurrent_sims;
  return rows < 1 ? 1 : rows > (double)INT32_MAX ? INT32_MAX : (int64_t)rows;
}

typedef struct {
  char *err;
  size_t errlen;
} ctx;

static int bad(ctx *x, const char *fmt, ...) {
  if (x->err && x->errlen) {
    int k = snprintf(x->err, x->errlen, "study config: ");
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < x->errlen) vsnprintf(x->err + k, x->errlen - (size_t)k, fmt, ap);
    va_end(ap);
  }
  return OGAS_EINVAL;
}

/* Every key of obj must be in keys[]; else an error naming path.key. */
static int check_keys(ctx *x, json_t *obj, const char *path, const char *const *keys, size_t n) {
  const char *key;
  json_t *val;
  json_object_foreach(obj, key, val) {
    size_t i;
    suggestion guess;
    suggest_init(&guess, key, false);
    for (i = 0; i < n; i++) {
      if (!strcmp(key, keys[i])) break;
      suggest_consider(&guess, keys[i], 3);
    }
    if (i < n) continue;
    if (guess.best)
      return bad(x, "unknown key '%s%s%s' (did you mean '%s%s%s'?)", path, *path ? "." : "", key,
                 path, *path ? "." : "", guess.best);
    return bad(x, "unknown key '%s%s%s'", path, *path ? "." : "", key);
  }
  return OGAS_OK;
}

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT:
      return "an object";
    case JSON_ARRAY:
      return "an array";
    case JSON_STRING:
      return "a string";
    case JSON_INTEGER:
      return "an integer";
    case JSON_REAL:
      return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
      return "a boolean";
    case JSON_NULL:
      return "null";
  }
  return "a value";
}

/* Integer key in [lo, hi]; 4.0 is accepted, 4.5 is not. Absent: unchanged. */
static int get_int(ctx *x, json_t *obj, const char *path, const char *key, int64_t lo, int64_t hi,
                   int64_t *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return OGAS_OK;
  int64_t val;
  if (json_is_integer(v))
    val = (int64_t)json_integer_value(v);
  else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
           fabs(json_real_value(v)) < 9e18)
    val = (int64_t)json_real_value(v);
  else
    return bad(x, "%s%s%s: expected an integer, got %s", path, *path ? "." : "", key, type_name(v));
  if (val < lo || val > hi)
    return bad(x, "%s%s%s: expected an integer in [%lld, %lld], got %lld", path, *path ? "." : "",
               key, (long long)lo, (long long)hi, (long long)val);
  *out = val;
  return OGAS_OK;
}

/* A seed: an integer >= 0, or a string of digits above 2^63-1. */
static int seed_value(ctx *x, json_t *v, const char *name, uint64_t *out) {
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return OGAS_OK;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    unsigned long long u = strtoull(s, &end, 10);
    if (*s >= '0' && *s <= '9' && !*end) {
      *out = u;
      return OGAS_OK;
    }
  }
  return bad(x, "%s: expected an integer in [0, 2^64-1] (as a string above 2^63-1)", name);
}

static int get_seed(ctx *x, json_t *obj, const char *path, const char *key, uint64_t *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return OGAS_OK;
  char name[128];
  snprintf(name, sizeof name, "%s%s%s", path, *path ? "." : "", key);
  return seed_value(x, v, name, out);
}

/* Number key; lo/hi inclusive unless the open flags say otherwise. */
static int get_num(ctx *x, json_t *obj, const char *path, const char *key, double lo, double hi,
                   int lo_open, int hi_open, double *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return OGAS_OK;
  if (!json_is_number(v))
    return bad(x, "%s%s%s: expected a number, got %s", path, *path ? "." : "", key, type_name(v));
  double val = json_number_value(v);
  if (!isfinite(val) || (lo_open ? val <= lo : val < lo) || (hi_open ? val >= hi : val > hi))
    return bad(x, "%s%s%s: expected a number in %s%g, %g%s, got %g", path, *path ? "." : "", key,
               lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]", val);
  *out = val;
  return OGAS_OK;
}

static int get_bool(ctx *x, json_t *obj, const char *path, const char *key, int *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return OGAS_OK;
  if (!json_is_boolean(v))
    return bad(x, "%s%s%s: expected a boolean, got %s", path, *path ? "." : "", key, type_name(v));
  *out = json_is_true(v);
  return OGAS_OK;
}

static int get_str(ctx *x, json_t *obj, const char *path, const char *key, const char **out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return OGAS_OK;
  if (!json_is_string(v))
    return bad(x, "%s%s%s: expected a string, got %s", path, *path ? "." : "", key, type_name(v));
  *out = json_string_value(v);
  return OGAS_OK;
}

static int get_section(ctx *x, json_t *root, const char *key, json_t **out) {
  json_t *v = json_object_get(root, key);
  *out = NULL;
  if (!v) return OGAS_OK;
  if (!json_is_object(v)) return bad(x, "%s: expected an object, got %s", key, type_name(v));
  *out = v;
  return OGAS_OK;
}

#define TRY(e)           \
  do {                   \
    int st_ = (e);       \
    if (st_) return st_; \
  } while (0)

/* The difficulty-signal keys, named as the breeder's "data" section names
   them and with its ranges. */
static int get_signal(ctx *x, json_t *obj, const char *path, study_breed_config *b) {
  TRY(get_num(x, obj, path, "ema_loss_alpha", 0, 1, 1, 0, &b->ema_loss_alpha));
  TRY(get_bool(x, obj, path, "normalize_losses", &b->normalize_losses));
  TRY(get_bool(x, obj, path, "clip_loss_norm_to_3_sigma", &b->clip_loss_norm_to_3_sigma));
  TRY(get_int(x, obj, path, "min_max_queue_length", 1, INT32_MAX, &b->min_max_queue_length));
  TRY(get_num(x, obj, path, "max_loss_value", 0, 1e300, 1, 0, &b->max_loss_value));
  return get_int(x, obj, path, "buffer_size", 1, INT64_MAX, &b->buffer_size);
}

static int parse_root(ctx *x, json_t *root, study_config *c) {
  static const char *const top[] = {"problem",
                                    "pde",
                                    "nb_sims",
                                    "concurrent_sims",
                                    "seed",
                                    "sampler",
                                    "deterministic",
                                    "surrogate",
                                    "buffer",
                                    "batches_per_sim",
                                    "loss",
                                    "nn_updates",
                                    "min_finished_between_generations",
                                    "generation_size",
                                    "validation",
                                    "breed",
                                    "sbal",
                                    "ogas",
                                    "mpi",
                                    "tuning",
                                    "comment"};
  if (!json_is_object(root)) return bad(x, "the study config must be a JSON object");
  TRY(check_keys(x, root, "", top, sizeof top / sizeof *top));
  const char *s = NULL;
  json_t *sec;
  if (!json_object_get(root, "problem"))
    return bad(x, "problem: required (ks1d, burgers1d, grayscott2d, heat2d, ks2d, kolmogorov2d)");
  TRY(get_str(x, root, "", "problem", &s));
  const pde_problem *p = pde_find(s);
  if (!p)
    return bad(
        x,
        "problem: unknown problem '%s' (ks1d, burgers1d, grayscott2d, heat2d, ks2d, kolmogorov2d)",
        s);
  snprintf(c->problem, sizeof c->problem, "%s", s);

  TRY(get_section(x, root, "pde", &sec));
  if (sec) {
    static const char *const keys[] = {"grid", "n_steps", "dt_output", "substeps", "warmup_steps"};
    TRY(check_keys(x, sec, "pde", keys, 5));
    int64_t grid = 0, n_steps = 0, substeps = 0, warmup = 0;
    double dt = 0;
    TRY(get_int(x, sec, "pde", "grid", 0, 1 << 16, &grid));
    TRY(get_int(x, sec, "pde", "n_steps", 0, 1000000, &n_steps));
    TRY(get_int(x, sec, "pde", "substeps", 0, 100000000, &substeps));
    TRY(get_num(x, sec, "pde", "dt_output", 0, 1e30, 0, 0, &dt));
    TRY(get_int(x, sec, "pde", "warmup_steps", -1, 1000000, &warmup));
    c->pde.warmup_steps = (long)warmup;
    c->pde.grid = (size_t)grid, c->pde.n_steps = (size_t)n_steps;
    c->pde.substeps = (size_t)substeps, c->pde.dt_output = dt;
  }
  if (!json_object_get(root, "nb_sims")) return bad(x, "nb_sims: required");
  TRY(get_int(x, root, "", "nb_sims", 1, INT32_MAX, &c->nb_sims));
  TRY(get_int(x, root, "", "concurrent_sims", 1, 1024, &c->concurrent_sims));
  TRY(get_seed(x, root, "", "seed", &c->seed));
  s = NULL;
  TRY(get_str(x, root, "", "sampler", &s));
  if (s && study_sampler_parse(s, &c->sampler))
    return bad(x, "sampler: unknown sampler '%s' (%s)", s, STUDY_SAMPLER_NAMES);
  TRY(get_bool(x, root, "", "deterministic", &c->deterministic));

  TRY(get_section(x, root, "surrogate", &sec));
  if (sec) {
    static const char *const keys[] = {
        "width", "blocks", "lr",         "weight_decay", "grad_clip",         "batch_size",
        "arch",  "kernel", "train_loss", "lr_schedule",  "lr_final_fraction", "modes",
        "coords"};
    TRY(check_keys(x, sec, "surrogate", keys, sizeof keys / sizeof *keys));
    TRY(get_int(x, sec, "surrogate", "width", 2, 65536, &c->surrogate.width));
    TRY(get_int(x, sec, "surrogate", "blocks", 0, SURROGATE_MAX_BLOCKS, &c->surrogate.blocks));
    TRY(get_int(x, sec, "surrogate", "batch_size", 1, 1 << 20, &c->surrogate.batch_size));
    TRY(get_num(x, sec, "surrogate", "lr", 0, 1e30, 1, 0, &c->surrogate.lr));
    TRY(get_num(x, sec, "surrogate", "weight_decay", 0, 1e30, 0, 0, &c->surrogate.weight_decay));
    TRY(get_num(x, sec, "surrogate", "grad_clip", 0, 1e30, 1, 0, &c->surrogate.grad_clip));
    TRY(get_int(x, sec, "surrogate", "kernel", 1, 1 << 16, &c->surrogate.kernel));
    if (c->surrogate.kernel % 2 == 0) return bad(x, "surrogate.kernel: expected an odd number");
    const char *a = NULL;
    TRY(get_str(x, sec, "surrogate", "arch", &a));
    if (a && surrogate_arch_parse(a, &c->surrogate.arch))
      return bad(x, "surrogate.arch: unknown architecture '%s' (mlp, conv1d, fno, unet)", a);
    /* The grid networks' channels are per grid point: their default widths
       are smaller, and the UNet's default kernel is 3 (3 x 3 in 2-D). */
    if (c->surrogate.arch == SURROGATE_FNO && !json_object_get(sec, "width"))
      c->surrogate.width = 32;
    if (c->surrogate.arch == SURROGATE_UNET && !json_object_get(sec, "width"))
      c->surrogate.width = 16;
    if (c->surrogate.arch == SURROGATE_UNET && !json_object_get(sec, "kernel"))
      c->surrogate.kernel = 3;
    TRY(get_int(x, sec, "surrogate", "modes", 0, 1 << 15, &c->surrogate.modes));
    json_t *co = json_object_get(sec, "coords");
    if (co && !json_is_boolean(co))
      return bad(x, "surrogate.coords: expected a boolean, got %s", type_name(co));
    if (co) c->surrogate.coords = json_is_true(co);
    a = NULL;
    TRY(get_str(x, sec, "surrogate", "train_loss", &a));
    if (a && surrogate_train_loss_parse(a, &c->surrogate.train_loss))
      return bad(x, "surrogate.train_loss: unknown loss '%s' (mse, nrmse)", a);
    a = NULL;
    TRY(get_str(x, sec, "surrogate", "lr_schedule", &a));
    if (a && strcmp(a, "constant") && strcmp(a, "cosine"))
      return bad(x, "surrogate.lr_schedule: unknown schedule '%s' (constant, cosine)", a);
    if (a) c->surrogate.lr_cosine = !strcmp(a, "cosine");
    TRY(get_num(x, sec, "surrogate", "lr_final_fraction", 0, 1, 0, 0,
                &c->surrogate.lr_final_fraction));
  }
  TRY(get_section(x, root, "buffer", &sec));
  if (sec) {
    static const char *const keys[] = {"capacity", "min_fill"};
    TRY(check_keys(x, sec, "buffer", keys, 2));
    TRY(get_int(x, sec, "buffer", "capacity", 1, INT32_MAX, &c->buffer_capacity));
    TRY(get_int(x, sec, "buffer", "min_fill", 0, INT32_MAX, &c->buffer_min_fill));
  }
  TRY(get_num(x, root, "", "batches_per_sim", 0, 1e9, 1, 0, &c->batches_per_sim));
  s = NULL;
  TRY(get_str(x, root, "", "loss", &s));
  if (s && study_loss_parse(s, &c->loss))
    return bad(x, "loss: unknown loss '%s' (mse, rmse, nrmse)", s);
  TRY(get_int(x, root, "", "nn_updates", 1, INT32_MAX, &c->nn_updates));
  TRY(get_int(x, root, "", "min_finished_between_generations", 0, INT32_MAX,
              &c->min_finished_between_generations));
  json_t *gs = json_object_get(root, "generation_size");
  if (json_is_string(gs)) {
    if (strcmp(json_string_value(gs), "auto"))
      return bad(x, "generation_size: expected \"auto\", -1 (all) or >= 1, got '%s'",
                 json_string_value(gs));
    c->generation_size = STUDY_GENERATION_AUTO;
  } else {
    TRY(get_int(x, root, "", "generation_size", -1, INT32_MAX, &c->generation_size));
    if (gs && c->generation_size == 0)
      return bad(x, "generation_size: expected \"auto\", -1 (all) or >= 1, got 0");
  }

  TRY(get_section(x, root, "validation", &sec));
  if (sec) {
    static const char *const keys[] = {"n_sims", "seed", "rollout_steps"};
    TRY(check_keys(x, sec, "validation", keys, 3));
    TRY(get_int(x, sec, "validation", "n_sims", 1, 1000000, &c->validation_n_sims));
    TRY(get_seed(x, sec, "validation", "seed", &c->validation_seed));
    TRY(get_int(x, sec, "validation", "rollout_steps", 0, 1000000, &c->validation_rollout_steps));
  }
  /* Which seeds chose the settings: ogas compare says whether its own seeds
     are held out from them. */
  TRY(get_section(x, root, "tuning", &sec));
  if (sec) {
    static const char *const keys[] = {"seeds", "validation_seed"};
    TRY(check_keys(x, sec, "tuning", keys, 2));
    json_t *seeds = json_object_get(sec, "seeds");
    if (seeds && (!json_is_array(seeds) || json_array_size(seeds) > STUDY_MAX_TUNING_SEEDS))
      return bad(x, "tuning.seeds: expected an array of at most %d seeds", STUDY_MAX_TUNING_SEEDS);
    for (size_t i = 0; seeds && i < json_array_size(seeds); i++) {
      char name[48];
      snprintf(name, sizeof name, "tuning.seeds[%zu]", i);
      TRY(seed_value(x, json_array_get(seeds, i), name, &c->tuning.seeds[i]));
      c->tuning.n_seeds = i + 1;
    }
    if (json_object_get(sec, "validation_seed")) {
      TRY(get_seed(x, sec, "tuning", "validation_seed", &c->tuning.validation_seed));
      c->tuning.has_validation_seed = 1;
    }
  }
  /* Breed's difficulty signal is the OGAS breeder's: the settings the
     "ogas" section gives its "data" are Breed's too, unless "breed" sets
     its own. */
  TRY(get_section(x, root, "ogas", &sec));
  json_t *data = sec ? json_object_get(sec, "data") : NULL;
  if (json_is_object(data)) TRY(get_signal(x, data, "ogas.data", &c->breed));
  TRY(get_section(x, root, "breed", &sec));
  if (sec) {
    static const char *const keys[] = {"start_breed_ratio",
                                       "end_breed_ratio",
                                       "breakpoint",
                                       "sigma",
                                       "shrink",
                                       "max_oob_count",
                                       "max_oob_attempts",
                                       "non_breed_sampler",
                                       "ema_loss_alpha",
                                       "normalize_losses",
                                       "clip_loss_norm_to_3_sigma",
                                       "min_max_queue_length",
                                       "max_loss_value",
                                       "buffer_size"};
    study_breed_config *b = &c->breed;
    TRY(check_keys(x, sec, "breed", keys, sizeof keys / sizeof *keys));
    TRY(get_num(x, sec, "breed", "start_breed_ratio", 0, 1, 0, 0, &b->start_breed_ratio));
    TRY(get_num(x, sec, "breed", "end_breed_ratio", 0, 1, 0, 0, &b->end_breed_ratio));
    TRY(get_int(x, sec, "breed", "breakpoint", 1, INT32_MAX, &b->breakpoint));
    TRY(get_num(x, sec, "breed", "sigma", 0, 1e6, 1, 0, &b->sigma));
    TRY(get_num(x, sec, "breed", "shrink", 0, 1, 1, 1, &b->shrink));
    /* max_oob_attempts: this baseline's former name for max_oob_count. */
    if (json_object_get(sec, "max_oob_count") && json_object_get(sec, "max_oob_attempts"))
      return bad(x, "breed.max_oob_attempts: the former name of breed.max_oob_count, give one");
    TRY(get_int(x, sec, "breed", "max_oob_count", 0, 1000000, &b->max_oob_count));
    TRY(get_int(x, sec, "breed", "max_oob_attempts", 0, 1000000, &b->max_oob_count));
    TRY(get_signal(x, sec, "breed", b));
    s = NULL;
    TRY(get_str(x, sec, "breed", "non_breed_sampler", &s));
    if (s && sf_parse_kind(s, &b->non_breed_sampler))
      return bad(x, "breed.non_breed_sampler: unknown sampler '%s' (uniform, lhs, halton, sobol)",
                 s);
  }
  TRY(get_section(x, root, "sbal", &sec));
  if (sec) {
    static const char *const keys[] = {"members",    "pool_size",   "rollout_steps", "selection",
                                       "power_beta", "top_k_ratio", "min_finished"};
    study_sbal_config *b = &c->sbal;
    TRY(check_keys(x, sec, "sbal", keys, sizeof keys / sizeof *keys));
    TRY(get_int(x, sec, "sbal", "members", 2, SBAL_MAX_MEMBERS, &b->members));
    TRY(get_int(x, sec, "sbal", "pool_size", 1, SBAL_MAX_POOL, &b->pool_size));
    TRY(get_int(x, sec, "sbal", "rollout_steps", 1, SBAL_MAX_ROLLOUT_STEPS, &b->rollout_steps));
    TRY(get_num(x, sec, "sbal", "power_beta", 0, SBAL_MAX_POWER_BETA, 0, 0, &b->power_beta));
    TRY(get_num(x, sec, "sbal", "top_k_ratio", 0, 1, 0, 0, &b->top_k_ratio));
    TRY(get_int(x, sec, "sbal", "min_finished", 0, INT32_MAX, &b->min_finished));
    s = NULL;
    TRY(get_str(x, sec, "sbal", "selection", &s));
    if (s && study_sbal_selection_parse(s, &b->selection))
      return bad(x, "sbal.selection: unknown rule '%s' (power, top_k)", s);
  }
  TRY(get_section(x, root, "ogas", &sec));
  if (sec) {
    c->ogas_json = json_dumps(sec, JSON_COMPACT);
    if (!c->ogas_json) return bad(x, "out of memory");
  }
  /* Read by the rank runner (src/mpi/mpi_config.h), which checks it. */
  TRY(get_section(x, root, "mpi", &sec));
  if (sec) {
    c->mpi_json = json_dumps(sec, JSON_COMPACT);
    if (!c->mpi_json) return bad(x, "out of memory");
  }
  /* Across keys. */
  if (c->surrogate.arch == SURROGATE_FNO) {
    size_t ch, ny, nx;
    pde_shape(p, c->pde.grid, &ch, &ny, &nx);
    size_t lim = ny > 1 && ny < nx ? ny / 2 : nx / 2;
    if ((size_t)c->surrogate.modes > lim)
      return bad(
          x,
          "surrogate.modes: %lld Fourier modes do not fit a %zu x %zu grid (at most grid/2 = %zu)",
          (long long)c->surrogate.modes, ny, nx, lim);
    if (c->surrogate.width > 4096)
      return bad(x, "surrogate.width: at most 4096 for fno, got %lld",
                 (long long)c->surrogate.width);
  }
  if (c->surrogate.arch == SURROGATE_UNET) {
    size_t ch, ny, nx;
    pde_shape(p, c->pde.grid, &ch, &ny, &nx);
    long long f = c->surrogate.blocks <= 6 ? 1LL << c->surrogate.blocks : 0;
    if (!f || nx % f || nx / f < 2 || (ny > 1 && (ny % f || ny / f < 2)))
      return bad(
          x,
          "surrogate.blocks: a unet with %lld levels halves the grid %lld times; the %zu x %zu "
          "grid must be divisible by %lld and keep 2 points (at most 6 levels)",
          (long long)c->surrogate.blocks, (long long)c->surrogate.blocks, ny, nx, f ? f : 64);
    if (c->surrogate.width << c->surrogate.blocks > 4096)
      return bad(x, "surrogate.width: width x 2^blocks must be at most 4096 for unet");
  }
  if (c->surrogate.batch_size > c->buffer_capacity)
    return bad(x, "buffer.capacity (%lld) must be >= surrogate.batch_size (%lld)",
               (long long)c->buffer_capacity, (long long)c->surrogate.batch_size);
  if (c->buffer_min_fill > c->buffer_capacity)
    return bad(x, "buffer.min_fill (%lld) must be <= buffer.capacity (%lld)",
               (long long)c->buffer_min_fill, (long long)c->buffer_capacity);
  if (study_config_total_batches(c) < 1)
    return bad(x, "nb_sims x batches_per_sim must give at least one batch");
  return OGAS_OK;
}

int study_config_parse(const char *json, study_config *c, char *err, size_t errlen) {
  ctx x = {err, errlen};
  study_config_defaults(c);
  if (!json) return bad(&x, "no text");
  json_error_t je;
  json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
  if (!root) return bad(&x, "line %d, column %d: %s", je.line, je.column, je.text);
  int st = parse_root(&x, root, c);
  json_decref(root);
  if (st) {
    study_config_free(c);
    study_config_defaults(c);
  }
  return st;
}

int study_config_load(const char *path, study_config *c, char *err, size_t errlen) {
  study_config_defaults(c);
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) {
    if (err && errlen) snprintf(err, errlen, "study config: cannot open '%s'", path ? path : "");
    return OGAS_EIO;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + len, 1, cap - len - 1, f);
    len += got;
    if (len + 1 < cap) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb, cap *= 2;
  }
  int io = ferror(f);
  fclose(f);
  if (!buf) {
    if (err && errlen) snprintf(err, errlen, "study config: out of memory");
    return OGAS_ENOMEM;
  }
  if (io) {
    free(buf);
    if (err && errlen) snprintf(err, errlen, "study config: cannot read '%s'", path);
    return OGAS_EIO;
  }
  buf[len] = '\0';
  int st = study_config_parse(buf, c, err, errlen);
  free(buf);
  return st;
}
