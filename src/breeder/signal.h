/* signal — the difficulty signal of SPEC §3: per-simulation scores and the
 * windowed normalisation that turns a score into a DDPM condition.
 *
 * Score: s <- a·v + (1-a)·s per accepted value v (the first value sets s).
 * Window: the last L per-call summaries of the raw values (min, max, and for
 * the 3-sigma variant count, mean and M2). Condition, judged when an entry
 * enters the reservoir:
 *   min-max:  c = (s - lo)/(hi - lo), lo = min of the minima, hi = max of
 *             the maxima, clipped to [0, max_loss_value];
 *   3-sigma:  c = clip((s - mean)/std, -3, 3) + 3 over the pooled window;
 *   off:      c = clip(s, 0, max_loss_value).
 * Arrays are sized at init; nothing allocates afterwards. */
#ifndef OGAS_BREEDER_SIGNAL_H
#define OGAS_BREEDER_SIGNAL_H

#include <stdint.h>

typedef enum { NORMALIZE_OFF, NORMALIZE_MIN_MAX, NORMALIZE_3_SIGMA } normalize_mode;

typedef struct {
  double min, max, mean, m2;
  int64_t count;
} call_summary;

typedef struct {
  int64_t nb_sims;
  double ema_alpha, max_loss_value;
  normalize_mode mode;
  double *score;        /* nb_sims */
  int64_t *n_values;    /* nb_sims: accepted values so far (0: no score yet) */
  int window_len;       /* L */
  call_summary *window; /* ring of the last L calls */
  int window_head, window_count;
  double pooled_lo, pooled_hi, pooled_mean, pooled_sd; /* of the window, by signal_pool_window */
} difficulty_signal;

/* 0, or -1 on allocation failure. */
int signal_init(difficulty_signal *s, int64_t nb_sims, double ema_alpha, normalize_mode mode,
                int window_len, double max_loss_value);
void signal_free(difficulty_signal *s);

/* Fold one accepted value into simulation sim's score. */
void signal_add_value(difficulty_signal *s, int64_t sim, double v);
/* Push the summary of one record call's accepted values into the window. */
void signal_push_call(difficulty_signal *s, const call_summary *summary);
/* Recompute the pooled window; signal_push_call does, a checkpoint restore must. */
void signal_pool_window(difficulty_signal *s);
/* Condition of a score against the current window. */
double signal_condition(const difficulty_signal *s, double score);

/* Running summary of a call's values: start with call_summary_begin, add
   each value (Welford's update). */
void call_summary_begin(call_summary *c);
void call_summary_add(call_summary *c, double v);

#endif
