/* packet — time steps on their way from a simulation rank to a training
 * rank: one message holds records of several slots (and, in the
 * deterministic mode, all of one round).
 *
 * Layout (bytes): header {int64 round, int32 n_records, int32 flags}, then
 * records, each {int32 kind, int32 slot, int64 sim_id, int64 step} followed
 * by floats:
 *   PACKET_START  a simulation begins in the slot: z (P) then u_0 (S)
 *   PACKET_STEP   output step `step`: u_{step+1} (S)
 * A training rank pairs each STEP with the slot's previous state, so a state
 * crosses the network once (not twice, as (u_t, u_{t+1}) pairs would).
 * Headers are read with memcpy (records are not 8-byte aligned). */
#ifndef OGAS_MPI_PACKET_H
#define OGAS_MPI_PACKET_H

#include <stddef.h>
#include <stdint.h>

enum { PACKET_START = 1, PACKET_STEP = 2 };
enum { PACKET_DONE = 1 }; /* flags: the sender sends nothing more after this one */

typedef struct {
  int64_t round;
  int32_t n_records, flags;
} packet_header;

typedef struct {
  int32_t kind, slot;
  int64_t sim_id, step;
} packet_record;

typedef struct {
  char *buf;
  size_t cap, len; /* bytes */
  int n_records, max_records;
  size_t S, P;
} packet;

/* Room for max_records records of states of S floats and P parameters. */
int packet_init(packet *p, int max_records, size_t S, size_t P);
void packet_free(packet *p);
void packet_reset(packet *p, int64_t round);
int packet_full(const packet *p);
/* Append a record (z may be NULL for STEP). The caller keeps below max_records. */
void packet_add(packet *p, int kind, int64_t slot, int64_t sim_id, int64_t step, const float *z,
                const float *state);
void packet_set_flags(packet *p, int32_t flags);
packet_header packet_get_header(const void *buf);

/* Reading: records one by one. *cursor starts at 0; returns 0 at the end. */
int packet_next(const void *buf, size_t len, size_t S, size_t P, size_t *cursor, packet_record *rec,
                const float **z, const float **state);

#endif
