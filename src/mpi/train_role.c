#include "mpi/train_role.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpi/checkpoint.h"
#include "mpi/ckpt_file.h"
#include "mpi/crash_note.h"
#include "mpi/global_fifo.h"
#include "mpi/mpi_wait.h"
#include "mpi/packet.h"
#include "mpi/protocol.h"
#include "nn/rng.h"
#include "ogas.h"
#include "study/buffer.h"
#include "util/clock.h"
#include "util/status_msg.h"

/* The study's minibatch stream (study.c seeds it the same way). */
#define BATCH_STREAM 0x7BA7Cu

/* A record of a round's packets, to process them in slot order. */
typedef struct {
  packet_record rec;
  const float *z, *state;
} record_ref;

struct train_role {
  rank_ctx *x;
  role_clock *c;
  int t, T, root;
  int64_t K; /* slots */
  surrogate *sur;
  size_t n_params;
  global_fifo gf;    /* deterministic */
  study_buffer *buf; /* concurrent */
  ogas_rng rng;
  /* per slot */
  float *prev, *zk;
  /* a round's steps (deterministic) */
  int32_t *stepped;
  float *next_state;
  int64_t *next_step, *slot_sim;
  /* minibatch rows of this rank */
  float *mb_states, *mb_next, *mb_z;
  int64_t *mb_ids, *mb_ts;
  int32_t *mb_which;
  double *mb_loss;
  /* normalisation sample (n_norm rows, every rank the same) */
  float *norm_states, *norm_next, *norm_tmp_states, *norm_tmp_next;
  int32_t *norm_which;
  float *gbuf; /* n_params + 1: gradients and the loss, summed over ranks */
  /* progress */
  int64_t batches_done;
  double credit;
  int64_t steps_local; /* concurrent: steps received here */
  float *train_loss;   /* root */
  double *loss_sum;
  int64_t *loss_count;
  double cpu;
  /* messages */
  void **pk;
  size_t *pk_cap, *pk_len;
  record_ref *recs;
  size_t recs_cap;
  int64_t **shard;
  MPI_Request *shard_req;
  int n_shard, shard_at;
  void *rbuf;
  size_t rcap;
  int64_t status[3]; /* from the breed rank: started, finished, generations */
  int64_t round;     /* deterministic: the round being trained */
  int64_t last_generations;
};

static const int64_t one_credit = 1;

int train_role_create(rank_ctx *x, train_role **out, char *err, size_t errlen) {
  *out = NULL;
  const study_config *cfg = x->cfg;
  train_role *t = calloc(1, sizeof *t);
  if (!t) return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory");
  t->x = x;
  t->c = &x->clock[role_index(ROLE_TRAINING)];
  t->t = x->rank, t->T = x->lay.n_train, t->root = x->rank == 0;
  t->round = -1;
  t->K = x->lay.n_slots;
  size_t S = x->S, P = x->P, K = (size_t)t->K, B = (size_t)x->B, N = (size_t)x->n_rows;
  size_t ny = 1, nx = 1, ch = 1;
  pde_shape(x->problem, cfg->pde.grid, &ch, &ny, &nx);
  surrogate_config suc = {.state_size = S,
                          .channels = ch,
                          .nb_params = P,
                          .width = (int)cfg->surrogate.width,
                          .n_blocks = (int)cfg->surrogate.blocks,
                          .max_batch = x->B,
                          .lr = (float)cfg->surrogate.lr,
                          .weight_decay = (float)cfg->surrogate.weight_decay,
                          .grad_clip = (float)cfg->surrogate.grad_clip,
                          .seed = cfg->seed,
                          .arch = cfg->surrogate.arch,
                          .kernel = (int)cfg->surrogate.kernel,
                          .ny = ny,
                          .modes = (int)cfg->surrogate.modes,
                          .coords = cfg->surrogate.coords,
                          .train_loss = cfg->surrogate.train_loss,
                          .lr_decay_steps = cfg->surrogate.lr_cosine ? x->total_batches : 0,
                          .lr_final_fraction = (float)cfg->surrogate.lr_final_fraction};
  if (suc.arch == SURROGATE_CONV1D && ny > 1) {
    free(t);
    return status_msg(OGAS_EINVAL, err, errlen,
                      "surrogate.arch: conv1d needs a 1-D problem ('%s' is 2-D)", cfg->problem);
  }
  int st = surrogate_create(&suc, &t->sur, err, errlen);
  if (st) {
    free(t);
    return st;
  }
  t->n_params = surrogate_param_count(t->sur);
  /* Stream 0 is the single-process study's; rank t of T uses stream t. */
  ogas_rng_seed(&t->rng, cfg->seed, BATCH_STREAM + (uint64_t)(cfg->deterministic ? 0 : t->t));
  if (cfg->deterministic) {
    st = global_fifo_init(&t->gf, (size_t)cfg->buffer_capacity, S, P, t->t);
  } else {
    size_t cap = ((size_t)cfg->buffer_capacity + (size_t)t->T - 1) / (size_t)t->T;
    st = study_buffer_create(cap, S, P, &t->buf);
  }
  size_t nn = x->n_norm;
  t->prev = calloc(K * S, sizeof(float));
  t->zk = calloc(K * (P ? P : 1), sizeof(float));
  t->stepped = calloc(K, sizeof(int32_t));
  t->next_state = malloc(K * S * sizeof(float));
  t->next_step = malloc(K * sizeof(int64_t));
  t->slot_sim = malloc(K * sizeof(int64_t));
  t->mb_states = malloc(B * S * sizeof(float));
  t->mb_next = malloc(B * S * sizeof(float));
  t->mb_z = malloc(B * (P ? P : 1) * sizeof(float));
  t->mb_ids = malloc(B * sizeof(int64_t));
  t->mb_ts = malloc(B * sizeof(int64_t));
  t->mb_which = malloc(B * sizeof(int32_t));
  t->mb_loss = malloc(B * sizeof(double));
  t->norm_states = malloc(nn * S * sizeof(float));
  t->norm_next = malloc(nn * S * sizeof(float));
  t->norm_tmp_states = malloc(nn * S * sizeof(float));
  t->norm_tmp_next = malloc(nn * S * sizeof(float));
  t->norm_which = malloc(nn * sizeof(int32_t));
  t->gbuf = malloc((t->n_params + 1) * sizeof(float));
  t->train_loss = t->root ? malloc((size_t)x->total_batches * sizeof(float)) : NULL;
  t->loss_sum = calloc(N, sizeof(double));
  t->loss_count = calloc(N, sizeof(int64_t));
  int n_sim = x->lay.n_sim;
  t->pk = calloc((size_t)n_sim, sizeof(void *));
  t->pk_cap = calloc((size_t)n_sim, sizeof(size_t));
  t->pk_len = calloc((size_t)n_sim, sizeof(size_t));
  t->n_shard = 8;
  t->shard = calloc((size_t)t->n_shard, sizeof(int64_t *));
  t->shard_req = malloc((size_t)t->n_shard * sizeof(MPI_Request));
  int ok = !st && t->prev && t->zk && t->stepped && t->next_state && t->next_step && t->slot_sim &&
           t->mb_states && t->mb_next && t->mb_z && t->mb_ids && t->mb_ts && t->mb_which &&
           t->mb_loss && t->norm_states && t->norm_next && t->norm_tmp_states && t->norm_tmp_next &&
           t->norm_which && t->gbuf && (!t->root || t->train_loss) && t->loss_sum &&
           t->loss_count && t->pk && t->pk_cap && t->pk_len && t->shard && t->shard_req;
  for (int i = 0; ok && i < t->n_shard; i++) {
    t->shard_req[i] = MPI_REQUEST_NULL;
    t->shard[i] = malloc((SHARD_HEADER_WORDS + 4 * B) * sizeof(int64_t));
    ok = t->shard[i] != NULL;
  }
  if (!ok) {
    train_role_free(t);
    return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory for training rank %d",
                      x->rank);
  }
  *out = t;
  return OGAS_OK;
}

void train_role_free(train_role *t) {
  if (!t) return;
  surrogate_free(t->sur);
  global_fifo_free(&t->gf);
  study_buffer_free(t->buf);
  free(t->prev), free(t->zk), free(t->stepped), free(t->next_state), free(t->next_step);
  free(t->slot_sim), free(t->mb_states), free(t->mb_next), free(t->mb_z), free(t->mb_ids);
  free(t->mb_ts), free(t->mb_which), free(t->mb_loss), free(t->norm_states), free(t->norm_next);
  free(t->norm_tmp_states), free(t->norm_tmp_next), free(t->norm_which), free(t->gbuf);
  free(t->train_loss), free(t->loss_sum), free(t->loss_count);
  if (t->pk)
    for (int i = 0; i < t->x->lay.n_sim; i++) free(t->pk[i]);
  free(t->pk), free(t->pk_cap), free(t->pk_len), free(t->recs);
  if (t->shard)
    for (int i = 0; i < t->n_shard; i++) free(t->shard[i]);
  free(t->shard), free(t->shard_req), free(t->rbuf);
  free(t);
}

/* ---- messages to the breed rank ----------------------------------------- */

static int64_t *next_shard(train_role *t) {
  rank_wait(t->x, t->c, &t->shard_req[t->shard_at], NULL, "a shard send", t->x->lay.breed_rank);
  return t->shard[t->shard_at];
}

static void send_shard(train_role *t, size_t words) {
  rank_isend(t->x, t->c, t->shard[t->shard_at], words * sizeof(int64_t), t->x->lay.breed_rank,
             TAG_SHARD, &t->shard_req[t->shard_at]);
  t->shard_at = (t->shard_at + 1) % t->n_shard;
}

static void send_marker(train_role *t, int kind, int64_t value) {
  int64_t *m = next_shard(t);
  m[0] = kind, m[1] = value, m[2] = 0, m[3] = 0;
  send_shard(t, SHARD_HEADER_WORDS);
}

/* The training root keeps the breed rank's latest counters for progress. */
static void read_status(train_role *t) {
  MPI_Status st;
  while (rank_iprobe(t->x, t->x->lay.breed_rank, TAG_STATUS, &st)) {
    rank_recv_probed(t->x, t->c, &st, &t->rbuf, &t->rcap);
    memcpy(t->status, t->rbuf, sizeof t->status);
  }
}

static void report_progress(train_role *t, float loss) {
  rank_ctx *x = t->x;
  if (!t->root || !x->progress) return;
  read_status(t);
  int broke = t->status[2] != t->last_generations;
  if (!broke && !(x->progress_every > 0 && t->batches_done % x->progress_every == 0)) return;
  t->last_generations = t->status[2];
  study_progress p = {.batches_done = t->batches_done,
                      .batches_total = x->total_batches,
                      .sims_started = t->status[0],
                      .sims_finished = t->status[1],
                      .nb_sims = x->cfg->nb_sims,
                      .generation = t->status[2],
                      .last_loss = loss,
                      .elapsed_s = rank_now() - x->t0};
  x->progress(x->progress_ctx, &p);
}

/* ---- one training step -------------------------------------------------- */

static void fit_normalization(train_role *t, size_t n) {
  rank_ctx *x = t->x;
  size_t S = x->S;
  if (t->T > 1) {
    rank_allreduce(x, t->c, x->train_comm, t->norm_states, (int)(n * S), MPI_FLOAT, MPI_SUM,
                   "the normalisation sample");
    rank_allreduce(x, t->c, x->train_comm, t->norm_next, (int)(n * S), MPI_FLOAT, MPI_SUM,
                   "the normalisation sample");
  }
  if (surrogate_fit_normalization(t->sur, t->norm_states, t->norm_next, n))
    rank_fatal(x, "study: the first training data are not finite");
}

/* Deterministic: the draws of study_buffer_sample over the global FIFO. */
static size_t draw_global(train_role *t) {
  rank_ctx *x = t->x;
  size_t S = x->S;
  size_t rows = global_fifo_draw(&t->gf, &t->rng, (size_t)x->B, t->mb_states, t->mb_next, t->mb_z,
                                 t->mb_ids, t->mb_ts, t->mb_which);
  if (!surrogate_has_normalization(t->sur)) {
    size_t count = global_fifo_count(&t->gf), n = count < x->n_norm ? count : x->n_norm;
    size_t mine = global_fifo_draw(&t->gf, &t->rng, n, t->norm_tmp_states, t->norm_tmp_next, NULL,
                                   NULL, NULL, t->norm_which);
    if (t->T == 1) {
      memcpy(t->norm_states, t->norm_tmp_states, n * S * sizeof(float));
      memcpy(t->norm_next, t->norm_tmp_next, n * S * sizeof(float));
    } else {
      memset(t->norm_states, 0, n * S * sizeof(float));
      memset(t->norm_next, 0, n * S * sizeof(float));
      for (size_t i = 0; i < mine; i++) {
        size_t at = (size_t)t->norm_which[i] * S;
        memcpy(t->norm_states + at, t->norm_tmp_states + i * S, S * sizeof(float));
        memcpy(t->norm_next + at, t->norm_tmp_next + i * S, S * sizeof(float));
      }
    }
    fit_normalization(t, n);
  }
  return rows;
}

/* Concurrent: this rank's share of the batch from its own buffer. */
static size_t draw_local(train_role *t) {
  rank_ctx *x = t->x;
  size_t S = x->S, B = (size_t)x->B, T = (size_t)t->T, me = (size_t)t->t;
  size_t rows = B / T + (me < B % T), offset = me * (B / T) + (me < B % T ? me : B % T);
  if (study_buffer_sample(t->buf, &t->rng, rows, t->mb_states, t->mb_next, t->mb_z, t->mb_ids,
                          t->mb_ts))
    rank_fatal(x, "study: no training data on this training rank (every simulation failed?)");
  for (size_t i = 0; i < rows; i++) t->mb_which[i] = (int32_t)(offset + i);
  if (!surrogate_has_normalization(t->sur)) {
    /* Each rank draws its share of the sample; all fit on the union. */
    size_t share = (x->n_norm + T - 1) / T, have = study_buffer_count(t->buf);
    int n_mine = (int)(have < share ? have : share);
    if (study_buffer_sample(t->buf, &t->rng, (size_t)n_mine, t->norm_tmp_states, t->norm_tmp_next,
                            NULL, NULL, NULL))
      rank_fatal(x, "study: no training data on this training rank");
    int *counts = malloc(2 * T * sizeof(int));
    if (!counts) rank_fatal(x, "out of memory");
    int *displs = counts + T;
    double t0 = rank_now();
    MPI_Allgather(&n_mine, 1, MPI_INT, counts, 1, MPI_INT, x->train_comm);
    int total = 0;
    for (size_t r = 0; r < T; r++)
      displs[r] = total * (int)S, total += counts[r], counts[r] *= (int)S;
    MPI_Allgatherv(t->norm_tmp_states, n_mine * (int)S, MPI_FLOAT, t->norm_states, counts, displs,
                   MPI_FLOAT, x->train_comm);
    MPI_Allgatherv(t->norm_tmp_next, n_mine * (int)S, MPI_FLOAT, t->norm_next, counts, displs,
                   MPI_FLOAT, x->train_comm);
    t->c->comm += rank_now() - t0;
    free(counts);
    if (surrogate_fit_normalization(t->sur, t->norm_states, t->norm_next, (size_t)total))
      rank_fatal(x, "study: the first training data are not finite");
  }
  return rows;
}

static void train_batch(train_role *t) {
  rank_ctx *x = t->x;
  int B = x->B;
  double c0 = thread_cpu_s();
  size_t rows;
  if (x->cfg->deterministic) {
    if (global_fifo_count(&t->gf) == 0)
      rank_fatal(x, "study: no training data (every simulation failed?)");
    rows = draw_global(t);
  } else {
    rows = draw_local(t);
  }
  float loss = 0;
  int st = OGAS_OK;
  if (rows) {
    st = surrogate_loss_and_grad(t->sur, t->mb_states, t->mb_next, t->mb_z, NULL, (int)rows,
                                 x->cfg->loss, &loss, t->mb_loss);
    if (st && st != OGAS_ERANGE) rank_fatal(x, "study: training step failed");
  } else {
    memset(surrogate_grads(t->sur), 0, t->n_params * sizeof(float));
  }
  if (t->T > 1) {
    /* The batch's gradient and loss: the sum over ranks of each rank's mean
       over its rows, weighted by its share of the batch. */
    float w = (float)rows / (float)B, *g = surrogate_grads(t->sur);
    for (size_t i = 0; i < t->n_params; i++) t->gbuf[i] = g[i] * w;
    t->gbuf[t->n_params] = loss * w;
    t->cpu += thread_cpu_s() - c0;
    rank_allreduce(x, t->c, x->train_comm, t->gbuf, (int)(t->n_params + 1), MPI_FLOAT, MPI_SUM,
                   "the gradient all-reduce");
    c0 = thread_cpu_s();
    memcpy(g, t->gbuf, t->n_params * sizeof(float));
    loss = t->gbuf[t->n_params];
  }
  /* A non-finite loss or gradient: the step is skipped (weights unchanged),
     the batch still counts, the sampler hears nothing (as in study.c). */
  int skipped = !isfinite(loss);
  if (!skipped && surrogate_apply_gradients(t->sur, NULL) == OGAS_ERANGE) skipped = 1;
  int64_t b = t->batches_done;
  if (!skipped)
    for (size_t i = 0; i < rows; i++)
      if (isfinite(t->mb_loss[i]))
        t->loss_sum[t->mb_ids[i]] += t->mb_loss[i], t->loss_count[t->mb_ids[i]]++;
  if (t->root) t->train_loss[b] = loss;
  t->cpu += thread_cpu_s() - c0;
  int64_t *m = next_shard(t);
  m[0] = SHARD_BATCH, m[1] = b, m[2] = skipped, m[3] = (int64_t)rows;
  int64_t *w = m + SHARD_HEADER_WORDS;
  for (size_t i = 0; i < rows; i++) {
    w[i] = t->mb_which[i];
    w[rows + i] = t->mb_ids[i];
    w[2 * rows + i] = t->mb_ts[i];
    memcpy(&w[3 * rows + i], &t->mb_loss[i], sizeof(double));
  }
  send_shard(t, SHARD_HEADER_WORDS + 4 * rows);
  t->batches_done++;
  crash_note_progress(t->round, t->batches_done, x->total_batches);
  report_progress(t, loss);
  rank_maybe_kill(x, t->batches_done);
}

/* ---- records ------------------------------------------------------------ */

static void take_start(train_role *t, const packet_record *r, const float *z, const float *u) {
  size_t S = t->x->S, P = t->x->P;
  memcpy(t->prev + (size_t)r->slot * S, u, S * sizeof(float));
  if (P) memcpy(t->zk + (size_t)r->slot * P, z, P * sizeof(float));
  t->slot_sim[r->slot] = r->sim_id;
}

static int compare_records(const void *a, const void *b) {
  const record_ref *x = a, *y = b;
  if (x->rec.slot != y->rec.slot) return x->rec.slot < y->rec.slot ? -1 : 1;
  /* one slot: START before STEP (a simulation's first round) */
  return (x->rec.kind > y->rec.kind) - (x->rec.kind < y->rec.kind);
}

/* ---- deterministic rounds --------------------------------------------------- */

/* End of a round with checkpoints on: the breed rank says whether it saved
   (a break made one due); then every training rank saves, and the root
   makes it the current checkpoint once all have. */
static void checkpoint_round(train_role *t, int64_t round) {
  rank_ctx *x = t->x;
  int64_t ack[4] = {0, 0, 0, 0};
  if (t->root) {
    rank_recv(x, t->c, x->lay.breed_rank, TAG_ACK, &t->rbuf, &t->rcap, NULL,
              "the breed rank's word on a checkpoint");
    memcpy(ack, t->rbuf, sizeof ack);
    if (ack[0] != round)
      rank_fatal(x, "protocol: checkpoint word for round %lld in round %lld", (long long)ack[0],
                 (long long)round);
  }
  if (t->T > 1) rank_bcast(x, t->c, x->train_comm, ack, 4, MPI_INT64_T, 0, "the checkpoint word");
  if (!ack[1]) return;
  char err[512] = "", dir[1200];
  int64_t st = ack[2];
  if (!st) {
    checkpoint_folder(x->opt.checkpoint_dir, round, dir, sizeof dir);
    st = ckpt_make_dir(dir, err, sizeof err);
    if (!st) st = train_role_save(t, dir, round, err, sizeof err);
    if (st) fprintf(stderr, "ogas: rank %d (training): %s\n", x->rank, err);
  }
  if (t->T > 1)
    rank_allreduce(x, t->c, x->train_comm, &st, 1, MPI_INT64_T, MPI_MAX, "the checkpoint status");
  if (!t->root) return;
  if (!st)
    st = checkpoint_commit(x->opt.checkpoint_dir, round, x->last_checkpoint_round, t->T,
                           x->config_hash, t->batches_done, ack[3], err, sizeof err);
  if (st) {
    fprintf(stderr,
            "ogas: rank 0 (training): the checkpoint of round %lld failed (%s); the study "
            "goes on, the previous checkpoint stays\n",
            (long long)round, err[0] ? err : "see above");
    return;
  }
  x->last_checkpoint_round = round;
  crash_note_checkpoint(round, ack[3]);
}

static void run_rounds(train_role *t) {
  rank_ctx *x = t->x;
  size_t S = x->S, P = x->P;
  int n_sim = x->lay.n_sim;
  int *active = malloc((size_t)n_sim * sizeof(int));
  if (!active) rank_fatal(x, "out of memory");
  for (int i = 0; i < n_sim; i++) active[i] = 1;
  int n_active = n_sim;
  t->round = -1;
  for (int64_t round = x->resume_round; n_active > 0; round++) {
    size_t n_recs = 0;
    t->round = round;
    for (int i = 0; i < n_sim; i++) {
      if (!active[i]) continue;
      int src = x->lay.first_sim + i;
      t->pk_len[i] = rank_recv(x, t->c, src, TAG_PACKET, &t->pk[i], &t->pk_cap[i], NULL,
                               "a round of time steps");
      packet_header h = packet_get_header(t->pk[i]);
      if (h.round != round)
        rank_fatal(x, "protocol: packet of round %lld from rank %d in round %lld",
                   (long long)h.round, src, (long long)round);
      if (h.flags & PACKET_DONE) active[i] = 0, n_active--;
      n_recs += (size_t)h.n_records;
    }
    if (n_recs > t->recs_cap) {
      record_ref *r = realloc(t->recs, n_recs * sizeof *r);
      if (!r) rank_fatal(x, "out of memory");
      t->recs = r, t->recs_cap = n_recs;
    }
    size_t at = 0;
    for (int i = 0; i < n_sim; i++) {
      if (!t->pk_len[i]) continue;
      size_t cur = 0;
      record_ref *r = t->recs + at;
      while (at < n_recs &&
             packet_next(t->pk[i], t->pk_len[i], S, P, &cur, &r->rec, &r->z, &r->state))
        r = t->recs + ++at;
    }
    qsort(t->recs, at, sizeof *t->recs, compare_records);
    memset(t->stepped, 0, (size_t)t->K * sizeof(int32_t));
    for (size_t i = 0; i < at; i++) {
      const record_ref *r = &t->recs[i];
      if (r->rec.kind == PACKET_START) {
        take_start(t, &r->rec, r->z, r->state);
      } else {
        t->stepped[r->rec.slot] = 1;
        memcpy(t->next_state + (size_t)r->rec.slot * S, r->state, S * sizeof(float));
        t->next_step[r->rec.slot] = r->rec.step;
      }
    }
    /* Packets are read: their senders may run ahead again. */
    for (int i = 0; i < n_sim; i++)
      if (t->pk_len[i]) {
        MPI_Request req;
        rank_isend(x, t->c, &one_credit, sizeof one_credit, x->lay.first_sim + i, TAG_CREDIT, &req);
        MPI_Request_free(&req);
        t->pk_len[i] = 0;
      }
    if (t->T > 1)
      rank_allreduce(x, t->c, x->train_comm, t->stepped, (int)t->K, MPI_INT32_T, MPI_SUM,
                     "the slots that streamed this round");
    /* Push in slot order, as the single-process study does; each step earns
       its credit in the same order. */
    for (int64_t k = 0; k < t->K; k++) {
      if (!t->stepped[k]) continue;
      int owner = rank_layout_trainer(&x->lay, k);
      if (owner == t->t) {
        float *u = t->prev + (size_t)k * S, *un = t->next_state + (size_t)k * S;
        global_fifo_push(&t->gf, owner, t->slot_sim[k], t->next_step[k], u, un,
                         t->zk + (size_t)k * (P ? P : 0));
        memcpy(u, un, S * sizeof(float));
      } else {
        global_fifo_push(&t->gf, owner, 0, 0, NULL, NULL, NULL);
      }
      t->credit += x->credit_per_step;
    }
    while (t->credit >= 1.0 && t->batches_done < x->total_batches &&
           global_fifo_count(&t->gf) >= (size_t)x->min_fill) {
      train_batch(t);
      t->credit -= 1.0;
    }
    if (t->root) send_marker(t, SHARD_ROUND_DONE, round), read_status(t);
    if (x->opt.checkpoint_every > 0) checkpoint_round(t, round);
  }
  free(active);
}

/* ---- concurrent mode -------------------------------------------------------- */

static void run_free(train_role *t) {
  rank_ctx *x = t->x;
  size_t S = x->S, P = x->P;
  int n_sim = x->lay.n_sim, tags[1] = {TAG_PACKET};
  int64_t done_local = 0, steps_global = 0, steps_at_sync = 0, ctl_count = 0;
  int64_t ctl[4];
  for (;;) {
    /* Take packets while the study is within a round of batches of its
       training (study.h's rate limit); the rest wait, and so do their
       senders once their credits are spent. */
    MPI_Status st;
    while ((t->batches_done >= x->total_batches || ctl_count < x->min_fill ||
            (double)(steps_global + t->steps_local - steps_at_sync) * x->credit_per_step -
                    (double)t->batches_done <=
                x->slack) &&
           rank_iprobe(x, MPI_ANY_SOURCE, TAG_PACKET, &st)) {
      size_t len = rank_recv_probed(x, t->c, &st, &t->rbuf, &t->rcap);
      packet_header h = packet_get_header(t->rbuf);
      size_t cur = 0;
      packet_record r;
      const float *z, *u;
      double c0 = thread_cpu_s();
      while (packet_next(t->rbuf, len, S, P, &cur, &r, &z, &u)) {
        if (r.kind == PACKET_START) {
          take_start(t, &r, z, u);
          continue;
        }
        float *prev = t->prev + (size_t)r.slot * S;
        study_buffer_push(t->buf, r.sim_id, r.step, prev, u, t->zk + (size_t)r.slot * (P ? P : 0));
        memcpy(prev, u, S * sizeof(float));
        t->steps_local++;
      }
      t->cpu += thread_cpu_s() - c0;
      MPI_Request req;
      rank_isend(x, t->c, &one_credit, sizeof one_credit, st.MPI_SOURCE, TAG_CREDIT, &req);
      MPI_Request_free(&req);
      if (h.flags & PACKET_DONE) done_local++;
    }
    size_t have = study_buffer_count(t->buf);
    ctl[0] = t->steps_local, ctl[1] = have > 0, ctl[2] = done_local, ctl[3] = (int64_t)have;
    if (t->T > 1)
      rank_allreduce(x, t->c, x->train_comm, ctl, 4, MPI_INT64_T, MPI_SUM, "the training counters");
    steps_global = ctl[0], steps_at_sync = t->steps_local, ctl_count = ctl[3];
    if (t->root) read_status(t);
    int all_done = ctl[2] == (int64_t)t->T * n_sim;
    double allowed =
        all_done ? (double)x->total_batches : floor((double)ctl[0] * x->credit_per_step);
    if (t->batches_done >= x->total_batches && all_done) break;
    if ((double)t->batches_done < allowed && t->batches_done < x->total_batches &&
        (all_done || ctl[3] >= x->min_fill)) {
      if (ctl[1] < t->T)
        rank_fatal(x, all_done ? "study: a training rank has no data (every simulation that "
                                 "feeds it failed?)"
                               : "study: a training rank has no data yet");
      train_batch(t);
      continue;
    }
    /* Nothing to do until more data arrives. */
    rank_probe_tags(x, t->c, tags, 1, 0.002, &st, "time steps");
  }
}

void train_role_run(train_role *t, train_role_result *out) {
  rank_ctx *x = t->x;
  role_clock_start(t->c);
  if (x->cfg->deterministic)
    run_rounds(t);
  else
    run_free(t);
  if (x->cfg->deterministic)
    while (t->batches_done < x->total_batches) train_batch(t);
  if (t->root) send_marker(t, SHARD_FINAL, t->batches_done);
  for (int i = 0; i < t->n_shard; i++)
    rank_wait(x, t->c, &t->shard_req[i], NULL, "a shard send", x->lay.breed_rank);
  if (t->root) read_status(t);
  /* Data parallelism keeps every rank's weights equal: check the bits. */
  uint64_t h = 0xcbf29ce484222325ull, hi, lo;
  const unsigned char *w = (const unsigned char *)surrogate_params(t->sur);
  for (size_t i = 0; i < t->n_params * sizeof(float); i++) h = (h ^ w[i]) * 0x100000001b3ull;
  hi = lo = h;
  if (t->T > 1) {
    rank_allreduce(x, t->c, x->train_comm, &hi, 1, MPI_UINT64_T, MPI_MAX, "the weight check");
    rank_allreduce(x, t->c, x->train_comm, &lo, 1, MPI_UINT64_T, MPI_MIN, "the weight check");
  }
  out->weights_equal = hi == lo;
  role_clock_stop(t->c);
  out->sur = t->sur, t->sur = NULL;
  out->train_loss = t->train_loss, t->train_loss = NULL;
  out->loss_sum = t->loss_sum, out->loss_count = t->loss_count;
  t->loss_sum = NULL, t->loss_count = NULL;
  if (x->cfg->deterministic) {
    out->samples_pushed = t->gf.local_pushed;
    out->samples_evicted = t->root ? global_fifo_evicted(&t->gf) : 0;
  } else {
    out->samples_pushed = study_buffer_pushed(t->buf);
    out->samples_evicted = study_buffer_evicted(t->buf);
  }
  out->batches = t->batches_done;
  out->train_cpu_s = t->cpu;
}

/* ---- checkpoint --------------------------------------------------------------- */

int train_role_save(train_role *t, const char *dir, int64_t round, char *err, size_t errlen) {
  rank_ctx *x = t->x;
  char name[64];
  snprintf(name, sizeof name, "train-%d.bin", t->t);
  ckpt_writer w;
  int st = ckpt_write_open(&w, dir, name, err, errlen);
  if (st) return st;
  size_t sb = surrogate_state_bytes(t->sur), gb = global_fifo_state_bytes(&t->gf);
  void *tmp = malloc(sb > gb ? sb : gb);
  if (!tmp) {
    ckpt_write_abort(&w);
    return status_msg(OGAS_ENOMEM, err, errlen, "checkpoint: out of memory");
  }
  ckpt_put_i64(&w, round);
  ckpt_put_i64(&w, t->t);
  ckpt_put_i64(&w, t->T);
  ckpt_put_i64(&w, t->batches_done);
  ckpt_put(&w, &t->credit, sizeof t->credit);
  ckpt_put(&w, &t->rng, sizeof t->rng);
  ckpt_put_i64(&w, (int64_t)sb);
  surrogate_save_state(t->sur, tmp);
  ckpt_put(&w, tmp, sb);
  ckpt_put_i64(&w, (int64_t)gb);
  global_fifo_save(&t->gf, tmp);
  ckpt_put(&w, tmp, gb);
  free(tmp);
  ckpt_put(&w, t->loss_sum, (size_t)x->n_rows * sizeof(double));
  ckpt_put(&w, t->loss_count, (size_t)x->n_rows * sizeof(int64_t));
  if (t->root) ckpt_put(&w, t->train_loss, (size_t)t->batches_done * sizeof(float));
  return ckpt_write_close(&w, err, errlen);
}

int train_role_load(train_role *t, const char *dir, int64_t round, char *err, size_t errlen) {
  rank_ctx *x = t->x;
  char name[64];
  snprintf(name, sizeof name, "train-%d.bin", t->t);
  ckpt_reader r;
  int st = ckpt_read_open(&r, dir, name, err, errlen);
  if (st) return st;
  int bad = 0;
  int64_t rd = ckpt_get_i64(&r, &bad), tt = ckpt_get_i64(&r, &bad), TT = ckpt_get_i64(&r, &bad);
  t->batches_done = ckpt_get_i64(&r, &bad);
  bad |= ckpt_get(&r, &t->credit, sizeof t->credit) | ckpt_get(&r, &t->rng, sizeof t->rng);
  if (bad || rd != round || tt != t->t || TT != t->T || t->batches_done < 0 ||
      t->batches_done > x->total_batches) {
    ckpt_read_close(&r);
    return status_msg(OGAS_ECORRUPT, err, errlen,
                      "checkpoint: '%s' is for round %lld, training rank %lld of %lld (this study "
                      "resumes round %lld on training rank %d of %d)",
                      r.path, (long long)rd, (long long)tt, (long long)TT, (long long)round, t->t,
                      t->T);
  }
  int64_t sb = ckpt_get_i64(&r, &bad);
  if (!bad && (sb < 0 || r.at + (size_t)sb > r.len)) bad = 1;
  if (!bad && surrogate_load_state(t->sur, r.data + r.at, (size_t)sb)) bad = 1;
  if (!bad) r.at += (size_t)sb;
  int64_t gb = ckpt_get_i64(&r, &bad);
  if (!bad && (gb < 0 || r.at + (size_t)gb > r.len)) bad = 1;
  if (!bad && global_fifo_load(&t->gf, r.data + r.at, (size_t)gb)) bad = 1;
  if (!bad) r.at += (size_t)gb;
  bad = bad || ckpt_get(&r, t->loss_sum, (size_t)x->n_rows * sizeof(double)) ||
        ckpt_get(&r, t->loss_count, (size_t)x->n_rows * sizeof(int64_t)) ||
        (t->root && ckpt_get(&r, t->train_loss, (size_t)t->batches_done * sizeof(float)));
  ckpt_read_close(&r);
  if (bad)
    return status_msg(OGAS_ECORRUPT, err, errlen,
                      "checkpoint: '%s/%s' does not match this study's surrogate or buffer", dir,
                      name);
  return OGAS_OK;
}
