#include "mpi/packet.h"

#include <stdlib.h>
#include <string.h>

#include "ogas.h"

static size_t record_bytes(size_t S, size_t P) {
  return sizeof(packet_record) + (S + P) * sizeof(float);
}

int packet_init(packet *p, int max_records, size_t S, size_t P) {
  memset(p, 0, sizeof *p);
  p->S = S, p->P = P, p->max_records = max_records;
  p->cap = sizeof(packet_header) + (size_t)max_records * record_bytes(S, P);
  p->buf = malloc(p->cap);
  if (!p->buf) return OGAS_ENOMEM;
  packet_reset(p, 0);
  return OGAS_OK;
}

void packet_free(packet *p) {
  free(p->buf);
  p->buf = NULL;
}

void packet_reset(packet *p, int64_t round) {
  packet_header h = {round, 0, 0};
  memcpy(p->buf, &h, sizeof h);
  p->len = sizeof h;
  p->n_records = 0;
}

int packet_full(const packet *p) { return p->n_records >= p->max_records; }

void packet_set_flags(packet *p, int32_t flags) {
  packet_header h;
  memcpy(&h, p->buf, sizeof h);
  h.flags = flags;
  memcpy(p->buf, &h, sizeof h);
}

void packet_add(packet *p, int kind, int64_t slot, int64_t sim_id, int64_t step, const float *z,
                const float *state) {
  packet_record r = {kind, (int32_t)slot, sim_id, step};
  char *w = p->buf + p->len;
  memcpy(w, &r, sizeof r), w += sizeof r;
  if (kind == PACKET_START && p->P) memcpy(w, z, p->P * sizeof(float)), w += p->P * sizeof(float);
  memcpy(w, state, p->S * sizeof(float)), w += p->S * sizeof(float);
  p->len = (size_t)(w - p->buf);
  p->n_records++;
  packet_header h;
  memcpy(&h, p->buf, sizeof h);
  h.n_records = p->n_records;
  memcpy(p->buf, &h, sizeof h);
}

packet_header packet_get_header(const void *buf) {
  packet_header h;
  memcpy(&h, buf, sizeof h);
  return h;
}

int packet_next(const void *buf, size_t len, size_t S, size_t P, size_t *cursor, packet_record *rec,
                const float **z, const float **state) {
  if (*cursor == 0) *cursor = sizeof(packet_header);
  if (*cursor + sizeof *rec > len) return 0;
  const char *r = (const char *)buf + *cursor;
  memcpy(rec, r, sizeof *rec);
  r += sizeof *rec;
  size_t floats = (rec->kind == PACKET_START ? P : 0) + S;
  if (*cursor + sizeof *rec + floats * sizeof(float) > len) return 0;
  *z = rec->kind == PACKET_START ? (const float *)r : NULL;
  *state = (const float *)(r + (rec->kind == PACKET_START ? P * sizeof(float) : 0));
  *cursor += sizeof *rec + floats * sizeof(float);
  return 1;
}
