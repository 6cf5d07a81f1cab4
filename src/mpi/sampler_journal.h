/* sampler_journal — the calls that changed a study sampler, kept so that a
 * resumed study can rebuild the sampler exactly: a fresh sampler from the
 * same config, given the same calls in the same order, is in the same state
 * (the samplers are deterministic given their calls; the ogas sampler runs
 * with synchronous training in deterministic studies). Only public
 * study/sampler.h calls are replayed, so this works for every sampler
 * without a save format of its own; the ogas breeder has a checkpoint of its
 * own (ogas_checkpoint_state), which is faster than replaying its training.
 *
 * Entries are int64 words: [1, n, batch, ids (n), time_steps (n), values (n,
 * double bits)] for record, [2, id] for finished, [3, last_started, max_count]
 * for resample. */
#ifndef OGAS_MPI_SAMPLER_JOURNAL_H
#define OGAS_MPI_SAMPLER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "study/sampler.h"

typedef struct {
  int64_t *words;
  size_t len, cap;
  int failed; /* out of memory: the journal is incomplete */
} sampler_journal;

void journal_record(sampler_journal *j, const int64_t *ids, const int64_t *ts, const double *values,
                    size_t n, int64_t batch);
void journal_finished(sampler_journal *j, int64_t id);
void journal_resample(sampler_journal *j, int64_t last_started, int64_t max_count);
/* Append words copied from a saved journal (a resumed study goes on
   journaling from where the checkpoint left off). */
void journal_append(sampler_journal *j, const void *words, size_t n);
void journal_free(sampler_journal *j);

/* Replay words into a fresh sampler. OGAS_ECORRUPT for a malformed journal;
   the sampler's own errors otherwise (message in err). */
int journal_replay(const int64_t *words, size_t len, study_sampler *s, char *err, size_t errlen);

#endif
