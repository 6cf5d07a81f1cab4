/* ogas_mpi.h — the OGAS breeder on one rank of an MPI training server.
 *
 * A training server that is already an MPI program (C, C++, Fortran through
 * ISO_C_BINDING, or Python through mpi4py) gets the breeder of ogas.h on a
 * rank of its choice (the "breed rank") with a few calls:
 *
 *   ogas_mpi *m;
 *   ogas_mpi_create(comm, breed_rank, 0, config_json, 0, &m, err, sizeof err);
 *   ... every training rank, after each batch:
 *   ogas_mpi_record_increments(m, sim_ids, time_steps, losses, n, batch);
 *   ... all ranks, at a generation break:
 *   ogas_mpi_generation_break(m, -1, last_submitted, &first, &last);
 *   ogas_mpi_scatter_parameters(m, first, last, cap, ids, params, NULL, &n);
 *   ... launch the n simulations this rank got ...
 *   ogas_mpi_free(m);
 *
 * Conventions
 *  - Status codes and messages are those of ogas.h. A collective call returns
 *    the same status on every rank, and ogas_mpi_errmsg gives every rank the
 *    same message, so an error raised by the breeder on the breed rank (a bad
 *    config key, a checkpoint that cannot be written) reaches all ranks.
 *  - "Collective" calls must be made by every rank of the communicator, in
 *    the same order, with the same arguments (buffers excepted); the others
 *    are local. All traffic runs on a private duplicate of the communicator,
 *    so it never mixes with the server's own messages.
 *  - Nothing here blocks on another rank outside the collective calls: a
 *    training rank that records increments never waits for the breed rank
 *    (which may be busy in the server's own MPI_Allreduce).
 *  - One thread at a time per handle (the MPI library must provide at least
 *    MPI_THREAD_SERIALIZED if several threads take turns). The breeder's own
 *    background trainer (breeder.async_training) runs on the breed rank as
 *    with ogas.h.
 *  - Memory: the caller owns every buffer it passes; the handle is released
 *    with ogas_mpi_free (collective).
 *
 * Link with -logas_mpi -logas (pkg-config ogas_mpi) and compile with mpicc. */
#ifndef OGAS_MPI_H
#define OGAS_MPI_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "ogas.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ogas_mpi ogas_mpi;

/* config_rank: pass this when every rank gives the same config text. */
#define OGAS_MPI_EVERY_RANK (-1)

/* Flags of ogas_mpi_create. */
enum {
  /* Keep forwarded increments on the breed rank until the next collective
     call, then record them rank by rank (0, 1, ...) and, within a rank, in
     call order. With breeder.async_training = false the whole run is then
     reproducible bit for bit whatever the arrival order of messages. By
     default increments are recorded as they arrive (ogas_mpi_progress). */
  OGAS_MPI_ORDERED = 1
};

/* Collective. Creates the breeder of ogas_breeder_create on rank
   breed_rank of comm from config_json, which is read on rank config_rank
   only (NULL elsewhere is fine) or, with OGAS_MPI_EVERY_RANK, on every rank
   (each passes the same text; nothing is sent). On failure every rank gets
   the same status, *out is NULL and errbuf holds the breeder's message
   (naming the key or line/column). OGAS_EINVAL as well for a breed_rank or
   config_rank outside the communicator or an MPI library that is not
   initialised. */
ogas_status ogas_mpi_create(MPI_Comm comm, int breed_rank, int config_rank, const char *config_json,
                            unsigned flags, ogas_mpi **out, char *errbuf, size_t errlen);
/* Collective. As ogas_mpi_create, the config read from path on the breed rank
   (the file need not exist elsewhere). */
ogas_status ogas_mpi_create_from_file(MPI_Comm comm, int breed_rank, const char *path,
                                      unsigned flags, ogas_mpi **out, char *errbuf, size_t errlen);
/* The same two with a Fortran communicator handle (MPI_Fint), for Fortran
   servers and for Python (mpi4py's comm.py2f()). */
ogas_status ogas_mpi_create_f(MPI_Fint comm, int breed_rank, int config_rank,
                              const char *config_json, unsigned flags, ogas_mpi **out, char *errbuf,
                              size_t errlen);
ogas_status ogas_mpi_create_from_file_f(MPI_Fint comm, int breed_rank, const char *path,
                                        unsigned flags, ogas_mpi **out, char *errbuf,
                                        size_t errlen);

/* Collective: delivers what is still in flight, then frees the breeder (on
   the breed rank) and the handle. Every rank passes its handle; NULL on
   every rank is a no-op. */
void ogas_mpi_free(ogas_mpi *m);

/* Last error message of this handle, or "" (never NULL). After a collective
   call it is the same text on every rank. */
const char *ogas_mpi_errmsg(const ogas_mpi *m);

int ogas_mpi_rank(const ogas_mpi *m); /* this rank in the communicator */
int ogas_mpi_size(const ogas_mpi *m);
int ogas_mpi_breed_rank(const ogas_mpi *m);
int ogas_mpi_is_breed_rank(const ogas_mpi *m);
size_t ogas_mpi_nb_params(const ogas_mpi *m); /* on every rank */
int64_t ogas_mpi_nb_sims(const ogas_mpi *m);
/* The breeder itself on the breed rank (for any ogas.h call that is not
   wrapped here: telemetry, statistics); NULL on the other ranks. Calls made
   on it directly are not ordered with the forwarded increments. */
ogas_breeder *ogas_mpi_breeder(ogas_mpi *m);

/* Local, any rank: ogas_record_increments for n values. On the breed rank
   the values are recorded at once; elsewhere they are copied into a send
   buffer that goes to the breed rank with a non-blocking send once it holds
   OGAS_MPI_SEND_VALUES values, and at every collective call. Each call stays
   one ogas_record_increments call on the breed rank, so the training budget
   it grants is the same as in one process. Never waits for another rank.
   OGAS_EINVAL for NULL arrays with n > 0, OGAS_ENOMEM when a send buffer
   cannot grow (nothing of this call is kept). Errors that the breeder
   returns for forwarded calls are reported by the next collective call. */
#define OGAS_MPI_SEND_VALUES 4096
ogas_status ogas_mpi_record_increments(ogas_mpi *m, const int64_t *sim_ids,
                                       const int64_t *time_steps, const double *values, size_t n,
                                       int64_t batch_idx);

/* Local. On the breed rank: record the forwarded increments that have
   arrived (without waiting for more); call it now and then (e.g. once per
   training batch) so that they do not pile up. Elsewhere: release the send
   buffers whose sends completed. */
ogas_status ogas_mpi_progress(ogas_mpi *m);

/* Collective: every increment recorded on any rank before the call reaches
   the breeder first. */
ogas_status ogas_mpi_flush(ogas_mpi *m);

/* Collective generation break: after the flush, ogas_next_parameters(
   max_breeding_count) and ogas_concretize_resampled_parameters(
   last_submitted_sim_id) on the breed rank. Every rank gets the range of ids
   written (*first_id, *last_id, both -1 when nothing was written) and, if
   n_staged is not NULL, how many children were staged. */
ogas_status ogas_mpi_generation_break(ogas_mpi *m, int64_t max_breeding_count,
                                      int64_t last_submitted_sim_id, int64_t *first_id,
                                      int64_t *last_id, size_t *n_staged);

/* Collective: rows first_id .. first_id+count-1 of the parameter table on
   every rank (params: count x nb_params, physical units; is_bred: count;
   either may be NULL). OGAS_ERANGE for a range outside 0..nb_sims-1. */
ogas_status ogas_mpi_get_parameters(ogas_mpi *m, int64_t first_id, int64_t count, double *params,
                                    int *is_bred);

/* Collective: rows first_id .. last_id dealt round-robin over the ranks, so
   that each rank launches its own share: rank r gets the ids first_id + r,
   first_id + r + size, ... (in increasing order), *n_out of them, in ids,
   params (n x nb_params) and is_bred (either of the last two may be NULL).
   capacity is the rows this rank's buffers hold; OGAS_ERANGE on every rank
   when one rank's share does not fit or the range is outside the table
   (first_id > last_id deals nothing). */
ogas_status ogas_mpi_scatter_parameters(ogas_mpi *m, int64_t first_id, int64_t last_id,
                                        size_t capacity, int64_t *ids, double *params, int *is_bred,
                                        size_t *n_out);

/* Collective: after the flush, ogas_train_sampler(steps) on the breed rank. */
ogas_status ogas_mpi_train_sampler(ogas_mpi *m, int64_t steps);

/* Collective: after the flush, ogas_checkpoint_state / ogas_restart_from_checkpoint
   on the breed rank with path (read there only; NULL elsewhere is fine). */
ogas_status ogas_mpi_checkpoint_state(ogas_mpi *m, const char *path);
ogas_status ogas_mpi_restart_from_checkpoint(ogas_mpi *m, const char *path);

/* Collective: ogas_get_stats on the breed rank, the result on every rank. */
ogas_status ogas_mpi_get_stats(ogas_mpi *m, ogas_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* OGAS_MPI_H */
