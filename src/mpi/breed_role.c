#include "mpi/breed_role.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/checkpoint.h"
#include "mpi/ckpt_file.h"
#include "mpi/mpi_wait.h"
#include "mpi/protocol.h"
#include "mpi/sampler_journal.h"
#include "ogas.h"
#include "util/status_msg.h"

enum { SLOT_NEED, SLOT_ACTIVE, SLOT_DONE }; /* as sim_role.c and resume_slot_state */

/* Concurrent mode: the shards each training rank sent that are not yet
   recorded (the training ranks do not wait for the breed rank, so they may
   be many batches ahead of it, and their messages interleave in any order). */
typedef struct {
  int64_t **msgs;
  size_t head, n, cap;
} shard_queue;

struct breed_role {
  rank_ctx *x;
  role_clock *c;
  study_sampler *sampler;
  sampler_journal journal;
  int journaling; /* checkpoints of a non-ogas sampler */
  int64_t K, n_rows;
  size_t P;
  double *params;
  int *is_bred, *status;
  int64_t *generation, *row_generation;
  int64_t sims_failed, redraws, next_id, budget_end;
  int64_t sims_finished, finished_since_break, batches_seen, active;
  int break_pending;
  study_generation *gens;
  int64_t *gen_batch;
  size_t n_gens, gen_cap;
  int64_t gens_at_checkpoint;
  /* slots */
  int *slot_state;
  int64_t *slot_id, *slot_start;
  int *sim_done; /* per simulation rank */
  resume_slot_state *resume;
  double *resume_params;
  /* batch assembly */
  int64_t *a_ids, *a_ts; /* B */
  double *a_vals;
  int a_got, a_skipped;
  shard_queue *queues;   /* per training rank (concurrent mode) */
  int64_t final_batches; /* -1 until the root's FINAL */
  /* messages */
  int64_t *fill; /* one fill message per simulation rank */
  size_t fill_words;
  void *rbuf;
  size_t rcap;
  double last_status;
  int64_t status_msg_buf[3];
  MPI_Request status_req;
};

int breed_role_create(rank_ctx *x, breed_role **out, char *err, size_t errlen) {
  *out = NULL;
  const study_config *cfg = x->cfg;
  breed_role *b = calloc(1, sizeof *b);
  if (!b) return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory");
  b->x = x;
  b->c = &x->clock[role_index(ROLE_BREED)];
  b->K = x->lay.n_slots, b->n_rows = x->n_rows, b->P = x->P;
  size_t N = (size_t)b->n_rows, P = x->P, K = (size_t)b->K, B = (size_t)x->B;
  study_sampler_config sc;
  memset(&sc, 0, sizeof sc);
  sc.kind = cfg->sampler;
  sc.nb_params = P;
  sc.lower = x->lower, sc.upper = x->upper;
  const char **names = malloc((P ? P : 1) * sizeof *names);
  if (!names) {
    free(b);
    return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory");
  }
  for (size_t i = 0; i < P; i++) names[i] = pde_param_name(x->problem, i);
  sc.param_names = names;
  sc.nb_sims = b->n_rows;
  sc.seed = cfg->seed;
  sc.breed = cfg->breed;
  sc.ogas_json = cfg->ogas_json;
  sc.ogas_force_sync = cfg->deterministic;
  int st = study_sampler_create(&sc, &b->sampler, err, errlen);
  free(names);
  if (st) {
    free(b);
    return st;
  }
  b->journaling = x->opt.checkpoint_every > 0 && cfg->sampler != STUDY_SAMPLER_OGAS;
  b->params = calloc(N * (P ? P : 1), sizeof(double));
  b->is_bred = calloc(N, sizeof(int));
  b->status = malloc(N * sizeof(int));
  b->generation = calloc(N, sizeof(int64_t));
  b->row_generation = calloc(N, sizeof(int64_t));
  b->slot_state = calloc(K, sizeof(int));
  b->slot_id = malloc(K * sizeof(int64_t));
  b->slot_start = calloc(K, sizeof(int64_t));
  b->sim_done = calloc((size_t)x->lay.n_sim, sizeof(int));
  b->resume = calloc(K, sizeof *b->resume);
  b->resume_params = calloc(K * (P ? P : 1), sizeof(double));
  b->a_ids = malloc(B * sizeof(int64_t));
  b->a_ts = malloc(B * sizeof(int64_t));
  b->a_vals = malloc(B * sizeof(double));
  b->queues = calloc((size_t)x->lay.n_train, sizeof *b->queues);
  b->fill_words = 2 + K * fill_entry_words(P);
  b->fill = malloc((size_t)x->lay.n_sim * b->fill_words * sizeof(int64_t));
  if (!b->params || !b->is_bred || !b->status || !b->generation || !b->row_generation ||
      !b->slot_state || !b->slot_id || !b->slot_start || !b->sim_done || !b->resume ||
      !b->resume_params || !b->a_ids || !b->a_ts || !b->a_vals || !b->queues || !b->fill) {
    breed_role_free(b);
    return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory for the breed rank");
  }
  for (size_t i = 0; i < N; i++) b->status[i] = -1;
  for (size_t k = 0; k < K; k++) b->slot_id[k] = -1, b->resume[k].params = b->resume_params + k * P;
  b->budget_end = cfg->nb_sims;
  b->final_batches = -1;
  b->status_req = MPI_REQUEST_NULL;
  *out = b;
  return OGAS_OK;
}

void breed_role_free(breed_role *b) {
  if (!b) return;
  study_sampler_free(b->sampler);
  journal_free(&b->journal);
  free(b->params), free(b->is_bred), free(b->status), free(b->generation), free(b->row_generation);
  free(b->gens), free(b->gen_batch), free(b->slot_state), free(b->slot_id), free(b->slot_start);
  free(b->sim_done), free(b->resume), free(b->resume_params), free(b->a_ids), free(b->a_ts);
  free(b->a_vals), free(b->fill), free(b->rbuf);
  if (b->queues)
    for (int t = 0; t < b->x->lay.n_train; t++) {
      for (size_t i = b->queues[t].head; i < b->queues[t].n; i++) free(b->queues[t].msgs[i]);
      free(b->queues[t].msgs);
    }
  free(b->queues);
  free(b);
}

/* ---- the table ------------------------------------------------------------- */

static void sampler_failed(breed_role *b) {
  rank_fatal(b->x, "%s", study_sampler_errmsg(b->sampler));
}

/* The next id for slot k in round `round`: >= 0, FILL_IDLE or FILL_DONE. */
static int64_t claim(breed_role *b, int64_t k, int64_t round, double *params_out,
                     int64_t *generation_out) {
  if (b->next_id < b->budget_end) {
    int64_t id = b->next_id++;
    int bred = 0;
    double *row = b->params + (size_t)id * b->P;
    if (study_sampler_get(b->sampler, id, row, &bred)) sampler_failed(b);
    b->is_bred[id] = bred;
    b->generation[id] = b->row_generation[id];
    memcpy(params_out, row, b->P * sizeof(double));
    *generation_out = b->generation[id];
    b->slot_state[k] = SLOT_ACTIVE, b->slot_id[k] = id, b->slot_start[k] = round;
    b->active++;
    return id;
  }
  /* A running simulation may still fail and free one more id. */
  if (b->redraws < b->x->mc.redraw_failed_sims && b->active > 0 && b->budget_end < b->n_rows) {
    b->slot_state[k] = SLOT_NEED;
    return FILL_IDLE;
  }
  b->slot_state[k] = SLOT_DONE;
  return FILL_DONE;
}

static void simulation_ended(breed_role *b, int64_t k, int64_t id, int64_t status) {
  if (id < 0 || id >= b->n_rows || k < 0 || k >= b->K || b->slot_id[k] != id)
    rank_fatal(b->x, "protocol: slot %lld reported simulation %lld", (long long)k, (long long)id);
  b->status[id] = (int)status;
  if (status) {
    b->sims_failed++;
    if (b->redraws < b->x->mc.redraw_failed_sims && b->budget_end < b->n_rows)
      b->redraws++, b->budget_end++;
  }
  if (study_sampler_finished(b->sampler, id)) sampler_failed(b);
  if (b->journaling) journal_finished(&b->journal, id);
  b->sims_finished++, b->finished_since_break++;
  b->active--;
  b->slot_state[k] = SLOT_NEED, b->slot_id[k] = -1;
}

static void generation_break(breed_role *b) {
  if (b->n_gens == b->gen_cap) {
    size_t cap = b->gen_cap ? 2 * b->gen_cap : 16;
    study_generation *g = realloc(b->gens, cap * sizeof *g);
    int64_t *gb = g ? realloc(b->gen_batch, cap * sizeof *gb) : NULL;
    if (g) b->gens = g;
    if (!g || !gb) rank_fatal(b->x, "out of memory");
    b->gen_batch = gb, b->gen_cap = cap;
  }
  study_generation g;
  int64_t max = study_config_generation_rows(b->x->cfg);
  if (study_sampler_resample(b->sampler, b->next_id - 1, max, &g)) sampler_failed(b);
  if (b->journaling) journal_resample(&b->journal, b->next_id - 1, max);
  for (int64_t id = g.first_id; id >= 0 && id <= g.last_id; id++)
    b->row_generation[id] = g.generation;
  b->gens[b->n_gens] = g;
  b->gen_batch[b->n_gens] = b->batches_seen;
  b->n_gens++;
}

/* A whole batch: record it and break when one is due (study.c's rule). */
static void batch_done(breed_role *b, int64_t batch, int skipped, const int64_t *ids,
                       const int64_t *ts, const double *vals) {
  rank_ctx *x = b->x;
  if (batch != b->batches_seen)
    rank_fatal(x, "protocol: batch %lld arrived, %lld expected", (long long)batch,
               (long long)b->batches_seen);
  if (!skipped) {
    if (study_sampler_record(b->sampler, ids, ts, vals, (size_t)x->B, batch)) sampler_failed(b);
    if (b->journaling) journal_record(&b->journal, ids, ts, vals, (size_t)x->B, batch);
  }
  b->batches_seen++;
  if (b->batches_seen % x->cfg->nn_updates == 0) b->break_pending = 1;
  if (b->break_pending && b->finished_since_break >= x->cfg->min_finished_between_generations) {
    if (b->next_id < b->n_rows) generation_break(b);
    b->break_pending = 0;
    b->finished_since_break = 0;
  }
  rank_maybe_kill(x, b->batches_seen);
}

/* Put a shard's rows at their places in the batch. */
static void take_shard(breed_role *b, const int64_t *m) {
  size_t B = (size_t)b->x->B, n = (size_t)m[3];
  const int64_t *which = m + SHARD_HEADER_WORDS, *ids = which + n, *ts = ids + n;
  const int64_t *vals = ts + n;
  for (size_t i = 0; i < n; i++) {
    size_t k = (size_t)which[i];
    if (k >= B) rank_fatal(b->x, "protocol: row %zu of a batch of %zu", k, B);
    b->a_ids[k] = ids[i];
    b->a_ts[k] = ts[i];
    memcpy(&b->a_vals[k], &vals[i], sizeof(double));
  }
  b->a_skipped = (int)m[2];
  b->a_got++;
}

static void send_status(breed_role *b, int force) {
  double now = rank_now();
  if (!force && now - b->last_status < 0.2) return;
  b->last_status = now;
  rank_wait(b->x, b->c, &b->status_req, NULL, "a status send", 0);
  b->status_msg_buf[0] = b->next_id, b->status_msg_buf[1] = b->sims_finished;
  b->status_msg_buf[2] = (int64_t)b->n_gens;
  rank_isend(b->x, b->c, b->status_msg_buf, sizeof b->status_msg_buf, 0, TAG_STATUS,
             &b->status_req);
}

/* ---- deterministic rounds --------------------------------------------------- */

/* Fill the free slots in slot order and send each simulation rank its part. */
static void send_fills(breed_role *b, int64_t round) {
  rank_ctx *x = b->x;
  size_t E = fill_entry_words(b->P);
  int n_sim = x->lay.n_sim;
  for (int i = 0; i < n_sim; i++) {
    int64_t *m = b->fill + (size_t)i * b->fill_words;
    m[0] = round, m[1] = 0;
  }
  for (int64_t k = 0; k < b->K; k++) {
    if (b->slot_state[k] != SLOT_NEED) continue;
    int i = (int)(k % n_sim);
    int64_t *m = b->fill + (size_t)i * b->fill_words, *e = m + 2 + (size_t)m[1] * E;
    e[0] = k;
    e[1] = claim(b, k, round, (double *)(e + 3), &e[2]);
    m[1]++;
  }
  for (int i = 0; i < n_sim; i++) {
    int64_t *m = b->fill + (size_t)i * b->fill_words;
    if (m[1])
      rank_send(x, b->c, m, (2 + (size_t)m[1] * E) * sizeof(int64_t), x->lay.first_sim + i,
                TAG_FILL);
  }
}

/* Shards until the root's ROUND_DONE(round) or FINAL; 1 after FINAL. */
static int take_round_batches(breed_role *b, int64_t round) {
  rank_ctx *x = b->x;
  for (;;) {
    rank_recv(x, b->c, 0, TAG_SHARD, &b->rbuf, &b->rcap, NULL, "the losses of a batch");
    int64_t *m = b->rbuf;
    if (m[0] == SHARD_ROUND_DONE) {
      if (m[1] != round)
        rank_fatal(x, "protocol: end of round %lld in round %lld", (long long)m[1],
                   (long long)round);
      return 0;
    }
    if (m[0] == SHARD_FINAL) return 1;
    int64_t batch = m[1];
    take_shard(b, m);
    for (int t = 1; t < x->lay.n_train; t++) {
      rank_recv(x, b->c, t, TAG_SHARD, &b->rbuf, &b->rcap, NULL, "the losses of a batch");
      m = b->rbuf;
      if (m[0] != SHARD_BATCH || m[1] != batch)
        rank_fatal(x, "protocol: shards of batches %lld and %lld", (long long)batch,
                   (long long)m[1]);
      take_shard(b, m);
    }
    b->a_got = 0;
    batch_done(b, batch, b->a_skipped, b->a_ids, b->a_ts, b->a_vals);
  }
}

static void run_rounds(breed_role *b) {
  rank_ctx *x = b->x;
  int n_sim = x->lay.n_sim, n_active = n_sim;
  int64_t round = x->resume_round;
  for (int i = 0; i < n_sim; i++) b->sim_done[i] = 0;
  send_fills(b, round);
  int final = 0;
  while (n_active > 0) {
    for (int i = 0; i < n_sim; i++) {
      if (b->sim_done[i]) continue;
      rank_recv(x, b->c, x->lay.first_sim + i, TAG_SUMMARY, &b->rbuf, &b->rcap, NULL,
                "the summary of a round");
      const int64_t *m = b->rbuf;
      if (m[0] != round)
        rank_fatal(x, "protocol: summary of round %lld in round %lld", (long long)m[0],
                   (long long)round);
      for (int64_t e = 0; e < m[2]; e++)
        simulation_ended(b, m[3 + 3 * e], m[4 + 3 * e], m[5 + 3 * e]);
      if (m[1]) b->sim_done[i] = 1, n_active--;
    }
    final = take_round_batches(b, round);
    if (final) break;
    if (x->opt.checkpoint_every > 0) {
      int64_t every = x->opt.checkpoint_every, ack[4] = {round, 0, 0, 0};
      if ((int64_t)b->n_gens - b->gens_at_checkpoint >= every && n_active > 0) {
        char err[512] = "", dir[1200];
        ack[1] = 1;
        checkpoint_folder(x->opt.checkpoint_dir, round, dir, sizeof dir);
        ack[2] = ckpt_make_dir(dir, err, sizeof err);
        if (!ack[2]) ack[2] = breed_role_save(b, dir, round, err, sizeof err);
        if (ack[2])
          fprintf(stderr, "ogas: rank %d (breed): %s\n", x->rank, err);
        else
          b->gens_at_checkpoint = (int64_t)b->n_gens;
      }
      ack[3] = (int64_t)b->n_gens;
      rank_send(x, b->c, ack, sizeof ack, 0, TAG_ACK);
    }
    send_status(b, 0);
    if (n_active == 0) break;
    round++;
    send_fills(b, round);
  }
  while (!final) final = take_round_batches(b, -1);
}

/* ---- concurrent mode ----------------------------------------------------------- */

static void queue_shard(breed_role *b, int t, const int64_t *m, size_t bytes) {
  shard_queue *q = &b->queues[t];
  if (q->head == q->n) q->head = q->n = 0;
  if (q->n == q->cap) {
    if (q->head > 0) {
      memmove(q->msgs, q->msgs + q->head, (q->n - q->head) * sizeof *q->msgs);
      q->n -= q->head, q->head = 0;
    } else {
      size_t cap = q->cap ? 2 * q->cap : 16;
      int64_t **msgs = realloc(q->msgs, cap * sizeof *msgs);
      if (!msgs) rank_fatal(b->x, "out of memory for the shards of batches");
      q->msgs = msgs, q->cap = cap;
    }
  }
  int64_t *copy = malloc(bytes);
  if (!copy) rank_fatal(b->x, "out of memory for the shards of batches");
  memcpy(copy, m, bytes);
  q->msgs[q->n++] = copy;
}

/* Record every batch whose shards from all training ranks are in, in order. */
static void record_whole_batches(breed_role *b) {
  int T = b->x->lay.n_train;
  for (;;) {
    for (int t = 0; t < T; t++)
      if (b->queues[t].head == b->queues[t].n) return;
    for (int t = 0; t < T; t++) {
      shard_queue *q = &b->queues[t];
      int64_t *m = q->msgs[q->head++];
      if (m[1] != b->batches_seen)
        rank_fatal(b->x, "protocol: training rank %d sent batch %lld, %lld expected", t,
                   (long long)m[1], (long long)b->batches_seen);
      take_shard(b, m);
      free(m);
    }
    b->a_got = 0;
    batch_done(b, b->batches_seen, b->a_skipped, b->a_ids, b->a_ts, b->a_vals);
  }
}

static void run_free(breed_role *b) {
  rank_ctx *x = b->x;
  size_t E = fill_entry_words(b->P);
  int tags[2] = {TAG_CLAIM, TAG_SHARD};
  int64_t *start = malloc(E * sizeof(int64_t));
  if (!start) rank_fatal(x, "out of memory");
  while (b->final_batches < 0 || b->batches_seen < b->final_batches) {
    MPI_Status st;
    rank_probe_tags(x, b->c, tags, 2, -1, &st, "a claim or the losses of a batch");
    size_t bytes = rank_recv_probed(x, b->c, &st, &b->rbuf, &b->rcap);
    const int64_t *m = b->rbuf;
    if (st.MPI_TAG == TAG_CLAIM) {
      int64_t k = m[0];
      if (m[1] >= 0) simulation_ended(b, k, m[1], m[2]);
      start[0] = k;
      start[1] = claim(b, k, 0, (double *)(start + 3), &start[2]);
      rank_send(x, b->c, start, E * sizeof(int64_t), st.MPI_SOURCE, TAG_START);
    } else if (m[0] == SHARD_FINAL) {
      b->final_batches = m[1];
    } else {
      queue_shard(b, st.MPI_SOURCE, m, bytes);
      record_whole_batches(b);
    }
    send_status(b, 0);
  }
  free(start);
}

void breed_role_run(breed_role *b, breed_role_result *out) {
  role_clock_start(b->c);
  if (b->x->cfg->deterministic)
    run_rounds(b);
  else
    run_free(b);
  send_status(b, 1);
  rank_wait(b->x, b->c, &b->status_req, NULL, "a status send", 0);
  role_clock_stop(b->c);
  out->params = b->params, out->is_bred = b->is_bred, out->generation = b->generation;
  out->sim_status = b->status;
  b->params = NULL, b->is_bred = NULL, b->generation = NULL, b->status = NULL;
  out->sims_failed = b->sims_failed, out->redraws = b->redraws;
  out->generations = b->gens, out->generation_batch = b->gen_batch, out->n_generations = b->n_gens;
  b->gens = NULL, b->gen_batch = NULL;
  out->sampler_cpu_s = study_sampler_cpu_s(b->sampler);
}

/* ---- checkpoint --------------------------------------------------------------- */

int breed_role_save(breed_role *b, const char *dir, int64_t round, char *err, size_t errlen) {
  rank_ctx *x = b->x;
  if (b->journal.failed)
    return status_msg(OGAS_ENOMEM, err, errlen,
                      "checkpoint: out of memory for the sampler journal");
  int ogas = x->cfg->sampler == STUDY_SAMPLER_OGAS;
  if (ogas) {
    char path[1200];
    snprintf(path, sizeof path, "%s/breeder.ogas", dir);
    ogas_breeder *br = study_sampler_breeder(b->sampler);
    if (ogas_checkpoint_state(br, path))
      return status_msg(OGAS_EIO, err, errlen, "checkpoint: %s", ogas_errmsg(br));
  }
  ckpt_writer w;
  int st = ckpt_write_open(&w, dir, "breed.bin", err, errlen);
  if (st) return st;
  size_t N = (size_t)b->n_rows, P = b->P, K = (size_t)b->K;
  int64_t head[] = {round,
                    b->n_rows,
                    b->K,
                    (int64_t)P,
                    b->sims_failed,
                    b->redraws,
                    b->next_id,
                    b->budget_end,
                    b->sims_finished,
                    b->finished_since_break,
                    b->batches_seen,
                    b->active,
                    b->break_pending,
                    (int64_t)b->n_gens,
                    b->gens_at_checkpoint};
  ckpt_put(&w, head, sizeof head);
  ckpt_put(&w, b->params, N * P * sizeof(double));
  ckpt_put(&w, b->is_bred, N * sizeof(int));
  ckpt_put(&w, b->status, N * sizeof(int));
  ckpt_put(&w, b->generation, N * sizeof(int64_t));
  ckpt_put(&w, b->row_generation, N * sizeof(int64_t));
  ckpt_put(&w, b->gens, b->n_gens * sizeof *b->gens);
  ckpt_put(&w, b->gen_batch, b->n_gens * sizeof(int64_t));
  ckpt_put(&w, b->slot_state, K * sizeof(int));
  ckpt_put(&w, b->slot_id, K * sizeof(int64_t));
  ckpt_put(&w, b->slot_start, K * sizeof(int64_t));
  ckpt_put_i64(&w, ogas ? -1 : (int64_t)b->journal.len);
  if (!ogas) ckpt_put(&w, b->journal.words, b->journal.len * sizeof(int64_t));
  return ckpt_write_close(&w, err, errlen);
}

int breed_role_load(breed_role *b, const char *dir, int64_t round, char *err, size_t errlen) {
  rank_ctx *x = b->x;
  ckpt_reader r;
  int st = ckpt_read_open(&r, dir, "breed.bin", err, errlen);
  if (st) return st;
  size_t N = (size_t)b->n_rows, P = b->P, K = (size_t)b->K;
  int64_t head[15];
  int bad = ckpt_get(&r, head, sizeof head);
  if (!bad && (head[0] != round || head[1] != b->n_rows || head[2] != b->K ||
               head[3] != (int64_t)P || head[13] < 0 || head[13] > 1 << 30))
    bad = 1;
  if (!bad) {
    b->sims_failed = head[4], b->redraws = head[5], b->next_id = head[6], b->budget_end = head[7];
    b->sims_finished = head[8], b->finished_since_break = head[9], b->batches_seen = head[10];
    b->active = head[11], b->break_pending = (int)head[12], b->n_gens = (size_t)head[13];
    b->gens_at_checkpoint = head[13]; /* the checkpoint resumed from counts */
    b->gen_cap = b->n_gens ? b->n_gens : 1;
    b->gens = malloc(b->gen_cap * sizeof *b->gens);
    b->gen_batch = malloc(b->gen_cap * sizeof(int64_t));
    if (!b->gens || !b->gen_batch) bad = 1;
  }
  bad = bad || ckpt_get(&r, b->params, N * P * sizeof(double)) ||
        ckpt_get(&r, b->is_bred, N * sizeof(int)) || ckpt_get(&r, b->status, N * sizeof(int)) ||
        ckpt_get(&r, b->generation, N * sizeof(int64_t)) ||
        ckpt_get(&r, b->row_generation, N * sizeof(int64_t)) ||
        ckpt_get(&r, b->gens, b->n_gens * sizeof *b->gens) ||
        ckpt_get(&r, b->gen_batch, b->n_gens * sizeof(int64_t)) ||
        ckpt_get(&r, b->slot_state, K * sizeof(int)) ||
        ckpt_get(&r, b->slot_id, K * sizeof(int64_t)) ||
        ckpt_get(&r, b->slot_start, K * sizeof(int64_t));
  int64_t jlen = bad ? 0 : ckpt_get_i64(&r, &bad);
  if (!bad && jlen >= 0) {
    /* Into the (aligned) journal first, which also keeps it going from
       where it was; then replayed into the fresh sampler. */
    if ((size_t)jlen > (r.len - r.at) / sizeof(int64_t))
      bad = 1;
    else
      journal_append(&b->journal, r.data + r.at, (size_t)jlen);
    if (!bad && b->journal.failed)
      st = status_msg(OGAS_ENOMEM, err, errlen, "resume: out of memory");
    else if (!bad)
      st = journal_replay(b->journal.words, b->journal.len, b->sampler, err, errlen);
  }
  ckpt_read_close(&r);
  if (bad)
    return status_msg(OGAS_ECORRUPT, err, errlen,
                      "checkpoint: '%s/breed.bin' does not belong to this study (round %lld)", dir,
                      (long long)round);
  if (st) return st;
  if (jlen < 0) {
    if (x->cfg->sampler != STUDY_SAMPLER_OGAS)
      return status_msg(OGAS_ECORRUPT, err, errlen,
                        "checkpoint: '%s' was written for the ogas sampler", dir);
    char path[1200];
    snprintf(path, sizeof path, "%s/breeder.ogas", dir);
    ogas_breeder *br = study_sampler_breeder(b->sampler);
    if (ogas_restart_from_checkpoint(br, path))
      return status_msg(OGAS_ECORRUPT, err, errlen, "checkpoint: %s", ogas_errmsg(br));
  }
  /* The slots for the simulation ranks: a running simulation has made one
     step per round since the round it started in. */
  for (size_t k = 0; k < K; k++) {
    resume_slot_state *rs = &b->resume[k];
    rs->state = b->slot_state[k];
    rs->id = b->slot_id[k];
    rs->steps_done = rs->state == SLOT_ACTIVE ? round - b->slot_start[k] + 1 : 0;
    if (rs->state == SLOT_ACTIVE)
      memcpy(b->resume_params + k * P, b->params + (size_t)rs->id * P, P * sizeof(double));
  }
  return OGAS_OK;
}

const resume_slot_state *breed_role_resume_slots(const breed_role *b) { return b->resume; }
