/* breed_role — the breed rank: the study's sampler (the libogas breeder for
 * "ogas") and the parameter table.
 *
 * It hands out simulation ids in order (the next id not started, with its
 * row of the table), hears how each simulation ended, and receives the
 * per-sample losses of every batch from the training ranks, puts each batch
 * back together in draw order and records it (study_sampler_record). Every
 * nn_updates batches a generation break is due; it happens at the first
 * batch where min_finished_between_generations simulations have finished
 * since the last break and rewrites up to generation_size rows after the
 * last id handed out (study.h). The simulation ranks then get the new rows
 * as they start simulations.
 *
 * Failures: a simulation that failed to start or stopped being finite is
 * marked (status 2 / 1) and, with mpi.redraw_failed_sims, one more id of
 * the table (which has nb_sims + redraw_failed_sims rows) becomes available,
 * so that the study still runs nb_sims good simulations if it can.
 *
 * Deterministic mode: per round, the summaries of every simulation rank, then
 * the round's batches until the training root's ROUND_DONE, then the fill of
 * the slots freed in the round (in slot order). Concurrent mode: messages in
 * the order they arrive. */
#ifndef OGAS_MPI_BREED_ROLE_H
#define OGAS_MPI_BREED_ROLE_H

#include <stdint.h>

#include "mpi/rank_ctx.h"
#include "study/sampler.h"

typedef struct breed_role breed_role;

typedef struct {
  double *params;      /* n_rows x P: what each simulation ran with (taken over) */
  int *is_bred;        /* n_rows */
  int64_t *generation; /* n_rows */
  int *sim_status;     /* n_rows: -1 never started, 0, 1, 2 */
  int64_t sims_failed, redraws;
  study_generation *generations; /* taken over */
  int64_t *generation_batch;
  size_t n_generations;
  double sampler_cpu_s;
} breed_role_result;

/* Creates the sampler: OGAS_EINVAL with its message for a bad config. */
int breed_role_create(rank_ctx *x, breed_role **out, char *err, size_t errlen);
void breed_role_free(breed_role *b);
void breed_role_run(breed_role *b, breed_role_result *out);

/* Checkpoint (deterministic mode) of the sampler, the table and the
   progress into dir at the end of `round`; load it back before running and
   fill x->resume_slots (n_slots entries, params owned by b). */
int breed_role_save(breed_role *b, const char *dir, int64_t round, char *err, size_t errlen);
int breed_role_load(breed_role *b, const char *dir, int64_t round, char *err, size_t errlen);
/* The slots as loaded (x->lay.n_slots entries, for the other ranks). */
const resume_slot_state *breed_role_resume_slots(const breed_role *b);

#endif
