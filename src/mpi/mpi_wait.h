/* mpi_wait — the MPI calls of the roles, timed into their role_clock, with
 * waits that neither spin nor hang.
 *
 * Open MPI's blocking calls poll the network in a busy loop; with more ranks
 * than cores (and with two roles on one rank) that steals the CPU from the
 * ranks doing work. Every wait here polls with MPI_Test / MPI_Iprobe and
 * backs off: a few immediate retries, then sched_yield, then sleeps growing
 * from 1 to 128 us. Collectives run as their non-blocking variants under the
 * same loop.
 *
 * Every wait has a deadline of mpi.timeout_s: past it, the rank prints what it
 * waited for and from which rank, and ends the job (rank_fatal). An error a
 * role cannot recover from ends the job the same way: MPI_Abort, after one
 * line naming the rank, its roles and the cause. */
#ifndef OGAS_MPI_MPI_WAIT_H
#define OGAS_MPI_MPI_WAIT_H

#include <mpi.h>
#include <stddef.h>

#include "mpi/rank_ctx.h"

double rank_now(void);
void role_clock_start(role_clock *c);
/* wall = now - start, compute = wall - comm - wait. */
void role_clock_stop(role_clock *c);

/* Print "ogas: rank R (roles): message" and abort the job. */
_Noreturn void rank_fatal(const rank_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Wait for a request (peer: the rank it concerns, for the timeout message). */
void rank_wait(const rank_ctx *x, role_clock *c, MPI_Request *req, MPI_Status *st, const char *what,
               int peer);
/* Wait until a message (source may be MPI_ANY_SOURCE, tag) has arrived. */
void rank_probe(const rank_ctx *x, role_clock *c, int source, int tag, MPI_Status *st,
                const char *what);
/* Wait until a message with one of the tags (from any source) has arrived
   or max_s seconds have passed (max_s < 0: up to the timeout). 1 when one
   is there (*tag_out, *st), 0 after max_s. */
int rank_probe_tags(const rank_ctx *x, role_clock *c, const int *tags, int n_tags, double max_s,
                    MPI_Status *st, const char *what);
/* Is a message (source, tag) there? No waiting. */
int rank_iprobe(const rank_ctx *x, int source, int tag, MPI_Status *st);

/* Receive the probed message st into *buf (grown as needed); its size. */
size_t rank_recv_probed(const rank_ctx *x, role_clock *c, const MPI_Status *st, void **buf,
                        size_t *cap);
/* Probe (waiting) and receive a message (source, tag); *src_out (may be NULL)
   gets its source. */
size_t rank_recv(const rank_ctx *x, role_clock *c, int source, int tag, void **buf, size_t *cap,
                 int *src_out, const char *what);
/* Send and wait for the send to complete. */
void rank_send(const rank_ctx *x, role_clock *c, const void *buf, size_t bytes, int dest, int tag);
/* Start a send; complete it with rank_wait. */
void rank_isend(const rank_ctx *x, role_clock *c, const void *buf, size_t bytes, int dest, int tag,
                MPI_Request *req);

/* In-place collectives on comm, waited for without spinning. */
void rank_allreduce(const rank_ctx *x, role_clock *c, MPI_Comm comm, void *buf, int count,
                    MPI_Datatype type, MPI_Op op, const char *what);
void rank_bcast(const rank_ctx *x, role_clock *c, MPI_Comm comm, void *buf, int count,
                MPI_Datatype type, int root, const char *what);

/* Fault injection: kill this rank (SIGKILL) when mpi.faults asks for it
   after `done` units of work. */
void rank_maybe_kill(const rank_ctx *x, int64_t done);

#endif
