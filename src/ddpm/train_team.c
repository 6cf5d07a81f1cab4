/* train_team — see train_team.h. */
#include "ddpm/train_team.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ddpm/denoiser.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "util/clock.h"

#define TEAM_MAX 64

typedef enum { PHASE_FORWARD, PHASE_BACKWARD, PHASE_WEIGHT_GRADS, PHASE_UPDATE, PHASE_EXIT } phase;

typedef struct {
  double sq;    /* step 4: Σ g² over this member's share of the parameters */
  double cpu_s; /* workers: CPU seconds spent in phases (written by the worker) */
  pthread_t thread;
} member;

struct train_team {
  int n;
  member members[TEAM_MAX];
  /* What the current phase works on (written by member 0 before it starts). */
  ddpm_model *m;
  int n_cond, B;
  float grad_scale, ema_decay;
  /* Handoff: member 0 bumps `round` with the phase; workers count `done`. */
  pthread_mutex_t lock;
  pthread_cond_t start, finished;
  phase what;
  unsigned long round;
  int done;
  /* The barrier inside a phase (team_sync). */
  atomic_uint sync_arrived, sync_generation;
};

/* Parameters [*p0, *p1) of member k, in 16-float pieces. */
static void member_params(const train_team *t, int k, size_t *p0, size_t *p1) {
  size_t pieces = (t->m->n_params + 15) / 16;
  *p0 = pieces * (size_t)k / (size_t)t->n * 16;
  *p1 = pieces * (size_t)(k + 1) / (size_t)t->n * 16;
  if (*p1 > t->m->n_params) *p1 = t->m->n_params;
  if (*p0 > *p1) *p0 = *p1;
}

/* Every member waits here until all have arrived. The waits inside a phase
   are short (a layer's imbalance), so members spin, yielding the core after
   a while in case the host runs more threads than cores. The last to arrive
   resets the count before it releases the others. */
static void team_sync(void *ctx) {
  train_team *t = ctx;
  unsigned gen = atomic_load_explicit(&t->sync_generation, memory_order_acquire);
  if (atomic_fetch_add_explicit(&t->sync_arrived, 1, memory_order_acq_rel) + 1 == (unsigned)t->n) {
    atomic_store_explicit(&t->sync_arrived, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->sync_generation, 1, memory_order_release);
    return;
  }
  for (int spins = 0; atomic_load_explicit(&t->sync_generation, memory_order_acquire) == gen;)
    if (++spins > 2000) sched_yield();
}

static void run_phase(train_team *t, int k, phase what) {
  ddpm_model *m = t->m;
  denoiser_share sh = {k, t->n, team_sync, t};
  size_t p0, p1;
  switch (what) {
    case PHASE_FORWARD:
      denoiser_forward_share(m->ws, m->params, m->z_t, m->t, m->c, t->n_cond, t->B, m->eps_hat,
                             &sh);
      break;
    case PHASE_BACKWARD:
      denoiser_backward_inputs_share(m->ws, m->params, m->deps, NULL, &sh);
      break;
    case PHASE_WEIGHT_GRADS:
      t->members[k].sq = denoiser_weight_grads(m->ws, m->grads, k, t->n);
      break;
    case PHASE_UPDATE:
      member_params(t, k, &p0, &p1);
      if (p1 > p0)
        optimizer_step(m->params + p0, m->grads + p0, m->adam_m + p0, m->adam_v + p0, m->ema + p0,
                       p1 - p0, &m->cfg.adam, m->step, t->grad_scale, t->ema_decay);
      break;
    case PHASE_EXIT:
      break;
  }
}

typedef struct {
  train_team *team;
  int k;
} worker_arg;

static void *worker(void *arg) {
  train_team *t = ((worker_arg *)arg)->team;
  int k = ((worker_arg *)arg)->k;
  free(arg);
  unsigned long seen = 0;
  for (;;) {
    pthread_mutex_lock(&t->lock);
    while (t->round == seen) pthread_cond_wait(&t->start, &t->lock);
    seen = t->round;
    phase what = t->what;
    pthread_mutex_unlock(&t->lock);
    if (what == PHASE_EXIT) return NULL;
    double cpu0 = thread_cpu_s();
    run_phase(t, k, what);
    t->members[k].cpu_s += thread_cpu_s() - cpu0;
    pthread_mutex_lock(&t->lock);
    if (++t->done == t->n - 1) pthread_cond_signal(&t->finished);
    pthread_mutex_unlock(&t->lock);
  }
}

/* Every member runs `what`; returns when all are done. */
static void team_phase(train_team *t, phase what) {
  pthread_mutex_lock(&t->lock);
  t->what = what;
  t->done = 0;
  t->round++;
  pthread_cond_broadcast(&t->start);
  pthread_mutex_unlock(&t->lock);
  if (what == PHASE_EXIT) return;
  run_phase(t, 0, what);
  pthread_mutex_lock(&t->lock);
  while (t->done < t->n - 1) pthread_cond_wait(&t->finished, &t->lock);
  pthread_mutex_unlock(&t->lock);
}

train_team *train_team_create(const ddpm_model *m, int threads) {
  if (threads < 2 || threads > TEAM_MAX) return NULL;
  train_team *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->n = threads;
  t->m = (ddpm_model *)m;
  atomic_init(&t->sync_arrived, 0);
  atomic_init(&t->sync_generation, 0);
  int ok = !pthread_mutex_init(&t->lock, NULL);
  if (ok && pthread_cond_init(&t->start, NULL)) ok = 0;
  if (ok && pthread_cond_init(&t->finished, NULL)) {
    pthread_cond_destroy(&t->start);
    ok = 0;
  }
  if (!ok) {
    free(t);
    return NULL;
  }
  int started = 1;
  for (int k = 1; k < threads && ok; k++) {
    worker_arg *arg = malloc(sizeof *arg);
    ok = arg != NULL;
    if (ok) *arg = (worker_arg){t, k};
    if (ok && pthread_create(&t->members[k].thread, NULL, worker, arg)) ok = 0;
    if (!ok)
      free(arg);
    else
      started++;
  }
  /* The workers that run, for the exit below; a phase's barrier counts
     them too, so a team that is freed here never ran one. */
  t->n = started;
  if (!ok) {
    train_team_free(t);
    return NULL;
  }
  return t;
}

void train_team_free(train_team *t) {
  if (!t) return;
  if (t->n > 1) team_phase(t, PHASE_EXIT);
  for (int k = 1; k < t->n; k++) pthread_join(t->members[k].thread, NULL);
  pthread_cond_destroy(&t->finished);
  pthread_cond_destroy(&t->start);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

int train_team_threads(const train_team *t) { return t->n; }

double train_team_worker_cpu_s(const train_team *t) {
  double cpu = 0;
  for (int k = 1; k < t->n; k++) cpu += t->members[k].cpu_s;
  return cpu;
}

float train_team_step(train_team *t, ddpm_model *m, int n_cond, int B) {
  t->m = m, t->n_cond = n_cond, t->B = B;
  team_phase(t, PHASE_FORWARD);
  float loss = mse_loss(m->deps, m->eps_hat, m->target, m->w, B, m->shape.dim);
  team_phase(t, PHASE_BACKWARD);
  team_phase(t, PHASE_WEIGHT_GRADS);
  double sq = 0;
  for (int k = 0; k < t->n; k++) sq += t->members[k].sq;
  t->grad_scale = clip_scale((float)sqrt(sq), m->cfg.grad_clip);
  m->step++;
  t->ema_decay = ddpm_ema_decay_at(m->cfg.ema_decay, m->step);
  team_phase(t, PHASE_UPDATE);
  return loss;
}
