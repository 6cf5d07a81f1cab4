#include "breeder/signal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int signal_init(difficulty_signal *s, int64_t nb_sims, double ema_alpha, normalize_mode mode,
                int window_len, double max_loss_value) {
  memset(s, 0, sizeof *s);
  s->nb_sims = nb_sims;
  s->ema_alpha = ema_alpha;
  s->mode = mode;
  s->max_loss_value = max_loss_value;
  s->window_len = window_len;
  s->score = calloc((size_t)nb_sims, sizeof *s->score);
  s->n_values = calloc((size_t)nb_sims, sizeof *s->n_values);
  s->window = calloc((size_t)window_len, sizeof *s->window);
  if (!s->score || !s->n_values || !s->window) {
    signal_free(s);
    return -1;
  }
  return 0;
}

void signal_free(difficulty_signal *s) {
  free(s->score);
  free(s->n_values);
  free(s->window);
  memset(s, 0, sizeof *s);
}

void signal_add_value(difficulty_signal *s, int64_t sim, double v) {
  s->score[sim] = s->n_values[sim] ? s->ema_alpha * v + (1.0 - s->ema_alpha) * s->score[sim] : v;
  s->n_values[sim]++;
}

void call_summary_begin(call_summary *c) {
  c->min = INFINITY;
  c->max = -INFINITY;
  c->mean = c->m2 = 0.0;
  c->count = 0;
}

void call_summary_add(call_summary *c, double v) {
  c->min = fmin(c->min, v);
  c->max = fmax(c->max, v);
  c->count++;
  double delta = v - c->mean;
  c->mean += delta / (double)c->count;
  c->m2 += delta * (v - c->mean);
}

void signal_push_call(difficulty_signal *s, const call_summary *summary) {
  if (summary->count == 0) return;
  s->window[s->window_head] = *summary;
  s->window_head = (s->window_head + 1) % s->window_len;
  if (s->window_count < s->window_len) s->window_count++;
  signal_pool_window(s);
}

/* Pool the window once per change: a call judges one entry per simulation it
   touched, each against the same window (O(L) per call, not per entry). */
void signal_pool_window(difficulty_signal *s) {
  double lo = INFINITY, hi = -INFINITY, n = 0, mean = 0, m2 = 0;
  for (int i = 0; i < s->window_count; i++) {
    const call_summary *w = &s->window[i];
    lo = fmin(lo, w->min);
    hi = fmax(hi, w->max);
    /* Chan et al.'s parallel variance. */
    double nb = (double)w->count, delta = w->mean - mean, tot = n + nb;
    mean += delta * nb / tot;
    m2 += w->m2 + delta * delta * n * nb / tot;
    n = tot;
  }
  s->pooled_lo = lo, s->pooled_hi = hi, s->pooled_mean = mean;
  s->pooled_sd = n > 1 ? sqrt(m2 / (n - 1)) : 0.0;
}

static double clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

static double condition_of(const difficulty_signal *s, double score);

/* Enormous values can overflow the window's sums; a condition that is not
   finite would poison DDPM training, so it becomes 0 (no evidence). */
double signal_condition(const difficulty_signal *s, double score) {
  double c = condition_of(s, score);
  return isfinite(c) ? c : 0.0;
}

static double condition_of(const difficulty_signal *s, double score) {
  if (s->mode == NORMALIZE_OFF || s->window_count == 0) return clip(score, 0.0, s->max_loss_value);
  if (s->mode == NORMALIZE_MIN_MAX) {
    double lo = s->pooled_lo, hi = s->pooled_hi;
    if (!(hi > lo)) return 0.0; /* every value equal: no contrast yet */
    return clip((score - lo) / (hi - lo), 0.0, s->max_loss_value);
  }
  double sd = s->pooled_sd;
  if (!(sd > 0)) return 3.0;
  return clip((score - s->pooled_mean) / sd, -3.0, 3.0) + 3.0;
}
