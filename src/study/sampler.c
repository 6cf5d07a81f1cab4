#include "study/sampler.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ogas.h"
#include "util/clock.h"
#include "util/status_msg.h"

static const char *const sampler_names[] = {"uniform", "lhs",  "halton", "sobol",
                                            "breed",   "ogas", "sbal"};

int study_sampler_parse(const char *name, study_sampler_kind *out) {
  if (!name || !out) return -1;
  for (int i = 0; i < (int)(sizeof sampler_names / sizeof *sampler_names); i++)
    if (!strcmp(name, sampler_names[i])) {
      *out = (study_sampler_kind)i;
      return 0;
    }
  return -1;
}

const char *study_sampler_name(study_sampler_kind k) {
  return (unsigned)k < sizeof sampler_names / sizeof *sampler_names ? sampler_names[k] : "unknown";
}

struct study_sampler {
  study_sampler_config cfg;
  size_t d;
  int64_t n;
  double *lower, *upper, *row; /* one block of 3 d */
  pthread_mutex_t lock;
  double cpu_s; /* calling threads' CPU time inside the calls */
  int64_t generation;
  char err[512];
  /* table samplers (all but ogas) */
  double *table; /* n x d */
  int *is_bred;  /* n */
  space_filling *sf;
  study_breed *breed; /* breed only */
  /* sbal */
  study_pool_scorer scorer;
  void *scorer_ctx;
  int64_t n_finished;
  ogas_rng pick_rng;
  double *pool, *scores, *pick_work; /* pool_size x d, pool_size, 2 pool_size */
  size_t *chosen;                    /* pool_size */
  /* ogas */
  ogas_breeder *breeder;
  int ogas_async;
};

static int fail(study_sampler *s, int st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof s->err, fmt, ap);
  va_end(ap);
  return st;
}

/* Unit-cube points to the box, row by row. */
static void to_box(const study_sampler *s, const double *unit, size_t rows, double *out) {
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < s->d; i++)
      out[r * s->d + i] = s->lower[i] + unit[r * s->d + i] * (s->upper[i] - s->lower[i]);
}

static int draw_space_filling(study_sampler *s, size_t rows, double *out) {
  if (!rows) return OGAS_OK;
  int st = sf_next(s->sf, rows, out);
  if (st) return fail(s, st, "sampler: space-filling draw of %zu points failed", rows);
  to_box(s, out, rows, out);
  return OGAS_OK;
}

/* Build the breeder's JSON from the "ogas" section plus the study's own
   settings; returns a malloc'd string or NULL with err set. */
static char *ogas_config_json(const study_sampler_config *c, int *async_out, char *err,
                              size_t errlen) {
  json_t *root;
  if (c->ogas_json && *c->ogas_json) {
    json_error_t je;
    root = json_loads(c->ogas_json, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
      status_msg(0, err, errlen, "ogas: %s", je.text);
      return NULL;
    }
    if (!json_is_object(root)) {
      json_decref(root);
      status_msg(0, err, errlen, "ogas: the \"ogas\" section must be an object");
      return NULL;
    }
  } else {
    root = json_object();
  }
  static const char *const owned[] = {"nb_params",       "l_bounds", "u_bounds",
                                      "parameter_names", "nb_sims",  "seed"};
  for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
    if (json_object_get(root, owned[i])) {
      status_msg(0, err, errlen, "ogas.%s: set by the study (problem, nb_sims, seed), remove it",
                 owned[i]);
      json_decref(root);
      return NULL;
    }
  json_t *lo = json_array(), *hi = json_array(), *names = json_array();
  for (size_t i = 0; i < c->nb_params; i++) {
    json_array_append_new(lo, json_real(c->lower[i]));
    json_array_append_new(hi, json_real(c->upper[i]));
    if (c->param_names) json_array_append_new(names, json_string(c->param_names[i]));
  }
  json_object_set_new(root, "nb_params", json_integer((json_int_t)c->nb_params));
  json_object_set_new(root, "l_bounds", lo);
  json_object_set_new(root, "u_bounds", hi);
  if (c->param_names)
    json_object_set_new(root, "parameter_names", names);
  else
    json_decref(names);
  json_object_set_new(root, "nb_sims", json_integer((json_int_t)c->nb_sims));
  char seed[32];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
  if (c->seed <= (uint64_t)INT64_MAX)
    json_object_set_new(root, "seed", json_integer((json_int_t)c->seed));
  else
    json_object_set_new(root, "seed", json_string(seed));
  json_t *br = json_object_get(root, "breeder");
  if (!br) {
    br = json_object();
    json_object_set_new(root, "breeder", br);
  }
  int async = 1;
  if (json_is_object(br)) {
    if (c->ogas_force_sync) json_object_set_new(br, "async_training", json_false());
    json_t *a = json_object_get(br, "async_training");
    if (json_is_boolean(a)) async = json_is_true(a);
  }
  *async_out = async;
  char *text = json_dumps(root, JSON_COMPACT);
  json_decref(root);
  if (!text) status_msg(0, err, errlen, "ogas: out of memory");
  return text;
}

int study_sampler_create(const study_sampler_config *cfg, study_sampler **out, char *err,
                         size_t errlen) {
  if (out) *out = NULL;
  if (!cfg || !out || !cfg->lower || !cfg->upper) {
    status_msg(0, err, errlen, "sampler: NULL argument");
    return OGAS_EINVAL;
  }
  if (cfg->nb_params < 1 || cfg->nb_sims < 1 || (uint64_t)cfg->nb_sims > (UINT64_C(1) << 40)) {
    status_msg(0, err, errlen, "sampler: nb_params and nb_sims must be >= 1");
    return OGAS_EINVAL;
  }
  for (size_t i = 0; i < cfg->nb_params; i++)
    if (!(cfg->lower[i] < cfg->upper[i]) || !isfinite(cfg->upper[i] - cfg->lower[i])) {
      status_msg(0, err, errlen, "sampler: bound %zu is empty or not finite", i);
      return OGAS_EINVAL;
    }
  const study_breed_config *bc = &cfg->breed;
  const char *bad_key = cfg->kind == STUDY_SAMPLER_BREED  ? study_breed_config_check(bc)
                        : cfg->kind == STUDY_SAMPLER_SBAL ? study_sbal_config_check(&cfg->sbal)
                                                          : NULL;
  if (bad_key) {
    status_msg(0, err, errlen, "%s.%s: out of range (see src/study/study_config.h)",
               study_sampler_name(cfg->kind), bad_key);
    return OGAS_EINVAL;
  }
  if ((unsigned)cfg->kind > STUDY_SAMPLER_SBAL) {
    status_msg(0, err, errlen, "sampler: unknown kind");
    return OGAS_EINVAL;
  }
  study_sampler *s = calloc(1, sizeof *s);
  if (!s) {
    status_msg(0, err, errlen, "sampler: out of memory");
    return OGAS_ENOMEM;
  }
  if (pthread_mutex_init(&s->lock, NULL)) {
    free(s);
    status_msg(0, err, errlen, "sampler: cannot create a mutex");
    return OGAS_ENOMEM;
  }
  s->cfg = *cfg;
  s->cfg.param_names = NULL;
  s->cfg.ogas_json = NULL;
  s->d = cfg->nb_params;
  s->n = cfg->nb_sims;
  size_t d = s->d, n = (size_t)s->n;
  s->lower = malloc(3 * d * sizeof(double));
  if (!s->lower) goto nomem;
  s->upper = s->lower + d;
  s->row = s->upper + d;
  s->cfg.lower = s->lower, s->cfg.upper = s->upper;
  memcpy(s->lower, cfg->lower, d * sizeof(double));
  memcpy(s->upper, cfg->upper, d * sizeof(double));

  if (cfg->kind == STUDY_SAMPLER_OGAS) {
    char *json = ogas_config_json(cfg, &s->ogas_async, err, errlen);
    if (!json) {
      study_sampler_free(s);
      return OGAS_EINVAL;
    }
    char berr[512];
    int st = ogas_breeder_create(json, &s->breeder, berr, sizeof berr);
    free(json);
    if (st) {
      status_msg(0, err, errlen, "ogas: %s", berr);
      study_sampler_free(s);
      return st;
    }
    *out = s;
    return OGAS_OK;
  }

  sf_kind kind = cfg->kind == STUDY_SAMPLER_BREED  ? bc->non_breed_sampler
                 : cfg->kind == STUDY_SAMPLER_SBAL ? SF_UNIFORM
                                                   : (sf_kind)cfg->kind;
  char serr[256];
  int st = sf_create(kind, d, cfg->seed, &s->sf, serr, sizeof serr);
  if (st) {
    status_msg(0, err, errlen, "sampler: %s", serr);
    study_sampler_free(s);
    return st;
  }
  s->table = malloc(n * d * sizeof(double));
  s->is_bred = calloc(n, sizeof(int));
  if (!s->table || !s->is_bred) goto nomem;
  if (cfg->kind == STUDY_SAMPLER_BREED &&
      study_breed_create(bc, d, s->n, s->lower, s->upper, cfg->seed, &s->breed))
    goto nomem;
  if (cfg->kind == STUDY_SAMPLER_SBAL) {
    size_t m = (size_t)cfg->sbal.pool_size;
    s->pool = malloc(m * d * sizeof(double));
    s->scores = malloc(m * sizeof(double));
    s->pick_work = malloc(2 * m * sizeof(double));
    s->chosen = malloc(m * sizeof(size_t));
    if (!s->pool || !s->scores || !s->pick_work || !s->chosen) goto nomem;
    ogas_rng_seed(&s->pick_rng, cfg->seed, 0x5BA1u);
  }
  st = draw_space_filling(s, n, s->table);
  if (st) {
    status_msg(0, err, errlen, "%s", s->err);
    study_sampler_free(s);
    return st;
  }
  *out = s;
  return OGAS_OK;
nomem:
  study_sampler_free(s);
  status_msg(0, err, errlen, "sampler: out of memory");
  return OGAS_ENOMEM;
}

void study_sampler_free(study_sampler *s) {
  if (!s) return;
  ogas_breeder_free(s->breeder);
  sf_free(s->sf);
  pthread_mutex_destroy(&s->lock);
  study_breed_free(s->breed);
  free(s->lower), free(s->table), free(s->is_bred);
  free(s->pool), free(s->scores), free(s->pick_work), free(s->chosen);
  free(s);
}

const char *study_sampler_errmsg(study_sampler *s) { return s ? s->err : ""; }
study_sampler_kind study_sampler_get_kind(const study_sampler *s) { return s->cfg.kind; }
struct ogas_breeder *study_sampler_breeder(study_sampler *s) {
  return s ? s->breeder : NULL;
}

/* Each public call: lock, time the calling thread, unlock. */
#define TIMED_BEGIN(s)            \
  pthread_mutex_lock(&(s)->lock); \
  double cpu0_ = thread_cpu_s()
#define TIMED_END(s)                    \
  (s)->cpu_s += thread_cpu_s() - cpu0_; \
  pthread_mutex_unlock(&(s)->lock)

int study_sampler_get(study_sampler *s, int64_t sim_id, double *params, int *is_bred) {
  if (!s || !params) return OGAS_EINVAL;
  TIMED_BEGIN(s);
  int st = OGAS_OK;
  if (sim_id < 0 || sim_id >= s->n) {
    st = fail(s, OGAS_ERANGE, "sampler: sim id %lld is outside 0..%lld", (long long)sim_id,
              (long long)(s->n - 1));
  } else if (s->breeder) {
    st = ogas_get_parameters(s->breeder, sim_id, params, is_bred);
    if (st) fail(s, st, "ogas: %s", ogas_errmsg(s->breeder));
  } else {
    memcpy(params, s->table + (size_t)sim_id * s->d, s->d * sizeof(double));
    if (is_bred) *is_bred = s->is_bred[sim_id];
  }
  TIMED_END(s);
  return st;
}

int study_sampler_record(study_sampler *s, const int64_t *sim_ids, const int64_t *time_steps,
                         const double *values, size_t n, int64_t batch_idx) {
  if (!s || (n && (!sim_ids || !values))) return OGAS_EINVAL;
  TIMED_BEGIN(s);
  int st = OGAS_OK;
  if (s->breeder) {
    st = ogas_record_increments(s->breeder, sim_ids, time_steps, values, n, batch_idx);
    if (!st && !s->ogas_async) st = ogas_train_sampler(s->breeder, 0);
    if (st) fail(s, st, "ogas: %s", ogas_errmsg(s->breeder));
  } else if (s->breed) {
    study_breed_record(s->breed, sim_ids, values, n);
  }
  TIMED_END(s);
  return st;
}

int study_sampler_finished(study_sampler *s, int64_t sim_id) {
  if (!s) return OGAS_EINVAL;
  if (sim_id < 0 || sim_id >= s->n) return OGAS_ERANGE;
  TIMED_BEGIN(s);
  if (s->breed) study_breed_finished(s->breed, sim_id);
  s->n_finished++;
  TIMED_END(s);
  return OGAS_OK;
}

/* Breed: rewrite the rows not started yet. */
static int breed_resample(study_sampler *s, int64_t first, int64_t count, study_generation *g) {
  study_breed_generation bg;
  int st =
      study_breed_resample(s->breed, g->generation, s->sf, s->table, s->is_bred, first, count, &bg);
  if (st) return fail(s, st, "sampler: space-filling draw of %lld points failed", (long long)count);
  g->breed_ratio = bg.breed_ratio;
  g->n_bred = bg.n_bred, g->n_non_bred = bg.n_non_bred;
  g->n_oob_regenerated = bg.n_oob_regenerated, g->n_clipped = bg.n_parent_copies;
  snprintf(g->note, sizeof g->note, "%s", bg.note);
  return OGAS_OK;
}

/* SBAL: score a uniform pool, put the chosen candidates into the rows not
   started yet. */
static int sbal_resample(study_sampler *s, int64_t first, int64_t count, study_generation *g) {
  const study_sbal_config *c = &s->cfg.sbal;
  if (s->n_finished < c->min_finished) {
    snprintf(g->note, sizeof g->note, "sbal waits for %lld finished simulations (%lld so far)",
             (long long)c->min_finished, (long long)s->n_finished);
    return OGAS_OK;
  }
  if (!s->scorer) return fail(s, OGAS_EINVAL, "sbal: no scorer (the study sets one)");
  size_t m = (size_t)c->pool_size, k = (size_t)count < m ? (size_t)count : m;
  int st = draw_space_filling(s, m, s->pool);
  if (st) return st;
  char err[256] = "";
  st = s->scorer(s->scorer_ctx, s->pool, m, s->scores, err, sizeof err);
  if (st) return fail(s, st, "sbal: scoring the pool failed: %s", err);
  size_t by_score = 0;
  k = study_sbal_select(c, &s->pick_rng, s->scores, m, k, s->chosen, &by_score, s->pick_work);
  for (size_t j = 0; j < k; j++) {
    memcpy(s->table + (size_t)(first + (int64_t)j) * s->d, s->pool + s->chosen[j] * s->d,
           s->d * sizeof(double));
    s->is_bred[first + (int64_t)j] = j < by_score;
  }
  if (!k) {
    snprintf(g->note, sizeof g->note, "sbal: no candidate of the pool could start; rows kept");
    return OGAS_OK;
  }
  g->first_id = first, g->last_id = first + (int64_t)k - 1;
  g->n_bred = (int64_t)by_score, g->n_non_bred = (int64_t)(k - by_score);
  g->breed_ratio = (double)by_score / (double)k;
  if ((int64_t)k < count)
    snprintf(g->note, sizeof g->note, "%zu of the pool's %zu candidates chosen for %lld rows", k, m,
             (long long)count);
  return OGAS_OK;
}

static int ogas_resample(study_sampler *s, int64_t last_started, int64_t max_count,
                         study_generation *g) {
  size_t staged = 0;
  int st = ogas_next_parameters(s->breeder, max_count, &staged);
  if (st) return fail(s, st, "ogas: %s", ogas_errmsg(s->breeder));
  st = ogas_concretize_resampled_parameters(s->breeder, last_started, &g->first_id, &g->last_id);
  if (st) return fail(s, st, "ogas: %s", ogas_errmsg(s->breeder));
  g->generation = ogas_current_generation(s->breeder);
  ogas_generation_info info = OGAS_GENERATION_INFO_INIT;
  if (ogas_generation_info_get(s->breeder, g->generation, &info) == OGAS_OK) {
    g->breed_ratio = info.breed_ratio;
    g->n_oob_regenerated = info.n_oob_regenerated;
    g->n_clipped = info.n_clipped;
    snprintf(g->note, sizeof g->note, "%s", info.not_bred_reason);
  }
  /* Count what was actually written (staging may exceed the rows left). */
  g->n_bred = g->n_non_bred = 0;
  for (int64_t id = g->first_id; id >= 0 && id <= g->last_id; id++) {
    int bred = 0;
    if (ogas_get_parameters(s->breeder, id, s->row, &bred) != OGAS_OK) break;
    if (bred)
      g->n_bred++;
    else
      g->n_non_bred++;
  }
  return OGAS_OK;
}

int study_sampler_resample(study_sampler *s, int64_t last_started_id, int64_t max_count,
                           study_generation *info) {
  if (!s) return OGAS_EINVAL;
  if (last_started_id < -1 || last_started_id >= s->n) return OGAS_ERANGE;
  study_generation g;
  memset(&g, 0, sizeof g);
  g.first_id = g.last_id = -1;
  TIMED_BEGIN(s);
  int st = OGAS_OK;
  g.generation = ++s->generation;
  int64_t first = last_started_id + 1, room = s->n - first;
  int64_t count = max_count < 0 || max_count > room ? room : max_count;
  if (s->breeder) {
    st = ogas_resample(s, last_started_id, max_count, &g);
  } else if (s->cfg.kind == STUDY_SAMPLER_BREED && count > 0) {
    st = breed_resample(s, first, count, &g);
    if (!st) g.first_id = first, g.last_id = first + count - 1;
  } else if (s->cfg.kind == STUDY_SAMPLER_SBAL && count > 0) {
    st = sbal_resample(s, first, count, &g);
  } else if (count > 0) {
    snprintf(g.note, sizeof g.note, "%s keeps its sequence", study_sampler_name(s->cfg.kind));
  }
  TIMED_END(s);
  if (info) *info = g;
  return st;
}

void study_sampler_set_scorer(study_sampler *s, study_pool_scorer scorer, void *ctx) {
  pthread_mutex_lock(&s->lock);
  s->scorer = scorer, s->scorer_ctx = ctx;
  pthread_mutex_unlock(&s->lock);
}

void study_sampler_add_cpu_s(study_sampler *s, double seconds) {
  pthread_mutex_lock(&s->lock);
  s->cpu_s += seconds;
  pthread_mutex_unlock(&s->lock);
}

double study_sampler_cpu_s(study_sampler *s) {
  if (!s) return 0;
  pthread_mutex_lock(&s->lock);
  double t = s->cpu_s;
  pthread_mutex_unlock(&s->lock);
  if (s->breeder && s->ogas_async) {
    ogas_stats st = OGAS_STATS_INIT;
    if (ogas_get_stats(s->breeder, &st) == OGAS_OK) t += st.train_cpu_s;
  }
  return t;
}
