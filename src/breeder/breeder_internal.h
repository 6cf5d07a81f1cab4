/* breeder_internal — the state behind the opaque ogas_breeder handle, shared
 * by the files that implement the public API (breeder.c, generation.c,
 * trainer.c, telemetry.c, checkpoint.c).
 *
 * Locks, always taken in this order, never the other way round:
 *   gen_lock   serialises generation (next_parameters) and owns its buffers;
 *   train_lock serialises training steps and owns the models;
 *   log_lock   serialises the writes of telemetry text to run_dir (taken with
 *              no lock above held: file I/O never runs under them);
 *   lock       guards the table, staging, signal, reservoir, counters, budget,
 *              and the telemetry text waiting to be written;
 *   snap_lock  guards the published EMA snapshot that generation samples from.
 * entry_lock, outside this order, only counts the calls inside the breeder
 * (breeder_enter / breeder_leave) so that ogas_breeder_free can wait for them.
 * Training copies a minibatch under `lock`, computes without it, and
 * publishes with trylock, so a training step never waits for generation and
 * generation never waits for a training step.
 *
 * Messages (breeder_fail) go to a thread-local buffer, not to the breeder:
 * each thread reads its own call's message. */
#ifndef OGAS_BREEDER_INTERNAL_H
#define OGAS_BREEDER_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "breeder/config.h"
#include "breeder/ratio_mlp.h"
#include "breeder/reservoir.h"
#include "breeder/signal.h"
#include "breeder/space_filling.h"
#include "breeder/trust.h"
#include "ddpm/ddpm.h"
#include "ddpm/sample_team.h"
#include "ogas.h"
#include "util/run_log.h"

/* Largest number of candidates sampled in one pass (bounds the workspace). */
#define GENERATION_CHUNK 512
/* The background trainer publishes its EMA weights every so many steps. */
/* Upper limit of breeder.max_epoch_per_epoch (generations a grant may wait). */
#define OGAS_MAX_BACKLOG_GENERATIONS 64
#define PUBLISH_EVERY 10

typedef struct {
  ddpm_config ddpm_cfg;
  ddpm_model model;
  ratio_mlp ratio;
  ogas_rng rng;
  float *batch_z, *batch_c, *batch_w; /* DDPM minibatch (B rows) */
  float *ratio_z, *ratio_labels;      /* RatioMLP minibatch (B rows) */
  trust_eval *trust;                  /* scores new entries before training (trust.h) */
  float *score_high, *score_low;      /* TRUST_BATCH: their losses */
  /* guarded by `lock` */
  int64_t budget_ddpm, budget_ratio;                    /* steps granted, not yet spent */
  int64_t grant_call_ddpm, grant_call_ratio, grant_sim; /* per record call, per new sim */
  /* Async expiry (trainer_generation_break): what was outstanding at each of
     the last max_epoch_per_epoch breaks, oldest first, and the steps done
     at the last break. */
  int64_t owed_ddpm[OGAS_MAX_BACKLOG_GENERATIONS], owed_ratio[OGAS_MAX_BACKLOG_GENERATIONS];
  int64_t steps_at_break_ddpm, steps_at_break_ratio;
  int64_t dropped_ddpm, dropped_ratio; /* expired grants, in total */
  int64_t ddpm_steps, ratio_steps;
  double ddpm_loss, ratio_loss; /* exponential moving averages, NaN before any */
  double cpu_s;
  int stop, thread_started;
  int pause_requests; /* >0: the background thread stays idle (checkpoints) */
  int in_flight;      /* a step taken from the budget is being computed */
  pthread_t thread;
} trainer_state;

/* Longest message of one call. */
#define BREEDER_MSG_LEN 512

struct ogas_breeder {
  ogas_config cfg;
  size_t d;
  int64_t nb_sims;
  pthread_mutex_t gen_lock, train_lock, log_lock, lock, snap_lock;
  pthread_cond_t work_cv; /* budget granted or stop requested */
  pthread_cond_t idle_cv; /* budget spent (or nothing trainable) */

  /* calls in flight [entry_lock] */
  pthread_mutex_t entry_lock;
  pthread_cond_t entry_cv; /* the last call in flight has left */
  int64_t calls_in_flight;
  int closing; /* ogas_breeder_free has begun */

  /* parameter table [lock] */
  double *table;            /* nb_sims x d, physical units */
  float *table_z;           /* nb_sims x d, the table in the unit box [-1, 1]:
                               what reservoir entries store, converted once per
                               row rather than on every record call */
  uint8_t *is_bred;         /* nb_sims */
  int32_t *row_generation;  /* nb_sims */
  int64_t highest_known_id; /* largest id seen submitted (record or concretize) */
  int64_t logged_upto;      /* rows logged to run_dir/children.csv (not saved:
                               a restart resumes at highest_known_id) */
  int64_t generation;
  double breed_ratio;

  /* staged children [lock] */
  int64_t n_staged;
  double *staged; /* nb_sims x d */
  uint8_t *staged_bred;

  /* difficulty signal and reservoir [lock] */
  difficulty_signal signal;
  reservoir res;
  int64_t *touched_call; /* nb_sims: last record call that touched the sim */
  /* Index of the reservoir slots DDPM training may draw (breeder_trainable_count):
     all of them, and the focus set of those whose condition reaches the
     data.focus_quantile quantile. Rebuilt lazily: record calls, scoring and
     checkpoint loads only mark it stale, so that many record calls between
     two training steps cost one rebuild. */
  int64_t *trainable_slots, *focus_slots; /* buffer_size each */
  int64_t n_trainable, n_focus;
  int index_stale;
  float *condition_scratch; /* buffer_size: quantiles of conditions [lock] */
  trust_window trust_win;   /* scored entries for the check before breeding */
  struct {                  /* the outcome check's rows, gathered at each break */
    float score[TRUST_OUTCOME_MAX];
    uint8_t is_bred[TRUST_OUTCOME_MAX];
    int32_t generation[TRUST_OUTCOME_MAX];
  } outcome_rows;
  int64_t record_calls;
  int64_t values_accepted, rejected_nonfinite, rejected_negative, rejected_unknown_id;

  /* generation buffers [gen_lock] */
  space_filling *sf;
  ogas_rng gen_rng;
  ddpm_sampler *sampler;
  sample_team *sampler_team; /* model.n_threads > 1: sampling split by candidates */
  float *obs_c;              /* buffer_size: conditions copied from the reservoir */
  double *obs_scratch;       /* buffer_size */
  float *targets;            /* nb_sims */
  float *cand;               /* nb_sims x d: normalised candidates */
  double *unit;              /* nb_sims x d: space-filling points */
  int64_t *order;            /* nb_sims */
  float *retry_z, *retry_c;  /* GENERATION_CHUNK rows: out-of-bounds redraws */
  int64_t last_gen_ddpm_steps;
  double last_gen_cpu_s;

  /* published weights [snap_lock] */
  float *snapshot;
  int64_t snapshot_steps; /* DDPM steps reflected in the snapshot */

  /* training [train_lock; counters under lock] */
  trainer_state tr;

  /* telemetry [lock] */
  ogas_generation_info *gens;
  int64_t n_gens, cap_gens;
  run_log_text pending_children, pending_gens; /* formatted, not yet written */
  int64_t telemetry_failures;
  char telemetry_error[BREEDER_MSG_LEN]; /* the first failure */
  /* run_dir files [log_lock]; -1 without a run_dir */
  int fd_children, fd_gens;
  run_log_text spare_children, spare_gens; /* buffers swapped with the pending ones */
};

/* Set the calling thread's message for b and return st. */
ogas_status breeder_fail(ogas_breeder *b, ogas_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether training may draw reservoir slot `slot` (held-out simulations and,
   with train_only_with_non_breed_samples, bred ones may not). */
int breeder_entry_trainable(const ogas_breeder *b, int64_t slot);
/* Recompute table_z for rows first..first+n-1 from the table ([lock] held):
   code that writes table rows calls it. */
void breeder_table_z_update(ogas_breeder *b, int64_t first, int64_t n);
/* The number of trainable slots, the index rebuilt first if stale ([lock]
   held). Code that changes the reservoir sets index_stale. */
int64_t breeder_trainable_count(ogas_breeder *b);
/* The q-quantile of the conditions of the reservoir (of its trainable
   entries with only_trainable); 0 when there are none ([lock] held). */
float breeder_condition_quantile(ogas_breeder *b, double q, int only_trainable);
/* Every public call on a breeder runs between these: enter returns 0 (and
   sets the message) when ogas_breeder_free has begun, and the call must then
   return OGAS_ESTATE without touching anything else. */
int breeder_enter(ogas_breeder *b);
void breeder_leave(ogas_breeder *b);
/* Why the highest submitted id counts as submitted, for messages ([lock]). */
const char *breeder_submitted_because(const ogas_breeder *b);

/* trainer.c */
int trainer_init(ogas_breeder *b);
void trainer_free(ogas_breeder *b);
int trainer_start(ogas_breeder *b); /* background thread (async mode) */
void trainer_stop(ogas_breeder *b);
/* Grant one record call's budget: the per-call grants plus the per-sim
   grant for each of new_sims simulations reporting for the first time
   (call with `lock` held). */
void trainer_grant(ogas_breeder *b, int64_t new_sims);
/* At a generation break in async mode: grants still unspent after
   max_epoch_per_epoch breaks expire; returns the DDPM steps dropped now
   ([lock] held). */
int64_t trainer_generation_break(ogas_breeder *b);
/* Spend up to max_steps DDPM steps (and the RatioMLP budget) on the calling
   thread; returns the DDPM steps done. */
int64_t trainer_spend(ogas_breeder *b, int64_t max_steps);
/* Copy the EMA weights into the snapshot (blocking, or trylock: returns 0
   when generation holds the snapshot). Call with train_lock held. */
int trainer_publish(ogas_breeder *b, int blocking);

/* telemetry.c */
/* At creation: create run_dir, open its files for appending (regular files
   only), write the children.csv header. OGAS_EIO with err naming the path. */
ogas_status telemetry_open(ogas_breeder *b, char *err, size_t errlen);
/* Write what is pending and close the files (free). */
void telemetry_close(ogas_breeder *b);
/* [lock] held: room for one more generation record (OGAS_ENOMEM, with the
   message set), so that telemetry_append cannot fail once a generation is
   staged. */
ogas_status telemetry_reserve(ogas_breeder *b);
/* [lock] held, after telemetry_reserve: keep the record for
   ogas_generation_info_get and format its JSON line for run_dir. */
void telemetry_append(ogas_breeder *b, const ogas_generation_info *info);
/* [lock] held: format the children.csv rows of the ids up to `upto`. */
void telemetry_log_children(ogas_breeder *b, int64_t upto);
/* No breeder lock held: append the formatted text to the files. Failures
   are counted (ogas_stats.telemetry_failures), never returned. */
void telemetry_flush(ogas_breeder *b);

#endif
