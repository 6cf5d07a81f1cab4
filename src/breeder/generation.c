/* generation — ogas_next_parameters: stage a new generation of children
 * (SPEC §5). floor(n·R_g) children are bred by the DDPM, conditioned on
 * target conditions drawn from the reservoir; the rest come from the
 * space-filling sampler; the list is shuffled. Bred children that leave the
 * box [-1,1]^d are drawn again up to max_oob_attempts times, then clipped. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "breeder/breed_ratio.h"
#include "breeder/breeder_internal.h"
#include "breeder/targets.h"
#include "util/clock.h"

static int out_of_box(const float *z, size_t d) {
  for (size_t k = 0; k < d; k++)
    if (!(fabsf(z[k]) <= 1.0f)) return 1; /* also catches NaN */
  return 0;
}

/* Sample n candidates at targets into cand, in chunks ([gen_lock] held;
   takes snap_lock so that the trainer cannot publish mid-way). */
static void sample_chunked(ogas_breeder *b, const float *targets, int64_t n, float *cand) {
  const ogas_config_model *m = &b->cfg.model;
  int ddim = m->sampler == OGAS_CFG_DDPM_SAMPLER_DDIM ? (int)m->ddim_steps : 0;
  pthread_mutex_lock(&b->snap_lock);
  for (int64_t done = 0; done < n; done += GENERATION_CHUNK) {
    int64_t k = n - done < GENERATION_CHUNK ? n - done : GENERATION_CHUNK;
    /* Split over threads; on one thread when they cannot be started. */
    if (!b->sampler_team ||
        sample_team_run(b->sampler_team, b->snapshot, targets + done, (int)k,
                        (float)m->guidance_scale, ddim, &b->gen_rng, cand + (size_t)done * b->d))
      ddpm_sample(b->sampler, b->snapshot, targets + done, (int)k, (float)m->guidance_scale, ddim,
                  &b->gen_rng, cand + (size_t)done * b->d);
  }
  pthread_mutex_unlock(&b->snap_lock);
}

/* Draw the bred children; returns counts of re-generated and clipped ones. */
static void breed(ogas_breeder *b, int64_t n_bred, int64_t *n_regen, int64_t *n_clipped) {
  size_t d = b->d;
  sample_chunked(b, b->targets, n_bred, b->cand);
  *n_regen = *n_clipped = 0;
  /* Out-of-bounds rows (listed in `order`) are redrawn with their own
     targets, a chunk at a time through the retry buffers. */
  int64_t attempts = b->cfg.breeder.resample_oob ? b->cfg.breeder.max_oob_attempts : 0;
  for (int64_t a = 0; a < attempts; a++) {
    int64_t m = 0;
    for (int64_t i = 0; i < n_bred; i++)
      if (out_of_box(b->cand + (size_t)i * d, d)) b->order[m++] = i;
    if (m == 0) break;
    if (a == 0) *n_regen = m;
    for (int64_t s = 0; s < m; s += GENERATION_CHUNK) {
      int64_t k = m - s < GENERATION_CHUNK ? m - s : GENERATION_CHUNK;
      for (int64_t j = 0; j < k; j++) b->retry_c[j] = b->targets[b->order[s + j]];
      sample_chunked(b, b->retry_c, k, b->retry_z);
      for (int64_t j = 0; j < k; j++)
        memcpy(b->cand + (size_t)b->order[s + j] * d, b->retry_z + (size_t)j * d,
               d * sizeof(float));
    }
  }
  for (int64_t i = 0; i < n_bred; i++) {
    float *z = b->cand + (size_t)i * d;
    if (!out_of_box(z, d)) continue;
    (*n_clipped)++;
    for (size_t k = 0; k < d; k++) z[k] = isnan(z[k]) ? 0.0f : fminf(fmaxf(z[k], -1.0f), 1.0f);
  }
}

/* Rows a generation of max_breeding_count would have ([lock] held). */
static int64_t children_wanted(const ogas_breeder *b, int64_t max_breeding_count) {
  int64_t remaining = b->nb_sims - 1 - b->highest_known_id;
  return max_breeding_count < 0 || max_breeding_count > remaining ? remaining : max_breeding_count;
}

static ogas_status next_parameters(ogas_breeder *b, int64_t max_breeding_count, size_t *n_staged);

/* Gather the outcome check's rows: the newest reported simulations of the
   last TRUST_OUTCOME_GENERATIONS bred-or-probed generations, by id (ids are
   submitted in order, so each generation is a contiguous run). [lock] */
static void outcome_test(ogas_breeder *b, trust_outcome *out) {
  int64_t oldest = b->generation - TRUST_OUTCOME_GENERATIONS + 1;
  if (oldest < 1) oldest = 1; /* generation 0 is the space-filling table */
  int n = 0;
  for (int64_t id = b->highest_known_id; id >= 0 && n < TRUST_OUTCOME_MAX; id--) {
    if (b->row_generation[id] < oldest) break;
    if (b->signal.n_values[id] == 0) continue;
    b->outcome_rows.score[n] = (float)b->signal.score[id];
    b->outcome_rows.is_bred[n] = b->is_bred[id];
    b->outcome_rows.generation[n] = b->row_generation[id];
    n++;
  }
  trust_outcome_test(b->outcome_rows.score, b->outcome_rows.is_bred, b->outcome_rows.generation, n,
                     out);
}

ogas_status ogas_next_parameters(ogas_breeder *b, int64_t max_breeding_count, size_t *n_staged) {
  if (!b) return OGAS_EINVAL;
  if (n_staged) *n_staged = 0;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  ogas_status st = next_parameters(b, max_breeding_count, n_staged);
  telemetry_flush(b); /* file I/O after every lock is released */
  breeder_leave(b);
  return st;
}

static ogas_status next_parameters(ogas_breeder *b, int64_t max_breeding_count, size_t *n_staged) {
  if (max_breeding_count < -1)
    return breeder_fail(b, OGAS_EINVAL,
                        "ogas_next_parameters: max_breeding_count must be -1 (all remaining "
                        "rows) or >= 0, got %lld",
                        (long long)max_breeding_count);
  pthread_mutex_lock(&b->gen_lock);
  /* A generation staged and not concretized is returned as it is: drawing
     again would discard it and advance the schedule and the telemetry. */
  pthread_mutex_lock(&b->lock);
  if (b->n_staged > 0) {
    int64_t staged = b->n_staged, wanted = children_wanted(b, max_breeding_count);
    if (wanted != staged)
      breeder_fail(b, OGAS_OK,
                   "ogas_next_parameters: generation %lld (%lld children) is still staged and "
                   "is returned as it is; concretize it before staging %lld",
                   (long long)b->generation, (long long)staged, (long long)wanted);
    pthread_mutex_unlock(&b->lock);
    pthread_mutex_unlock(&b->gen_lock);
    if (n_staged) *n_staged = (size_t)staged;
    return OGAS_OK;
  }
  pthread_mutex_unlock(&b->lock);
  if (!b->cfg.breeder.async_training) trainer_spend(b, INT64_MAX); /* sync: spend the budget */
  double t0 = wall_s(); /* generation proper, after the sync mode's training */

  const ogas_config_breeder *bc = &b->cfg.breeder;
  size_t d = b->d;
  ogas_generation_info info;
  memset(&info, 0, sizeof info);

  pthread_mutex_lock(&b->lock);
  int64_t n = children_wanted(b, max_breeding_count);
  if (n > 0 && telemetry_reserve(b) != OGAS_OK) { /* before anything changes */
    pthread_mutex_unlock(&b->lock);
    pthread_mutex_unlock(&b->gen_lock);
    return OGAS_ENOMEM;
  }
  if (n <= 0) {
    if (b->highest_known_id >= b->nb_sims - 1)
      breeder_fail(b, OGAS_OK,
                   "ogas_next_parameters: no unsubmitted rows left: sim %lld, the last id, is "
                   "submitted (%s; ids are submitted in order, so every row is)",
                   (long long)b->highest_known_id, breeder_submitted_because(b));
    else
      breeder_fail(b, OGAS_OK, "ogas_next_parameters: max_breeding_count is 0: nothing staged");
    pthread_mutex_unlock(&b->lock);
    pthread_mutex_unlock(&b->gen_lock);
    return OGAS_OK;
  }
  int64_t g = b->generation + 1;
  double R = breed_ratio_at(bc->start_breed_ratio, bc->end_breed_ratio, bc->breakpoint, g);
  int64_t m_obs = b->res.count;
  memcpy(b->obs_c, b->res.c, (size_t)m_obs * sizeof(float)); /* order does not matter */
  info.reservoir_entries = m_obs;
  info.ddpm_steps = b->tr.ddpm_steps;
  info.ratio_steps = b->tr.ratio_steps;
  info.ddpm_loss = b->tr.ddpm_loss;
  info.ratio_loss = b->tr.ratio_loss;
  info.train_cpu_s_since_last = b->tr.cpu_s - b->last_gen_cpu_s;
  info.values_rejected = b->rejected_nonfinite + b->rejected_negative + b->rejected_unknown_id;
  if (b->cfg.breeder.async_training) info.ddpm_steps_dropped = trainer_generation_break(b);
  trust_verdict verdict;
  trust_window_verdict(&b->trust_win, &verdict);
  trust_outcome outcome;
  outcome_test(b, &outcome);
  pthread_mutex_unlock(&b->lock);

  pthread_mutex_lock(&b->snap_lock);
  int64_t trained = b->snapshot_steps;
  pthread_mutex_unlock(&b->snap_lock);
  info.trust_entries = verdict.n_entries;
  info.trust_loss_high = verdict.loss_high;
  info.trust_loss_low = verdict.loss_low;
  info.trust_z = verdict.z;
  info.outcome_bred = outcome.n_bred;
  info.outcome_non_bred = outcome.n_plain;
  info.outcome_z = outcome.z;
  int64_t n_bred = (int64_t)floor((double)n * R);
  if (n_bred > 0 && !bc->activate_breed) {
    snprintf(info.not_bred_reason, sizeof info.not_bred_reason,
             "breeding is off (breeder.activate_breed is false)");
    n_bred = 0;
  } else if (n_bred > 0 && m_obs < bc->min_reservoir_entries) {
    snprintf(info.not_bred_reason, sizeof info.not_bred_reason,
             "reservoir has %lld entries, breeding needs %lld (breeder.min_reservoir_entries)",
             (long long)m_obs, (long long)bc->min_reservoir_entries);
    n_bred = 0;
  } else if (n_bred > 0 && trained < bc->min_train_steps) {
    snprintf(info.not_bred_reason, sizeof info.not_bred_reason,
             "DDPM has %lld training steps, breeding needs %lld (breeder.min_train_steps)",
             (long long)trained, (long long)bc->min_train_steps);
    n_bred = 0;
  } else if (n_bred > 0 && !(bc->trust_min_z > 0)) {
    info.trusted = 1;
  } else if (n_bred > 0) {
    double min_z = bc->trust_min_z;
    int contrast = verdict.n_entries >= TRUST_MIN_ENTRIES && verdict.z >= min_z;
    info.trusted = outcome.z > -min_z && (contrast || outcome.z >= min_z);
    if (outcome.z <= -min_z) {
      snprintf(info.not_bred_reason, sizeof info.not_bred_reason,
               "bred simulations scored lower than space-filling ones (outcome z %.2f <= -%g)",
               outcome.z, min_z);
      n_bred = 0;
    } else if (!contrast && !(outcome.z >= min_z)) {
      /* Unproven: breed a probe share, whose outcome the next break judges. */
      int64_t probe = (int64_t)floor((double)n * bc->trust_probe_share);
      if (probe < n_bred) {
        snprintf(info.not_bred_reason, sizeof info.not_bred_reason,
                 "probe: %lld of %lld bred until the DDPM proves itself (z %.2f, outcome z "
                 "%.2f < %g)",
                 (long long)probe, (long long)n_bred, verdict.z, outcome.z, min_z);
        n_bred = probe;
      }
    }
  }

  /* Bred children, in z. */
  int64_t n_regen = 0, n_clipped = 0;
  if (n_bred > 0) {
    draw_targets(bc->loss_sampling_strategy, bc->loss_sampling_alpha, bc->loss_sampling_quantile,
                 b->obs_c, m_obs, b->obs_scratch, &b->gen_rng, b->targets, n_bred);
    double tsum = 0;
    for (int64_t i = 0; i < n_bred; i++) tsum += b->targets[i];
    info.target_mean = tsum / (double)n_bred;
    breed(b, n_bred, &n_regen, &n_clipped);
  }
  /* Non-bred children from the space-filling sequence, in [0,1)^d. */
  int64_t n_plain = n - n_bred;
  int sfst = sf_next(b->sf, (size_t)n_plain, b->unit);
  if (sfst != OGAS_OK) {
    pthread_mutex_unlock(&b->gen_lock);
    return breeder_fail(b, (ogas_status)sfst,
                        "ogas_next_parameters: the non-breed sampler cannot draw %lld more points",
                        (long long)n_plain);
  }
  /* Shuffle: order[i] < n_bred is a bred child, otherwise a plain one. */
  for (int64_t i = 0; i < n; i++) b->order[i] = i;
  ogas_rng_shuffle_i64(&b->gen_rng, b->order, (size_t)n);

  pthread_mutex_lock(&b->lock);
  for (int64_t i = 0; i < n; i++) {
    int64_t src = b->order[i];
    double *x = b->staged + (size_t)i * d;
    for (size_t k = 0; k < d; k++) {
      double l = b->cfg.l_bounds[k], u = b->cfg.u_bounds[k];
      double unit = src < n_bred ? 0.5 * ((double)b->cand[(size_t)src * d + k] + 1.0)
                                 : b->unit[(size_t)(src - n_bred) * d + k];
      x[k] = l + unit * (u - l);
    }
    b->staged_bred[i] = src < n_bred;
  }
  b->n_staged = n;
  b->generation = g;
  b->breed_ratio = R;
  info.generation = g;
  info.breed_ratio = R;
  info.n_children = n;
  info.n_bred = n_bred;
  info.n_non_bred = n_plain;
  info.n_oob_regenerated = n_regen;
  info.n_clipped = n_clipped;
  info.ddpm_steps_since_last = info.ddpm_steps - b->last_gen_ddpm_steps;
  b->last_gen_ddpm_steps = info.ddpm_steps;
  b->last_gen_cpu_s = b->tr.cpu_s;
  info.generate_ms = 1e3 * (wall_s() - t0);
  telemetry_append(b, &info);
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_unlock(&b->gen_lock);
  if (n_staged) *n_staged = (size_t)n;
  return OGAS_OK;
}
