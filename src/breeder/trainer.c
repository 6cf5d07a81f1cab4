/* trainer — spends the data-tied training budget of SPEC §7.
 *
 * Every record_increments call grants n_train_steps_per_epoch DDPM steps and
 * max_mlp_steps_per_collect RatioMLP steps; the backlog is capped at
 * max_epoch_per_epoch grants. A step copies its minibatch out of the
 * reservoir under the breeder lock and computes without it. In async mode a
 * background thread spends the budget as it comes; in sync mode
 * train_sampler / next_parameters spend it on the caller's thread, which
 * makes a run reproducible from its seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "breeder/breeder_internal.h"
#include "nn/blas_threads.h"
#include "util/cpu_time.h"

int trainer_init(ogas_breeder *b) {
  const ogas_config *c = &b->cfg;
  trainer_state *t = &b->tr;
  t->ddpm_cfg = (ddpm_config){
      .shape = {(int)b->d, (int)c->model.model_dim, (int)c->model.n_blocks},
      .schedule = c->model.noise_schedule == OGAS_CFG_SCHEDULE_LINEAR ? SCHEDULE_LINEAR
                                                                      : SCHEDULE_COSINE,
      .timesteps = (int)c->model.timesteps,
      .beta_start = c->model.beta_start,
      .beta_end = c->model.beta_end,
      .adam = {.lr = (float)c->model.lr, .beta1 = (float)c->model.adam_beta1,
               .beta2 = (float)c->model.adam_beta2, .eps = 1e-8f,
               .weight_decay = (float)c->model.weight_decay},
      .grad_clip = (float)c->model.grad_clip,
      .ema_decay = (float)c->model.ema_decay,
      .p_uncond = (float)c->model.p_uncond,
      .batch_size = (int)c->data.batch_size,
  };
  ogas_rng_seed(&t->rng, c->seed, 2);
  ogas_rng init_rng;
  ogas_rng_seed(&init_rng, c->seed, 3);
  if (ddpm_model_init(&t->model, &t->ddpm_cfg, &init_rng)) return -1;
  adamw_config ra = {.lr = (float)c->breeder.ratio_mlp_lr, .beta1 = 0.9f, .beta2 = 0.999f,
                     .eps = 1e-8f, .weight_decay = (float)c->breeder.ratio_mlp_weight_decay};
  int B = (int)c->data.batch_size;
  if (ratio_mlp_init(&t->ratio, (int)b->d, (int)c->breeder.ratio_mlp_hidden_dim, B, &ra,
                     (float)c->breeder.ratio_mlp_label_smoothing, &init_rng))
    return -1;
  size_t Bd = (size_t)B * b->d;
  t->batch_z = malloc((2 * Bd + 4 * (size_t)B) * sizeof(float));
  if (!t->batch_z) return -1;
  t->ratio_z = t->batch_z + Bd;
  t->batch_c = t->ratio_z + Bd;
  t->batch_w = t->batch_c + B;
  t->ratio_labels = t->batch_w + B;
  t->grant_ddpm = c->model.n_train_steps_per_epoch;
  t->grant_ratio = c->breeder.learn_sampling_ratio ? c->breeder.max_mlp_steps_per_collect : 0;
  t->ddpm_loss = t->ratio_loss = NAN;
  return 0;
}

void trainer_free(ogas_breeder *b) {
  trainer_state *t = &b->tr;
  ddpm_model_free(&t->model);
  ratio_mlp_free(&t->ratio);
  free(t->batch_z);
  t->batch_z = NULL;
}

void trainer_grant(ogas_breeder *b) {
  trainer_state *t = &b->tr;
  int64_t cap = b->cfg.breeder.max_epoch_per_epoch;
  t->budget_ddpm = t->budget_ddpm + t->grant_ddpm;
  if (t->budget_ddpm > cap * t->grant_ddpm) t->budget_ddpm = cap * t->grant_ddpm;
  t->budget_ratio = t->budget_ratio + t->grant_ratio;
  if (t->budget_ratio > cap * t->grant_ratio) t->budget_ratio = cap * t->grant_ratio;
  pthread_cond_broadcast(&b->work_cv);
}

/* Whether a DDPM step can run now ([lock] held). */
static int ddpm_trainable(const ogas_breeder *b) {
  const reservoir *r = &b->res;
  if (b->cfg.breeder.train_only_with_non_breed_samples) return r->n_non_bred > 0;
  return r->count > 0;
}

/* Random reservoir entries into the minibatch ([lock] held). With
   train_only_with_non_breed_samples, bred entries are redrawn. */
static void copy_minibatch(ogas_breeder *b, int B) {
  trainer_state *t = &b->tr;
  const reservoir *r = &b->res;
  int only_non_bred = b->cfg.breeder.train_only_with_non_breed_samples;
  for (int i = 0; i < B; i++) {
    int64_t slot;
    do slot = (int64_t)ogas_rng_below(&t->rng, (uint64_t)r->count);
    while (only_non_bred && r->is_bred[slot]);
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

static double moving_average(double avg, double x) { return isnan(avg) ? x : 0.98 * avg + 0.02 * x; }

/* One unit of work: a RatioMLP step if its budget allows, then a DDPM step.
   Called with train_lock held and `lock` held; returns with both held.
   Returns 1 if a DDPM step was done, 0 if only a ratio step, -1 if nothing. */
static int train_one(ogas_breeder *b) {
  trainer_state *t = &b->tr;
  int B = (int)b->cfg.data.batch_size;
  int do_ratio = t->budget_ratio > 0 && b->res.count > 0;
  int do_ddpm = t->budget_ddpm > 0 && ddpm_trainable(b);
  if (!do_ratio && !do_ddpm) return -1;
  if (do_ratio) copy_ratio_batch(b, B);
  if (do_ddpm) copy_minibatch(b, B);
  if (do_ratio) t->budget_ratio--;
  if (do_ddpm) t->budget_ddpm--;
  t->in_flight = 1;
  pthread_mutex_unlock(&b->lock);

  double cpu0 = thread_cpu_s();
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
  double cpu = thread_cpu_s() - cpu0;

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
  if (blocking) pthread_mutex_lock(&b->snap_lock);
  else if (pthread_mutex_trylock(&b->snap_lock)) return 0;
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
  trainer_publish(b, 1);
  pthread_mutex_unlock(&b->train_lock);
  return done;
}

/* Whether a step of either model can run now ([lock] held). */
static int work_available(const ogas_breeder *b) {
  const trainer_state *t = &b->tr;
  return (t->budget_ratio > 0 && b->res.count > 0) || (t->budget_ddpm > 0 && ddpm_trainable(b));
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
