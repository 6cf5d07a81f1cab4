/* breeder_mpi — include/ogas_mpi.h: the breeder on one rank, increments
 * forwarded from the others, generation breaks as collective calls.
 *
 * Only the public ogas.h API is used, so this file links against libogas
 * like any user program.
 *
 * Forwarding. A rank other than the breed rank appends each
 * record_increments call to its current send buffer as one self-contained
 * block:
 *
 *   int64 batch_idx, int64 n, int64 has_time_steps,
 *   int64 sim_ids[n], int64 time_steps[n] (if has_time_steps), double values[n]
 *
 * after a message header (int64 kind, int64 n_calls). When the buffer holds
 * OGAS_MPI_SEND_VALUES values it leaves with MPI_Isend and a fresh buffer
 * takes its place; finished sends are reaped on every call, and a buffer is
 * reused once its send completed. Nothing waits, so a training rank never
 * stalls on a breed rank that is busy elsewhere; the price is memory for
 * the sends in flight, which the breed rank bounds by calling
 * ogas_mpi_progress (or any collective call). The breed rank receives with
 * MPI_Iprobe + MPI_Recv, so messages of any size fit.
 *
 * Collective calls. Every non-breed rank sends a message of kind FLUSH (its
 * last partial buffer, possibly empty); the breed rank receives from each
 * rank until that rank's FLUSH (MPI keeps messages between two ranks in
 * order), so every increment recorded before the call is in the breeder.
 * Then the breed rank does the work and broadcasts a reply (status, the
 * breeder's message, results) that every rank returns. An error the
 * breeder returned for a forwarded call is latched and becomes the reply of
 * the next collective call (whose own work is then not done).
 *
 * All messages travel on a duplicate of the caller's communicator. */
#include "ogas_mpi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_INCREMENTS = 7101 };
enum { KIND_DATA = 0, KIND_FLUSH = 1 };
enum { HEADER_WORDS = 2, CALL_WORDS = 3 };

typedef struct {
  int64_t *words;  /* header + call blocks (values stored as their bit patterns) */
  size_t cap, len; /* in 8-byte words */
  size_t n_values;
  MPI_Request req;
  int in_flight;
} send_buffer;

typedef struct {
  int64_t **msgs;
  size_t n, cap;
} message_queue;

/* The reply of a collective call, broadcast from the breed rank. */
typedef struct {
  int64_t status;
  int64_t first_id, last_id, n_staged;
  int64_t nb_params, nb_sims;
  char msg[512];
} reply;

struct ogas_mpi {
  MPI_Comm comm;
  int rank, size, breed;
  unsigned flags;
  ogas_breeder *breeder; /* breed rank only */
  size_t nb_params;
  int64_t nb_sims;
  char err[512];
  /* breed rank: the first error of a forwarded call, reported at the next collective */
  ogas_status latched;
  char latched_msg[512];
  /* other ranks: send buffers; `filling` is the one being appended to */
  send_buffer *bufs;
  size_t n_bufs, filling;
  /* breed rank: receive buffer, and per-source queues in ORDERED mode */
  int64_t *rbuf;
  size_t rcap; /* words */
  message_queue *queues;
  int *early_flushes; /* per source: FLUSH messages taken by a local drain */
};

static ogas_status set_err(ogas_mpi *m, ogas_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->err, sizeof m->err, fmt, ap);
  va_end(ap);
  return st;
}

static void copy_msg(char *dst, size_t len, const char *src) {
  if (dst && len) snprintf(dst, len, "%s", src ? src : "");
}

/* ---- sending (every rank but the breed rank) ----------------------------- */

static void reap_sends(ogas_mpi *m) {
  for (size_t i = 0; i < m->n_bufs; i++) {
    send_buffer *sb = &m->bufs[i];
    if (!sb->in_flight) continue;
    int done = 0;
    MPI_Test(&sb->req, &done, MPI_STATUS_IGNORE);
    if (done) sb->in_flight = 0, sb->len = 0, sb->n_values = 0;
  }
}

/* A buffer to append to: the current one, else an idle one, else a new one. */
static send_buffer *filling_buffer(ogas_mpi *m) {
  if (m->filling < m->n_bufs && !m->bufs[m->filling].in_flight) return &m->bufs[m->filling];
  reap_sends(m);
  for (size_t i = 0; i < m->n_bufs; i++)
    if (!m->bufs[i].in_flight) {
      m->filling = i;
      return &m->bufs[i];
    }
  send_buffer *nb = realloc(m->bufs, (m->n_bufs + 1) * sizeof *nb);
  if (!nb) return NULL;
  m->bufs = nb;
  memset(&m->bufs[m->n_bufs], 0, sizeof *m->bufs);
  m->filling = m->n_bufs++;
  return &m->bufs[m->filling];
}

static int reserve_words(send_buffer *sb, size_t extra) {
  if (sb->len + extra <= sb->cap) return 0;
  size_t cap = sb->cap ? sb->cap : 1024;
  while (cap < sb->len + extra) cap *= 2;
  int64_t *w = realloc(sb->words, cap * sizeof *w);
  if (!w) return -1;
  sb->words = w, sb->cap = cap;
  return 0;
}

static void post_send(ogas_mpi *m, send_buffer *sb, int kind) {
  if (sb->len == 0) sb->len = HEADER_WORDS, sb->words[1] = 0;
  sb->words[0] = kind;
  MPI_Isend(sb->words, (int)(sb->len * sizeof(int64_t)), MPI_BYTE, m->breed, TAG_INCREMENTS,
            m->comm, &sb->req);
  sb->in_flight = 1;
  m->filling = (size_t)-1;
}

/* Append one call block to a buffer; 0, or -1 when it cannot grow. */
static int append_call(send_buffer *sb, const int64_t *ids, const int64_t *ts, const double *values,
                       size_t n, int64_t batch_idx) {
  size_t words = CALL_WORDS + n * (ts ? 3 : 2);
  if (reserve_words(sb, words + (sb->len ? 0 : HEADER_WORDS))) return -1;
  if (sb->len == 0) sb->words[0] = KIND_DATA, sb->words[1] = 0, sb->len = HEADER_WORDS;
  int64_t *w = sb->words + sb->len;
  w[0] = batch_idx, w[1] = (int64_t)n, w[2] = ts != NULL;
  w += CALL_WORDS;
  memcpy(w, ids, n * sizeof(int64_t)), w += n;
  if (ts) memcpy(w, ts, n * sizeof(int64_t)), w += n;
  memcpy(w, values, n * sizeof(double));
  sb->len += words;
  sb->words[1]++;
  sb->n_values += n;
  return 0;
}

/* ---- receiving and recording (breed rank) -------------------------------- */

static void latch(ogas_mpi *m, ogas_status st, const char *msg) {
  if (st == OGAS_OK || m->latched != OGAS_OK) return;
  m->latched = st;
  copy_msg(m->latched_msg, sizeof m->latched_msg, msg);
}

/* Replay the call blocks of one message into the breeder. */
static void record_message(ogas_mpi *m, const int64_t *words, size_t n_words) {
  if (n_words < HEADER_WORDS) return;
  int64_t n_calls = words[1];
  size_t at = HEADER_WORDS;
  for (int64_t c = 0; c < n_calls && at + CALL_WORDS <= n_words; c++) {
    int64_t batch = words[at], n = words[at + 1], has_ts = words[at + 2];
    at += CALL_WORDS;
    size_t need = (size_t)n * (has_ts ? 3 : 2);
    if (n < 0 || at + need > n_words) break; /* cannot happen: we wrote it */
    const int64_t *ids = words + at, *ts = has_ts ? words + at + n : NULL;
    const double *values = (const double *)(words + at + (size_t)n * (has_ts ? 2 : 1));
    ogas_status st = ogas_record_increments(m->breeder, ids, ts, values, (size_t)n, batch);
    if (st) latch(m, st, ogas_errmsg(m->breeder));
    at += need;
  }
}

static int queue_push(message_queue *q, const int64_t *words, size_t n_words) {
  if (q->n == q->cap) {
    size_t cap = q->cap ? 2 * q->cap : 8;
    int64_t **msgs = realloc(q->msgs, cap * sizeof *msgs);
    if (!msgs) return -1;
    q->msgs = msgs, q->cap = cap;
  }
  int64_t *copy = malloc((n_words ? n_words : 1) * sizeof *copy);
  if (!copy) return -1;
  memcpy(copy, words, n_words * sizeof *copy);
  q->msgs[q->n++] = copy;
  return 0;
}

/* One message from src has been received into rbuf: record it now or queue it. */
static void handle_message(ogas_mpi *m, int src, size_t n_words) {
  if (!(m->flags & OGAS_MPI_ORDERED)) {
    record_message(m, m->rbuf, n_words);
  } else if (queue_push(&m->queues[src], m->rbuf, n_words)) {
    latch(m, OGAS_ENOMEM, "ogas_mpi: out of memory while queueing forwarded increments");
  }
}

/* Receive one message (status from a probe) into rbuf; its kind, or -1. */
static int receive_one(ogas_mpi *m, const MPI_Status *probe, size_t *n_words) {
  int bytes = 0;
  MPI_Get_count(probe, MPI_BYTE, &bytes);
  size_t words = (size_t)bytes / sizeof(int64_t);
  if (words > m->rcap) {
    int64_t *nb = realloc(m->rbuf, words * sizeof *nb);
    if (!nb) {
      /* Take the message off the wire anyway so that its sender can go on. */
      char sink;
      MPI_Recv(&sink, 0, MPI_BYTE, probe->MPI_SOURCE, TAG_INCREMENTS, m->comm, MPI_STATUS_IGNORE);
      latch(m, OGAS_ENOMEM, "ogas_mpi: out of memory while receiving forwarded increments");
      *n_words = 0;
      return -1;
    }
    m->rbuf = nb, m->rcap = words;
  }
  MPI_Recv(m->rbuf, bytes, MPI_BYTE, probe->MPI_SOURCE, TAG_INCREMENTS, m->comm, MPI_STATUS_IGNORE);
  *n_words = words;
  return words >= HEADER_WORDS ? (int)m->rbuf[0] : -1;
}

/* Everything that has arrived, without waiting. */
static void drain_arrived(ogas_mpi *m) {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_INCREMENTS, m->comm, &flag, &st);
    if (!flag) return;
    size_t words;
    int kind = receive_one(m, &st, &words);
    handle_message(m, st.MPI_SOURCE, words);
    /* A rank that is already inside the next collective call sent its
       FLUSH: the collective must not wait for it again. */
    if (kind == KIND_FLUSH) m->early_flushes[st.MPI_SOURCE]++;
  }
}

/* In ORDERED mode: record the queues rank by rank. */
static void replay_queues(ogas_mpi *m) {
  if (!(m->flags & OGAS_MPI_ORDERED)) return;
  for (int r = 0; r < m->size; r++) {
    message_queue *q = &m->queues[r];
    for (size_t i = 0; i < q->n; i++) {
      /* the stored length is recovered from the call blocks themselves */
      const int64_t *w = q->msgs[i];
      size_t at = HEADER_WORDS;
      for (int64_t c = 0; c < w[1]; c++) at += CALL_WORDS + (size_t)w[at + 1] * (w[at + 2] ? 3 : 2);
      record_message(m, w, at);
      free(q->msgs[i]);
    }
    q->n = 0;
  }
}

/* The first half of every collective call: all increments into the breeder. */
static void collective_flush(ogas_mpi *m) {
  if (m->rank != m->breed) {
    send_buffer *sb = filling_buffer(m);
    if (sb && (sb->len || !reserve_words(sb, HEADER_WORDS))) {
      post_send(m, sb, KIND_FLUSH);
    } else {
      /* No memory for even a header: send the FLUSH from the stack, blocking. */
      int64_t hdr[HEADER_WORDS] = {KIND_FLUSH, 0};
      MPI_Send(hdr, (int)sizeof hdr, MPI_BYTE, m->breed, TAG_INCREMENTS, m->comm);
    }
    return;
  }
  for (int src = 0; src < m->size; src++) {
    if (src == m->breed) continue;
    if (m->early_flushes[src] > 0) {
      m->early_flushes[src]--;
      continue;
    }
    for (;;) {
      MPI_Status st;
      MPI_Probe(src, TAG_INCREMENTS, m->comm, &st);
      size_t words;
      int kind = receive_one(m, &st, &words);
      handle_message(m, src, words);
      if (kind == KIND_FLUSH) break;
    }
  }
  replay_queues(m);
}

/* The second half: the breed rank's reply to everyone; the sends of the
   flush are complete once the breed rank has replied. */
static ogas_status collective_reply(ogas_mpi *m, reply *r) {
  MPI_Bcast(r, (int)sizeof *r, MPI_BYTE, m->breed, m->comm);
  if (m->rank != m->breed)
    for (size_t i = 0; i < m->n_bufs; i++)
      if (m->bufs[i].in_flight) {
        MPI_Wait(&m->bufs[i].req, MPI_STATUS_IGNORE);
        m->bufs[i].in_flight = 0, m->bufs[i].len = 0, m->bufs[i].n_values = 0;
      }
  copy_msg(m->err, sizeof m->err, r->status ? r->msg : "");
  return (ogas_status)r->status;
}

/* On the breed rank: the reply starts as the latched error, if any. */
static int take_latched(ogas_mpi *m, reply *r) {
  memset(r, 0, sizeof *r);
  r->first_id = r->last_id = -1;
  if (m->latched == OGAS_OK) return 0;
  r->status = m->latched;
  snprintf(r->msg, sizeof r->msg, "%s", m->latched_msg);
  m->latched = OGAS_OK;
  m->latched_msg[0] = '\0';
  return 1;
}

static void reply_breeder_status(ogas_mpi *m, reply *r, ogas_status st) {
  r->status = st;
  if (st) snprintf(r->msg, sizeof r->msg, "%s", ogas_errmsg(m->breeder));
}

/* ---- creation ------------------------------------------------------------ */

static ogas_status create_common(MPI_Comm comm, int breed_rank, int config_rank,
                                 const char *config_json, const char *path, unsigned flags,
                                 ogas_mpi **out, char *errbuf, size_t errlen) {
  if (out) *out = NULL;
  copy_msg(errbuf, errlen, "");
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  if (!inited || finalized) {
    copy_msg(errbuf, errlen, "ogas_mpi_create: MPI is not initialised (call MPI_Init first)");
    return OGAS_EINVAL;
  }
  int rank = 0, size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  /* Every rank passes the same arguments, so every rank returns here alike. */
  if (!out) {
    copy_msg(errbuf, errlen, "ogas_mpi_create: out must not be NULL");
    return OGAS_EINVAL;
  }
  if (breed_rank < 0 || breed_rank >= size) {
    if (errbuf && errlen)
      snprintf(errbuf, errlen, "ogas_mpi_create: breed_rank %d is outside 0..%d", breed_rank,
               size - 1);
    return OGAS_EINVAL;
  }
  if (!path && (config_rank < OGAS_MPI_EVERY_RANK || config_rank >= size)) {
    if (errbuf && errlen)
      snprintf(errbuf, errlen,
               "ogas_mpi_create: config_rank %d is outside 0..%d (or -1: every rank)", config_rank,
               size - 1);
    return OGAS_EINVAL;
  }
  ogas_mpi *m = calloc(1, sizeof *m);
  int local_ok = m != NULL, all_ok = 0;
  if (m) {
    m->rank = rank, m->size = size, m->breed = breed_rank, m->flags = flags;
    m->filling = (size_t)-1;
    if (rank == breed_rank) {
      m->early_flushes = calloc((size_t)size, sizeof *m->early_flushes);
      if (flags & OGAS_MPI_ORDERED) m->queues = calloc((size_t)size, sizeof *m->queues);
      local_ok = m->early_flushes && (!(flags & OGAS_MPI_ORDERED) || m->queues);
    }
  }
  MPI_Allreduce(&local_ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (!all_ok) {
    if (m) free(m->queues), free(m->early_flushes);
    free(m);
    copy_msg(errbuf, errlen, "ogas_mpi_create: out of memory (on at least one rank)");
    return OGAS_ENOMEM;
  }
  MPI_Comm_dup(comm, &m->comm);

  /* The config text, from its rank to the breed rank (a broadcast: small). */
  char *text = NULL;
  int64_t len = 0;
  int text_ok = 1;
  if (!path && config_rank >= 0) {
    if (rank == config_rank) len = config_json ? (int64_t)strlen(config_json) : -1;
    MPI_Bcast(&len, 1, MPI_INT64_T, config_rank, m->comm);
    if (len >= 0) {
      text = malloc((size_t)len + 1);
      text_ok = text != NULL;
      int all = 0;
      MPI_Allreduce(&text_ok, &all, 1, MPI_INT, MPI_MIN, m->comm);
      if (all) {
        if (rank == config_rank) memcpy(text, config_json, (size_t)len + 1);
        MPI_Bcast(text, (int)len + 1, MPI_CHAR, config_rank, m->comm);
      }
      text_ok = all;
    }
  }
  reply r;
  memset(&r, 0, sizeof r);
  if (rank == breed_rank) {
    ogas_status st;
    char berr[512] = "";
    if (!text_ok) {
      st = OGAS_ENOMEM;
      snprintf(berr, sizeof berr, "ogas_mpi_create: out of memory for the config text");
    } else if (path) {
      st = ogas_breeder_create_from_file(path, &m->breeder, berr, sizeof berr);
    } else {
      const char *cfg = config_rank >= 0 ? (len >= 0 ? text : NULL) : config_json;
      st = ogas_breeder_create(cfg, &m->breeder, berr, sizeof berr);
    }
    r.status = st;
    snprintf(r.msg, sizeof r.msg, "%s", berr);
    if (!st) {
      r.nb_params = (int64_t)ogas_nb_params(m->breeder);
      r.nb_sims = ogas_nb_sims(m->breeder);
    }
  }
  free(text);
  MPI_Bcast(&r, (int)sizeof r, MPI_BYTE, breed_rank, m->comm);
  if (r.status) {
    copy_msg(errbuf, errlen, r.msg);
    ogas_breeder_free(m->breeder);
    MPI_Comm_free(&m->comm);
    free(m->queues), free(m->early_flushes);
    free(m);
    return (ogas_status)r.status;
  }
  m->nb_params = (size_t)r.nb_params;
  m->nb_sims = r.nb_sims;
  *out = m;
  return OGAS_OK;
}

ogas_status ogas_mpi_create(MPI_Comm comm, int breed_rank, int config_rank, const char *config_json,
                            unsigned flags, ogas_mpi **out, char *errbuf, size_t errlen) {
  return create_common(comm, breed_rank, config_rank, config_json, NULL, flags, out, errbuf,
                       errlen);
}

ogas_status ogas_mpi_create_from_file(MPI_Comm comm, int breed_rank, const char *path,
                                      unsigned flags, ogas_mpi **out, char *errbuf, size_t errlen) {
  /* A NULL path on the breed rank becomes the breeder's own error there. */
  return create_common(comm, breed_rank, 0, NULL, path ? path : "", flags, out, errbuf, errlen);
}

ogas_status ogas_mpi_create_f(MPI_Fint comm, int breed_rank, int config_rank,
                              const char *config_json, unsigned flags, ogas_mpi **out, char *errbuf,
                              size_t errlen) {
  return ogas_mpi_create(MPI_Comm_f2c(comm), breed_rank, config_rank, config_json, flags, out,
                         errbuf, errlen);
}

ogas_status ogas_mpi_create_from_file_f(MPI_Fint comm, int breed_rank, const char *path,
                                        unsigned flags, ogas_mpi **out, char *errbuf,
                                        size_t errlen) {
  return ogas_mpi_create_from_file(MPI_Comm_f2c(comm), breed_rank, path, flags, out, errbuf,
                                   errlen);
}

void ogas_mpi_free(ogas_mpi *m) {
  if (!m) return;
  /* Deliver what is in flight (the breeder is freed anyway), then release. */
  collective_flush(m);
  reply r;
  if (m->rank == m->breed)
    take_latched(m, &r);
  else
    memset(&r, 0, sizeof r);
  collective_reply(m, &r);
  ogas_breeder_free(m->breeder);
  for (size_t i = 0; i < m->n_bufs; i++) free(m->bufs[i].words);
  free(m->bufs);
  free(m->rbuf);
  if (m->queues) {
    for (int i = 0; i < m->size; i++) {
      for (size_t k = 0; k < m->queues[i].n; k++) free(m->queues[i].msgs[k]);
      free(m->queues[i].msgs);
    }
    free(m->queues);
  }
  free(m->early_flushes);
  MPI_Comm_free(&m->comm);
  free(m);
}

/* ---- small accessors ------------------------------------------------------ */

const char *ogas_mpi_errmsg(const ogas_mpi *m) { return m ? m->err : ""; }
int ogas_mpi_rank(const ogas_mpi *m) { return m ? m->rank : -1; }
int ogas_mpi_size(const ogas_mpi *m) { return m ? m->size : 0; }
int ogas_mpi_breed_rank(const ogas_mpi *m) { return m ? m->breed : -1; }
int ogas_mpi_is_breed_rank(const ogas_mpi *m) { return m && m->rank == m->breed; }
size_t ogas_mpi_nb_params(const ogas_mpi *m) { return m ? m->nb_params : 0; }
int64_t ogas_mpi_nb_sims(const ogas_mpi *m) { return m ? m->nb_sims : 0; }
ogas_breeder *ogas_mpi_breeder(ogas_mpi *m) { return m ? m->breeder : NULL; }

/* ---- local calls ---------------------------------------------------------- */

ogas_status ogas_mpi_record_increments(ogas_mpi *m, const int64_t *sim_ids,
                                       const int64_t *time_steps, const double *values, size_t n,
                                       int64_t batch_idx) {
  if (!m) return OGAS_EINVAL;
  if (n && (!sim_ids || !values))
    return set_err(m, OGAS_EINVAL,
                   "ogas_mpi_record_increments: sim_ids and values must not be NULL when n > 0");
  if (n > ((size_t)1 << 40))
    return set_err(m, OGAS_ERANGE, "ogas_mpi_record_increments: n = %zu is too large", n);
  if (m->rank == m->breed) {
    if (m->flags & OGAS_MPI_ORDERED) {
      /* Into this rank's own queue, replayed in rank order at the next collective. */
      send_buffer tmp = {0};
      int bad = append_call(&tmp, sim_ids, time_steps, values, n, batch_idx) ||
                queue_push(&m->queues[m->rank], tmp.words, tmp.len);
      free(tmp.words);
      if (bad) return set_err(m, OGAS_ENOMEM, "ogas_mpi_record_increments: out of memory");
      drain_arrived(m);
      return OGAS_OK;
    }
    drain_arrived(m);
    ogas_status st = ogas_record_increments(m->breeder, sim_ids, time_steps, values, n, batch_idx);
    if (st) return set_err(m, st, "%s", ogas_errmsg(m->breeder));
    return OGAS_OK;
  }
  send_buffer *sb = filling_buffer(m);
  if (!sb || append_call(sb, sim_ids, time_steps, values, n, batch_idx))
    return set_err(m, OGAS_ENOMEM, "ogas_mpi_record_increments: out of memory for the send buffer");
  if (sb->n_values >= OGAS_MPI_SEND_VALUES) post_send(m, sb, KIND_DATA);
  return OGAS_OK;
}

ogas_status ogas_mpi_progress(ogas_mpi *m) {
  if (!m) return OGAS_EINVAL;
  if (m->rank == m->breed)
    drain_arrived(m);
  else
    reap_sends(m);
  return OGAS_OK;
}

/* ---- collective calls ------------------------------------------------------ */

ogas_status ogas_mpi_flush(ogas_mpi *m) {
  if (!m) return OGAS_EINVAL;
  collective_flush(m);
  reply r;
  memset(&r, 0, sizeof r);
  if (m->rank == m->breed) take_latched(m, &r);
  return collective_reply(m, &r);
}

ogas_status ogas_mpi_generation_break(ogas_mpi *m, int64_t max_breeding_count,
                                      int64_t last_submitted_sim_id, int64_t *first_id,
                                      int64_t *last_id, size_t *n_staged) {
  if (!m) return OGAS_EINVAL;
  collective_flush(m);
  reply r;
  memset(&r, 0, sizeof r);
  r.first_id = r.last_id = -1;
  if (m->rank == m->breed && !take_latched(m, &r)) {
    size_t staged = 0;
    ogas_status st = ogas_next_parameters(m->breeder, max_breeding_count, &staged);
    if (!st)
      st = ogas_concretize_resampled_parameters(m->breeder, last_submitted_sim_id, &r.first_id,
                                                &r.last_id);
    reply_breeder_status(m, &r, st);
    r.n_staged = (int64_t)staged;
  }
  ogas_status st = collective_reply(m, &r);
  if (first_id) *first_id = st ? -1 : r.first_id;
  if (last_id) *last_id = st ? -1 : r.last_id;
  if (n_staged) *n_staged = st ? 0 : (size_t)r.n_staged;
  return st;
}

/* Rows first .. first+count-1 from the breeder (breed rank), into params/is_bred. */
static ogas_status read_rows(ogas_mpi *m, int64_t first, int64_t count, double *params,
                             int *is_bred) {
  for (int64_t i = 0; i < count; i++) {
    ogas_status st =
        ogas_get_parameters(m->breeder, first + i, params + (size_t)i * m->nb_params, is_bred + i);
    if (st) return st;
  }
  return OGAS_OK;
}

static int range_ok(const ogas_mpi *m, int64_t first, int64_t count) {
  return count >= 0 && first >= 0 && first <= m->nb_sims && count <= m->nb_sims - first;
}

ogas_status ogas_mpi_get_parameters(ogas_mpi *m, int64_t first_id, int64_t count, double *params,
                                    int *is_bred) {
  if (!m) return OGAS_EINVAL;
  collective_flush(m);
  size_t P = m->nb_params, rows = range_ok(m, first_id, count) ? (size_t)count : 0;
  /* Rows travel through one buffer (params then is_bred as doubles). */
  double *buf = rows ? malloc(rows * (P + 1) * sizeof(double)) : NULL;
  int *bred = rows ? malloc(rows * sizeof(int)) : NULL;
  int ok = !rows || (buf && bred), all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, m->comm);
  reply r;
  memset(&r, 0, sizeof r);
  if (m->rank == m->breed && !take_latched(m, &r)) {
    if (!range_ok(m, first_id, count)) {
      r.status = OGAS_ERANGE;
      snprintf(r.msg, sizeof r.msg,
               "ogas_mpi_get_parameters: rows %lld .. %lld are outside 0..%lld",
               (long long)first_id, (long long)(first_id + count - 1), (long long)(m->nb_sims - 1));
    } else if (!all_ok) {
      r.status = OGAS_ENOMEM;
      snprintf(r.msg, sizeof r.msg,
               "ogas_mpi_get_parameters: out of memory (on at least one rank)");
    } else if (rows) {
      reply_breeder_status(m, &r, read_rows(m, first_id, count, buf, bred));
      for (size_t i = 0; i < rows; i++) buf[rows * P + i] = bred[i];
    }
  }
  ogas_status st = collective_reply(m, &r);
  if (!st && rows) {
    MPI_Bcast(buf, (int)(rows * (P + 1)), MPI_DOUBLE, m->breed, m->comm);
    if (params) memcpy(params, buf, rows * P * sizeof(double));
    if (is_bred)
      for (size_t i = 0; i < rows; i++) is_bred[i] = buf[rows * P + i] != 0;
  }
  free(buf), free(bred);
  return st;
}

ogas_status ogas_mpi_scatter_parameters(ogas_mpi *m, int64_t first_id, int64_t last_id,
                                        size_t capacity, int64_t *ids, double *params, int *is_bred,
                                        size_t *n_out) {
  if (!m) return OGAS_EINVAL;
  if (n_out) *n_out = 0;
  collective_flush(m);
  size_t P = m->nb_params;
  int64_t count = last_id >= first_id ? last_id - first_id + 1 : 0;
  int in_range = count == 0 || range_ok(m, first_id, count);
  /* This rank's share: ids first + rank, first + rank + size, ... */
  size_t mine = in_range && count > m->rank ? (size_t)((count - 1 - m->rank) / m->size + 1) : 0;
  double *recv = mine ? malloc(mine * (P + 1) * sizeof(double)) : NULL;
  /* Largest rank whose share does not fit (+1), or 0; and memory. */
  int local[2] = {(mine > capacity || (mine && !ids)) ? m->rank + 1 : 0, !mine || recv != NULL};
  int worst[2] = {0, 1};
  MPI_Allreduce(&local[0], &worst[0], 1, MPI_INT, MPI_MAX, m->comm);
  MPI_Allreduce(&local[1], &worst[1], 1, MPI_INT, MPI_MIN, m->comm);
  double *send = NULL;
  int *bred = NULL, *counts = NULL, *displs = NULL;
  reply r;
  memset(&r, 0, sizeof r);
  if (m->rank == m->breed && !take_latched(m, &r)) {
    if (!in_range) {
      r.status = OGAS_ERANGE;
      snprintf(r.msg, sizeof r.msg,
               "ogas_mpi_scatter_parameters: rows %lld .. %lld are outside 0..%lld",
               (long long)first_id, (long long)last_id, (long long)(m->nb_sims - 1));
    } else if (worst[0]) {
      r.status = OGAS_ERANGE;
      snprintf(r.msg, sizeof r.msg,
               "ogas_mpi_scatter_parameters: rank %d's share of rows %lld .. %lld does not fit its "
               "capacity (or its ids buffer is NULL)",
               worst[0] - 1, (long long)first_id, (long long)last_id);
    } else if (count) {
      send = malloc((size_t)count * (P + 1) * sizeof(double));
      bred = malloc((size_t)count * sizeof(int));
      counts = calloc((size_t)m->size, sizeof(int));
      displs = calloc((size_t)m->size, sizeof(int));
      if (!send || !bred || !counts || !displs || !worst[1]) {
        r.status = OGAS_ENOMEM;
        snprintf(r.msg, sizeof r.msg, "ogas_mpi_scatter_parameters: out of memory");
      } else {
        double *rows = malloc((size_t)count * P * sizeof(double));
        ogas_status st = rows ? read_rows(m, first_id, count, rows, bred) : OGAS_ENOMEM;
        reply_breeder_status(m, &r, st);
        if (!rows) snprintf(r.msg, sizeof r.msg, "ogas_mpi_scatter_parameters: out of memory");
        if (!st) {
          /* Rank-major: rank q's rows (params then is_bred) in one block. */
          size_t at = 0;
          for (int q = 0; q < m->size; q++) {
            size_t nq = count > q ? (size_t)((count - 1 - q) / m->size + 1) : 0;
            displs[q] = (int)at;
            counts[q] = (int)(nq * (P + 1));
            for (size_t k = 0; k < nq; k++) {
              size_t row = (size_t)q + k * (size_t)m->size;
              memcpy(send + at + k * P, rows + row * P, P * sizeof(double));
              send[at + nq * P + k] = bred[row];
            }
            at += nq * (P + 1);
          }
        }
        free(rows);
      }
    }
  }
  ogas_status st = collective_reply(m, &r);
  if (!st && count) {
    MPI_Scatterv(send, counts, displs, MPI_DOUBLE, recv, (int)(mine * (P + 1)), MPI_DOUBLE,
                 m->breed, m->comm);
    for (size_t k = 0; k < mine; k++) {
      ids[k] = first_id + m->rank + (int64_t)k * m->size;
      if (params) memcpy(params + k * P, recv + k * P, P * sizeof(double));
      if (is_bred) is_bred[k] = recv[mine * P + k] != 0;
    }
    if (n_out) *n_out = mine;
  }
  free(send), free(bred), free(counts), free(displs), free(recv);
  return st;
}

ogas_status ogas_mpi_train_sampler(ogas_mpi *m, int64_t steps) {
  if (!m) return OGAS_EINVAL;
  collective_flush(m);
  reply r;
  memset(&r, 0, sizeof r);
  if (m->rank == m->breed && !take_latched(m, &r))
    reply_breeder_status(m, &r, ogas_train_sampler(m->breeder, steps));
  return collective_reply(m, &r);
}

ogas_status ogas_mpi_checkpoint_state(ogas_mpi *m, const char *path) {
  if (!m) return OGAS_EINVAL;
  collective_flush(m);
  reply r;
  memset(&r, 0, sizeof r);
  if (m->rank == m->breed && !take_latched(m, &r))
    reply_breeder_status(m, &r, ogas_checkpoint_state(m->breeder, path));
  return collective_reply(m, &r);
}

ogas_status ogas_mpi_restart_from_checkpoint(ogas_mpi *m, const char *path) {
  if (!m) return OGAS_EINVAL;
  collective_flush(m);
  reply r;
  memset(&r, 0, sizeof r);
  if (m->rank == m->breed && !take_latched(m, &r)) {
    ogas_status st = ogas_restart_from_checkpoint(m->breeder, path);
    reply_breeder_status(m, &r, st);
    if (!st) {
      r.nb_params = (int64_t)ogas_nb_params(m->breeder);
      r.nb_sims = ogas_nb_sims(m->breeder);
    }
  }
  ogas_status st = collective_reply(m, &r);
  if (!st) m->nb_params = (size_t)r.nb_params, m->nb_sims = r.nb_sims;
  return st;
}

ogas_status ogas_mpi_get_stats(ogas_mpi *m, ogas_stats *out) {
  if (!m) return OGAS_EINVAL;
  collective_flush(m);
  ogas_stats s = OGAS_STATS_INIT;
  reply r;
  memset(&r, 0, sizeof r);
  if (m->rank == m->breed && !take_latched(m, &r))
    reply_breeder_status(m, &r, ogas_get_stats(m->breeder, &s));
  ogas_status st = collective_reply(m, &r);
  if (!st) {
    MPI_Bcast(&s, (int)sizeof s, MPI_BYTE, m->breed, m->comm);
    if (out) {
      /* As ogas_get_stats: at most the caller's struct_size bytes. */
      size_t n = out->struct_size < sizeof s ? out->struct_size : sizeof s;
      memcpy(out, &s, n);
      out->struct_size = n;
    }
  }
  return st;
}
