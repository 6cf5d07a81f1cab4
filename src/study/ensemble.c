#include "study/ensemble.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "util/status_msg.h"

struct study_ensemble {
  int M;
  size_t S, P, chunk;
  surrogate **member; /* M; member[0] is the study's (not owned) */
  float *cur, *pred;  /* chunk x S, and M x chunk x S */
};

int study_ensemble_create(surrogate *member0, int members, study_ensemble **out, char *err,
                          size_t errlen) {
  if (out) *out = NULL;
  if (!member0 || !out || members < 2) {
    status_msg(0, err, errlen, "ensemble: needs member 0 and at least 2 members");
    return OGAS_EINVAL;
  }
  study_ensemble *e = calloc(1, sizeof *e);
  if (!e) goto nomem;
  const surrogate_config *base = surrogate_get_config(member0);
  e->M = members;
  e->S = base->state_size, e->P = base->nb_params, e->chunk = (size_t)base->max_batch;
  e->member = calloc((size_t)members, sizeof *e->member);
  e->cur = malloc(e->chunk * e->S * sizeof(float));
  e->pred = malloc((size_t)members * e->chunk * e->S * sizeof(float));
  if (!e->member || !e->cur || !e->pred) goto nomem;
  e->member[0] = member0;
  for (int m = 1; m < members; m++) {
    surrogate_config c = *base;
    c.seed = base->seed + 1000u * (uint64_t)m;
    int st = surrogate_create(&c, &e->member[m], err, errlen);
    if (st) {
      study_ensemble_free(e);
      return st;
    }
  }
  *out = e;
  return OGAS_OK;
nomem:
  study_ensemble_free(e);
  status_msg(0, err, errlen, "ensemble: out of memory");
  return OGAS_ENOMEM;
}

void study_ensemble_free(study_ensemble *e) {
  if (!e) return;
  for (int m = 1; e->member && m < e->M; m++) surrogate_free(e->member[m]);
  free(e->member), free(e->cur), free(e->pred);
  free(e);
}

surrogate *study_ensemble_member(study_ensemble *e, int m) {
  return e && m >= 0 && m < e->M ? e->member[m] : NULL;
}

int study_ensemble_fit_normalization(study_ensemble *e, const float *states,
                                     const float *next_states, size_t n) {
  for (int m = 1; m < e->M; m++) {
    int st = surrogate_fit_normalization(e->member[m], states, next_states, n);
    if (st) return st;
  }
  return OGAS_OK;
}

int study_ensemble_train_step(study_ensemble *e, const float *states, const float *next_states,
                              const float *z, int B, study_loss_kind kind) {
  for (int m = 1; m < e->M; m++) {
    float loss;
    int st = surrogate_train_step(e->member[m], states, next_states, z, NULL, B, kind, &loss, NULL,
                                  NULL);
    if (st && st != OGAS_ERANGE) return st;
  }
  return OGAS_OK;
}

/* Rows r0 .. r0 + B of the scores: roll the ensemble mean out. */
static int score_chunk(study_ensemble *e, const float *states, const float *z, size_t B,
                       size_t steps, study_loss_kind kind, double *out) {
  size_t S = e->S, M = (size_t)e->M;
  double floor_norm = surrogate_nrmse_floor(e->member[0]);
  memcpy(e->cur, states, B * S * sizeof(float));
  for (size_t r = 0; r < B; r++) out[r] = 0;
  for (size_t t = 0; t < steps; t++) {
    for (size_t m = 0; m < M; m++) {
      int st = surrogate_predict(e->member[m], e->cur, z, B, e->pred + m * e->chunk * S);
      if (st) return st;
    }
    for (size_t r = 0; r < B; r++) {
      double spread = 0, mean2 = 0; /* Σ_m ||û_m - ū||^2, ||ū||^2 */
      float *mean = e->cur + r * S; /* the next state of the rollout */
      for (size_t j = 0; j < S; j++) {
        double sum = 0, sq = 0;
        for (size_t m = 0; m < M; m++) {
          double v = e->pred[(m * e->chunk + r) * S + j];
          sum += v, sq += v * v;
        }
        double mu = sum / (double)M;
        spread += fmax(sq - (double)M * mu * mu, 0.0);
        mean2 += mu * mu;
        mean[j] = (float)mu;
      }
      double d = spread / ((double)M * (double)S); /* d_t */
      double v = kind == STUDY_LOSS_MSE    ? d
                 : kind == STUDY_LOSS_RMSE ? sqrt(d)
                                           : sqrt(d * (double)S) / fmax(sqrt(mean2), floor_norm);
      out[r] += (isfinite(v) ? v : INFINITY) / (double)steps;
    }
  }
  return OGAS_OK;
}

int study_ensemble_disagreement(study_ensemble *e, const float *states, const float *z, size_t n,
                                size_t steps, study_loss_kind kind, double *out) {
  if (!e || (n && (!states || !out || (e->P && !z))) || steps < 1) return OGAS_EINVAL;
  for (size_t r0 = 0; r0 < n; r0 += e->chunk) {
    size_t B = n - r0 < e->chunk ? n - r0 : e->chunk;
    int st =
        score_chunk(e, states + r0 * e->S, e->P ? z + r0 * e->P : NULL, B, steps, kind, out + r0);
    if (st) return st;
  }
  return OGAS_OK;
}
