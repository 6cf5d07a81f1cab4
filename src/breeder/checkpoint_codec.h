/* checkpoint_codec — the primitives that section codecs are written in: one
 * codec function per section runs in four modes over the same sequence of
 * fields, so the writer and the reader cannot drift apart.
 *
 *   IO_SIZE   count the bytes the section needs (nothing is touched)
 *   IO_WRITE  encode the caller's values into io->p
 *   IO_CHECK  decode and check every size and value, store nothing of arrays
 *   IO_LOAD   the same, then store into the caller's arrays
 *
 * Numbers are little-endian; floating-point values are stored as their bits.
 * The first fault (a read past the end, a value outside its range or rule)
 * marks the ckio bad with a message "section TAG: ..." and turns every
 * later call into a no-op. Scalars are decoded into the caller's variable in
 * both reading modes (the caller passes a local and commits it in IO_LOAD).
 * Internal to the library. */
#ifndef OGAS_BREEDER_CHECKPOINT_CODEC_H
#define OGAS_BREEDER_CHECKPOINT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "breeder/checkpoint_format.h"
#include "nn/rng.h"

static inline void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t get_u32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}
static inline uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* vsnprintf into err when err is not NULL and errlen > 0. */
void ckpt_set_msg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef enum { IO_SIZE, IO_WRITE, IO_CHECK, IO_LOAD } io_mode;

typedef struct {
  io_mode mode;
  uint8_t *p;      /* IO_WRITE: output; reading: the section (const in practice) */
  size_t pos, len; /* reading: len is the section size */
  const char *section;
  int bad;
  char msg[256];
} ckio;

static inline int ckio_reading(const ckio *io) {
  return io->mode == IO_CHECK || io->mode == IO_LOAD;
}

void ckio_fail(ckio *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Room for n more bytes: a pointer to them, or NULL (size mode, or a read
   past the end, which marks the section bad). */
uint8_t *ckio_take(ckio *io, size_t n, const char *field);
/* Bytes for `count` elements of `width` bytes, with overflow checked. */
uint8_t *ckio_take_array(ckio *io, size_t count, size_t width, const char *field);

/* What a floating-point field may hold: exactly the values the breeder can
   reach, so that every checkpoint it writes restores, and nothing else. */
typedef enum {
  ANY,           /* weights, moments, moving averages (NaN before any) */
  FINITE,        /* parameters, window minima/maxima/means */
  FINITE_NONNEG, /* CPU seconds */
  NONNEG,        /* >= 0, +Inf allowed: scores (an EMA of huge values overflows) */
  NOT_NAN,       /* window M2 (may overflow to +Inf) */
  CONDITION      /* finite >= 0, or NaN (3-sigma over an overflowed window) */
} value_rule;

/* Scalars; integers must lie in lo..hi. */
void ckio_u64(ckio *io, uint64_t *v, const char *field);
void ckio_u32(ckio *io, uint32_t *v, const char *field);
void ckio_i64(ckio *io, int64_t *v, int64_t lo, int64_t hi, const char *field);
void ckio_f64(ckio *io, double *v, value_rule rule, const char *field);

/* Arrays: written from a, checked element by element, stored into a only in
   IO_LOAD. */
void ckio_f64s(ckio *io, double *a, size_t n, value_rule rule, const char *field);
void ckio_f32s(ckio *io, float *a, size_t n, value_rule rule, const char *field);
void ckio_i64s(ckio *io, int64_t *a, size_t n, int64_t lo, int64_t hi, const char *field);
void ckio_i32s(ckio *io, int32_t *a, size_t n, int32_t lo, int32_t hi, const char *field);
void ckio_u8s(ckio *io, uint8_t *a, size_t n, uint8_t max, const char *field);

/* An RNG stream: four xoshiro words, the spare Gaussian and its flag;
   committed to *r like a scalar. */
void ckio_rng(ckio *io, ogas_rng *r, const char *field);

/* The META section's fields (checkpoint_format.c; also what ckpt_meta_decode
   reads for `ogas inspect`). */
void ckpt_meta_codec(ckio *io, ckpt_meta *m);

#endif
