#include "mpi/mpi_wait.h"

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

double rank_now(void) { return wall_s(); }

void role_clock_start(role_clock *c) {
  memset(c, 0, sizeof *c);
  c->t0 = rank_now();
}

void role_clock_stop(role_clock *c) {
  c->wall = rank_now() - c->t0;
  c->compute = c->wall - c->comm - c->wait;
  if (c->compute < 0) c->compute = 0;
}

void rank_fatal(const rank_ctx *x, const char *fmt, ...) {
  char roles[64], msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "ogas: rank %d (%s): %s\n", x->rank,
          rank_roles_name(x->roles, roles, sizeof roles), msg);
  fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  abort(); /* not reached */
}

/* One step of the polling loop's back-off. */
static void back_off(int *spins) {
  int k = (*spins)++;
  if (k < 16) return;
  if (k < 48) {
    sched_yield();
    return;
  }
  int e = k - 48 < 7 ? k - 48 : 7;
  struct timespec ts = {0, 1000L << e};
  nanosleep(&ts, NULL);
}

static void timed_out(const rank_ctx *x, double waited, const char *what, int peer) {
  char roles[64];
  if (peer >= 0 && peer < x->lay.n_ranks)
    rank_fatal(x,
               "waited %.0f s for %s from rank %d (%s) (mpi.timeout_s): that rank is stuck or "
               "gone; ending the job",
               waited, what, peer,
               rank_roles_name(rank_layout_roles(&x->lay, peer), roles, sizeof roles));
  rank_fatal(x, "waited %.0f s for %s (mpi.timeout_s): a peer is stuck or gone; ending the job",
             waited, what);
}

/* How long a wait on `peer` may last. Training and breed ranks themselves
   wait on the simulation ranks, so a stuck simulation rank stalls them too:
   waits on them get twice mpi.timeout_s, and the rank that waits on the
   stuck one directly times out first and names it. */
static double deadline_for(const rank_ctx *x, int peer) {
  int sim =
      peer >= 0 && peer < x->lay.n_ranks && (rank_layout_roles(&x->lay, peer) & ROLE_SIMULATION);
  return (sim || peer < 0 ? 1.0 : 2.0) * x->mc.timeout_s;
}

void rank_wait(const rank_ctx *x, role_clock *c, MPI_Request *req, MPI_Status *st, const char *what,
               int peer) {
  int done = 0, spins = 0;
  MPI_Test(req, &done, st ? st : MPI_STATUS_IGNORE);
  if (done) return;
  double t0 = rank_now(), deadline = t0 + deadline_for(x, peer);
  while (!done) {
    back_off(&spins);
    MPI_Test(req, &done, st ? st : MPI_STATUS_IGNORE);
    if (!done && (spins & 63) == 0 && rank_now() > deadline)
      timed_out(x, rank_now() - t0, what, peer);
  }
  c->wait += rank_now() - t0;
}

int rank_iprobe(const rank_ctx *x, int source, int tag, MPI_Status *st) {
  int flag = 0;
  MPI_Iprobe(source, tag, x->comm, &flag, st);
  return flag;
}

void rank_probe(const rank_ctx *x, role_clock *c, int source, int tag, MPI_Status *st,
                const char *what) {
  if (rank_iprobe(x, source, tag, st)) return;
  double t0 = rank_now(), deadline = t0 + deadline_for(x, source);
  int spins = 0;
  for (;;) {
    back_off(&spins);
    if (rank_iprobe(x, source, tag, st)) break;
    if ((spins & 63) == 0 && rank_now() > deadline) timed_out(x, rank_now() - t0, what, source);
  }
  c->wait += rank_now() - t0;
}

int rank_probe_tags(const rank_ctx *x, role_clock *c, const int *tags, int n_tags, double max_s,
                    MPI_Status *st, const char *what) {
  double t0 = rank_now(), deadline = t0 + x->mc.timeout_s;
  double give_up = max_s >= 0 ? t0 + max_s : deadline + 1;
  int spins = 0, found = 0;
  for (;;) {
    for (int i = 0; i < n_tags && !found; i++) found = rank_iprobe(x, MPI_ANY_SOURCE, tags[i], st);
    if (found) break;
    if ((spins & 7) == 0) {
      double now = rank_now();
      if (now > give_up) break;
      if (now > deadline) timed_out(x, now - t0, what, -1);
    }
    back_off(&spins);
  }
  c->wait += rank_now() - t0;
  return found;
}

size_t rank_recv_probed(const rank_ctx *x, role_clock *c, const MPI_Status *st, void **buf,
                        size_t *cap) {
  int bytes = 0;
  MPI_Get_count(st, MPI_BYTE, &bytes);
  if ((size_t)bytes > *cap || !*buf) {
    size_t n = *cap ? *cap : 256;
    while (n < (size_t)bytes) n *= 2;
    void *nb = realloc(*buf, n);
    if (!nb) rank_fatal(x, "out of memory for a message of %d bytes", bytes);
    *buf = nb, *cap = n;
  }
  double t0 = rank_now();
  MPI_Recv(*buf, bytes, MPI_BYTE, st->MPI_SOURCE, st->MPI_TAG, x->comm, MPI_STATUS_IGNORE);
  c->comm += rank_now() - t0;
  c->msgs_recv++, c->bytes_recv += (uint64_t)bytes;
  return (size_t)bytes;
}

size_t rank_recv(const rank_ctx *x, role_clock *c, int source, int tag, void **buf, size_t *cap,
                 int *src_out, const char *what) {
  MPI_Status st;
  rank_probe(x, c, source, tag, &st, what);
  if (src_out) *src_out = st.MPI_SOURCE;
  return rank_recv_probed(x, c, &st, buf, cap);
}

void rank_isend(const rank_ctx *x, role_clock *c, const void *buf, size_t bytes, int dest, int tag,
                MPI_Request *req) {
  double t0 = rank_now();
  MPI_Isend(buf, (int)bytes, MPI_BYTE, dest, tag, x->comm, req);
  c->comm += rank_now() - t0;
  c->msgs_sent++, c->bytes_sent += bytes;
}

void rank_send(const rank_ctx *x, role_clock *c, const void *buf, size_t bytes, int dest, int tag) {
  MPI_Request req;
  rank_isend(x, c, buf, bytes, dest, tag, &req);
  rank_wait(x, c, &req, NULL, "a message to be taken", dest);
}

/* A collective's polling wait counts as communication (it includes the
   other ranks' skew). */
static void wait_collective(const rank_ctx *x, role_clock *c, MPI_Request *req, const char *what) {
  double t0 = rank_now(), w0 = c->wait;
  rank_wait(x, c, req, NULL, what, -1);
  c->wait = w0;
  c->comm += rank_now() - t0;
}

void rank_allreduce(const rank_ctx *x, role_clock *c, MPI_Comm comm, void *buf, int count,
                    MPI_Datatype type, MPI_Op op, const char *what) {
  MPI_Request req;
  MPI_Iallreduce(MPI_IN_PLACE, buf, count, type, op, comm, &req);
  wait_collective(x, c, &req, what);
}

void rank_bcast(const rank_ctx *x, role_clock *c, MPI_Comm comm, void *buf, int count,
                MPI_Datatype type, int root, const char *what) {
  MPI_Request req;
  MPI_Ibcast(buf, count, type, root, comm, &req);
  wait_collective(x, c, &req, what);
}

void rank_maybe_kill(const rank_ctx *x, int64_t done) {
  if (x->mc.kill_rank != x->rank || done < x->mc.kill_after) return;
  char roles[64];
  int stop = x->mc.kill_signal == SIGSTOP;
  fprintf(stderr, "ogas: rank %d (%s): %s after %lld units of work (mpi.faults.kill_rank)\n",
          x->rank, rank_roles_name(x->roles, roles, sizeof roles),
          stop ? "stopping (hanging)" : "killing itself", (long long)done);
  fflush(stderr);
  raise(x->mc.kill_signal);
}
