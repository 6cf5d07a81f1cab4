/* breeder — the public API of libogas (include/ogas.h): creation, the
 * parameter table, the difficulty signal, concretisation and introspection.
 * Generation lives in generation.c, training in trainer.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "breeder/breeder_internal.h"
#include "nn/blas_threads.h"
#include "util/status_msg.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char *ogas_version(void) {
  return STR(OGAS_VERSION_MAJOR) "." STR(OGAS_VERSION_MINOR) "." STR(OGAS_VERSION_PATCH);
}

const char *ogas_status_name(ogas_status s) {
  static const char *names[] = {"OGAS_OK",       "OGAS_EINVAL", "OGAS_ENOMEM", "OGAS_EIO",
                                "OGAS_ECORRUPT", "OGAS_ESTATE", "OGAS_ERANGE"};
  return (unsigned)s < sizeof names / sizeof *names ? names[s] : "OGAS_UNKNOWN";
}

/* The calling thread's last message and the breeder it is about: a thread
   reads its own call's message whatever other threads do meanwhile. */
static _Thread_local struct {
  const ogas_breeder *b;
  char msg[BREEDER_MSG_LEN];
} last_message;

ogas_status breeder_fail(ogas_breeder *b, ogas_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_message.msg, sizeof last_message.msg, fmt, ap);
  va_end(ap);
  last_message.b = b;
  return st;
}

int breeder_enter(ogas_breeder *b) {
  pthread_mutex_lock(&b->entry_lock);
  int open = !b->closing;
  if (open) b->calls_in_flight++;
  pthread_mutex_unlock(&b->entry_lock);
  if (!open) breeder_fail(b, OGAS_ESTATE, "the breeder is being freed (ogas_breeder_free)");
  return open;
}

void breeder_leave(ogas_breeder *b) {
  pthread_mutex_lock(&b->entry_lock);
  if (--b->calls_in_flight == 0 && b->closing) pthread_cond_broadcast(&b->entry_cv);
  pthread_mutex_unlock(&b->entry_lock);
}

/* Bytes of the tables nb_sims and nb_params call for (SIZE_MAX on
   overflow): per simulation the table, staging, generation buffers and
   difficulty signal, 28 d + 42 bytes; per reservoir entry 4 d + 46 (the
   entry, 4 d + 14, and the per-entry scratch of training and generation). */
static size_t table_bytes(const ogas_config *c) {
  size_t d = c->nb_params, per_sim, per_entry, a, b2, total;
  if (__builtin_mul_overflow(d, (size_t)28, &per_sim) ||
      __builtin_add_overflow(per_sim, (size_t)42, &per_sim) ||
      __builtin_mul_overflow(per_sim, (size_t)c->nb_sims, &a))
    return SIZE_MAX;
  if (__builtin_mul_overflow(d, (size_t)4, &per_entry) ||
      __builtin_add_overflow(per_entry, (size_t)46, &per_entry) ||
      __builtin_mul_overflow(per_entry, (size_t)c->data.buffer_size, &b2) ||
      __builtin_add_overflow(a, b2, &total))
    return SIZE_MAX;
  return total;
}

/* The memory a process can have: the machine's RAM, or less under a
   ulimit -v / -d. *what says which bound it is. */
static size_t memory_limit(const char **what) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t limit = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : SIZE_MAX;
  *what = "this machine's memory";
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit)
    limit = (size_t)rl.rlim_cur, *what = "the process's address-space limit (ulimit -v)";
  if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit)
    limit = (size_t)rl.rlim_cur, *what = "the process's data limit (ulimit -d)";
  return limit;
}

static ogas_status create_from_config(ogas_config *cfg, ogas_breeder **out, char *errbuf,
                                      size_t errlen);

ogas_status ogas_breeder_create(const char *config_json, ogas_breeder **out, char *errbuf,
                                size_t errlen) {
  if (out) *out = NULL;
  if (!config_json || !out) {
    status_msg(0, errbuf, errlen, "ogas_breeder_create: config_json and out must not be NULL");
    return OGAS_EINVAL;
  }
  ogas_config cfg;
  ogas_config_defaults(&cfg);
  int st = ogas_config_parse(config_json, &cfg, errbuf, errlen);
  if (st != OGAS_OK) return (ogas_status)st;
  return create_from_config(&cfg, out, errbuf, errlen);
}

ogas_status ogas_breeder_create_from_file(const char *path, ogas_breeder **out, char *errbuf,
                                          size_t errlen) {
  if (out) *out = NULL;
  if (!path || !out) {
    status_msg(0, errbuf, errlen, "ogas_breeder_create_from_file: path and out must not be NULL");
    return OGAS_EINVAL;
  }
  ogas_config cfg;
  ogas_config_defaults(&cfg);
  int st = ogas_config_load_file(path, &cfg, errbuf, errlen);
  if (st != OGAS_OK) return (ogas_status)st;
  return create_from_config(&cfg, out, errbuf, errlen);
}

/* Normalised z = 2(x - l)/(u - l) - 1. */
void breeder_table_z_update(ogas_breeder *b, int64_t first, int64_t n) {
  size_t d = b->d;
  for (size_t i = (size_t)first; i < (size_t)(first + n); i++)
    for (size_t k = 0; k < d; k++) {
      double l = b->cfg.l_bounds[k], u = b->cfg.u_bounds[k];
      b->table_z[i * d + k] = (float)(2.0 * (b->table[i * d + k] - l) / (u - l) - 1.0);
    }
}

int breeder_entry_trainable(const ogas_breeder *b, int64_t slot) {
  if (b->cfg.breeder.train_only_with_non_breed_samples && b->res.is_bred[slot]) return 0;
  return !b->res.unscored[slot];
}

/* Quickselect of the k-th smallest of x[0..n), reordering x. */
static float kth_smallest(float *x, int64_t n, int64_t k) {
  int64_t lo = 0, hi = n - 1;
  while (lo < hi) {
    float pivot = x[(lo + hi) / 2];
    int64_t i = lo, j = hi;
    while (i <= j) {
      while (x[i] < pivot) i++;
      while (x[j] > pivot) j--;
      if (i <= j) {
        float t = x[i];
        x[i++] = x[j], x[j--] = t;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      break;
  }
  return x[k];
}

float breeder_condition_quantile(ogas_breeder *b, double q, int only_trainable) {
  int64_t n = 0;
  if (only_trainable)
    for (int64_t i = 0; i < b->n_trainable; i++)
      b->condition_scratch[n++] = b->res.c[b->trainable_slots[i]];
  else
    for (int64_t slot = 0; slot < b->res.count; slot++) b->condition_scratch[n++] = b->res.c[slot];
  return n ? kth_smallest(b->condition_scratch, n, (int64_t)(q * (double)(n - 1))) : 0.0f;
}

static void index_trainable(ogas_breeder *b) {
  int64_t n = 0;
  for (int64_t slot = 0; slot < b->res.count; slot++)
    if (breeder_entry_trainable(b, slot)) b->trainable_slots[n++] = slot;
  b->n_trainable = n;
  /* The focus set: trainable entries at or above the focus quantile. Drawing
     part of each minibatch from it changes how often the model sees high
     conditions, not what it learns about z given c. */
  float c_focus = breeder_condition_quantile(b, b->cfg.data.focus_quantile, 1);
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++)
    if (b->res.c[b->trainable_slots[i]] >= c_focus) b->focus_slots[m++] = b->trainable_slots[i];
  b->n_focus = m;
  b->index_stale = 0;
}

int64_t breeder_trainable_count(ogas_breeder *b) {
  if (b->index_stale) index_trainable(b);
  return b->n_trainable;
}

/* Everything is sized here (FFTW-style planning), so that generation and
   training do no setup work. Takes ownership of *cfg. */
static ogas_status create_from_config(ogas_config *cfg, ogas_breeder **out, char *errbuf,
                                      size_t errlen) {
  const char *bound;
  size_t need = table_bytes(cfg), limit = memory_limit(&bound);
  if (need > limit) {
    status_msg(0, errbuf, errlen,
               "config: nb_sims: %lld simulations of %zu parameters (with data.buffer_size "
               "%lld) need %.3g GB for the breeder's tables (%zu bytes per simulation), more "
               "than %s (%.3g GB)",
               (long long)cfg->nb_sims, cfg->nb_params, (long long)cfg->data.buffer_size,
               need == SIZE_MAX ? INFINITY : (double)need / 1e9, 28 * cfg->nb_params + 42, bound,
               (double)limit / 1e9);
    ogas_config_free(cfg);
    return OGAS_ENOMEM;
  }
  ogas_breeder *b = calloc(1, sizeof *b);
  if (!b) {
    ogas_config_free(cfg);
    status_msg(0, errbuf, errlen, "out of memory");
    return OGAS_ENOMEM;
  }
  b->cfg = *cfg; /* ownership moves */
  b->d = cfg->nb_params;
  b->nb_sims = cfg->nb_sims;
  b->highest_known_id = b->logged_upto = -1;
  b->fd_children = b->fd_gens = -1;
  pthread_mutex_init(&b->gen_lock, NULL);
  pthread_mutex_init(&b->train_lock, NULL);
  pthread_mutex_init(&b->log_lock, NULL);
  pthread_mutex_init(&b->lock, NULL);
  pthread_mutex_init(&b->snap_lock, NULL);
  pthread_mutex_init(&b->entry_lock, NULL);
  pthread_cond_init(&b->work_cv, NULL);
  pthread_cond_init(&b->idle_cv, NULL);
  pthread_cond_init(&b->entry_cv, NULL);

  size_t N = (size_t)b->nb_sims, d = b->d;
  int64_t cap = b->cfg.data.buffer_size;
  normalize_mode mode = !b->cfg.data.normalize_losses           ? NORMALIZE_OFF
                        : b->cfg.data.clip_loss_norm_to_3_sigma ? NORMALIZE_3_SIGMA
                                                                : NORMALIZE_MIN_MAX;
  char sferr[256] = "";
  int ok = 1;
  b->table = malloc(N * d * sizeof(double));
  b->table_z = malloc(N * d * sizeof(float));
  b->is_bred = calloc(N, 1);
  b->row_generation = calloc(N, sizeof(int32_t));
  b->staged = malloc(N * d * sizeof(double));
  b->staged_bred = calloc(N, 1);
  b->touched_call = calloc(N, sizeof(int64_t));
  b->obs_c = malloc((size_t)cap * sizeof(float));
  b->obs_scratch = malloc((size_t)cap * sizeof(double));
  b->targets = malloc(N * sizeof(float));
  b->cand = malloc(N * d * sizeof(float));
  b->unit = malloc(N * d * sizeof(double));
  b->order = malloc(N * sizeof(int64_t));
  b->retry_z = malloc((size_t)GENERATION_CHUNK * d * sizeof(float));
  b->retry_c = malloc((size_t)GENERATION_CHUNK * sizeof(float));
  b->trainable_slots = malloc((size_t)cap * sizeof(int64_t));
  b->focus_slots = malloc((size_t)cap * sizeof(int64_t));
  b->condition_scratch = malloc((size_t)cap * sizeof(float));
  ok = b->trainable_slots && b->focus_slots && b->condition_scratch && b->retry_z && b->retry_c &&
       b->table && b->table_z && b->is_bred && b->row_generation && b->staged && b->staged_bred &&
       b->touched_call && b->obs_c && b->obs_scratch && b->targets && b->cand && b->unit &&
       b->order;
  ok = ok && signal_init(&b->signal, b->nb_sims, b->cfg.data.ema_loss_alpha, mode,
                         (int)b->cfg.data.min_max_queue_length, b->cfg.data.max_loss_value) == 0;
  ok = ok && reservoir_init(&b->res, (int)d, cap) == 0;
  ok = ok && trainer_init(b) == 0;
  if (ok) {
    b->snapshot = malloc(b->tr.model.n_params * sizeof(float));
    b->sampler = ddpm_sampler_create(&b->tr.ddpm_cfg, GENERATION_CHUNK);
    int threads = (int)b->cfg.model.n_threads;
    if (threads > 1)
      b->sampler_team = sample_team_create(&b->tr.ddpm_cfg, GENERATION_CHUNK, threads);
    ok = b->snapshot && b->sampler && (threads < 2 || b->sampler_team);
  }
  static const sf_kind kinds[] = {SF_UNIFORM, SF_LHS, SF_HALTON, SF_SOBOL};
  int sfst =
      ok ? sf_create(kinds[b->cfg.non_breed_sampler], d, b->cfg.seed, &b->sf, sferr, sizeof sferr)
         : OGAS_ENOMEM;
  if (!ok || sfst != OGAS_OK) {
    ogas_breeder_free(b);
    return ok ? status_msg(sfst, errbuf, errlen, "config: non_breed_sampler: %s", sferr)
              : status_msg(OGAS_ENOMEM, errbuf, errlen, "out of memory while creating the breeder");
  }
  memcpy(b->snapshot, b->tr.model.ema, b->tr.model.n_params * sizeof(float));
  ogas_rng_seed(&b->gen_rng, b->cfg.seed, 1);

  /* Generation 0: the whole table from the space-filling sampler. */
  int drawn = sf_next(b->sf, N, b->unit);
  if (drawn != OGAS_OK) {
    status_msg(0, errbuf, errlen, "%s",
               drawn == OGAS_ENOMEM ? "out of memory while creating the breeder"
                                    : "the non-breed sampler cannot draw nb_sims points");
    ogas_breeder_free(b);
    return (ogas_status)drawn;
  }
  for (size_t i = 0; i < N; i++)
    for (size_t k = 0; k < d; k++) {
      double l = b->cfg.l_bounds[k], u = b->cfg.u_bounds[k];
      b->table[i * d + k] = l + b->unit[i * d + k] * (u - l);
    }
  breeder_table_z_update(b, 0, b->nb_sims);
  ogas_status tst = telemetry_open(b, errbuf, errlen);
  if (tst != OGAS_OK) {
    ogas_breeder_free(b);
    return tst;
  }
  /* Only on request: OpenBLAS's thread count is the whole process's. */
  if (b->cfg.model.blas_threads > 0) blas_set_threads((int)b->cfg.model.blas_threads);
  if (b->cfg.breeder.async_training && trainer_start(b)) {
    status_msg(0, errbuf, errlen, "cannot start the background training thread");
    ogas_breeder_free(b);
    return OGAS_ENOMEM;
  }
  *out = b;
  return OGAS_OK;
}

void ogas_breeder_free(ogas_breeder *b) {
  if (!b) return;
  /* New calls are refused from here on; training loops and waits see stop
     and return; then the calls already inside are waited for. */
  pthread_mutex_lock(&b->entry_lock);
  b->closing = 1;
  pthread_mutex_unlock(&b->entry_lock);
  pthread_mutex_lock(&b->lock);
  b->tr.stop = 1;
  pthread_cond_broadcast(&b->work_cv);
  pthread_cond_broadcast(&b->idle_cv);
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_lock(&b->entry_lock);
  while (b->calls_in_flight > 0) pthread_cond_wait(&b->entry_cv, &b->entry_lock);
  pthread_mutex_unlock(&b->entry_lock);
  trainer_stop(b);
  if (b->table) {
    pthread_mutex_lock(&b->lock);
    telemetry_log_children(b, b->highest_known_id); /* best effort */
    pthread_mutex_unlock(&b->lock);
  }
  telemetry_close(b);
  if (last_message.b == b) last_message.b = NULL;
  trainer_free(b);
  ddpm_sampler_free(b->sampler);
  sample_team_free(b->sampler_team);
  sf_free(b->sf);
  signal_free(&b->signal);
  reservoir_free(&b->res);
  free(b->table), free(b->table_z), free(b->is_bred), free(b->row_generation), free(b->staged);
  free(b->staged_bred), free(b->touched_call), free(b->obs_c), free(b->obs_scratch);
  free(b->targets), free(b->cand), free(b->unit), free(b->order), free(b->snapshot);
  free(b->retry_z), free(b->retry_c);
  free(b->trainable_slots), free(b->focus_slots), free(b->condition_scratch);
  free(b->gens);
  ogas_config_free(&b->cfg);
  pthread_mutex_destroy(&b->gen_lock);
  pthread_mutex_destroy(&b->train_lock);
  pthread_mutex_destroy(&b->log_lock);
  pthread_mutex_destroy(&b->lock);
  pthread_mutex_destroy(&b->snap_lock);
  pthread_mutex_destroy(&b->entry_lock);
  pthread_cond_destroy(&b->work_cv);
  pthread_cond_destroy(&b->idle_cv);
  pthread_cond_destroy(&b->entry_cv);
  free(b);
}

const char *ogas_errmsg(const ogas_breeder *b) {
  if (!b) return "breeder is NULL";
  return last_message.b == b ? last_message.msg : "";
}

/* d and nb_sims never change after creation. */
size_t ogas_nb_params(const ogas_breeder *b) {
  if (!b || !breeder_enter((ogas_breeder *)b)) return 0;
  size_t d = b->d;
  breeder_leave((ogas_breeder *)b);
  return d;
}

int64_t ogas_nb_sims(const ogas_breeder *b) {
  if (!b || !breeder_enter((ogas_breeder *)b)) return 0;
  int64_t n = b->nb_sims;
  breeder_leave((ogas_breeder *)b);
  return n;
}

ogas_status ogas_get_parameters(ogas_breeder *b, int64_t sim_id, double *out, int *is_bred) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  pthread_mutex_lock(&b->lock);
  ogas_status st = OGAS_OK;
  if (!out)
    st = breeder_fail(b, OGAS_EINVAL, "ogas_get_parameters: out is NULL");
  else if (sim_id < 0 || sim_id >= b->nb_sims)
    st = breeder_fail(b, OGAS_ERANGE, "ogas_get_parameters: sim id %lld is outside 0..%lld",
                      (long long)sim_id, (long long)(b->nb_sims - 1));
  else {
    memcpy(out, b->table + (size_t)sim_id * b->d, b->d * sizeof(double));
    if (is_bred) *is_bred = b->is_bred[sim_id];
  }
  pthread_mutex_unlock(&b->lock);
  breeder_leave(b);
  return st;
}

/* Under `lock`: fold the values in, push the reservoir entries, grant the
   training budget. */
static ogas_status record_locked(ogas_breeder *b, const int64_t *sim_ids, const double *values,
                                 size_t n) {
  if (n > 0 && (!sim_ids || !values))
    return breeder_fail(b, OGAS_EINVAL,
                        "ogas_record_increments: sim_ids and values "
                        "must not be NULL when n > 0");
  int64_t call = ++b->record_calls;
  call_summary summary;
  call_summary_begin(&summary);
  int64_t rejected = 0, first_bad_id = 0, new_sims = 0;
  double first_bad_value = 0;
  /* Pass 1: fold accepted values into scores and the call's summary. */
  for (size_t i = 0; i < n; i++) {
    int64_t id = sim_ids[i];
    double v = values[i];
    if (id < 0 || id >= b->nb_sims) {
      b->rejected_unknown_id++;
    } else if (!isfinite(v)) {
      b->rejected_nonfinite++;
    } else if (v < 0) {
      b->rejected_negative++;
    } else {
      new_sims += b->signal.n_values[id] == 0;
      signal_add_value(&b->signal, id, v);
      call_summary_add(&summary, v);
      /* Ids are submitted in order: a value for id says every id up to it
         has been submitted (ogas.h, Conventions). */
      if (id > b->highest_known_id) b->highest_known_id = id;
      b->values_accepted++;
      continue;
    }
    if (!rejected++) first_bad_id = id, first_bad_value = v;
  }
  signal_push_call(&b->signal, &summary);
  /* Pass 2: one reservoir entry per simulation touched, judged now. */
  for (size_t i = 0; i < n; i++) {
    int64_t id = sim_ids[i];
    if (id < 0 || id >= b->nb_sims || b->signal.n_values[id] == 0 || b->touched_call[id] == call)
      continue;
    if (!isfinite(values[i]) || values[i] < 0) continue;
    /* A simulation's first entry waits to be scored by a model that never
       saw it (the check before breeding, trust.h). */
    int first_entry = b->touched_call[id] == 0 && b->cfg.breeder.trust_min_z > 0;
    b->touched_call[id] = call;
    float c = (float)signal_condition(&b->signal, b->signal.score[id]);
    reservoir_push(&b->res, b->table_z + (size_t)id * b->d, c, id, b->is_bred[id], first_entry);
    b->index_stale = 1;
  }
  trainer_grant(b, new_sims);
  if (rejected)
    breeder_fail(b, OGAS_OK,
                 "ogas_record_increments: %lld of %zu values rejected (first: sim %lld, value %g)",
                 (long long)rejected, n, (long long)first_bad_id, first_bad_value);
  return OGAS_OK;
}

ogas_status ogas_record_increments(ogas_breeder *b, const int64_t *sim_ids,
                                   const int64_t *time_steps, const double *values, size_t n,
                                   int64_t batch_idx) {
  if (!b) return OGAS_EINVAL;
  (void)time_steps; /* the score is per simulation; time steps are accepted for API parity */
  (void)batch_idx;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  pthread_mutex_lock(&b->lock);
  ogas_status st = record_locked(b, sim_ids, values, n);
  pthread_mutex_unlock(&b->lock);
  breeder_leave(b);
  return st;
}

ogas_status ogas_train_sampler(ogas_breeder *b, int64_t steps) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  ogas_status st = OGAS_OK;
  if (!b->cfg.breeder.async_training) {
    pthread_mutex_lock(&b->lock);
    int64_t want = steps > 0 ? steps : b->tr.budget_ddpm;
    if (steps > 0 && b->tr.budget_ddpm < steps) b->tr.budget_ddpm = steps;
    pthread_mutex_unlock(&b->lock);
    trainer_spend(b, want);
  } else {
    /* Background: grant the steps to the background thread and wait until it
       has spent its budget (or nothing can be trained). */
    pthread_mutex_lock(&b->lock);
    /* Saturating: two calls with huge counts must not overflow. */
    if (steps > 0)
      b->tr.budget_ddpm =
          steps > INT64_MAX - b->tr.budget_ddpm ? INT64_MAX : b->tr.budget_ddpm + steps;
    pthread_cond_broadcast(&b->work_cv);
    /* A step already taken from the budget counts until it is done. */
    while (!b->tr.stop && (b->tr.in_flight || b->res.n_unscored > 0 ||
                           (b->tr.budget_ddpm > 0 && breeder_trainable_count(b) > 0)))
      pthread_cond_wait(&b->idle_cv, &b->lock);
    pthread_mutex_unlock(&b->lock);
  }
  pthread_mutex_lock(&b->lock);
  if (b->tr.stop)
    st = breeder_fail(b, OGAS_ESTATE, "ogas_train_sampler: the breeder is being freed");
  pthread_mutex_unlock(&b->lock);
  breeder_leave(b);
  return st;
}

const char *breeder_submitted_because(const ogas_breeder *b) {
  int64_t id = b->highest_known_id;
  return id >= 0 && b->signal.n_values[id] > 0 ? "a value was reported for it"
                                               : "an earlier concretize covered it";
}

ogas_status ogas_concretize_resampled_parameters(ogas_breeder *b, int64_t last_submitted_sim_id,
                                                 int64_t *first_id, int64_t *last_id) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  pthread_mutex_lock(&b->lock);
  ogas_status st = OGAS_OK;
  int64_t first = last_submitted_sim_id + 1;
  int64_t room = b->nb_sims - first;
  int64_t n = b->n_staged < room ? b->n_staged : room;
  if (last_submitted_sim_id < -1 || last_submitted_sim_id >= b->nb_sims) {
    st = breeder_fail(b, OGAS_ERANGE,
                      "ogas_concretize_resampled_parameters: last_submitted_sim_id %lld is "
                      "outside -1..%lld",
                      (long long)last_submitted_sim_id, (long long)(b->nb_sims - 1));
  } else if (n > 0 && first <= b->highest_known_id) {
    /* Those rows ran (or are running) with their current parameters, and
       their scores describe them: rewriting them would make both lie. */
    st = breeder_fail(b, OGAS_ESTATE,
                      "ogas_concretize_resampled_parameters: last_submitted_sim_id %lld, but "
                      "sim %lld is already submitted (%s); the %lld staged children would "
                      "overwrite ids %lld..%lld: nothing changed (pass the last id submitted)",
                      (long long)last_submitted_sim_id, (long long)b->highest_known_id,
                      breeder_submitted_because(b), (long long)b->n_staged, (long long)first,
                      (long long)b->highest_known_id);
  } else {
    for (int64_t i = 0; i < n; i++) {
      memcpy(b->table + (size_t)(first + i) * b->d, b->staged + (size_t)i * b->d,
             b->d * sizeof(double));
      b->is_bred[first + i] = b->staged_bred[i];
      b->row_generation[first + i] = (int32_t)b->generation;
    }
    breeder_table_z_update(b, first, n);
    if (last_submitted_sim_id > b->highest_known_id) b->highest_known_id = last_submitted_sim_id;
    b->n_staged = 0;
    if (first_id) *first_id = n > 0 ? first : -1;
    if (last_id) *last_id = n > 0 ? first + n - 1 : -1;
    telemetry_log_children(b, last_submitted_sim_id);
  }
  pthread_mutex_unlock(&b->lock);
  if (st == OGAS_OK) telemetry_flush(b);
  breeder_leave(b);
  return st;
}

/* The config never changes after creation. */
size_t ogas_config_ignored_count(const ogas_breeder *b) {
  if (!b || !breeder_enter((ogas_breeder *)b)) return 0;
  size_t n = ogas_config_n_ignored(&b->cfg);
  breeder_leave((ogas_breeder *)b);
  return n;
}

const char *ogas_config_ignored_key(const ogas_breeder *b, size_t i) {
  if (!b || !breeder_enter((ogas_breeder *)b)) return NULL;
  const char *k = ogas_config_ignored(&b->cfg, i);
  breeder_leave((ogas_breeder *)b);
  return k;
}

int64_t ogas_current_generation(const ogas_breeder *b) {
  ogas_breeder *m = (ogas_breeder *)b;
  if (!b || !breeder_enter(m)) return 0;
  pthread_mutex_lock(&m->lock);
  int64_t g = b->generation;
  pthread_mutex_unlock(&m->lock);
  breeder_leave(m);
  return g;
}

double ogas_breed_ratio(const ogas_breeder *b) {
  ogas_breeder *m = (ogas_breeder *)b;
  if (!b || !breeder_enter(m)) return 0.0;
  pthread_mutex_lock(&m->lock);
  double r = b->breed_ratio;
  pthread_mutex_unlock(&m->lock);
  breeder_leave(m);
  return r;
}

/* Copy `full` (of the library's size) into the caller's struct of
   *struct_size bytes: the common prefix, and the bytes filled back into
   struct_size (the struct's first member). */
static ogas_status fill_sized(ogas_breeder *b, void *out, const void *full, size_t full_size,
                              const char *fn) {
  size_t want;
  memcpy(&want, out, sizeof want);
  if (want < sizeof(size_t) + sizeof(int64_t))
    return breeder_fail(b, OGAS_EINVAL,
                        "%s: out->struct_size is %zu; set it to sizeof the struct "
                        "(%zu in this library, ogas %s)",
                        fn, want, full_size, ogas_version());
  size_t n = want < full_size ? want : full_size;
  memcpy(out, full, n);
  memcpy(out, &n, sizeof n);
  return OGAS_OK;
}

ogas_status ogas_generation_info_get(ogas_breeder *b, int64_t generation,
                                     ogas_generation_info *out) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  pthread_mutex_lock(&b->lock);
  ogas_status st = OGAS_OK;
  if (!out)
    st = breeder_fail(b, OGAS_EINVAL, "ogas_generation_info_get: out is NULL");
  else if (generation < 1 || generation > b->n_gens)
    st =
        breeder_fail(b, OGAS_ERANGE, "ogas_generation_info_get: generation %lld is outside 1..%lld",
                     (long long)generation, (long long)b->n_gens);
  else {
    ogas_generation_info info = b->gens[generation - 1];
    info.struct_size = sizeof info;
    st = fill_sized(b, out, &info, sizeof info, "ogas_generation_info_get");
  }
  pthread_mutex_unlock(&b->lock);
  breeder_leave(b);
  return st;
}

ogas_status ogas_get_stats(ogas_breeder *b, ogas_stats *out) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  pthread_mutex_lock(&b->lock);
  ogas_status st = OGAS_OK;
  if (!out) {
    st = breeder_fail(b, OGAS_EINVAL, "ogas_get_stats: out is NULL");
  } else {
    ogas_stats s = {
        .struct_size = sizeof s,
        .values_accepted = b->values_accepted,
        .rejected_nonfinite = b->rejected_nonfinite,
        .rejected_negative = b->rejected_negative,
        .rejected_unknown_id = b->rejected_unknown_id,
        .reservoir_entries = b->res.count,
        .ddpm_steps = b->tr.ddpm_steps,
        .ratio_steps = b->tr.ratio_steps,
        .budget_pending = b->tr.budget_ddpm,
        .ddpm_loss = b->tr.ddpm_loss,
        .ratio_loss = b->tr.ratio_loss,
        .train_cpu_s = b->tr.cpu_s,
        .n_staged = b->n_staged,
        .highest_submitted_id = b->highest_known_id,
        .telemetry_failures = b->telemetry_failures,
    };
    st = fill_sized(b, out, &s, sizeof s, "ogas_get_stats");
  }
  pthread_mutex_unlock(&b->lock);
  breeder_leave(b);
  return st;
}

ogas_status ogas_telemetry_status(ogas_breeder *b, char *errbuf, size_t errlen) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  pthread_mutex_lock(&b->lock);
  ogas_status st = OGAS_OK;
  if (b->telemetry_failures)
    st = status_msg(OGAS_EIO, errbuf, errlen, "%lld telemetry write(s) failed; the first: %s",
                    (long long)b->telemetry_failures, b->telemetry_error);
  else if (errbuf && errlen)
    errbuf[0] = '\0';
  pthread_mutex_unlock(&b->lock);
  breeder_leave(b);
  return st;
}

ogas_status ogas_get_parameter_table(ogas_breeder *b, double *params, int *is_bred) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  pthread_mutex_lock(&b->lock);
  if (params) memcpy(params, b->table, (size_t)b->nb_sims * b->d * sizeof(double));
  if (is_bred)
    for (int64_t i = 0; i < b->nb_sims; i++) is_bred[i] = b->is_bred[i];
  pthread_mutex_unlock(&b->lock);
  breeder_leave(b);
  return OGAS_OK;
}
