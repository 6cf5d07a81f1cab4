/* protocol — the layouts of the control messages between the roles (the
 * time-step packets are in packet.h). Every message is an array of int64
 * words; parameter vectors travel as the bit patterns of their doubles.
 *
 *   TAG_FILL     breed -> simulation, deterministic, round r:
 *                [r, n] then n entries fill_entry_words(P) long:
 *                [slot, id, generation, params (P doubles)]; id >= 0 starts
 *                simulation id in the slot, FILL_IDLE leaves it free this
 *                round, FILL_DONE frees it for good
 *   TAG_SUMMARY  simulation -> breed, deterministic, every round:
 *                [r, done, n] then n x [slot, id, status] of the simulations
 *                that ended (status 0 ran every step, 1 stopped being finite,
 *                2 failed to start); done: the rank sends nothing more
 *   TAG_CLAIM    simulation -> breed, concurrent: [slot, ended_id, status]
 *                (ended_id -1: the slot's first claim)
 *   TAG_START    breed -> simulation, concurrent: one fill entry
 *   TAG_CREDIT   training -> simulation: [n packets taken]
 *   TAG_SHARD    training -> breed: [kind, batch or round, skipped, n] then
 *                n x which (draw index in the batch), n x sim_id, n x
 *                time_step, n x loss (doubles); kind SHARD_ROUND_DONE and
 *                SHARD_FINAL (training root only) carry no rows
 *   TAG_ACK      breed -> training root: [round, checkpoint]
 *   TAG_STATUS   breed -> training root: [sims started, sims finished,
 *                generation breaks]
 *   TAG_CKPT     breed -> simulation: [round] a checkpoint is taken at its end */
#ifndef OGAS_MPI_PROTOCOL_H
#define OGAS_MPI_PROTOCOL_H

#include <stddef.h>

enum { FILL_IDLE = -1, FILL_DONE = -2 };
enum { SHARD_BATCH = 0, SHARD_ROUND_DONE = 1, SHARD_FINAL = 2 };
enum { SHARD_HEADER_WORDS = 4 };

static inline size_t fill_entry_words(size_t P) { return 3 + P; }

#endif
