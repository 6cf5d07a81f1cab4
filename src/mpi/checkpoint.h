/* checkpoint — study checkpoints of a deterministic study over ranks, and
 * resuming from them.
 *
 * Every mpi.checkpoint_every generation breaks (or --checkpoint-every), at
 * the end of the round in which the break happened, the study saves:
 *   BASE/round-R/breed.bin     the table, progress, slots, the sampler's
 *                              journal (sampler_journal.h) ...
 *   BASE/round-R/breeder.ogas  ... or, for ogas, the breeder's own checkpoint
 *   BASE/round-R/train-T.bin   each training rank: surrogate weights and AdamW
 *                              state, buffer, random stream, credit
 * Each file is written atomically (ckpt_file.h). Once every rank has
 * written its files, the training root writes BASE/checkpoint.json (the
 * round, its folder, the number of training ranks and a hash of the study
 * config), atomically too, and only then removes the previous round's
 * folder: a study killed at any moment leaves one complete checkpoint.
 *
 * The simulation ranks save nothing: a simulation that was running at the
 * checkpoint is started again on resume and stepped to where it was (the
 * solvers are deterministic), so the resumed study is the one that never
 * stopped, bit for bit, with any number of simulation ranks. The number of
 * training ranks must be the same. */
#ifndef OGAS_MPI_CHECKPOINT_H
#define OGAS_MPI_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "study/study_config.h"

/* BASE/round-R */
void checkpoint_folder(const char *base, int64_t round, char *out, size_t len);
/* A hash of everything in the config that the study's results depend on
   (the "mpi" section aside: faults and timeouts may change on resume). */
uint64_t checkpoint_config_hash(const study_config *cfg);
/* Root: make round R the current checkpoint, then drop previous_round's
   folder (< 0: none). */
int checkpoint_commit(const char *base, int64_t round, int64_t previous_round, int n_train,
                      uint64_t config_hash, int64_t batches, int64_t generations, char *err,
                      size_t errlen);
/* Root: the current checkpoint's round; OGAS_EIO when there is none,
   OGAS_EINVAL when it belongs to another config or training-rank count. */
int checkpoint_read(const char *base, int n_train, uint64_t config_hash, int64_t *round, char *err,
                    size_t errlen);

#endif
