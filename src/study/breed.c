/* breed — the Breed baseline. See breed.h. */
#include "study/breed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/breed_ratio.h"
#include "breeder/signal.h"
#include "nn/rng.h"
#include "ogas.h"

struct study_breed {
  study_breed_config cfg;
  size_t d;
  int64_t n;
  double *lower, *upper; /* d each (one block) */
  ogas_rng rng;
  difficulty_signal signal; /* the breeder's module, the breeder's settings */
  int64_t calls, entries;   /* record calls; entries made (the FIFO's clock) */
  int64_t *touched_call;    /* n: last call that made an entry for the row */
  int64_t *entry_at;        /* n: index of the row's latest entry, -1: none */
  double *fitness;          /* n: condition judged with that entry */
  double *cov_scale;        /* n: covariance multiplier c */
  unsigned char *finished;  /* n */
  double *cumulative;       /* n: parent-draw weights */
  int64_t *parent_id;       /* n */
  double *staged;           /* n x d */
  double *staged_scale;     /* n */
  int *staged_bred;         /* n */
  int64_t *order;           /* n */
};

void study_breed_config_defaults(study_breed_config *c) {
  c->start_breed_ratio = 0.0;
  c->end_breed_ratio = 0.7;
  c->breakpoint = 4;
  c->sigma = 0.1;
  c->shrink = 0.3;
  c->max_oob_count = 10;
  c->non_breed_sampler = SF_HALTON;
  c->ema_loss_alpha = 0.3;
  c->normalize_losses = 1;
  c->clip_loss_norm_to_3_sigma = 0;
  c->min_max_queue_length = 20;
  c->max_loss_value = 5.0;
  c->buffer_size = 6000;
}

const char *study_breed_config_check(const study_breed_config *c) {
  if (!(c->start_breed_ratio >= 0 && c->start_breed_ratio <= 1)) return "start_breed_ratio";
  if (!(c->end_breed_ratio >= 0 && c->end_breed_ratio <= 1)) return "end_breed_ratio";
  if (c->breakpoint < 1) return "breakpoint";
  if (!(c->sigma > 0 && isfinite(c->sigma))) return "sigma";
  if (!(c->shrink > 0 && c->shrink < 1)) return "shrink";
  if (c->max_oob_count < 0) return "max_oob_count";
  if (!(c->ema_loss_alpha > 0 && c->ema_loss_alpha <= 1)) return "ema_loss_alpha";
  /* The window is an int ring (breeder/signal.h), as the breeder's is. */
  if (c->min_max_queue_length < 1 || c->min_max_queue_length > INT32_MAX)
    return "min_max_queue_length";
  if (!(c->max_loss_value > 0 && isfinite(c->max_loss_value))) return "max_loss_value";
  if (c->buffer_size < 1) return "buffer_size";
  return NULL;
}

int study_breed_create(const study_breed_config *c, size_t d, int64_t n, const double *lower,
                       const double *upper, uint64_t seed, study_breed **out) {
  *out = NULL;
  study_breed *b = calloc(1, sizeof *b);
  if (!b) return OGAS_ENOMEM;
  b->cfg = *c;
  b->d = d;
  b->n = n;
  size_t N = (size_t)n;
  b->lower = malloc(2 * d * sizeof(double));
  b->touched_call = calloc(N, sizeof(int64_t));
  b->entry_at = malloc(N * sizeof(int64_t));
  b->fitness = calloc(N, sizeof(double));
  b->cov_scale = malloc(N * sizeof(double));
  b->finished = calloc(N, 1);
  b->cumulative = malloc(N * sizeof(double));
  b->parent_id = malloc(N * sizeof(int64_t));
  b->staged = malloc(N * d * sizeof(double));
  b->staged_scale = malloc(N * sizeof(double));
  b->staged_bred = malloc(N * sizeof(int));
  b->order = malloc(N * sizeof(int64_t));
  normalize_mode mode = !c->normalize_losses           ? NORMALIZE_OFF
                        : c->clip_loss_norm_to_3_sigma ? NORMALIZE_3_SIGMA
                                                       : NORMALIZE_MIN_MAX;
  int sig_ok = signal_init(&b->signal, n, c->ema_loss_alpha, mode, (int)c->min_max_queue_length,
                           c->max_loss_value) == 0;
  if (!sig_ok || !b->lower || !b->touched_call || !b->entry_at || !b->fitness || !b->cov_scale ||
      !b->finished || !b->cumulative || !b->parent_id || !b->staged || !b->staged_scale ||
      !b->staged_bred || !b->order) {
    study_breed_free(b);
    return OGAS_ENOMEM;
  }
  b->upper = b->lower + d;
  memcpy(b->lower, lower, d * sizeof(double));
  memcpy(b->upper, upper, d * sizeof(double));
  for (size_t i = 0; i < N; i++) b->cov_scale[i] = 1.0, b->entry_at[i] = -1;
  ogas_rng_seed(&b->rng, seed, 0xB4EEDu);
  *out = b;
  return OGAS_OK;
}

void study_breed_free(study_breed *b) {
  if (!b) return;
  signal_free(&b->signal);
  free(b->lower), free(b->touched_call), free(b->entry_at), free(b->fitness), free(b->cov_scale);
  free(b->finished), free(b->cumulative), free(b->parent_id), free(b->staged);
  free(b->staged_scale), free(b->staged_bred), free(b->order);
  free(b);
}

static int accepted(const study_breed *b, int64_t id, double v) {
  return id >= 0 && id < b->n && isfinite(v) && v >= 0;
}

/* The breeder's record call, minus the DDPM: fold the values into the
   scores and the call's summary, push the summary into the window, then
   judge each simulation the call touched against the new window (one entry
   per simulation and call). */
void study_breed_record(study_breed *b, const int64_t *sim_ids, const double *values, size_t n) {
  int64_t call = ++b->calls;
  call_summary summary;
  call_summary_begin(&summary);
  for (size_t i = 0; i < n; i++)
    if (accepted(b, sim_ids[i], values[i])) {
      signal_add_value(&b->signal, sim_ids[i], values[i]);
      call_summary_add(&summary, values[i]);
    }
  signal_push_call(&b->signal, &summary);
  for (size_t i = 0; i < n; i++) {
    int64_t id = sim_ids[i];
    if (!accepted(b, id, values[i]) || b->touched_call[id] == call) continue;
    b->touched_call[id] = call;
    b->fitness[id] = signal_condition(&b->signal, b->signal.score[id]);
    b->entry_at[id] = b->entries++;
  }
}

void study_breed_finished(study_breed *b, int64_t sim_id) {
  if (sim_id >= 0 && sim_id < b->n) b->finished[sim_id] = 1;
}

/* The row's latest entry is still among the last buffer_size entries. */
static int live(const study_breed *b, int64_t id) {
  return b->entry_at[id] >= 0 && b->entries - b->entry_at[id] <= b->cfg.buffer_size;
}

double study_breed_fitness(const study_breed *b, int64_t sim_id) {
  if (sim_id < 0 || sim_id >= b->n || !live(b, sim_id)) return -1.0;
  return b->fitness[sim_id];
}

static int inside(const study_breed *b, const double *x) {
  for (size_t i = 0; i < b->d; i++)
    if (!(x[i] >= b->lower[i] && x[i] <= b->upper[i])) return 0;
  return 1;
}

/* x ~ N(parent, diag(scale (sigma (u_i - l_i))^2)). */
static void draw_normal(study_breed *b, const double *parent, double scale, double *x) {
  double f = sqrt(scale) * b->cfg.sigma;
  for (size_t i = 0; i < b->d; i++)
    x[i] = parent[i] + f * (b->upper[i] - b->lower[i]) * ogas_rng_normal(&b->rng);
}

/* One child of a fitness-proportional parent into child[d]; returns the
   covariance scale it was drawn with. */
static double breed_child(study_breed *b, const double *table, int64_t n_parents, double total,
                          double *child, study_breed_generation *g) {
  double u = ogas_rng_uniform(&b->rng) * total;
  int64_t lo = 0, hi = n_parents - 1; /* first cumulative > u */
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (b->cumulative[mid] > u)
      hi = mid;
    else
      lo = mid + 1;
  }
  int64_t p = b->parent_id[lo];
  const double *x = table + (size_t)p * b->d;
  double scale = b->cov_scale[p];
  draw_normal(b, x, scale, child);
  for (int64_t retry = 0; !inside(b, child) && retry < b->cfg.max_oob_count; retry++) {
    scale *= b->cfg.shrink;
    g->n_oob_regenerated++;
    draw_normal(b, x, scale, child);
  }
  if (!inside(b, child)) {
    memcpy(child, x, b->d * sizeof(double));
    g->n_parent_copies++;
  }
  return scale;
}

int study_breed_resample(study_breed *b, int64_t generation, space_filling *sf, double *table,
                         int *is_bred, int64_t first, int64_t count, study_breed_generation *g) {
  size_t d = b->d;
  memset(g, 0, sizeof *g);
  const study_breed_config *c = &b->cfg;
  g->breed_ratio =
      breed_ratio_at(c->start_breed_ratio, c->end_breed_ratio, c->breakpoint, generation);
  if (count <= 0) return OGAS_OK;
  /* Parents: finished simulations with a live entry; weight = fitness. */
  int64_t n_parents = 0;
  double total = 0;
  for (int64_t i = 0; i < b->n; i++)
    if (b->finished[i] && live(b, i) && b->fitness[i] > 0) {
      total += b->fitness[i];
      b->cumulative[n_parents] = total;
      b->parent_id[n_parents++] = i;
    }
  int64_t n_bred = (int64_t)floor((double)count * g->breed_ratio);
  if (n_parents == 0 || !(total > 0) || !isfinite(total)) {
    if (n_bred > 0)
      snprintf(g->note, sizeof g->note, "no finished simulation with a positive fitness yet");
    n_bred = 0;
  }
  for (int64_t k = 0; k < n_bred; k++) {
    b->staged_scale[k] = breed_child(b, table, n_parents, total, b->staged + (size_t)k * d, g);
    b->staged_bred[k] = 1;
  }
  size_t n_plain = (size_t)(count - n_bred);
  double *plain = b->staged + (size_t)n_bred * d;
  if (n_plain) {
    int st = sf_next(sf, n_plain, plain);
    if (st) return st;
    for (size_t r = 0; r < n_plain; r++)
      for (size_t i = 0; i < d; i++)
        plain[r * d + i] = b->lower[i] + plain[r * d + i] * (b->upper[i] - b->lower[i]);
  }
  for (int64_t k = n_bred; k < count; k++) b->staged_bred[k] = 0, b->staged_scale[k] = 1.0;
  for (int64_t k = 0; k < count; k++) b->order[k] = k;
  ogas_rng_shuffle_i64(&b->rng, b->order, (size_t)count);
  for (int64_t k = 0; k < count; k++) {
    int64_t id = first + k, src = b->order[k];
    memcpy(table + (size_t)id * d, b->staged + (size_t)src * d, d * sizeof(double));
    is_bred[id] = b->staged_bred[src];
    /* A new simulation: no score, no entry, its own covariance scale. */
    b->cov_scale[id] = b->staged_scale[src];
    b->signal.score[id] = 0, b->signal.n_values[id] = 0;
    b->entry_at[id] = -1, b->touched_call[id] = 0, b->fitness[id] = 0, b->finished[id] = 0;
  }
  g->n_bred = n_bred;
  g->n_non_bred = count - n_bred;
  return OGAS_OK;
}
