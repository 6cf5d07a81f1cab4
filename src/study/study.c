/* MAP_ANONYMOUS and MAP_NORESERVE (the address-space probe below) are not POSIX. */
#define _DEFAULT_SOURCE
#include "study/study.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "nn/rng.h"
#include "ogas.h"
#include "pde/pde.h"
#include "study/buffer.h"
#include "study/ensemble.h"
#include "util/atomic_file.h"
#include "util/clock.h"
#include "util/status_msg.h"

/* Samples drawn from the buffer to fit the surrogate's normalisation. */
#define STUDY_NORM_SAMPLES 512

/* Everything one study run owns. Fields marked [M] are shared between the
   training thread and the simulation threads in concurrent mode and guarded
   by `lock`; [L] by `launch` (starting a sim and rewriting the table must not
   interleave). */
typedef struct {
  const study_config *cfg;
  const study_run_options *opts;
  const pde_problem *problem;
  pde_options pde_opt;
  size_t S, P, n_steps;
  const double *lower, *upper;
  study_sampler *sampler;
  surrogate *sur;
  study_ensemble *ensemble;    /* sbal only: sur and the members it trains */
  float *pool_states, *pool_z; /* sbal: B candidates' first states and z */
  int *pool_started;           /* sbal: B, whether each candidate's sim started */
  double ensemble_cpu;         /* sbal: training the extra members (trainer) */
  study_buffer *buf;
  study_result *res;
  ogas_rng batch_rng;
  int64_t total_batches, min_fill;
  double credit_per_step; /* batches earned per streamed step */
  double slack;           /* batches the sims may run ahead of the trainer */
  /* minibatch */
  int B;
  size_t n_norm; /* rows drawn to fit the normalisation */
  float *norm_states, *norm_next;
  float *mb_states, *mb_next, *mb_z;
  int64_t *mb_ids, *mb_ts;
  double *mb_loss;
  double *loss_sum; /* nb_sims: per-sample losses per sim (trainer only) */
  int64_t *loss_count;
  int64_t *row_generation; /* [L] nb_sims */
  size_t gen_cap;
  /* progress */
  int64_t next_id;              /* [L] first id not started */
  int64_t sims_finished;        /* [M] */
  int64_t finished_since_break; /* [M] */
  int64_t steps_streamed;       /* [M] */
  int64_t batches_done;         /* [M] */
  int break_pending;            /* trainer only */
  int failed;                   /* [M] a fatal error happened */
  int status;
  char err[512];
  double t0, sim_cpu; /* sim_cpu [M] */
  pthread_mutex_t lock, launch;
  pthread_cond_t cv;
} study;

/* Record the first error and stop every thread. Never called with [M]
   held (lock order: [L] before [M]). */
static int study_fail(study *s, int st, const char *fmt, ...) {
  pthread_mutex_lock(&s->lock);
  if (s->status == OGAS_OK) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    s->status = st;
  }
  s->failed = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->lock);
  return st;
}

/* ---- starting and finishing simulations -------------------------------- */

/* Take the next id and its parameters ([L] held by the caller in concurrent
   mode). Returns the id, or -1 when the budget is spent. */
static int64_t claim_next_sim(study *s, double *params, float *z) {
  if (s->next_id >= s->cfg->nb_sims) return -1;
  int64_t id = s->next_id++;
  int bred = 0;
  int st = study_sampler_get(s->sampler, id, params, &bred);
  if (st) {
    study_fail(s, st, "%s", study_sampler_errmsg(s->sampler));
    return -1;
  }
  memcpy(s->res->params + (size_t)id * s->P, params, s->P * sizeof(double));
  s->res->is_bred[id] = bred;
  s->res->generation[id] = s->row_generation[id];
  surrogate_normalize_params(s->P, s->lower, s->upper, params, z);
  return id;
}

/* ---- training ----------------------------------------------------------- */

static void report_progress(study *s, float loss) {
  if (!s->opts || !s->opts->progress) return;
  pthread_mutex_lock(&s->launch);
  int64_t started = s->next_id;
  pthread_mutex_unlock(&s->launch);
  pthread_mutex_lock(&s->lock);
  int64_t finished = s->sims_finished;
  pthread_mutex_unlock(&s->lock);
  study_progress p = {.batches_done = s->batches_done,
                      .batches_total = s->total_batches,
                      .sims_started = started,
                      .sims_finished = finished,
                      .nb_sims = s->cfg->nb_sims,
                      .generation = (int64_t)s->res->n_generations,
                      .last_loss = loss,
                      .elapsed_s = wall_s() - s->t0};
  s->opts->progress(s->opts->progress_ctx, &p);
}

/* sbal's scorer: each candidate's first state is the one its simulation
   would start from (the problem's initial condition after the study's
   warmup), scored by the ensemble's disagreement over the rollout. A
   candidate whose simulation cannot start scores NaN (never chosen). */
static int score_pool(void *ctx, const double *candidates, size_t n, double *scores, char *err,
                      size_t errlen) {
  study *s = ctx;
  size_t S = s->S, P = s->P, chunk = (size_t)s->B;
  for (size_t r0 = 0; r0 < n; r0 += chunk) {
    size_t m = n - r0 < chunk ? n - r0 : chunk;
    for (size_t r = 0; r < m; r++) {
      const double *p = candidates + (r0 + r) * P;
      pde_sim *sim = NULL;
      float *u = s->pool_states + r * S;
      char perr[160] = "";
      int ps = pde_sim_create(s->problem, p, &s->pde_opt, &sim, perr, sizeof perr);
      if (ps == PDE_ENOMEM) {
        pde_sim_free(sim);
        return status_msg(OGAS_ENOMEM, err, errlen, "%s", perr);
      }
      s->pool_started[r] = ps == PDE_OK; /* otherwise NaN: never chosen */
      if (sim)
        pde_sim_state(sim, u);
      else
        memset(u, 0, S * sizeof *u);
      pde_sim_free(sim);
      surrogate_normalize_params(P, s->lower, s->upper, p, s->pool_z + r * P);
    }
    int st =
        study_ensemble_disagreement(s->ensemble, s->pool_states, s->pool_z, m,
                                    (size_t)s->cfg->sbal.rollout_steps, s->cfg->loss, scores + r0);
    if (st) return status_msg(st, err, errlen, "the ensemble's rollout failed");
    for (size_t r = 0; r < m; r++)
      if (!s->pool_started[r]) scores[r0 + r] = NAN;
  }
  return OGAS_OK;
}

/* A generation break: rewrite the rows after the last started id. Caller
   holds [L] in concurrent mode. */
static int generation_break(study *s) {
  study_result *r = s->res;
  if ((size_t)r->n_generations == s->gen_cap) {
    size_t cap = s->gen_cap ? 2 * s->gen_cap : 16;
    study_generation *g = realloc(r->generations, cap * sizeof *g);
    if (!g) return study_fail(s, OGAS_ENOMEM, "study: out of memory");
    r->generations = g;
    int64_t *b = realloc(r->generation_batch, cap * sizeof *b);
    if (!b) return study_fail(s, OGAS_ENOMEM, "study: out of memory");
    r->generation_batch = b;
    s->gen_cap = cap;
  }
  study_generation g;
  int st =
      study_sampler_resample(s->sampler, s->next_id - 1, study_config_generation_rows(s->cfg), &g);
  if (st) return study_fail(s, st, "%s", study_sampler_errmsg(s->sampler));
  for (int64_t id = g.first_id; id >= 0 && id <= g.last_id; id++)
    s->row_generation[id] = g.generation;
  r->generations[r->n_generations] = g;
  r->generation_batch[r->n_generations] = s->batches_done;
  r->n_generations++;
  return OGAS_OK;
}

/* One gradient step from the buffer, the sampler's record call, and a
   generation break when one is due. Trainer thread only. */
static int train_one_batch(study *s, int concurrent) {
  int B = s->B;
  int st = study_buffer_sample(s->buf, &s->batch_rng, (size_t)B, s->mb_states, s->mb_next, s->mb_z,
                               s->mb_ids, s->mb_ts);
  if (st) return study_fail(s, st, "study: no training data (every simulation failed?)");
  if (!surrogate_has_normalization(s->sur)) {
    /* Scales from the first data seen: a draw of n_norm samples from the
       buffer when training starts (at least min_fill samples are there). */
    size_t have = study_buffer_count(s->buf), n = have < s->n_norm ? have : s->n_norm;
    st = study_buffer_sample(s->buf, &s->batch_rng, n, s->norm_states, s->norm_next, NULL, NULL,
                             NULL);
    if (!st) st = surrogate_fit_normalization(s->sur, s->norm_states, s->norm_next, n);
    if (!st && s->ensemble)
      st = study_ensemble_fit_normalization(s->ensemble, s->norm_states, s->norm_next, n);
    if (st) return study_fail(s, st, "study: the first training data are not finite");
  }
  float loss = NAN;
  st = surrogate_train_step(s->sur, s->mb_states, s->mb_next, s->mb_z, NULL, B, s->cfg->loss, &loss,
                            s->mb_loss, NULL);
  /* A non-finite loss or gradient (OGAS_ERANGE): the step is skipped
     (weights unchanged), the batch still counts, the sampler hears nothing. */
  int stepped = st == OGAS_OK;
  if (st && st != OGAS_ERANGE) return study_fail(s, st, "study: training step failed");
  st = OGAS_OK;
  if (s->ensemble) {
    /* sbal's other members learn from the same batch; their time is the
       sampler's. */
    double cpu0 = thread_cpu_s();
    int est =
        study_ensemble_train_step(s->ensemble, s->mb_states, s->mb_next, s->mb_z, B, s->cfg->loss);
    s->ensemble_cpu += thread_cpu_s() - cpu0;
    if (est) return study_fail(s, est, "study: an sbal ensemble member's training step failed");
  }
  if (stepped) {
    for (int i = 0; i < B; i++)
      if (isfinite(s->mb_loss[i]))
        s->loss_sum[s->mb_ids[i]] += s->mb_loss[i], s->loss_count[s->mb_ids[i]]++;
    st = study_sampler_record(s->sampler, s->mb_ids, s->mb_ts, s->mb_loss, (size_t)B,
                              s->batches_done);
    if (st) return study_fail(s, st, "%s", study_sampler_errmsg(s->sampler));
  }
  if (concurrent) pthread_mutex_lock(&s->lock);
  s->res->train_loss[s->batches_done] = loss;
  s->batches_done++;
  int64_t finished_since = s->finished_since_break;
  if (concurrent) {
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->lock);
  }
  if (s->batches_done % s->cfg->nn_updates == 0) s->break_pending = 1;
  int did_break = 0;
  if (s->break_pending && finished_since >= s->cfg->min_finished_between_generations) {
    if (concurrent) pthread_mutex_lock(&s->launch);
    if (s->next_id < s->cfg->nb_sims) st = generation_break(s), did_break = 1;
    if (concurrent) pthread_mutex_unlock(&s->launch);
    s->break_pending = 0;
    if (concurrent) pthread_mutex_lock(&s->lock);
    s->finished_since_break = 0;
    if (concurrent) pthread_mutex_unlock(&s->lock);
    if (st) return st;
  }
  if (s->opts && s->opts->progress &&
      (did_break ||
       (s->opts->progress_every > 0 && s->batches_done % s->opts->progress_every == 0)))
    report_progress(s, loss);
  return OGAS_OK;
}

/* ---- deterministic mode ------------------------------------------------- */

typedef struct {
  pde_sim *sim;
  int64_t id, step;
  float *cur, *nxt, *z;
  double *params;
} slot;

static void finish_slot(study *s, slot *sl, int status) {
  s->res->sim_status[sl->id] = status;
  if (status) s->res->sims_failed++;
  study_sampler_finished(s->sampler, sl->id);
  pde_sim_free(sl->sim);
  sl->sim = NULL;
  sl->id = -1;
}

static int run_deterministic(study *s, slot *slots, int n_slots) {
  double credit = 0;
  for (;;) {
    /* Fill free slots in id order. */
    int active = 0;
    for (int k = 0; k < n_slots; k++) {
      slot *sl = &slots[k];
      while (sl->id < 0 && s->next_id < s->cfg->nb_sims) {
        int64_t id = claim_next_sim(s, sl->params, sl->z);
        if (id < 0) return s->status;
        char perr[256];
        double c0 = thread_cpu_s();
        int st = pde_sim_create(s->problem, sl->params, &s->pde_opt, &sl->sim, perr, sizeof perr);
        if (st) {
          s->res->sim_status[id] = 2;
          s->res->sims_failed++;
          study_sampler_finished(s->sampler, id);
          s->sims_finished++, s->finished_since_break++;
          continue;
        }
        pde_sim_state(sl->sim, sl->cur);
        s->sim_cpu += thread_cpu_s() - c0;
        sl->id = id, sl->step = 0;
      }
      active += sl->id >= 0;
    }
    if (!active) break;
    /* Every active simulation advances one step, slot by slot. */
    for (int k = 0; k < n_slots; k++) {
      slot *sl = &slots[k];
      if (sl->id < 0) continue;
      double c0 = thread_cpu_s();
      int st = pde_sim_step(sl->sim, sl->nxt);
      s->sim_cpu += thread_cpu_s() - c0;
      if (st) {
        finish_slot(s, sl, 1);
        s->sims_finished++, s->finished_since_break++;
        continue;
      }
      study_buffer_push(s->buf, sl->id, sl->step, sl->cur, sl->nxt, sl->z);
      float *t = sl->cur;
      sl->cur = sl->nxt, sl->nxt = t;
      sl->step++;
      s->steps_streamed++;
      credit += s->credit_per_step;
      if ((size_t)sl->step >= s->n_steps) {
        finish_slot(s, sl, 0);
        s->sims_finished++, s->finished_since_break++;
      }
    }
    while (credit >= 1.0 && s->batches_done < s->total_batches &&
           study_buffer_count(s->buf) >= (size_t)s->min_fill) {
      if (train_one_batch(s, 0)) return s->status;
      credit -= 1.0;
    }
  }
  while (s->batches_done < s->total_batches)
    if (train_one_batch(s, 0)) return s->status;
  return s->status;
}

/* ---- concurrent mode ---------------------------------------------------- */

typedef struct {
  study *s;
  slot sl;
} worker;

static void *sim_worker(void *arg) {
  worker *w = arg;
  study *s = w->s;
  slot *sl = &w->sl;
  double cpu = 0;
  for (;;) {
    pthread_mutex_lock(&s->launch);
    int64_t id = s->failed ? -1 : claim_next_sim(s, sl->params, sl->z);
    pthread_mutex_unlock(&s->launch);
    if (id < 0) break;
    double c0 = thread_cpu_s();
    char perr[256];
    int st = pde_sim_create(s->problem, sl->params, &s->pde_opt, &sl->sim, perr, sizeof perr);
    int status = 0;
    if (st)
      status = 2;
    else
      pde_sim_state(sl->sim, sl->cur);
    cpu += thread_cpu_s() - c0;
    for (size_t step = 0; !status && step < s->n_steps; step++) {
      /* Rate limit: wait while more than `slack` batches ahead of training,
         once training can run (before min_fill samples are in, waiting
         would stop both: a batch larger than a round of simulations). */
      pthread_mutex_lock(&s->lock);
      while (!s->failed && s->batches_done < s->total_batches && s->steps_streamed >= s->min_fill &&
             (double)s->steps_streamed * s->credit_per_step - (double)s->batches_done > s->slack)
        pthread_cond_wait(&s->cv, &s->lock);
      int stop = s->failed;
      pthread_mutex_unlock(&s->lock);
      if (stop) break;
      c0 = thread_cpu_s();
      st = pde_sim_step(sl->sim, sl->nxt);
      cpu += thread_cpu_s() - c0;
      if (st) {
        status = 1;
        break;
      }
      study_buffer_push(s->buf, id, (int64_t)step, sl->cur, sl->nxt, sl->z);
      float *t = sl->cur;
      sl->cur = sl->nxt, sl->nxt = t;
      pthread_mutex_lock(&s->lock);
      s->steps_streamed++;
      pthread_cond_broadcast(&s->cv);
      pthread_mutex_unlock(&s->lock);
    }
    pde_sim_free(sl->sim);
    sl->sim = NULL;
    study_sampler_finished(s->sampler, id);
    pthread_mutex_lock(&s->lock);
    s->res->sim_status[id] = status;
    if (status) s->res->sims_failed++;
    s->sims_finished++, s->finished_since_break++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->lock);
  }
  pthread_mutex_lock(&s->lock);
  s->sim_cpu += cpu;
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

/* A simulation thread's stack: the solvers keep their arrays on the heap,
   and hundreds of threads with the default 8 MiB would use up an
   address-space limit (ulimit -v) that BLAS needs next. */
#define SIM_STACK_BYTES ((size_t)2 << 20)
/* Room left for the BLAS work buffers of training and of the breeder's
   background trainer once the threads run (OpenBLAS takes 128 MiB per
   concurrent call, and when it cannot it retries forever instead of
   failing). */
#define BLAS_HEADROOM_BYTES ((size_t)2 * (128 << 20) + ((size_t)16 << 20))

/* Address space a simulation thread takes beyond the study's own tables: its
   stack and the malloc arena glibc reserves for a new thread (64 MiB on
   64-bit), where the solver's FFTW plans are allocated (FFTW aborts the
   process when an allocation fails, so it must not run short). */
#define SIM_THREAD_BYTES (SIM_STACK_BYTES + ((size_t)64 << 20))

static int run_concurrent(study *s, worker *workers, int n_workers) {
  pthread_t tid[1024];
  int started = 0;
  /* Fail now, with a message, before any thread runs, rather than abort in
     FFTW or hang in BLAS later. The probe maps address space without
     committing memory (PROT_NONE), so it measures ulimit -v and nothing else. */
  size_t need = BLAS_HEADROOM_BYTES + (size_t)n_workers * SIM_THREAD_BYTES;
  void *room = mmap(NULL, need, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (room == MAP_FAILED)
    study_fail(s, OGAS_ENOMEM,
               "study: with %d simulation threads (concurrent_sims) there is no room left for "
               "their stacks and the BLAS work buffers (%zu MiB) under the process's memory "
               "limit (ulimit -v); lower concurrent_sims or raise the limit",
               n_workers, need >> 20);
  else
    munmap(room, need);
  pthread_attr_t attr;
  int have_attr = pthread_attr_init(&attr) == 0;
  if (have_attr) pthread_attr_setstacksize(&attr, SIM_STACK_BYTES);
  for (int k = 0; k < n_workers && !s->failed; k++) {
    int rc = pthread_create(&tid[k], have_attr ? &attr : NULL, sim_worker, &workers[k]);
    if (rc) {
      study_fail(s, OGAS_ENOMEM,
                 "study: cannot start simulation thread %d of %d (concurrent_sims): %s; lower "
                 "concurrent_sims or raise the process's limits (ulimit -v, ulimit -u)",
                 k + 1, n_workers, strerror(rc));
      break;
    }
    started++;
  }
  if (have_attr) pthread_attr_destroy(&attr);
  while (s->batches_done < s->total_batches) {
    pthread_mutex_lock(&s->lock);
    int stop = 0;
    for (;;) {
      if (s->failed) {
        stop = 1;
        break;
      }
      int all_done = s->sims_finished >= s->cfg->nb_sims;
      size_t have = study_buffer_count(s->buf);
      double allowed = all_done ? (double)s->total_batches
                                : floor((double)s->steps_streamed * s->credit_per_step);
      if (all_done || ((double)s->batches_done < allowed && have >= (size_t)s->min_fill)) break;
      pthread_cond_wait(&s->cv, &s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    if (stop || train_one_batch(s, 1)) break;
  }
  /* Wake simulations waiting on the rate limit (training is over or failed). */
  pthread_mutex_lock(&s->lock);
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->lock);
  for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
  return s->status;
}

/* ---- setup, evaluation, result ------------------------------------------ */

void study_result_free(study_result *r) {
  if (!r) return;
  free(r->params), free(r->is_bred), free(r->generation), free(r->sim_status);
  free(r->sim_train_loss), free(r->generations), free(r->generation_batch);
  free(r->train_loss), free(r->val_nrmse), free(r->val_pair_nrmse), free(r->val_rollout_nrmse);
  surrogate_free(r->surrogate);
  json_decref(r->extra);
  free(r);
}

int study_validation_for_config(const study_config *cfg, int threads, study_validation **out,
                                char *err, size_t errlen) {
  const pde_problem *p = pde_find(cfg->problem);
  if (!p) {
    if (err && errlen) snprintf(err, errlen, "study: unknown problem '%s'", cfg->problem);
    return OGAS_EINVAL;
  }
  return study_validation_create(p, &cfg->pde, (size_t)cfg->validation_n_sims, cfg->validation_seed,
                                 threads, out, err, errlen);
}

int study_run(const study_config *cfg, const study_run_options *opts, study_result **out, char *err,
              size_t errlen) {
  if (out) *out = NULL;
  if (!cfg || !out) {
    if (err && errlen) snprintf(err, errlen, "study: NULL argument");
    return OGAS_EINVAL;
  }
  study s;
  memset(&s, 0, sizeof s);
  s.cfg = cfg;
  s.opts = opts;
  s.problem = pde_find(cfg->problem);
  if (!s.problem) {
    if (err && errlen) snprintf(err, errlen, "study: unknown problem '%s'", cfg->problem);
    return OGAS_EINVAL;
  }
  s.pde_opt = cfg->pde;
  s.n_steps = cfg->pde.n_steps ? cfg->pde.n_steps : pde_default_n_steps(s.problem);
  s.pde_opt.n_steps = s.n_steps;
  size_t ch, ny, nx;
  pde_shape(s.problem, cfg->pde.grid, &ch, &ny, &nx);
  s.S = ch * ny * nx;
  s.P = pde_nb_params(s.problem);
  s.lower = pde_lower(s.problem), s.upper = pde_upper(s.problem);
  s.total_batches = study_config_total_batches(cfg);
  s.B = (int)cfg->surrogate.batch_size;
  /* By default training waits for the first round of simulations to be in
     the buffer, so that the normalisation sees whole trajectories. */
  s.min_fill = cfg->buffer_min_fill;
  if (s.min_fill <= 0) {
    int64_t round_samples = cfg->concurrent_sims * (int64_t)s.n_steps;
    s.min_fill =
        round_samples > cfg->surrogate.batch_size ? round_samples : cfg->surrogate.batch_size;
    if (s.min_fill > cfg->buffer_capacity) s.min_fill = cfg->buffer_capacity;
  }
  s.n_norm = (size_t)(cfg->buffer_capacity < STUDY_NORM_SAMPLES ? cfg->buffer_capacity
                                                                : STUDY_NORM_SAMPLES);
  s.credit_per_step = cfg->batches_per_sim / (double)s.n_steps;
  s.slack = (double)cfg->concurrent_sims * cfg->batches_per_sim;
  size_t N = (size_t)cfg->nb_sims, S = s.S, P = s.P;
  int n_slots = (int)cfg->concurrent_sims;
  ogas_rng_seed(&s.batch_rng, cfg->seed, 0x7BA7Cu);
  s.status = OGAS_OK;

  study_validation *own_val = NULL;
  slot *slots = NULL;
  worker *workers = NULL;
  float *slot_mem = NULL;
  double *slot_params = NULL;
  int st = OGAS_OK, locks = 0;

  study_result *r = calloc(1, sizeof *r);
  if (!r) goto nomem;
  s.res = r;
  snprintf(r->problem, sizeof r->problem, "%s", cfg->problem);
  snprintf(r->sampler, sizeof r->sampler, "%s", study_sampler_name(cfg->sampler));
  r->seed = cfg->seed, r->deterministic = cfg->deterministic, r->loss = cfg->loss;
  r->nb_params = P, r->state_size = S, r->n_steps = s.n_steps, r->nb_sims = cfg->nb_sims;
  r->lower = s.lower, r->upper = s.upper;
  r->params = calloc(N * P, sizeof(double));
  r->is_bred = calloc(N, sizeof(int));
  r->generation = calloc(N, sizeof(int64_t));
  r->sim_status = malloc(N * sizeof(int));
  r->sim_train_loss = malloc(N * sizeof(double));
  r->train_loss = malloc((size_t)s.total_batches * sizeof(float));
  s.loss_sum = calloc(N, sizeof(double));
  s.loss_count = calloc(N, sizeof(int64_t));
  s.row_generation = calloc(N, sizeof(int64_t));
  s.norm_states = malloc(s.n_norm * S * sizeof(float));
  s.norm_next = malloc(s.n_norm * S * sizeof(float));
  s.mb_states = malloc((size_t)s.B * S * sizeof(float));
  s.mb_next = malloc((size_t)s.B * S * sizeof(float));
  s.mb_z = malloc((size_t)s.B * (P ? P : 1) * sizeof(float));
  s.mb_ids = malloc((size_t)s.B * sizeof(int64_t));
  s.mb_ts = malloc((size_t)s.B * sizeof(int64_t));
  s.mb_loss = malloc((size_t)s.B * sizeof(double));
  slots = calloc((size_t)n_slots, sizeof *slots);
  workers = calloc((size_t)n_slots, sizeof *workers);
  slot_mem = malloc((size_t)n_slots * (2 * S + P) * sizeof(float));
  slot_params = malloc((size_t)n_slots * P * sizeof(double));
  if (!r->params || !r->is_bred || !r->generation || !r->sim_status || !r->sim_train_loss ||
      !r->train_loss || !s.loss_sum || !s.loss_count || !s.row_generation || !s.norm_states ||
      !s.norm_next || !s.mb_states || !s.mb_next || !s.mb_z || !s.mb_ids || !s.mb_ts ||
      !s.mb_loss || !slots || !workers || !slot_mem || !slot_params)
    goto nomem;
  for (size_t i = 0; i < N; i++) r->sim_status[i] = -1;
  for (int k = 0; k < n_slots; k++) {
    slot *sl = cfg->deterministic ? &slots[k] : &workers[k].sl;
    workers[k].s = &s;
    sl->id = -1;
    sl->cur = slot_mem + (size_t)k * (2 * S + P);
    sl->nxt = sl->cur + S;
    sl->z = sl->nxt + S;
    sl->params = slot_params + (size_t)k * P;
  }

  /* Sampler, surrogate, buffer. */
  study_sampler_config sc;
  memset(&sc, 0, sizeof sc);
  sc.kind = cfg->sampler;
  sc.nb_params = P;
  sc.lower = s.lower, sc.upper = s.upper;
  const char *names[4096];
  for (size_t i = 0; i < P && i < 4096; i++) names[i] = pde_param_name(s.problem, i);
  sc.param_names = names;
  sc.nb_sims = cfg->nb_sims;
  sc.seed = cfg->seed;
  sc.breed = cfg->breed;
  sc.sbal = cfg->sbal;
  sc.ogas_json = cfg->ogas_json;
  sc.ogas_force_sync = cfg->deterministic;
  st = study_sampler_create(&sc, &s.sampler, err, errlen);
  if (st) goto fail_quiet;
  surrogate_config suc = {.state_size = S,
                          .channels = ch,
                          .nb_params = P,
                          .width = (int)cfg->surrogate.width,
                          .n_blocks = (int)cfg->surrogate.blocks,
                          .max_batch = s.B,
                          .lr = (float)cfg->surrogate.lr,
                          .weight_decay = (float)cfg->surrogate.weight_decay,
                          .grad_clip = (float)cfg->surrogate.grad_clip,
                          .seed = cfg->seed,
                          .arch = cfg->surrogate.arch,
                          .kernel = (int)cfg->surrogate.kernel,
                          .ny = ny,
                          .modes = (int)cfg->surrogate.modes,
                          .coords = cfg->surrogate.coords,
                          .train_loss = cfg->surrogate.train_loss,
                          .lr_decay_steps = cfg->surrogate.lr_cosine ? s.total_batches : 0,
                          .lr_final_fraction = (float)cfg->surrogate.lr_final_fraction};
  if (suc.arch == SURROGATE_CONV1D && ny > 1) {
    if (err && errlen)
      snprintf(err, errlen, "surrogate.arch: conv1d needs a 1-D problem ('%s' is 2-D)",
               cfg->problem);
    st = OGAS_EINVAL;
    goto fail_quiet;
  }
  st = surrogate_create(&suc, &s.sur, err, errlen);
  if (st) goto fail_quiet;
  if (cfg->sampler == STUDY_SAMPLER_SBAL) {
    st = study_ensemble_create(s.sur, (int)cfg->sbal.members, &s.ensemble, err, errlen);
    if (st) goto fail_quiet;
    s.pool_states = malloc((size_t)s.B * S * sizeof(float));
    s.pool_z = malloc((size_t)s.B * (P ? P : 1) * sizeof(float));
    s.pool_started = malloc((size_t)s.B * sizeof(int));
    if (!s.pool_states || !s.pool_z || !s.pool_started) goto nomem;
    study_sampler_set_scorer(s.sampler, score_pool, &s);
  }
  st = study_buffer_create((size_t)cfg->buffer_capacity, S, P, &s.buf);
  if (st) goto nomem;
  if (pthread_mutex_init(&s.lock, NULL) || pthread_mutex_init(&s.launch, NULL) ||
      pthread_cond_init(&s.cv, NULL))
    goto nomem;
  locks = 1;

  s.t0 = wall_s();
  double train_cpu0 = thread_cpu_s();
  st = cfg->deterministic ? run_deterministic(&s, slots, n_slots)
                          : run_concurrent(&s, workers, n_slots);
  r->train_cpu_s = thread_cpu_s() - train_cpu0 - (cfg->deterministic ? s.sim_cpu : 0.0);
  r->wall_s = wall_s() - s.t0;
  /* A deterministic run might stop with slots still open after an error. */
  for (int k = 0; k < n_slots; k++) pde_sim_free(slots[k].sim), slots[k].sim = NULL;
  if (st) {
    if (err && errlen) snprintf(err, errlen, "%s", s.err);
    goto fail_quiet;
  }
  r->sim_cpu_s = s.sim_cpu;
  study_sampler_add_cpu_s(s.sampler, s.ensemble_cpu);
  r->sampler_cpu_s = study_sampler_cpu_s(s.sampler);
  r->grad_steps = s.batches_done;
  r->samples_streamed = study_buffer_pushed(s.buf);
  r->samples_evicted = study_buffer_evicted(s.buf);
  for (size_t i = 0; i < N; i++)
    r->sim_train_loss[i] = s.loss_count[i] ? s.loss_sum[i] / (double)s.loss_count[i] : NAN;

  /* Validation. */
  double e0 = wall_s();
  const study_validation *val = opts ? opts->validation : NULL;
  if (!val) {
    st = study_validation_for_config(cfg, (int)cfg->concurrent_sims, &own_val, err, errlen);
    if (st) goto fail_quiet;
    val = own_val;
  }
  if (study_validation_state_size(val) != S) {
    if (err && errlen)
      snprintf(err, errlen, "study: the validation set's states do not match the problem's");
    st = OGAS_EINVAL;
    goto fail_quiet;
  }
  st = study_result_evaluate(r, val, s.sur, cfg->validation_rollout_steps, err, errlen);
  if (st) goto fail_quiet;
  r->eval_s = wall_s() - e0;
  if (opts && opts->keep_surrogate) r->surrogate = s.sur, s.sur = NULL;
  *out = r;
  r = NULL;
  goto cleanup;

nomem:
  st = OGAS_ENOMEM;
  if (err && errlen) snprintf(err, errlen, "study: out of memory");
fail_quiet:
  study_result_free(r);
cleanup:
  study_validation_free(own_val);
  study_sampler_free(s.sampler);
  study_ensemble_free(s.ensemble);
  free(s.pool_states), free(s.pool_z), free(s.pool_started);
  surrogate_free(s.sur);
  study_buffer_free(s.buf);
  if (locks) {
    pthread_mutex_destroy(&s.lock);
    pthread_mutex_destroy(&s.launch);
    pthread_cond_destroy(&s.cv);
  }
  free(s.loss_sum), free(s.loss_count), free(s.row_generation);
  free(s.norm_states), free(s.norm_next);
  free(s.mb_states), free(s.mb_next), free(s.mb_z), free(s.mb_ids), free(s.mb_ts), free(s.mb_loss);
  free(slots), free(workers), free(slot_mem), free(slot_params);
  return st;
}

/* ---- evaluation ---------------------------------------------------------- */

int study_result_evaluate(study_result *r, const study_validation *val, surrogate *sur,
                          int64_t rollout_steps, char *err, size_t errlen) {
  r->n_val = study_validation_n_sims(val);
  r->val_steps = study_validation_n_steps(val);
  r->rollout_steps = rollout_steps > 0 ? (size_t)rollout_steps : 0;
  if (r->rollout_steps > r->val_steps) r->rollout_steps = r->val_steps;
  size_t np = r->n_val * r->val_steps;
  r->val_nrmse = malloc(r->n_val * sizeof(double));
  r->val_pair_nrmse = malloc(np * sizeof(double));
  r->val_rollout_nrmse = r->rollout_steps ? malloc(r->n_val * sizeof(double)) : NULL;
  double *scratch = malloc(np * sizeof(double)); /* np >= n_val */
  int st = OGAS_OK;
  if (!r->val_nrmse || !r->val_pair_nrmse || !scratch ||
      (r->rollout_steps && !r->val_rollout_nrmse))
    st = status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory evaluating");
  if (!st && (study_validation_evaluate(val, sur, r->val_nrmse, r->val_pair_nrmse) ||
              (r->rollout_steps &&
               study_validation_rollout(val, sur, r->rollout_steps, r->val_rollout_nrmse))))
    st = status_msg(OGAS_EINVAL, err, errlen, "study: evaluation failed");
  if (!st) {
    study_stats_compute(r->val_nrmse, r->n_val, scratch, &r->val_stats);
    study_stats_compute(r->val_pair_nrmse, np, scratch, &r->val_pair_stats);
    study_stats_compute(r->val_rollout_nrmse, r->rollout_steps ? r->n_val : 0, scratch,
                        &r->val_rollout_stats);
  }
  free(scratch);
  return st;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

json_t *study_stats_json(const study_stats *st) {
  json_t *o = json_object();
  for (int k = 0; k < STUDY_N_STATS; k++)
    json_object_set_new(o, study_stat_names[k], num(study_stat(st, k)));
  return o;
}

int study_result_write_json(const study_result *r, const char *path, char *err, size_t errlen) {
  json_t *o = json_object();
  json_object_set_new(o, "problem", json_string(r->problem));
  json_object_set_new(o, "sampler", json_string(r->sampler));
  char seed[32];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
  json_object_set_new(o, "seed", json_string(seed));
  json_object_set_new(o, "deterministic", json_boolean(r->deterministic));
  json_object_set_new(o, "loss", json_string(study_loss_name(r->loss)));
  json_object_set_new(o, "nb_sims", json_integer(r->nb_sims));
  json_object_set_new(o, "nb_params", json_integer((json_int_t)r->nb_params));
  json_object_set_new(o, "state_size", json_integer((json_int_t)r->state_size));
  json_object_set_new(o, "n_steps", json_integer((json_int_t)r->n_steps));
  json_t *lo = json_array(), *hi = json_array();
  for (size_t i = 0; i < r->nb_params; i++) {
    json_array_append_new(lo, num(r->lower[i]));
    json_array_append_new(hi, num(r->upper[i]));
  }
  json_object_set_new(o, "l_bounds", lo);
  json_object_set_new(o, "u_bounds", hi);
  json_t *val = json_object();
  json_object_set_new(
      val, "metric",
      json_string("one-step nRMSE, mean over the pairs of each validation simulation"));
  json_object_set_new(val, "stats", study_stats_json(&r->val_stats));
  json_object_set_new(val, "pair_stats", study_stats_json(&r->val_pair_stats));
  json_t *vs = json_array();
  for (size_t i = 0; i < r->n_val; i++) json_array_append_new(vs, num(r->val_nrmse[i]));
  json_object_set_new(val, "per_sim", vs);
  if (r->rollout_steps) {
    json_t *ro = json_object(), *rs = json_array();
    json_object_set_new(ro, "steps", json_integer((json_int_t)r->rollout_steps));
    json_object_set_new(ro, "metric",
                        json_string("nRMSE of the surrogate fed its own predictions from each "
                                    "validation simulation's first state, mean over the steps"));
    json_object_set_new(ro, "stats", study_stats_json(&r->val_rollout_stats));
    for (size_t i = 0; i < r->n_val; i++) json_array_append_new(rs, num(r->val_rollout_nrmse[i]));
    json_object_set_new(ro, "per_sim", rs);
    json_object_set_new(val, "rollout", ro);
  }
  json_object_set_new(o, "validation", val);
  json_t *t = json_object();
  json_object_set_new(t, "wall_s", num(r->wall_s));
  json_object_set_new(t, "sampler_cpu_s", num(r->sampler_cpu_s));
  json_object_set_new(t, "train_cpu_s", num(r->train_cpu_s));
  json_object_set_new(t, "sim_cpu_s", num(r->sim_cpu_s));
  json_object_set_new(t, "eval_s", num(r->eval_s));
  json_object_set_new(o, "time", t);
  json_object_set_new(o, "grad_steps", json_integer(r->grad_steps));
  json_object_set_new(o, "samples_streamed", json_integer((json_int_t)r->samples_streamed));
  json_object_set_new(o, "samples_evicted", json_integer((json_int_t)r->samples_evicted));
  json_object_set_new(o, "sims_failed", json_integer(r->sims_failed));
  json_t *tl = json_array();
  for (int64_t i = 0; i < r->grad_steps; i++) json_array_append_new(tl, num(r->train_loss[i]));
  json_object_set_new(o, "train_loss", tl);
  json_t *sims = json_array();
  for (int64_t i = 0; i < r->nb_sims; i++) {
    json_t *so = json_object(), *p = json_array();
    for (size_t k = 0; k < r->nb_params; k++)
      json_array_append_new(p, num(r->params[(size_t)i * r->nb_params + k]));
    json_object_set_new(so, "params", p);
    json_object_set_new(so, "is_bred", json_boolean(r->is_bred[i]));
    json_object_set_new(so, "generation", json_integer(r->generation[i]));
    json_object_set_new(so, "status", json_integer(r->sim_status[i]));
    json_object_set_new(so, "train_loss", num(r->sim_train_loss[i]));
    json_array_append_new(sims, so);
  }
  json_object_set_new(o, "sims", sims);
  json_t *gens = json_array();
  for (size_t i = 0; i < r->n_generations; i++) {
    const study_generation *g = &r->generations[i];
    json_t *go = json_object();
    json_object_set_new(go, "generation", json_integer(g->generation));
    json_object_set_new(go, "batch", json_integer(r->generation_batch[i]));
    json_object_set_new(go, "first_id", json_integer(g->first_id));
    json_object_set_new(go, "last_id", json_integer(g->last_id));
    json_object_set_new(go, "n_bred", json_integer(g->n_bred));
    json_object_set_new(go, "n_non_bred", json_integer(g->n_non_bred));
    json_object_set_new(go, "breed_ratio", num(g->breed_ratio));
    json_object_set_new(go, "n_oob_regenerated", json_integer(g->n_oob_regenerated));
    json_object_set_new(go, "n_clipped", json_integer(g->n_clipped));
    json_object_set_new(go, "note", json_string(g->note));
    json_array_append_new(gens, go);
  }
  json_object_set_new(o, "generations", gens);
  if (r->extra) json_object_update(o, r->extra);
  char *text = json_dumps(o, JSON_INDENT(1) | JSON_REAL_PRECISION(9));
  json_decref(o);
  if (!text) return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory writing '%s'", path);
  char why[512];
  int st = atomic_file_write(path, text, strlen(text), why, sizeof why);
  free(text);
  if (st) return status_msg(st, err, errlen, "study: %s", why);
  return OGAS_OK;
}
