/* checkpoint_codec — the four-mode field primitives (checkpoint_codec.h). */
#include "breeder/checkpoint_codec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ckpt_set_msg(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

void ckio_fail(ckio *io, const char *fmt, ...) {
  if (io->bad) return;
  io->bad = 1;
  int k = snprintf(io->msg, sizeof io->msg, "section %s: ", io->section);
  va_list ap;
  va_start(ap, fmt);
  if (k > 0 && (size_t)k < sizeof io->msg)
    vsnprintf(io->msg + k, sizeof io->msg - (size_t)k, fmt, ap);
  va_end(ap);
}

uint8_t *ckio_take(ckio *io, size_t n, const char *field) {
  if (io->bad) return NULL;
  if (io->mode == IO_SIZE) {
    io->pos += n;
    return NULL;
  }
  if (n > io->len - io->pos) {
    ckio_fail(io, "ends inside %s (%zu bytes, %zu more needed)", field, io->len, n);
    return NULL;
  }
  uint8_t *q = io->p + io->pos;
  io->pos += n;
  return q;
}

uint8_t *ckio_take_array(ckio *io, size_t count, size_t width, const char *field) {
  if (count > SIZE_MAX / width) {
    ckio_fail(io, "%s: %zu elements overflow", field, count);
    return NULL;
  }
  return ckio_take(io, count * width, field);
}

void ckio_u64(ckio *io, uint64_t *v, const char *field) {
  uint8_t *q = ckio_take(io, 8, field);
  if (!q) return;
  if (io->mode == IO_WRITE)
    put_u64(q, *v);
  else
    *v = get_u64(q);
}

void ckio_u32(ckio *io, uint32_t *v, const char *field) {
  uint8_t *q = ckio_take(io, 4, field);
  if (!q) return;
  if (io->mode == IO_WRITE)
    put_u32(q, *v);
  else
    *v = get_u32(q);
}

void ckio_i64(ckio *io, int64_t *v, int64_t lo, int64_t hi, const char *field) {
  uint64_t u = (uint64_t)*v;
  ckio_u64(io, &u, field);
  if (!ckio_reading(io) || io->bad) return;
  *v = (int64_t)u;
  if (*v < lo || *v > hi)
    ckio_fail(io, "%s = %lld is outside %lld..%lld", field, (long long)*v, (long long)lo,
              (long long)hi);
}

static uint64_t f64_bits(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  return u;
}
static double bits_f64(uint64_t u) {
  double x;
  memcpy(&x, &u, 8);
  return x;
}

static int value_ok(double x, value_rule rule) {
  switch (rule) {
    case ANY:
      return 1;
    case FINITE:
      return isfinite(x);
    case FINITE_NONNEG:
      return isfinite(x) && x >= 0;
    case NONNEG:
      return x >= 0;
    case NOT_NAN:
      return !isnan(x);
    case CONDITION:
      return isnan(x) || (isfinite(x) && x >= 0);
  }
  return 0;
}

static const char *rule_text(value_rule rule) {
  static const char *const text[] = {"any",  "finite",  "finite and >= 0",
                                     ">= 0", "not NaN", "finite and >= 0 (or NaN)"};
  return text[rule];
}

void ckio_f64(ckio *io, double *v, value_rule rule, const char *field) {
  uint64_t u = f64_bits(*v);
  ckio_u64(io, &u, field);
  if (!ckio_reading(io) || io->bad) return;
  *v = bits_f64(u);
  if (!value_ok(*v, rule)) ckio_fail(io, "%s = %g is not %s", field, *v, rule_text(rule));
}

void ckio_f64s(ckio *io, double *a, size_t n, value_rule rule, const char *field) {
  uint8_t *q = ckio_take_array(io, n, 8, field);
  if (!q) return;
  for (size_t i = 0; i < n; i++) {
    if (io->mode == IO_WRITE) {
      put_u64(q + 8 * i, f64_bits(a[i]));
      continue;
    }
    double x = bits_f64(get_u64(q + 8 * i));
    if (!value_ok(x, rule)) {
      ckio_fail(io, "%s[%zu] = %g is not %s", field, i, x, rule_text(rule));
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

void ckio_f32s(ckio *io, float *a, size_t n, value_rule rule, const char *field) {
  uint8_t *q = ckio_take_array(io, n, 4, field);
  if (!q) return;
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    if (io->mode == IO_WRITE) {
      memcpy(&u, &a[i], 4);
      put_u32(q + 4 * i, u);
      continue;
    }
    u = get_u32(q + 4 * i);
    float x;
    memcpy(&x, &u, 4);
    if (!value_ok(x, rule)) {
      ckio_fail(io, "%s[%zu] = %g is not %s", field, i, (double)x, rule_text(rule));
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

void ckio_i64s(ckio *io, int64_t *a, size_t n, int64_t lo, int64_t hi, const char *field) {
  uint8_t *q = ckio_take_array(io, n, 8, field);
  if (!q) return;
  for (size_t i = 0; i < n; i++) {
    if (io->mode == IO_WRITE) {
      put_u64(q + 8 * i, (uint64_t)a[i]);
      continue;
    }
    int64_t x = (int64_t)get_u64(q + 8 * i);
    if (x < lo || x > hi) {
      ckio_fail(io, "%s[%zu] = %lld is outside %lld..%lld", field, i, (long long)x, (long long)lo,
                (long long)hi);
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

void ckio_i32s(ckio *io, int32_t *a, size_t n, int32_t lo, int32_t hi, const char *field) {
  uint8_t *q = ckio_take_array(io, n, 4, field);
  if (!q) return;
  for (size_t i = 0; i < n; i++) {
    if (io->mode == IO_WRITE) {
      put_u32(q + 4 * i, (uint32_t)a[i]);
      continue;
    }
    int32_t x = (int32_t)get_u32(q + 4 * i);
    if (x < lo || x > hi) {
      ckio_fail(io, "%s[%zu] = %ld is outside %ld..%ld", field, i, (long)x, (long)lo, (long)hi);
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

void ckio_u8s(ckio *io, uint8_t *a, size_t n, uint8_t max, const char *field) {
  uint8_t *q = ckio_take(io, n, field);
  if (!q) return;
  if (io->mode == IO_WRITE) {
    memcpy(q, a, n);
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (q[i] > max) {
      ckio_fail(io, "%s[%zu] = %u is above %u", field, i, q[i], max);
      return;
    }
  if (io->mode == IO_LOAD) memcpy(a, q, n);
}

void ckio_rng(ckio *io, ogas_rng *r, const char *field) {
  ogas_rng v = *r;
  for (int i = 0; i < 4; i++) ckio_u64(io, &v.s[i], field);
  ckio_f64(io, &v.spare, FINITE, field);
  uint32_t has = (uint32_t)v.has_spare;
  ckio_u32(io, &has, field);
  if (!ckio_reading(io) || io->bad) return;
  if (has > 1)
    ckio_fail(io, "%s: spare flag %u is not 0 or 1", field, has);
  else if (!(v.s[0] | v.s[1] | v.s[2] | v.s[3]))
    ckio_fail(io, "%s: state is all zero", field);
  v.has_spare = (int)has;
  if (!io->bad) *r = v; /* like a scalar: the caller commits it */
}
