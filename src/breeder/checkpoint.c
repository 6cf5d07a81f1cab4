/* checkpoint — ogas_checkpoint_state / ogas_restart_from_checkpoint: the
 * complete state of a breeder in one versioned file with a CRC-32 per
 * section (layout in checkpoint_format.h, documented in docs/checkpoint.md).
 *
 * Saving copies the state into memory with every lock held in the documented
 * order (the background trainer is asked to pause first, so it stops between
 * two steps), releases the locks, then writes the file atomically
 * (util/atomic_file.h: a temporary file in the same folder, write, fsync,
 * rename over the target, fsync of the folder). A crash at any moment leaves
 * either the previous file or the new one, never a mix. The path must name a
 * regular file, nothing, or a symbolic link to a regular file (whose target
 * is then replaced); anything else is refused.
 *
 * Restoring is all-or-nothing: the whole file is read and its CRCs checked,
 * the config it holds is compared with the running breeder's, the sampler
 * state and telemetry array are prepared; then, with every lock held, each
 * section is decoded twice by the same code, first to check every size and
 * value without writing anything, then to write the state in. Nothing that
 * can fail happens in the second pass, so a bad file leaves the breeder as it
 * was.
 *
 * One codec per section serves all four directions (size, write, check,
 * load), so the writer and the reader cannot drift apart
 * (checkpoint_codec.h); the container and the META section are
 * checkpoint_format.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breeder/breeder_internal.h"
#include "breeder/checkpoint_codec.h"
#include "breeder/checkpoint_format.h"
#include "breeder/crc32.h"
#include "util/atomic_file.h"

/* ---- the sections ------------------------------------------------------------ */

/* What restore prepares outside the locks (allocations that may fail). */
typedef struct {
  space_filling *sf;          /* sampler positioned at the saved state */
  ogas_generation_info *gens; /* telemetry records */
  int64_t n_gens, cap_gens;
  const ckpt_meta *meta; /* decoded META (reading) */
} restore_ctx;

static void sec_meta(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ckpt_meta m = {
      .nb_params = b->d,
      .nb_sims = b->nb_sims,
      .generation = b->generation,
      .breed_ratio = b->breed_ratio,
      .highest_known_id = b->highest_known_id,
      .record_calls = b->record_calls,
      .values_accepted = b->values_accepted,
      .rejected_nonfinite = b->rejected_nonfinite,
      .rejected_negative = b->rejected_negative,
      .rejected_unknown_id = b->rejected_unknown_id,
      .last_gen_ddpm_steps = b->last_gen_ddpm_steps,
      .last_gen_cpu_s = b->last_gen_cpu_s,
      .n_staged = b->n_staged,
      .reservoir_count = b->res.count,
      .n_gens = b->n_gens,
      .ddpm_steps = b->tr.ddpm_steps,
      .ratio_steps = b->tr.ratio_steps,
  };
  ckpt_meta_codec(io, &m);
  if (!ckio_reading(io) || io->bad) return;
  if (m.nb_params != b->d || m.nb_sims != b->nb_sims) {
    ckio_fail(io, "holds %llu parameters and %lld simulations, the breeder %zu and %lld",
              (unsigned long long)m.nb_params, (long long)m.nb_sims, b->d, (long long)b->nb_sims);
    return;
  }
  if (m.reservoir_count > b->res.capacity) {
    ckio_fail(io, "reservoir_count %lld exceeds the capacity %lld", (long long)m.reservoir_count,
              (long long)b->res.capacity);
    return;
  }
  if (m.n_gens != rc->n_gens) {
    ckio_fail(io, "n_gens %lld, the telemetry section holds %lld", (long long)m.n_gens,
              (long long)rc->n_gens);
    return;
  }
  if (io->mode != IO_LOAD) return;
  b->generation = m.generation;
  b->breed_ratio = m.breed_ratio;
  b->highest_known_id = m.highest_known_id;
  b->logged_upto = m.highest_known_id; /* rows up to here were logged before */
  b->record_calls = m.record_calls;
  b->values_accepted = m.values_accepted;
  b->rejected_nonfinite = m.rejected_nonfinite;
  b->rejected_negative = m.rejected_negative;
  b->rejected_unknown_id = m.rejected_unknown_id;
  b->last_gen_ddpm_steps = m.last_gen_ddpm_steps;
  b->last_gen_cpu_s = m.last_gen_cpu_s;
}

static void sec_table(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  size_t N = (size_t)b->nb_sims;
  ckio_f64s(io, b->table, N * b->d, FINITE, "table");
  ckio_u8s(io, b->is_bred, N, 1, "is_bred");
  ckio_i32s(io, b->row_generation, N, 0, INT32_MAX, "row_generation");
}

static void sec_staged(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  int64_t n = b->n_staged;
  ckio_i64(io, &n, 0, b->nb_sims, "n_staged");
  if (ckio_reading(io) && !io->bad && n != rc->meta->n_staged)
    ckio_fail(io, "n_staged %lld, META says %lld", (long long)n, (long long)rc->meta->n_staged);
  ckio_f64s(io, b->staged, (size_t)n * b->d, FINITE, "staged");
  ckio_u8s(io, b->staged_bred, (size_t)n, 1, "staged_bred");
  if (io->mode == IO_LOAD && !io->bad) b->n_staged = n;
}

static void sec_signal(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  difficulty_signal *s = &b->signal;
  size_t N = (size_t)b->nb_sims;
  int64_t calls = ckio_reading(io) ? rc->meta->record_calls : b->record_calls;
  ckio_f64s(io, s->score, N, NONNEG, "score");
  ckio_i64s(io, s->n_values, N, 0, INT64_MAX, "n_values");
  ckio_i64s(io, b->touched_call, N, 0, calls, "touched_call");
  int64_t len = s->window_len, head = s->window_head, count = s->window_count;
  ckio_i64(io, &len, s->window_len, s->window_len, "window_len");
  ckio_i64(io, &head, 0, s->window_len - 1, "window_head");
  ckio_i64(io, &count, 0, s->window_len, "window_count");
  /* The ring fills from slot 0, so until it is full head == count. */
  if (ckio_reading(io) && !io->bad && count < len && head != count)
    ckio_fail(io, "window_head %lld with window_count %lld", (long long)head, (long long)count);
  for (int64_t i = 0; i < len && !io->bad; i++) {
    call_summary c = s->window[i];
    value_rule live = i < count ? FINITE : ANY;
    ckio_f64(io, &c.min, live, "window.min");
    ckio_f64(io, &c.max, live, "window.max");
    ckio_f64(io, &c.mean, live, "window.mean");
    ckio_f64(io, &c.m2, i < count ? NOT_NAN : ANY, "window.m2");
    ckio_i64(io, &c.count, 0, INT64_MAX, "window.count");
    if (io->mode == IO_LOAD && !io->bad) s->window[i] = c;
  }
  if (io->mode == IO_LOAD && !io->bad) {
    s->window_head = (int)head, s->window_count = (int)count;
    signal_pool_window(s);
  }
}

static void sec_reservoir(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  reservoir *r = &b->res;
  int64_t cap = r->capacity, count = r->count, head = r->head, n_non_bred = r->n_non_bred;
  int64_t dim = r->dim;
  ckio_i64(io, &dim, r->dim, r->dim, "dim");
  ckio_i64(io, &cap, r->capacity, r->capacity, "capacity");
  ckio_i64(io, &count, 0, r->capacity, "count");
  ckio_i64(io, &head, 0, r->capacity - 1, "head");
  ckio_i64(io, &n_non_bred, 0, count, "n_non_bred");
  if (ckio_reading(io) && !io->bad) {
    if (count != rc->meta->reservoir_count)
      ckio_fail(io, "count %lld, META says %lld", (long long)count,
                (long long)rc->meta->reservoir_count);
    else if (count < cap && head != count)
      ckio_fail(io, "head %lld with count %lld", (long long)head, (long long)count);
  }
  /* Live entries are slots 0..count-1 (the ring fills from 0; once full,
     every slot is live). Training draws slots directly, so the slot order
     is kept. */
  size_t n = (size_t)count;
  ckio_f32s(io, r->z, n * (size_t)r->dim, FINITE, "z");
  ckio_f32s(io, r->c, n, CONDITION, "c");
  ckio_i64s(io, r->sim_id, n, 0, b->nb_sims - 1, "sim_id");
  ckio_u8s(io, r->is_bred, n, 1, "is_bred");
  if (ckio_reading(io) && !io->bad) {
    int64_t nb = 0;
    const uint8_t *bred = io->p + io->pos - n; /* the is_bred bytes just read */
    for (size_t i = 0; i < n; i++) nb += bred[i] == 0;
    if (nb != n_non_bred)
      ckio_fail(io, "n_non_bred %lld, the entries hold %lld", (long long)n_non_bred, (long long)nb);
  }
  int64_t n_unscored = r->n_unscored;
  ckio_i64(io, &n_unscored, 0, count, "n_unscored");
  ckio_u8s(io, r->unscored, n, 1, "unscored");
  if (ckio_reading(io) && !io->bad) {
    int64_t nu = 0;
    const uint8_t *flags = io->p + io->pos - n;
    for (size_t i = 0; i < n; i++) nu += flags[i];
    if (nu != n_unscored)
      ckio_fail(io, "n_unscored %lld, the entries hold %lld", (long long)n_unscored, (long long)nu);
  }
  if (io->mode == IO_LOAD && !io->bad)
    r->count = count, r->head = head, r->n_non_bred = n_non_bred, r->n_unscored = n_unscored;
}

static void sec_trainer(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  trainer_state *t = &b->tr;
  int64_t budget_ddpm = t->budget_ddpm, budget_ratio = t->budget_ratio;
  int64_t ddpm_steps = t->ddpm_steps, ratio_steps = t->ratio_steps;
  double ddpm_loss = t->ddpm_loss, ratio_loss = t->ratio_loss, cpu_s = t->cpu_s;
  ogas_rng rng = t->rng;
  ckio_i64(io, &budget_ddpm, 0, INT64_MAX, "budget_ddpm");
  ckio_i64(io, &budget_ratio, 0, INT64_MAX, "budget_ratio");
  ckio_i64(io, &ddpm_steps, 0, INT64_MAX, "ddpm_steps");
  ckio_i64(io, &ratio_steps, 0, INT64_MAX, "ratio_steps");
  ckio_f64(io, &ddpm_loss, ANY, "ddpm_loss");
  ckio_f64(io, &ratio_loss, ANY, "ratio_loss");
  ckio_f64(io, &cpu_s, FINITE_NONNEG, "cpu_s");
  ckio_rng(io, &rng, "rng");
  /* The async expiry state (trainer.c). */
  enum { K = OGAS_MAX_BACKLOG_GENERATIONS };
  int64_t owed_ddpm[K], owed_ratio[K],
      at_break_ddpm = t->steps_at_break_ddpm, at_break_ratio = t->steps_at_break_ratio,
      dropped_ddpm = t->dropped_ddpm, dropped_ratio = t->dropped_ratio;
  memcpy(owed_ddpm, t->owed_ddpm, sizeof owed_ddpm);
  memcpy(owed_ratio, t->owed_ratio, sizeof owed_ratio);
  ckio_i64s(io, owed_ddpm, K, 0, INT64_MAX, "owed_ddpm");
  ckio_i64s(io, owed_ratio, K, 0, INT64_MAX, "owed_ratio");
  ckio_i64(io, &at_break_ddpm, 0, ddpm_steps, "steps_at_break_ddpm");
  ckio_i64(io, &at_break_ratio, 0, ratio_steps, "steps_at_break_ratio");
  ckio_i64(io, &dropped_ddpm, 0, INT64_MAX, "dropped_ddpm");
  ckio_i64(io, &dropped_ratio, 0, INT64_MAX, "dropped_ratio");
  if (ckio_reading(io) && !io->bad &&
      (ddpm_steps != rc->meta->ddpm_steps || ratio_steps != rc->meta->ratio_steps))
    ckio_fail(io, "step counters differ from META");
  if (io->mode != IO_LOAD || io->bad) return;
  memcpy(t->owed_ddpm, owed_ddpm, sizeof owed_ddpm);
  memcpy(t->owed_ratio, owed_ratio, sizeof owed_ratio);
  t->steps_at_break_ddpm = at_break_ddpm, t->steps_at_break_ratio = at_break_ratio;
  t->dropped_ddpm = dropped_ddpm, t->dropped_ratio = dropped_ratio;
  t->budget_ddpm = budget_ddpm, t->budget_ratio = budget_ratio;
  t->ddpm_steps = ddpm_steps, t->ratio_steps = ratio_steps;
  t->ddpm_loss = ddpm_loss, t->ratio_loss = ratio_loss, t->cpu_s = cpu_s;
  t->rng = rng;
}

static void sec_ddpm(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ddpm_model *m = &b->tr.model;
  uint64_t n = m->n_params;
  int64_t step = m->step;
  ckio_u64(io, &n, "n_params");
  if (ckio_reading(io) && !io->bad && n != m->n_params) {
    ckio_fail(io, "%llu weights, the model has %zu", (unsigned long long)n, m->n_params);
    return;
  }
  ckio_i64(io, &step, 0, INT64_MAX, "step");
  ckio_f32s(io, m->params, m->n_params, ANY, "params");
  ckio_f32s(io, m->adam_m, m->n_params, ANY, "adam_m");
  ckio_f32s(io, m->adam_v, m->n_params, ANY, "adam_v");
  ckio_f32s(io, m->ema, m->n_params, ANY, "ema");
  if (io->mode == IO_LOAD && !io->bad) m->step = step;
}

static void sec_ratio(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ratio_mlp *r = &b->tr.ratio;
  uint64_t n = r->n_params;
  int64_t step = r->step;
  ckio_u64(io, &n, "n_params");
  if (ckio_reading(io) && !io->bad && n != r->n_params) {
    ckio_fail(io, "%llu weights, the RatioMLP has %zu", (unsigned long long)n, r->n_params);
    return;
  }
  ckio_i64(io, &step, 0, INT64_MAX, "step");
  ckio_f32s(io, r->params, r->n_params, ANY, "params");
  ckio_f32s(io, r->adam_m, r->n_params, ANY, "adam_m");
  ckio_f32s(io, r->adam_v, r->n_params, ANY, "adam_v");
  if (io->mode == IO_LOAD && !io->bad) r->step = step;
}

static void sec_snapshot(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  uint64_t n = b->tr.model.n_params;
  int64_t steps = b->snapshot_steps;
  ckio_u64(io, &n, "n_params");
  if (ckio_reading(io) && !io->bad && n != b->tr.model.n_params) {
    ckio_fail(io, "%llu weights, the model has %zu", (unsigned long long)n, b->tr.model.n_params);
    return;
  }
  ckio_i64(io, &steps, 0, INT64_MAX, "snapshot_steps");
  ckio_f32s(io, b->snapshot, b->tr.model.n_params, ANY, "snapshot");
  if (io->mode == IO_LOAD && !io->bad) b->snapshot_steps = steps;
}

/* The sampler state is decoded and applied to a fresh sampler before the
   locks are taken (sf_set_state may allocate); here it is only written or
   skipped over. */
static void sf_state_codec(ckio *io, sf_state *s) {
  uint32_t kind = (uint32_t)s->kind;
  ckio_u32(io, &kind, "sampler.kind");
  ckio_u64(io, &s->dim, "sampler.dim");
  ckio_u64(io, &s->seed, "sampler.seed");
  ckio_u64(io, &s->index, "sampler.index");
  ckio_rng(io, &s->rng, "sampler.rng");
  s->kind = (sf_kind)kind;
}

static void sec_generator(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ogas_rng rng = b->gen_rng;
  ckio_rng(io, &rng, "gen_rng");
  sf_state s;
  memset(&s, 0, sizeof s);
  if (io->mode == IO_SIZE || io->mode == IO_WRITE) sf_get_state(b->sf, &s);
  sf_state_codec(io, &s);
  if (io->mode != IO_LOAD || io->bad) return;
  b->gen_rng = rng;
  space_filling *old = b->sf;
  b->sf = rc->sf; /* prepared from this same state */
  rc->sf = old;   /* freed by the caller */
}

static void info_codec(ckio *io, ogas_generation_info *g) {
  const int64_t lo = INT64_MIN, hi = INT64_MAX;
  ckio_i64(io, &g->generation, lo, hi, "generation");
  ckio_f64(io, &g->breed_ratio, ANY, "breed_ratio");
  ckio_i64(io, &g->n_children, lo, hi, "n_children");
  ckio_i64(io, &g->n_bred, lo, hi, "n_bred");
  ckio_i64(io, &g->n_non_bred, lo, hi, "n_non_bred");
  ckio_i64(io, &g->n_oob_regenerated, lo, hi, "n_oob_regenerated");
  ckio_i64(io, &g->n_clipped, lo, hi, "n_clipped");
  ckio_f64(io, &g->target_mean, ANY, "target_mean");
  ckio_i64(io, &g->ddpm_steps, lo, hi, "ddpm_steps");
  ckio_i64(io, &g->ddpm_steps_since_last, lo, hi, "ddpm_steps_since_last");
  ckio_i64(io, &g->ratio_steps, lo, hi, "ratio_steps");
  ckio_f64(io, &g->train_cpu_s_since_last, ANY, "train_cpu_s_since_last");
  ckio_f64(io, &g->ddpm_loss, ANY, "ddpm_loss");
  ckio_f64(io, &g->ratio_loss, ANY, "ratio_loss");
  ckio_i64(io, &g->reservoir_entries, lo, hi, "reservoir_entries");
  ckio_i64(io, &g->values_rejected, lo, hi, "values_rejected");
  ckio_f64(io, &g->generate_ms, ANY, "generate_ms");
  ckio_i64(io, &g->ddpm_steps_dropped, lo, hi, "ddpm_steps_dropped");
  ckio_i64(io, &g->trust_entries, lo, hi, "trust_entries");
  ckio_f64(io, &g->trust_loss_high, ANY, "trust_loss_high");
  ckio_f64(io, &g->trust_loss_low, ANY, "trust_loss_low");
  ckio_f64(io, &g->trust_z, ANY, "trust_z");
  ckio_i64(io, &g->outcome_bred, lo, hi, "outcome_bred");
  ckio_i64(io, &g->outcome_non_bred, lo, hi, "outcome_non_bred");
  ckio_f64(io, &g->outcome_z, ANY, "outcome_z");
  ckio_i64(io, &g->trusted, 0, 1, "trusted");
  uint8_t *q = ckio_take(io, sizeof g->not_bred_reason, "not_bred_reason");
  if (!q) return; /* sizing, or a short section */
  if (io->mode == IO_WRITE)
    memcpy(q, g->not_bred_reason, sizeof g->not_bred_reason);
  else if (!memchr(q, 0, sizeof g->not_bred_reason))
    ckio_fail(io, "not_bred_reason is not terminated");
  else
    memcpy(g->not_bred_reason, q, sizeof g->not_bred_reason);
}

/* The scored entries of the check before breeding (trust.h). */
static void sec_trust(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  (void)rc;
  trust_window *w = &b->trust_win;
  int64_t head = w->head, count = w->count, scored = w->scored, at_break = w->scored_at_break;
  ckio_i64(io, &head, 0, TRUST_WINDOW - 1, "head");
  ckio_i64(io, &count, 0, TRUST_WINDOW, "count");
  ckio_i64(io, &scored, count, INT64_MAX, "scored");
  ckio_i64(io, &at_break, 0, scored, "scored_at_break");
  if (ckio_reading(io) && !io->bad && count < TRUST_WINDOW && head != count)
    ckio_fail(io, "head %lld with count %lld", (long long)head, (long long)count);
  ckio_f32s(io, w->c, TRUST_WINDOW, CONDITION, "c");
  ckio_f32s(io, w->delta, TRUST_WINDOW, ANY, "delta");
  ckio_f32s(io, w->loss_high, TRUST_WINDOW, ANY, "loss_high");
  ckio_f32s(io, w->loss_low, TRUST_WINDOW, ANY, "loss_low");
  if (io->mode != IO_LOAD || io->bad) return;
  w->head = head, w->count = count, w->scored = scored, w->scored_at_break = at_break;
}

static void sec_telemetry(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  int64_t n = ckio_reading(io) ? rc->n_gens : b->n_gens;
  ckio_i64(io, &n, 0, INT32_MAX, "n_gens");
  ogas_generation_info *gens = ckio_reading(io) ? rc->gens : b->gens;
  for (int64_t i = 0; i < n && !io->bad; i++) info_codec(io, &gens[i]);
  if (io->mode != IO_LOAD || io->bad) return;
  ogas_generation_info *old = b->gens;
  b->gens = rc->gens, b->n_gens = rc->n_gens, b->cap_gens = rc->cap_gens;
  rc->gens = old; /* freed by the caller */
}

typedef void (*section_codec)(ckio *io, ogas_breeder *b, restore_ctx *rc);

static const struct {
  const char *tag;
  section_codec codec;
} SECTIONS[] = {
    {CKPT_TAG_META, sec_meta},           {CKPT_TAG_TABLE, sec_table},
    {CKPT_TAG_STAGED, sec_staged},       {CKPT_TAG_SIGNAL, sec_signal},
    {CKPT_TAG_RESERVOIR, sec_reservoir}, {CKPT_TAG_TRAINER, sec_trainer},
    {CKPT_TAG_DDPM, sec_ddpm},           {CKPT_TAG_RATIO, sec_ratio},
    {CKPT_TAG_SNAPSHOT, sec_snapshot},   {CKPT_TAG_GENERATOR, sec_generator},
    {CKPT_TAG_TELEMETRY, sec_telemetry}, {CKPT_TAG_TRUST, sec_trust},
};
#define N_CODED (sizeof SECTIONS / sizeof *SECTIONS)
#define N_SECTIONS (N_CODED + 1) /* + CONF */

/* ---- locking ---------------------------------------------------------------- */

/* Every lock in the documented order. The background trainer is asked to
   pause first: it then idles between steps instead of racing for
   train_lock, which a plain mutex would not hand over fairly. */
static void lock_all(ogas_breeder *b) {
  pthread_mutex_lock(&b->lock);
  b->tr.pause_requests++;
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_lock(&b->gen_lock);
  pthread_mutex_lock(&b->train_lock);
  pthread_mutex_lock(&b->lock);
  pthread_mutex_lock(&b->snap_lock);
}

static void unlock_all(ogas_breeder *b) {
  pthread_mutex_unlock(&b->snap_lock);
  b->tr.pause_requests--;
  pthread_cond_broadcast(&b->work_cv);
  pthread_cond_broadcast(&b->idle_cv);
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_unlock(&b->train_lock);
  pthread_mutex_unlock(&b->gen_lock);
}

static ogas_status report(ogas_breeder *b, ogas_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ogas_status report(ogas_breeder *b, ogas_status st, const char *fmt, ...) {
  char msg[BREEDER_MSG_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return breeder_fail(b, st, "%s", msg);
}

/* ---- saving ------------------------------------------------------------------ */

static ogas_status checkpoint_state(ogas_breeder *b, const char *path);

ogas_status ogas_checkpoint_state(ogas_breeder *b, const char *path) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  ogas_status st = checkpoint_state(b, path);
  breeder_leave(b);
  return st;
}

static ogas_status checkpoint_state(ogas_breeder *b, const char *path) {
  if (!path || !*path)
    return report(b, OGAS_EINVAL, "ogas_checkpoint_state: path is NULL or empty");
  /* The config never changes after creation: no lock needed. */
  char *config = ogas_config_to_json(&b->cfg);
  if (!config) return report(b, OGAS_ENOMEM, "ogas_checkpoint_state: out of memory");
  size_t config_len = strlen(config);

  uint64_t offset[N_SECTIONS], size[N_SECTIONS];
  size_t table_end = CKPT_HEADER_SIZE + N_SECTIONS * CKPT_ENTRY_SIZE;
  lock_all(b);
  size_t total = table_end;
  for (size_t i = 0; i < N_SECTIONS; i++) {
    if (i == 0) {
      size[i] = config_len;
    } else {
      ckio io = {.mode = IO_SIZE, .section = SECTIONS[i - 1].tag};
      SECTIONS[i - 1].codec(&io, b, NULL);
      size[i] = io.pos;
    }
    total = (total + 7) & ~(size_t)7; /* 8-byte aligned sections */
    offset[i] = total;
    total += size[i];
  }
  uint8_t *buf = calloc(1, total);
  if (!buf) {
    unlock_all(b);
    free(config);
    return report(b, OGAS_ENOMEM, "ogas_checkpoint_state: out of memory (%zu bytes)", total);
  }
  memcpy(buf + offset[0], config, config_len);
  for (size_t i = 1; i < N_SECTIONS; i++) {
    ckio io = {
        .mode = IO_WRITE, .p = buf + offset[i], .len = size[i], .section = SECTIONS[i - 1].tag};
    SECTIONS[i - 1].codec(&io, b, NULL);
  }
  unlock_all(b);
  free(config);

  for (size_t i = 0; i < N_SECTIONS; i++) {
    uint8_t *e = buf + CKPT_HEADER_SIZE + i * CKPT_ENTRY_SIZE;
    memcpy(e, i == 0 ? CKPT_TAG_CONFIG : SECTIONS[i - 1].tag, 4);
    put_u64(e + 8, offset[i]);
    put_u64(e + 16, size[i]);
    put_u32(e + 24, crc32_update(0, buf + offset[i], (size_t)size[i]));
  }
  memcpy(buf, CKPT_MAGIC, 8);
  put_u32(buf + 8, CKPT_VERSION);
  put_u32(buf + 12, (uint32_t)N_SECTIONS);
  put_u64(buf + 16, total);
  put_u32(buf + 24, crc32_update(0, buf + CKPT_HEADER_SIZE, N_SECTIONS * CKPT_ENTRY_SIZE));
  put_u32(buf + 28, crc32_update(0, buf, 28));

  char err[400];
  ogas_status st = (ogas_status)atomic_file_write(path, buf, total, err, sizeof err);
  free(buf);
  if (st != OGAS_OK) return report(b, st, "ogas_checkpoint_state: %s", err);
  return OGAS_OK;
}

/* ---- restoring ---------------------------------------------------------------- */

/* ogas_config_incompatible_field, plus what shapes the rest of the saved
   state: the table size, the normalisation window and the space-filling
   sequence (its scramble tables derive from kind and seed). */
static const char *restart_incompatible_field(const ogas_config *saved, const ogas_config *run) {
  const char *f = ogas_config_incompatible_field(saved, run);
  if (f) return f;
  if (saved->nb_sims != run->nb_sims) return "nb_sims";
  if (saved->non_breed_sampler != run->non_breed_sampler) return "non_breed_sampler";
  if (saved->seed != run->seed) return "seed";
  if (saved->data.min_max_queue_length != run->data.min_max_queue_length)
    return "data.min_max_queue_length";
  return NULL;
}

/* "checkpoint 32, breeder 64" for the integer fields, "" otherwise. */
static void describe_values(const char *field, const ogas_config *a, const ogas_config *c,
                            char *out, size_t outlen) {
  static const struct {
    const char *name;
    size_t offset;
    int is_size;
  } ints[] = {
      {"nb_params", offsetof(ogas_config, nb_params), 1},
      {"nb_sims", offsetof(ogas_config, nb_sims), 0},
      {"seed", offsetof(ogas_config, seed), 0},
      {"model.model_dim", offsetof(ogas_config, model.model_dim), 0},
      {"model.n_blocks", offsetof(ogas_config, model.n_blocks), 0},
      {"model.timesteps", offsetof(ogas_config, model.timesteps), 0},
      {"breeder.ratio_mlp_hidden_dim", offsetof(ogas_config, breeder.ratio_mlp_hidden_dim), 0},
      {"data.buffer_size", offsetof(ogas_config, data.buffer_size), 0},
      {"data.min_max_queue_length", offsetof(ogas_config, data.min_max_queue_length), 0},
  };
  out[0] = '\0';
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    if (strcmp(field, ints[i].name)) continue;
    long long va, vc;
    if (ints[i].is_size) {
      size_t x, y;
      memcpy(&x, (const char *)a + ints[i].offset, sizeof x);
      memcpy(&y, (const char *)c + ints[i].offset, sizeof y);
      va = (long long)x, vc = (long long)y;
    } else {
      int64_t x, y; /* seed is uint64_t: same size, printed as signed only if huge */
      memcpy(&x, (const char *)a + ints[i].offset, sizeof x);
      memcpy(&y, (const char *)c + ints[i].offset, sizeof y);
      va = (long long)x, vc = (long long)y;
    }
    snprintf(out, outlen, " (checkpoint %lld, breeder %lld)", va, vc);
  }
}

static void restore_ctx_free(restore_ctx *rc) {
  sf_free(rc->sf);
  free(rc->gens);
  rc->sf = NULL, rc->gens = NULL;
}

/* Decode the sampler state and position a fresh sampler there; count and
   allocate the telemetry records. Outside the locks: these may allocate. */
static ogas_status prepare(ogas_breeder *b, const ckpt_file *f, restore_ctx *rc, char *err,
                           size_t errlen) {
  const ckpt_section *g = ckpt_find(f, CKPT_TAG_GENERATOR);
  ckio io = {.mode = IO_CHECK, .p = (uint8_t *)g->data, .len = (size_t)g->size, .section = g->tag};
  ogas_rng rng;
  memset(&rng, 0, sizeof rng);
  ckio_rng(&io, &rng, "gen_rng");
  sf_state s;
  memset(&s, 0, sizeof s);
  sf_state_codec(&io, &s);
  if (io.bad) {
    ckpt_set_msg(err, errlen, "%s", io.msg);
    return OGAS_ECORRUPT;
  }
  static const sf_kind kinds[] = {SF_UNIFORM, SF_LHS, SF_HALTON, SF_SOBOL};
  int st = sf_create(kinds[b->cfg.non_breed_sampler], b->d, b->cfg.seed, &rc->sf, NULL, 0);
  if (st != OGAS_OK) {
    ckpt_set_msg(err, errlen, "cannot create the space-filling sampler");
    return (ogas_status)st;
  }
  st = sf_set_state(rc->sf, &s);
  if (st != OGAS_OK) {
    ckpt_set_msg(err, errlen,
                 st == OGAS_ENOMEM ? "out of memory positioning the space-filling sampler"
                                   : "section GENR: the space-filling sampler state "
                                     "(kind %u, dim %llu, index %llu) does not fit this "
                                     "breeder's sampler",
                 (unsigned)s.kind, (unsigned long long)s.dim, (unsigned long long)s.index);
    return st == OGAS_ENOMEM ? OGAS_ENOMEM : OGAS_ECORRUPT;
  }

  const ckpt_section *t = ckpt_find(f, CKPT_TAG_TELEMETRY);
  ckio tio = {.mode = IO_CHECK, .p = (uint8_t *)t->data, .len = (size_t)t->size, .section = t->tag};
  int64_t n = 0;
  ckio_i64(&tio, &n, 0, INT32_MAX, "n_gens");
  /* Bound the allocation by what the section can hold (each record is more
     than 128 bytes). */
  if (!tio.bad && (uint64_t)n > t->size / 128)
    ckio_fail(&tio, "n_gens %lld does not fit", (long long)n);
  if (tio.bad) {
    ckpt_set_msg(err, errlen, "%s", tio.msg);
    return OGAS_ECORRUPT;
  }
  rc->n_gens = n;
  rc->cap_gens = n > 16 ? n : 16;
  rc->gens = calloc((size_t)rc->cap_gens, sizeof *rc->gens);
  if (!rc->gens) {
    ckpt_set_msg(err, errlen, "out of memory for %lld telemetry records", (long long)n);
    return OGAS_ENOMEM;
  }
  return OGAS_OK;
}

/* Run every codec in one reading mode; the first fault goes into err. */
static int run_codecs(ogas_breeder *b, const ckpt_file *f, io_mode mode, restore_ctx *rc, char *err,
                      size_t errlen) {
  for (size_t i = 0; i < N_CODED; i++) {
    const ckpt_section *s = ckpt_find(f, SECTIONS[i].tag);
    ckio io = {.mode = mode, .p = (uint8_t *)s->data, .len = (size_t)s->size, .section = s->tag};
    SECTIONS[i].codec(&io, b, rc);
    if (!io.bad && io.pos != io.len) ckio_fail(&io, "%zu bytes, %zu were expected", io.len, io.pos);
    if (io.bad) {
      ckpt_set_msg(err, errlen, "%s", io.msg);
      return -1;
    }
  }
  return 0;
}

static ogas_status restart_from_checkpoint(ogas_breeder *b, const char *path);

ogas_status ogas_restart_from_checkpoint(ogas_breeder *b, const char *path) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  ogas_status st = restart_from_checkpoint(b, path);
  breeder_leave(b);
  return st;
}

static ogas_status restart_from_checkpoint(ogas_breeder *b, const char *path) {
  if (!path || !*path)
    return report(b, OGAS_EINVAL, "ogas_restart_from_checkpoint: path is NULL or empty");
  char err[400] = "";
  uint8_t *buf = NULL;
  size_t n = 0;
  ogas_config saved;
  ogas_config_defaults(&saved);
  restore_ctx rc = {0};
  ckpt_file *f = malloc(sizeof *f);
  char *config_text = NULL;
  ogas_status st = f ? (ogas_status)ckpt_read_file(path, &buf, &n, err, sizeof err) : OGAS_ENOMEM;
  if (!f) ckpt_set_msg(err, sizeof err, "out of memory");
  if (st == OGAS_OK) {
    st = (ogas_status)ckpt_parse(buf, n, 0, f, err, sizeof err);
    if (st != OGAS_OK) {
      char inner[400];
      memcpy(inner, err, sizeof inner);
      ckpt_set_msg(err, sizeof err, "'%s': %s", path, inner);
    }
  }
  /* Every section of this version, each once (unknown tags are allowed:
     their CRC held, and a later minor revision may add them). */
  const char *tags[N_SECTIONS];
  tags[0] = CKPT_TAG_CONFIG;
  for (size_t i = 1; i < N_SECTIONS; i++) tags[i] = SECTIONS[i - 1].tag;
  for (size_t i = 0; st == OGAS_OK && i < N_SECTIONS; i++) {
    int count = 0;
    for (uint32_t k = 0; k < f->n_sections; k++) count += !memcmp(f->sections[k].tag, tags[i], 4);
    if (count != 1) {
      ckpt_set_msg(err, sizeof err, "'%s': section %s appears %d times, once is required", path,
                   tags[i], count);
      st = OGAS_ECORRUPT;
    }
  }
  if (st == OGAS_OK) {
    const ckpt_section *c = ckpt_find(f, CKPT_TAG_CONFIG);
    config_text = malloc((size_t)c->size + 1);
    if (!config_text) {
      st = OGAS_ENOMEM;
      ckpt_set_msg(err, sizeof err, "out of memory");
    } else {
      memcpy(config_text, c->data, (size_t)c->size);
      config_text[c->size] = '\0';
      char cerr[300];
      int cst = ogas_config_parse(config_text, &saved, cerr, sizeof cerr);
      if (cst == OGAS_ENOMEM) {
        st = OGAS_ENOMEM;
        ckpt_set_msg(err, sizeof err, "out of memory parsing the config of '%s'", path);
      } else if (cst != OGAS_OK) {
        st = OGAS_ECORRUPT;
        ckpt_set_msg(err, sizeof err, "'%s': section CONF does not hold a valid config: %s", path,
                     cerr);
      }
    }
  }
  if (st == OGAS_OK) {
    const char *field = restart_incompatible_field(&saved, &b->cfg);
    if (field) {
      char values[96];
      describe_values(field, &saved, &b->cfg, values, sizeof values);
      ckpt_set_msg(
          err, sizeof err,
          "'%s' was written by a breeder whose %s differs from this one's%s; a restart needs "
          "the same nb_params, bounds, nb_sims, seed, non_breed_sampler, model shape and "
          "schedule, RatioMLP width, buffer size and normalisation window",
          path, field, values);
      st = OGAS_EINVAL;
    }
  }
  ckpt_meta meta;
  char merr[300];
  if (st == OGAS_OK &&
      ckpt_meta_decode(ckpt_find(f, CKPT_TAG_META), &meta, merr, sizeof merr) != OGAS_OK) {
    st = OGAS_ECORRUPT;
    ckpt_set_msg(err, sizeof err, "'%s': %s", path, merr);
  }
  if (st == OGAS_OK) {
    rc.meta = &meta;
    char perr[300] = "";
    st = prepare(b, f, &rc, perr, sizeof perr);
    if (st != OGAS_OK) ckpt_set_msg(err, sizeof err, "'%s': %s", path, perr);
  }
  if (st == OGAS_OK) {
    char derr[300] = "";
    lock_all(b);
    if (run_codecs(b, f, IO_CHECK, &rc, derr, sizeof derr) == 0) {
      /* Cannot fail: the same code and bytes passed the check above. */
      run_codecs(b, f, IO_LOAD, &rc, derr, sizeof derr);
      breeder_table_z_update(b, 0, b->nb_sims);
      b->index_stale = 1;
    } else {
      st = OGAS_ECORRUPT;
    }
    unlock_all(b);
    if (st != OGAS_OK) ckpt_set_msg(err, sizeof err, "'%s': %s", path, derr);
  }
  restore_ctx_free(&rc);
  ogas_config_free(&saved);
  free(config_text);
  free(buf);
  free(f);
  if (st != OGAS_OK) return report(b, st, "ogas_restart_from_checkpoint: %s", err);
  return OGAS_OK;
}
