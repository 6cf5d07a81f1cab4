/* trainer — spends the data-tied training budget of SPEC §7.
 *
 * Budget: each simulation that reports for the first time grants
 * model.n_train_steps_per_sim DDPM steps (and as many RatioMLP steps when
 * the history correction is on), and each record_increments call grants
 * model.n_train_steps_per_epoch DDPM and breeder.max_mlp_steps_per_collect
 * RatioMLP steps. Tying the budget to new simulations makes it the same for
 * a server that reports once per simulation, a few times, or once per
 * minibatch drawn from many simulations: steps per generation = grant x
 * simulations per generation. In sync mode train_sampler / next_parameters
 * spend all of it on the caller's thread, which makes a run reproducible
 * from its seed. In async mode a background thread spends it as it comes;
 * grants it has not spent after breeder.max_epoch_per_epoch generation
 * breaks expire, counted in the generation's telemetry (the trainer fell
 * behind the server), so that a slow trainer lags by a bounded amount.
 *
 * A step copies its minibatch out of the reservoir under the breeder lock
 * and computes without it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "breeder/breeder_internal.h"
#include "nn/blas_threads.h"
#include "util/clock.h"

int trainer_init(ogas_breeder *b) {
  const ogas_config *c = &b->cfg;
  trainer_state *t = &b->tr;
  t->ddpm_cfg = (ddpm_config){
      .shape = {(int)b->d, (int)c->model.model_dim, (int)c->model.n_blocks},
      .schedule =
          c->model.noise_schedule == OGAS_CFG_SCHEDULE_LINEAR ? SCHEDULE_LINEAR : SCHEDULE_COSINE,
      .timesteps = (int)c->model.timesteps,
      .beta_start = c->model.beta_start,
      .beta_end = c->model.beta_end,
      .adam = {.lr = (float)c->model.lr,
               .beta1 = (float)c->model.adam_beta1,
               .beta2 = (float)c->model.adam_beta2,
               .eps = 1e-8f,
               .weight_decay = (float)c->model.weight_decay},
      .grad_clip = (float)c->model.grad_clip,
      .ema_decay = (float)c->model.ema_decay,
      .p_uncond = (float)c->model.p_uncond,
      .batch_size = (int)c->data.batch_size,
      .box_prior = c->model.box_prior,
  };
  ogas_rng_seed(&t->rng, c->seed, 2);
  ogas_rng init_rng;
  ogas_rng_seed(&init_rng, c->seed, 3);
  if (ddpm_model_init(&t->model, &t->ddpm_cfg, &init_rng)) return -1;
  if (ddpm_model_set_threads(&t->model, (int)c->model.n_threads)) return -1;
  adamw_config ra = {.lr = (float)c->breeder.ratio_mlp_lr,
                     .beta1 = 0.9f,
                     .beta2 = 0.999f,
                     .eps = 1e-8f,
                     .weight_decay = (float)c->breeder.ratio_mlp_weight_decay};
  int B = (int)c->data.batch_size;
  if (ratio_mlp_init(&t->ratio, (int)b->d, (int)c->breeder.ratio_mlp_hidden_dim, B, &ra,
                     (float)c->breeder.ratio_mlp_label_smoothing, &init_rng))
    return -1;
  t->trust = trust_create(&t->ddpm_cfg);
  t->score_high = malloc(2 * TRUST_BATCH * sizeof(float));
  if (!t->trust || !t->score_high) return -1;
  t->score_low = t->score_high + TRUST_BATCH;
  size_t Bd = (size_t)B * b->d;
  t->batch_z = malloc((2 * Bd + 4 * (size_t)B) * sizeof(float));
  if (!t->batch_z) return -1;
  t->ratio_z = t->batch_z + Bd;
  t->batch_c = t->ratio_z + Bd;
  t->batch_w = t->batch_c + B;
  t->ratio_labels = t->batch_w + B;
  t->grant_call_ddpm = c->model.n_train_steps_per_epoch;
  t->grant_call_ratio = c->breeder.learn_sampling_ratio ? c->breeder.max_mlp_steps_per_collect : 0;
  t->grant_sim = c->model.n_train_steps_per_sim;
  t->ddpm_loss = t->ratio_loss = NAN;
  return 0;
}

void trainer_free(ogas_breeder *b) {
  trainer_state *t = &b->tr;
  ddpm_model_free(&t->model);
  ratio_mlp_free(&t->ratio);
  free(t->batch_z);
  trust_free(t->trust);
  free(t->score_high);
  t->batch_z = NULL;
  t->trust = NULL;
  t->score_high = NULL;
}

void trainer_grant(ogas_breeder *b, int64_t new_sims) {
  trainer_state *t = &b->tr;
  int64_t per_sims = new_sims * t->grant_sim;
  t->budget_ddpm += t->grant_call_ddpm + per_sims;
  t->budget_ratio += t->grant_call_ratio + (b->cfg.breeder.learn_sampling_ratio ? per_sims : 0);
  /* Wake the thread only when it may have work (the cheap terms of
     work_available): otherwise every record call cost a wake-up, a lock
     hand-off and an idle broadcast for nothing. */
  if (t->budget_ddpm > 0 || t->budget_ratio > 0 || b->res.n_unscored > 0)
    pthread_cond_broadcast(&b->work_cv);
}

/* One model's side of trainer_generation_break: owed[0..K-1] hold what was
   outstanding at the last K breaks, newest first. The steps done since the
   last break pay the oldest debts first; what is still owed from K breaks
   ago expires. Returns the steps dropped. */
static int64_t expire_grants(int64_t *owed, int K, int64_t *budget, int64_t steps_done) {
  int64_t then = 0;
  for (int k = 0; k < K; k++) then += owed[k];
  int64_t fresh = *budget + steps_done - then; /* granted since the last break */
  for (int k = K - 1; k >= 0 && steps_done > 0; k--) {
    int64_t paid = owed[k] < steps_done ? owed[k] : steps_done;
    owed[k] -= paid, steps_done -= paid;
  }
  fresh -= steps_done;
  int64_t dropped = owed[K - 1];
  for (int k = K - 1; k > 0; k--) owed[k] = owed[k - 1];
  owed[0] = fresh > 0 ? fresh : 0;
  *budget -= dropped;
  return dropped;
}

int64_t trainer_generation_break(ogas_breeder *b) {
  trainer_state *t = &b->tr;
  int K = (int)b->cfg.breeder.max_epoch_per_epoch;
  int64_t dropped =
      expire_grants(t->owed_ddpm, K, &t->budget_ddpm, t->ddpm_steps - t->steps_at_break_ddpm);
  t->dropped_ratio +=
      expire_grants(t->owed_ratio, K, &t->budget_ratio, t->ratio_steps - t->steps_at_break_ratio);
  t->steps_at_break_ddpm = t->ddpm_steps;
  t->steps_at_break_ratio = t->ratio_steps;
  t->dropped_ddpm += dropped;
  return dropped;
}

/* Whether a DDPM step can run now ([lock] held). */
static int ddpm_trainable(ogas_breeder *b) { return breeder_trainable_count(b) > 0; }

/* Random trainable reservoir entries into the minibatch ([lock] held): a
   share data.focus_share of the rows from the focus set (breeder.c), the
   rest from all trainable entries. */
static void copy_minibatch(ogas_breeder *b, int B) {
  trainer_state *t = &b->tr;
  const reservoir *r = &b->res;
  double focus = b->n_focus > 0 ? b->cfg.data.focus_share : 0.0;
  for (int i = 0; i < B; i++) {
    int from_focus = focus > 0 && ogas_rng_uniform(&t->rng) < focus;
    int64_t slot = from_focus
                       ? b->focus_slots[ogas_rng_below(&t->rng, (uint64_t)b->n_focus)]
                       : b->trainable_slots[ogas_rng_below(&t->rng, (uint64_t)b->n_trainable)];
    memcpy(t->batch_z + (size_t)i * b->d, r->z + (size_t)slot * b->d, b->d * sizeof(float));
    t->batch_c[i] = r->c[slot];
  }
}

/* RatioMLP minibatch: B/2 fresh uniform draws (label 1), B/2 reservoir
   entries (label 0) ([lock] held). */
static void copy_ratio_batch(ogas_breeder *b, int B) {
  trainer_state *t = &b->tr;
  const reservoir *r = &b->res;
  for (int i = 0; i < B; i++) {
    float *z = t->ratio_z + (size_t)i * b->d;
    if (i < B / 2) {
      for (size_t k = 0; k < b->d; k++) z[k] = (float)(2.0 * ogas_rng_uniform(&t->rng) - 1.0);
      t->ratio_labels[i] = 1.0f;
    } else {
      int64_t slot = (int64_t)ogas_rng_below(&t->rng, (uint64_t)r->count);
      memcpy(z, r->z + (size_t)slot * b->d, b->d * sizeof(float));
      t->ratio_labels[i] = 0.0f;
    }
  }
}

/* Score the entries waiting in the reservoir (trust.h) with the current EMA
   weights before any step may train on them. Called with train_lock and
   `lock` held; returns with both held. Returns the entries scored. */
static int64_t score_pending(ogas_breeder *b) {
  trainer_state *t = &b->tr;
  reservoir *r = &b->res;
  size_t d = b->d;
  int64_t scored = 0;
  while (r->n_unscored > 0) {
    float *z = trust_batch_z(t->trust), *c = trust_batch_c(t->trust);
    int n = 0;
    for (int64_t slot = 0; slot < r->count && n < TRUST_BATCH; slot++) {
      if (!r->unscored[slot]) continue;
      memcpy(z + (size_t)n * d, r->z + (size_t)slot * d, d * sizeof(float));
      c[n++] = r->c[slot];
      reservoir_mark_scored(r, slot);
    }
    float c_high = breeder_condition_quantile(b, TRUST_HIGH_QUANTILE, 0);
    float c_low = breeder_condition_quantile(b, TRUST_LOW_QUANTILE, 0);
    b->index_stale = 1;
    t->in_flight = 1;
    pthread_mutex_unlock(&b->lock);
    double cpu0 = thread_cpu_s();
    trust_score(t->trust, t->model.ema, n, c_high, c_low, &t->rng, t->score_high, t->score_low);
    double cpu = thread_cpu_s() - cpu0;
    pthread_mutex_lock(&b->lock);
    t->in_flight = 0;
    t->cpu_s += cpu;
    for (int i = 0; i < n; i++)
      trust_window_add(&b->trust_win, c[i], t->score_low[i] - t->score_high[i], t->score_high[i],
                       t->score_low[i]);
    scored += n;
  }
  return scored;
}

static double moving_average(double avg, double x) {
  return isnan(avg) ? x : 0.98 * avg + 0.02 * x;
}

/* One unit of work: a RatioMLP step if its budget allows, then a DDPM step.
   Called with train_lock held and `lock` held; returns with both held.
   Returns 1 if a DDPM step was done, 0 if only a ratio step or scoring
   (trust.h), -1 if nothing. */
static int train_one(ogas_breeder *b) {
  trainer_state *t = &b->tr;
  int B = (int)b->cfg.data.batch_size;
  if (score_pending(b) > 0) return 0;
  int do_ratio = t->budget_ratio > 0 && b->res.count > 0;
  int do_ddpm = t->budget_ddpm > 0 && ddpm_trainable(b);
  if (!do_ratio && !do_ddpm) return -1;
  if (do_ratio) copy_ratio_batch(b, B);
  if (do_ddpm) copy_minibatch(b, B);
  if (do_ratio) t->budget_ratio--;
  if (do_ddpm) t->budget_ddpm--;
  t->in_flight = 1;
  pthread_mutex_unlock(&b->lock);

  /* The DDPM's helper threads (model.n_threads) count too. */
  double cpu0 = thread_cpu_s() + ddpm_model_helper_cpu_s(&t->model);
  float ratio_loss = NAN, ddpm_loss = NAN;
  if (do_ratio) ratio_loss = ratio_mlp_train_step(&t->ratio, t->ratio_z, t->ratio_labels, B);
  if (do_ddpm) {
    const float *w = NULL;
    if (b->cfg.breeder.learn_sampling_ratio) {
      /* History-bias correction: w = D/(1-D) ≈ p_uniform/p_reservoir. */
      ratio_mlp_weights(&t->ratio, t->ratio.params, t->batch_z, B,
                        (float)b->cfg.breeder.ratio_weight_min,
                        (float)b->cfg.breeder.ratio_weight_max, t->batch_w);
      w = t->batch_w;
    }
    ddpm_loss = ddpm_train_step(&t->model, t->batch_z, t->batch_c, w, B, &t->rng);
  }
  double cpu = thread_cpu_s() + ddpm_model_helper_cpu_s(&t->model) - cpu0;

  pthread_mutex_lock(&b->lock);
  t->in_flight = 0;
  t->cpu_s += cpu;
  if (do_ratio) t->ratio_steps++, t->ratio_loss = moving_average(t->ratio_loss, ratio_loss);
  if (do_ddpm) t->ddpm_steps++, t->ddpm_loss = moving_average(t->ddpm_loss, ddpm_loss);
  return do_ddpm;
}

/* Called with train_lock held (the model must not change while copied). */
int trainer_publish(ogas_breeder *b, int blocking) {
  trainer_state *t = &b->tr;
  if (blocking)
    pthread_mutex_lock(&b->snap_lock);
  else if (pthread_mutex_trylock(&b->snap_lock))
    return 0;
  memcpy(b->snapshot, t->model.ema, t->model.n_params * sizeof(float));
  b->snapshot_steps = t->model.step;
  pthread_mutex_unlock(&b->snap_lock);
  return 1;
}

int64_t trainer_spend(ogas_breeder *b, int64_t max_steps) {
  int64_t done = 0;
  pthread_mutex_lock(&b->train_lock);
  pthread_mutex_lock(&b->lock);
  while (done < max_steps && !b->tr.stop) { /* stop: the breeder is being freed */
    int r = train_one(b);
    if (r < 0) break;
    done += r;
  }
  pthread_cond_broadcast(&b->idle_cv);
  pthread_mutex_unlock(&b->lock);
  /* Only DDPM steps change the EMA weights: without one, the snapshot is
     already theirs, and copying it (n_params floats) on every call would
     cost more than the call. */
  if (done > 0) trainer_publish(b, 1);
  pthread_mutex_unlock(&b->train_lock);
  return done;
}

/* Whether a step of either model can run now ([lock] held). */
static int work_available(ogas_breeder *b) {
  const trainer_state *t = &b->tr;
  return b->res.n_unscored > 0 || (t->budget_ratio > 0 && b->res.count > 0) ||
         (t->budget_ddpm > 0 && ddpm_trainable(b));
}

static void *trainer_main(void *arg) {
  ogas_breeder *b = arg;
  trainer_state *t = &b->tr;
  int since_publish = 0;
  pthread_mutex_lock(&b->lock);
  while (!t->stop) {
    if (!work_available(b) || t->pause_requests > 0) {
      /* Idle: publish what is new, tell waiters, sleep until a grant. */
      if (since_publish) {
        pthread_mutex_unlock(&b->lock);
        pthread_mutex_lock(&b->train_lock);
        trainer_publish(b, 1);
        pthread_mutex_unlock(&b->train_lock);
        pthread_mutex_lock(&b->lock);
        since_publish = 0;
        continue;
      }
      pthread_cond_broadcast(&b->idle_cv);
      pthread_cond_wait(&b->work_cv, &b->lock);
      continue;
    }
    /* train_lock is taken per step, so that a checkpoint can slip in. */
    pthread_mutex_unlock(&b->lock);
    pthread_mutex_lock(&b->train_lock);
    pthread_mutex_lock(&b->lock);
    int r = train_one(b);
    if (r > 0 && ++since_publish >= PUBLISH_EVERY) {
      pthread_mutex_unlock(&b->lock);
      int published = trainer_publish(b, 0); /* skipped while generation samples */
      pthread_mutex_lock(&b->lock);
      if (published) since_publish = 0;
    }
    pthread_mutex_unlock(&b->train_lock);
  }
  pthread_cond_broadcast(&b->idle_cv);
  pthread_mutex_unlock(&b->lock);
  return NULL;
}

int trainer_start(ogas_breeder *b) {
  if (pthread_create(&b->tr.thread, NULL, trainer_main, b)) return -1;
  b->tr.thread_started = 1;
  return 0;
}

void trainer_stop(ogas_breeder *b) {
  if (!b->tr.thread_started) return;
  pthread_mutex_lock(&b->lock);
  b->tr.stop = 1;
  pthread_cond_broadcast(&b->work_cv);
  pthread_mutex_unlock(&b->lock);
  pthread_join(b->tr.thread, NULL);
  b->tr.thread_started = 0;
}
