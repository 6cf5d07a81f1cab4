/* crash_note — what a rank says when the job is torn down around it.
 *
 * When a rank dies (a crash, the OOM killer, a node lost), mpirun and srun
 * end the job by sending SIGTERM to the other ranks. Without a word from
 * them the user sees only the launcher's notice. With the note installed,
 * every surviving rank writes one line to stderr before it goes:
 *
 *   ogas: rank 0 (training): stopped by the MPI launcher (another rank ended
 *   or the job was cancelled) at round 120, batch 340/800; last checkpoint:
 *   round 96 (generation 4) in out/ks1d/checkpoint: rerun with --resume
 *
 * The handler only formats integers into a buffer prepared beforehand and
 * calls write(2), which is async-signal-safe. This is process-wide state (a
 * signal handler is), set by the ogas command, not by the library. */
#ifndef OGAS_MPI_CRASH_NOTE_H
#define OGAS_MPI_CRASH_NOTE_H

#include <stdint.h>

void crash_note_install(int rank, const char *roles);
/* The study's checkpoint folder ("" : none); knows: this rank is told of
   every checkpoint (the training root), so it can say when there is none. */
void crash_note_set_checkpoints(const char *base, int knows);
void crash_note_progress(int64_t round, int64_t batches, int64_t total);
void crash_note_checkpoint(int64_t round, int64_t generations);

#endif
