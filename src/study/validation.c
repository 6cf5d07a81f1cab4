#include "study/validation.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/space_filling.h"
#include "ogas.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double study_percentile_sorted(const double *sorted, size_t n, double q) {
  double pos = q * (double)(n - 1);
  size_t i = (size_t)floor(pos);
  if (i + 1 >= n) return sorted[n - 1];
  double f = pos - (double)i;
  return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

const char *const study_stat_names[STUDY_N_STATS] = {"mean", "std", "p50", "p95", "p99", "max"};

double study_stat(const study_stats *s, int k) {
  switch (k) {
    case 0:
      return s->mean;
    case 1:
      return s->std;
    case 2:
      return s->p50;
    case 3:
      return s->p95;
    case 4:
      return s->p99;
    default:
      return s->max;
  }
}

void study_stats_compute(const double *values, size_t n, double *scratch, study_stats *out) {
  if (n == 0) {
    out->mean = out->std = out->p50 = out->p95 = out->p99 = out->max = NAN;
    return;
  }
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += values[i];
  double mean = sum / (double)n, ss = 0;
  for (size_t i = 0; i < n; i++) ss += (values[i] - mean) * (values[i] - mean);
  memcpy(scratch, values, n * sizeof(double));
  qsort(scratch, n, sizeof(double), cmp_double);
  out->mean = mean;
  out->std = sqrt(ss / (double)n);
  out->p50 = study_percentile_sorted(scratch, n, 0.50);
  out->p95 = study_percentile_sorted(scratch, n, 0.95);
  out->p99 = study_percentile_sorted(scratch, n, 0.99);
  out->max = scratch[n - 1];
}

struct study_validation {
  const pde_problem *problem;
  pde_options opt;
  size_t n_sims, n_steps, S, P;
  double *params; /* n_sims x P */
  float *z;       /* n_sims x n_steps x P: normalised, repeated per pair */
  float *traj;    /* n_sims x (n_steps + 1) x S */
  double floor_norm;
};

typedef struct {
  study_validation *v;
  size_t next;
  int status;
  char err[320]; /* room for the prefix and a solver message */
  pthread_mutex_t lock;
} sim_jobs;

static void *simulate_worker(void *arg) {
  sim_jobs *j = arg;
  study_validation *v = j->v;
  for (;;) {
    pthread_mutex_lock(&j->lock);
    size_t i = j->next++;
    int stop = j->status != OGAS_OK;
    pthread_mutex_unlock(&j->lock);
    if (stop || i >= v->n_sims) return NULL;
    char err[256] = "";
    pde_sim *sim = NULL;
    int st = pde_sim_create(v->problem, v->params + i * v->P, &v->opt, &sim, err, sizeof err);
    float *t = v->traj + i * (v->n_steps + 1) * v->S;
    if (!st) {
      pde_sim_state(sim, t);
      for (size_t k = 1; k <= v->n_steps && !st; k++) {
        st = pde_sim_step(sim, t + k * v->S);
        if (st) snprintf(err, sizeof err, "step %zu is not finite", k);
      }
    }
    pde_sim_free(sim);
    if (st) {
      pthread_mutex_lock(&j->lock);
      if (j->status == OGAS_OK) {
        j->status = st;
        snprintf(j->err, sizeof j->err, "validation sim %zu: %s", i, err);
      }
      pthread_mutex_unlock(&j->lock);
    }
  }
}

int study_validation_create(const pde_problem *p, const pde_options *opt, size_t n_sims,
                            uint64_t seed, int threads, study_validation **out, char *err,
                            size_t errlen) {
  if (out) *out = NULL;
  if (!p || !out || n_sims == 0) {
    if (err && errlen) snprintf(err, errlen, "validation: bad arguments");
    return OGAS_EINVAL;
  }
  study_validation *v = calloc(1, sizeof *v);
  if (!v) goto nomem;
  v->problem = p;
  if (opt) v->opt = *opt;
  v->n_sims = n_sims;
  v->n_steps = v->opt.n_steps ? v->opt.n_steps : pde_default_n_steps(p);
  v->opt.n_steps = v->n_steps;
  size_t ch, ny, nx;
  pde_shape(p, v->opt.grid, &ch, &ny, &nx);
  v->S = ch * ny * nx;
  v->P = pde_nb_params(p);
  v->params = malloc(n_sims * v->P * sizeof(double));
  v->z = malloc(n_sims * v->n_steps * v->P * sizeof(float));
  v->traj = malloc(n_sims * (v->n_steps + 1) * v->S * sizeof(float));
  if (!v->params || !v->z || !v->traj) goto nomem;

  space_filling *sf = NULL;
  char serr[256];
  int st = sf_create(SF_HALTON, v->P, seed, &sf, serr, sizeof serr);
  if (!st) st = sf_next(sf, n_sims, v->params);
  sf_free(sf);
  if (st) {
    if (err && errlen) snprintf(err, errlen, "validation: %s", serr);
    study_validation_free(v);
    return st;
  }
  const double *lo = pde_lower(p), *hi = pde_upper(p);
  for (size_t i = 0; i < n_sims; i++) {
    double *x = v->params + i * v->P;
    for (size_t k = 0; k < v->P; k++) x[k] = lo[k] + x[k] * (hi[k] - lo[k]);
    float zi[4096];
    surrogate_normalize_params(v->P < 4096 ? v->P : 4096, lo, hi, x, zi);
    for (size_t t = 0; t < v->n_steps; t++)
      memcpy(v->z + (i * v->n_steps + t) * v->P, zi, v->P * sizeof(float));
  }

  sim_jobs jobs = {.v = v, .next = 0, .status = OGAS_OK};
  if (pthread_mutex_init(&jobs.lock, NULL)) goto nomem;
  int nt = threads < 1 ? 1 : threads > 64 ? 64 : threads;
  pthread_t tid[64];
  int started = 0;
  for (int k = 1; k < nt; k++)
    if (!pthread_create(&tid[started], NULL, simulate_worker, &jobs)) started++;
  simulate_worker(&jobs);
  for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
  pthread_mutex_destroy(&jobs.lock);
  if (jobs.status) {
    if (err && errlen) snprintf(err, errlen, "%s", jobs.err);
    study_validation_free(v);
    return jobs.status;
  }
  double ss = 0;
  size_t total = n_sims * (v->n_steps + 1) * v->S;
  for (size_t i = 0; i < total; i++) ss += (double)v->traj[i] * v->traj[i];
  double rms_norm = sqrt(ss / (double)(n_sims * (v->n_steps + 1)));
  v->floor_norm = SURROGATE_NRMSE_FLOOR * (rms_norm > 0 ? rms_norm : 1.0);
  *out = v;
  return OGAS_OK;
nomem:
  study_validation_free(v);
  if (err && errlen) snprintf(err, errlen, "validation: out of memory");
  return OGAS_ENOMEM;
}

void study_validation_free(study_validation *v) {
  if (!v) return;
  free(v->params), free(v->z), free(v->traj), free(v);
}

size_t study_validation_n_sims(const study_validation *v) { return v->n_sims; }
size_t study_validation_n_steps(const study_validation *v) { return v->n_steps; }
size_t study_validation_state_size(const study_validation *v) { return v->S; }
const double *study_validation_params(const study_validation *v) { return v->params; }
const float *study_validation_trajectory(const study_validation *v, size_t i) {
  return i < v->n_sims ? v->traj + i * (v->n_steps + 1) * v->S : NULL;
}
double study_validation_floor(const study_validation *v) { return v->floor_norm; }

int study_validation_evaluate(const study_validation *v, surrogate *s, double *per_sim,
                              double *per_pair) {
  if (!v || !s || !per_sim) return OGAS_EINVAL;
  const surrogate_config *c = surrogate_get_config(s);
  if (c->state_size != v->S || c->nb_params != v->P) return OGAS_EINVAL;
  size_t S = v->S, T = v->n_steps;
  float *pred = malloc(T * S * sizeof(float));
  if (!pred) return OGAS_ENOMEM;
  int st = OGAS_OK;
  for (size_t i = 0; i < v->n_sims && !st; i++) {
    const float *traj = v->traj + i * (T + 1) * S;
    st = surrogate_predict(s, traj, v->z + i * T * v->P, T, pred);
    double sum = 0;
    for (size_t t = 0; t < T && !st; t++) {
      const float *target = traj + (t + 1) * S, *p = pred + t * S;
      double e2 = 0, n2 = 0;
      for (size_t j = 0; j < S; j++) {
        double d = (double)p[j] - target[j];
        e2 += d * d, n2 += (double)target[j] * target[j];
      }
      double e = sqrt(e2) / fmax(sqrt(n2), v->floor_norm);
      if (per_pair) per_pair[i * T + t] = e;
      sum += e;
    }
    per_sim[i] = sum / (double)T;
  }
  free(pred);
  return st;
}

int study_validation_rollout(const study_validation *v, surrogate *s, size_t horizon,
                             double *per_sim) {
  if (!v || !s || !per_sim || horizon < 1 || horizon > v->n_steps) return OGAS_EINVAL;
  const surrogate_config *c = surrogate_get_config(s);
  if (c->state_size != v->S || c->nb_params != v->P) return OGAS_EINVAL;
  /* Simulations advance together, CHUNK at a time: one prediction call per
     step for the whole chunk. */
  enum { CHUNK = 64 };
  size_t S = v->S, P = v->P, T = v->n_steps;
  float *block = malloc(2 * CHUNK * S * sizeof(float)), *z = malloc(CHUNK * P * sizeof(float));
  if (!block || !z) {
    free(block), free(z);
    return OGAS_ENOMEM;
  }
  int st = OGAS_OK;
  for (size_t i0 = 0; i0 < v->n_sims && !st; i0 += CHUNK) {
    size_t n = v->n_sims - i0 < CHUNK ? v->n_sims - i0 : CHUNK;
    float *cur = block, *next = block + CHUNK * S;
    for (size_t r = 0; r < n; r++) {
      memcpy(cur + r * S, v->traj + (i0 + r) * (T + 1) * S, S * sizeof(float));
      memcpy(z + r * P, v->z + (i0 + r) * T * P, P * sizeof(float));
      per_sim[i0 + r] = 0;
    }
    for (size_t t = 1; t <= horizon && !st; t++) {
      st = surrogate_predict(s, cur, z, n, next);
      for (size_t r = 0; r < n && !st; r++) {
        const float *target = v->traj + ((i0 + r) * (T + 1) + t) * S, *p = next + r * S;
        double e2 = 0, n2 = 0;
        for (size_t j = 0; j < S; j++) {
          double d = (double)p[j] - target[j];
          e2 += d * d, n2 += (double)target[j] * target[j];
        }
        double e = sqrt(e2) / fmax(sqrt(n2), v->floor_norm);
        per_sim[i0 + r] += (e <= STUDY_ROLLOUT_CAP ? e : STUDY_ROLLOUT_CAP) / (double)horizon;
      }
      float *swap = cur;
      cur = next, next = swap;
    }
  }
  free(block), free(z);
  return st;
}
