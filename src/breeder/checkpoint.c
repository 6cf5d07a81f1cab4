/* checkpoint — ogas_checkpoint_state / ogas_restart_from_checkpoint: the
 * complete state of a breeder in one versioned file with a CRC-32 per
 * section (layout in checkpoint_format.h, documented in docs/checkpoint.md).
 *
 * Saving copies the state into memory with every lock held in the documented
 * order (the background trainer is asked to pause first, so it stops between
 * two steps), releases the locks, then writes the file atomically
 * (util/atomic_file.h: a temporary file in the same folder, write, fsync,
 * rename over the target, fsync of the folder). A crash at any moment leaves
 * either the previous file or the new one, never a mix. The path must name a
 * regular file, nothing, or a symbolic link to a regular file (whose target
 * is then replaced); anything else is refused.
 *
 * Restoring is all-or-nothing: the whole file is read and its CRCs checked,
 * the config it holds is compared with the running breeder's, the sampler
 * state and telemetry array are prepared; then, with every lock held, each
 * section is decoded twice by the same code, first to check every size and
 * value without writing anything, then to write the state in. Nothing that
 * can fail happens in the second pass, so a bad file leaves the breeder as it
 * was.
 *
 * One codec per section serves all four directions (size, write, check,
 * load), so the writer and the reader cannot drift apart. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breeder/breeder_internal.h"
#include "breeder/checkpoint_format.h"
#include "breeder/crc32.h"
#include "util/atomic_file.h"

/* ---- little-endian encoding ---------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}
static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void set_msg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- container: header, section table, CRCs ------------------------------ */

/* The bytes outside the header, the table and the sections (the padding that
   aligns sections to 8 bytes) must be zero, so that no flipped bit anywhere
   in the file goes unnoticed. Sections are in bounds here. */
static int check_padding(const uint8_t *buf, size_t n, size_t table_end, const ckpt_file *f,
                         char *err, size_t errlen) {
  size_t pos = table_end;
  for (;;) {
    /* The next section starting at or after pos (sections may not overlap
       pos backwards: those are skipped as already covered). */
    const ckpt_section *next = NULL;
    for (uint32_t i = 0; i < f->n_sections; i++) {
      const ckpt_section *s = &f->sections[i];
      if (s->offset + s->size > pos && (!next || s->offset < next->offset)) next = s;
    }
    size_t gap_end = next ? (size_t)(next->offset > pos ? next->offset : pos) : n;
    for (size_t k = pos; k < gap_end; k++)
      if (buf[k]) {
        set_msg(err, errlen, "byte %zu lies between sections and is not zero", k);
        return OGAS_ECORRUPT;
      }
    if (!next) return OGAS_OK;
    pos = (size_t)(next->offset + next->size);
  }
}

int ckpt_parse(const uint8_t *buf, size_t n, int lenient, ckpt_file *f, char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  f->actual_size = n;
  if (n == 0) {
    set_msg(err, errlen, "file is empty");
    return OGAS_ECORRUPT;
  }
  if (n < 8 || memcmp(buf, CKPT_MAGIC, 8)) {
    set_msg(err, errlen, "not an ogas checkpoint (the file does not start with \"%s\")",
            CKPT_MAGIC);
    return OGAS_ECORRUPT;
  }
  if (n < CKPT_HEADER_SIZE) {
    set_msg(err, errlen, "truncated: %zu bytes, the header alone needs %u", n, CKPT_HEADER_SIZE);
    return OGAS_ECORRUPT;
  }
  f->version = get_u32(buf + 8);
  f->n_sections = get_u32(buf + 12);
  f->file_size = get_u64(buf + 16);
  if (f->version != CKPT_VERSION) {
    set_msg(err, errlen, "format version %u, this build reads version %u", f->version,
            CKPT_VERSION);
    return OGAS_ECORRUPT;
  }
  f->header_crc_ok = crc32_update(0, buf, 28) == get_u32(buf + 28);
  if (!f->header_crc_ok) {
    set_msg(err, errlen, "header checksum does not hold");
    return OGAS_ECORRUPT;
  }
  if (f->file_size > n) {
    set_msg(err, errlen, "truncated: the header says %llu bytes, the file has %zu",
            (unsigned long long)f->file_size, n);
    return OGAS_ECORRUPT;
  }
  if (f->file_size < n) {
    set_msg(err, errlen, "%zu bytes after the end of the checkpoint (%llu bytes)",
            n - (size_t)f->file_size, (unsigned long long)f->file_size);
    return OGAS_ECORRUPT;
  }
  if (f->n_sections == 0 || f->n_sections > CKPT_MAX_SECTIONS ||
      CKPT_HEADER_SIZE + (uint64_t)f->n_sections * CKPT_ENTRY_SIZE > n) {
    set_msg(err, errlen, "section table of %u entries does not fit (1..%u, file of %zu bytes)",
            f->n_sections, CKPT_MAX_SECTIONS, n);
    return OGAS_ECORRUPT;
  }
  size_t table_end = CKPT_HEADER_SIZE + (size_t)f->n_sections * CKPT_ENTRY_SIZE;
  f->table_crc_ok = crc32_update(0, buf + CKPT_HEADER_SIZE, table_end - CKPT_HEADER_SIZE) ==
                    get_u32(buf + 24);
  int st = OGAS_OK;
  if (!f->table_crc_ok) {
    set_msg(err, errlen, "section table checksum does not hold");
    if (!lenient) return OGAS_ECORRUPT;
    st = OGAS_ECORRUPT;
  }
  for (uint32_t i = 0; i < f->n_sections; i++) {
    const uint8_t *e = buf + CKPT_HEADER_SIZE + (size_t)i * CKPT_ENTRY_SIZE;
    ckpt_section *s = &f->sections[i];
    for (int k = 0; k < 4; k++) s->tag[k] = (e[k] >= 0x20 && e[k] < 0x7f) ? (char)e[k] : '?';
    s->tag[4] = '\0';
    s->flags = get_u32(e + 4);
    s->offset = get_u64(e + 8);
    s->size = get_u64(e + 16);
    s->crc_stored = get_u32(e + 24);
    s->in_bounds = s->offset >= table_end && s->offset <= n && s->size <= n - s->offset;
    if (!s->in_bounds) {
      if (st == OGAS_OK)
        set_msg(err, errlen, "section %u (%s) lies outside the file (offset %llu, size %llu)", i,
                s->tag, (unsigned long long)s->offset, (unsigned long long)s->size);
      st = OGAS_ECORRUPT;
      if (!lenient) return st;
      continue;
    }
    s->data = buf + s->offset;
    s->crc_actual = crc32_update(0, s->data, (size_t)s->size);
    if (s->crc_actual != s->crc_stored) {
      if (st == OGAS_OK)
        set_msg(err, errlen, "checksum of section %s does not hold (stored 0x%08x, computed 0x%08x)",
                s->tag, s->crc_stored, s->crc_actual);
      st = OGAS_ECORRUPT;
      if (!lenient) return st;
    }
  }
  if (st == OGAS_OK) st = check_padding(buf, n, table_end, f, err, errlen);
  return st;
}

const ckpt_section *ckpt_find(const ckpt_file *f, const char *tag) {
  for (uint32_t i = 0; i < f->n_sections && i < CKPT_MAX_SECTIONS; i++)
    if (!memcmp(f->sections[i].tag, tag, 4)) return &f->sections[i];
  return NULL;
}

void ckpt_fix_checksums(uint8_t *buf, size_t n) {
  if (n < CKPT_HEADER_SIZE || memcmp(buf, CKPT_MAGIC, 8)) return;
  uint32_t ns = get_u32(buf + 12);
  if (ns > CKPT_MAX_SECTIONS || CKPT_HEADER_SIZE + (uint64_t)ns * CKPT_ENTRY_SIZE > n) {
    put_u32(buf + 28, crc32_update(0, buf, 28));
    return;
  }
  for (uint32_t i = 0; i < ns; i++) {
    uint8_t *e = buf + CKPT_HEADER_SIZE + (size_t)i * CKPT_ENTRY_SIZE;
    uint64_t off = get_u64(e + 8), size = get_u64(e + 16);
    if (off <= n && size <= n - off) put_u32(e + 24, crc32_update(0, buf + off, (size_t)size));
  }
  put_u32(buf + 24, crc32_update(0, buf + CKPT_HEADER_SIZE, (size_t)ns * CKPT_ENTRY_SIZE));
  put_u32(buf + 28, crc32_update(0, buf, 28));
}

int ckpt_read_file(const char *path, uint8_t **buf, size_t *n, char *err, size_t errlen) {
  *buf = NULL;
  *n = 0;
  /* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    set_msg(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    return OGAS_EIO;
  }
  struct stat sb;
  if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
    set_msg(err, errlen, "'%s' is not a regular file", path);
    close(fd);
    return OGAS_EIO;
  }
  size_t size = (size_t)sb.st_size;
  if ((off_t)size != sb.st_size) {
    set_msg(err, errlen, "'%s' is too large", path);
    close(fd);
    return OGAS_ECORRUPT;
  }
  uint8_t *data = size ? malloc(size) : NULL;
  if (size && !data) {
    set_msg(err, errlen, "out of memory reading '%s' (%zu bytes)", path, size);
    close(fd);
    return OGAS_ENOMEM;
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, data + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      set_msg(err, errlen, r < 0 ? "cannot read '%s': %s" : "'%s' shrank while being read%s", path,
              r < 0 ? strerror(errno) : "");
      free(data);
      close(fd);
      return OGAS_EIO;
    }
    got += (size_t)r;
  }
  close(fd);
  *buf = data;
  *n = size;
  return OGAS_OK;
}

/* ---- section codec --------------------------------------------------------- */

typedef enum { IO_SIZE, IO_WRITE, IO_CHECK, IO_LOAD } io_mode;

typedef struct {
  io_mode mode;
  uint8_t *p;       /* IO_WRITE: output; reading: the section (const in practice) */
  size_t pos, len;  /* reading: len is the section size */
  const char *section;
  int bad;
  char msg[256];
} ckio;

static int reading(const ckio *io) { return io->mode == IO_CHECK || io->mode == IO_LOAD; }

static void io_fail(ckio *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void io_fail(ckio *io, const char *fmt, ...) {
  if (io->bad) return;
  io->bad = 1;
  int k = snprintf(io->msg, sizeof io->msg, "section %s: ", io->section);
  va_list ap;
  va_start(ap, fmt);
  if (k > 0 && (size_t)k < sizeof io->msg) vsnprintf(io->msg + k, sizeof io->msg - (size_t)k, fmt, ap);
  va_end(ap);
}

/* Room for n more bytes: a pointer to them, or NULL (size mode, or a read
   past the end, which marks the section bad). */
static uint8_t *io_take(ckio *io, size_t n, const char *field) {
  if (io->bad) return NULL;
  if (io->mode == IO_SIZE) {
    io->pos += n;
    return NULL;
  }
  if (n > io->len - io->pos) {
    io_fail(io, "ends inside %s (%zu bytes, %zu more needed)", field, io->len, n);
    return NULL;
  }
  uint8_t *q = io->p + io->pos;
  io->pos += n;
  return q;
}

/* Bytes for `count` elements of `width` bytes, with overflow checked. */
static uint8_t *io_take_array(ckio *io, size_t count, size_t width, const char *field) {
  if (count > SIZE_MAX / width) {
    io_fail(io, "%s: %zu elements overflow", field, count);
    return NULL;
  }
  return io_take(io, count * width, field);
}

static void io_u64(ckio *io, uint64_t *v, const char *field) {
  uint8_t *q = io_take(io, 8, field);
  if (!q) return;
  if (io->mode == IO_WRITE) put_u64(q, *v);
  else *v = get_u64(q);
}

static void io_u32(ckio *io, uint32_t *v, const char *field) {
  uint8_t *q = io_take(io, 4, field);
  if (!q) return;
  if (io->mode == IO_WRITE) put_u32(q, *v);
  else *v = get_u32(q);
}

/* Scalars are read into the caller's variable in both reading modes (the
   caller passes a local and commits it in IO_LOAD). */
static void io_i64(ckio *io, int64_t *v, int64_t lo, int64_t hi, const char *field) {
  uint64_t u = (uint64_t)*v;
  io_u64(io, &u, field);
  if (!reading(io) || io->bad) return;
  *v = (int64_t)u;
  if (*v < lo || *v > hi)
    io_fail(io, "%s = %lld is outside %lld..%lld", field, (long long)*v, (long long)lo,
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

/* What a floating-point field may hold: exactly the values the breeder can
   reach, so that every checkpoint it writes restores, and nothing else. */
typedef enum {
  ANY,            /* weights, moments, moving averages (NaN before any) */
  FINITE,         /* parameters, window minima/maxima/means */
  FINITE_NONNEG,  /* CPU seconds */
  NONNEG,         /* >= 0, +Inf allowed: scores (an EMA of huge values overflows) */
  NOT_NAN,        /* window M2 (may overflow to +Inf) */
  CONDITION       /* finite >= 0, or NaN (3-sigma over an overflowed window) */
} value_rule;

static int value_ok(double x, value_rule rule) {
  switch (rule) {
  case ANY: return 1;
  case FINITE: return isfinite(x);
  case FINITE_NONNEG: return isfinite(x) && x >= 0;
  case NONNEG: return x >= 0;
  case NOT_NAN: return !isnan(x);
  case CONDITION: return isnan(x) || (isfinite(x) && x >= 0);
  }
  return 0;
}

static const char *rule_text(value_rule rule) {
  static const char *const text[] = {"any", "finite", "finite and >= 0", ">= 0", "not NaN",
                                     "finite and >= 0 (or NaN)"};
  return text[rule];
}

static void io_f64(ckio *io, double *v, value_rule rule, const char *field) {
  uint64_t u = f64_bits(*v);
  io_u64(io, &u, field);
  if (!reading(io) || io->bad) return;
  *v = bits_f64(u);
  if (!value_ok(*v, rule)) io_fail(io, "%s = %g is not %s", field, *v, rule_text(rule));
}

/* Arrays: written from a, checked element by element, stored into a only in
   IO_LOAD. */
static void io_f64s(ckio *io, double *a, size_t n, value_rule rule, const char *field) {
  uint8_t *q = io_take_array(io, n, 8, field);
  if (!q) return;
  for (size_t i = 0; i < n; i++) {
    if (io->mode == IO_WRITE) {
      put_u64(q + 8 * i, f64_bits(a[i]));
      continue;
    }
    double x = bits_f64(get_u64(q + 8 * i));
    if (!value_ok(x, rule)) {
      io_fail(io, "%s[%zu] = %g is not %s", field, i, x, rule_text(rule));
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

static void io_f32s(ckio *io, float *a, size_t n, value_rule rule, const char *field) {
  uint8_t *q = io_take_array(io, n, 4, field);
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
      io_fail(io, "%s[%zu] = %g is not %s", field, i, (double)x, rule_text(rule));
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

static void io_i64s(ckio *io, int64_t *a, size_t n, int64_t lo, int64_t hi, const char *field) {
  uint8_t *q = io_take_array(io, n, 8, field);
  if (!q) return;
  for (size_t i = 0; i < n; i++) {
    if (io->mode == IO_WRITE) {
      put_u64(q + 8 * i, (uint64_t)a[i]);
      continue;
    }
    int64_t x = (int64_t)get_u64(q + 8 * i);
    if (x < lo || x > hi) {
      io_fail(io, "%s[%zu] = %lld is outside %lld..%lld", field, i, (long long)x, (long long)lo,
              (long long)hi);
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

static void io_i32s(ckio *io, int32_t *a, size_t n, int32_t lo, int32_t hi, const char *field) {
  uint8_t *q = io_take_array(io, n, 4, field);
  if (!q) return;
  for (size_t i = 0; i < n; i++) {
    if (io->mode == IO_WRITE) {
      put_u32(q + 4 * i, (uint32_t)a[i]);
      continue;
    }
    int32_t x = (int32_t)get_u32(q + 4 * i);
    if (x < lo || x > hi) {
      io_fail(io, "%s[%zu] = %ld is outside %ld..%ld", field, i, (long)x, (long)lo, (long)hi);
      return;
    }
    if (io->mode == IO_LOAD) a[i] = x;
  }
}

static void io_u8s(ckio *io, uint8_t *a, size_t n, uint8_t max, const char *field) {
  uint8_t *q = io_take(io, n, field);
  if (!q) return;
  if (io->mode == IO_WRITE) {
    memcpy(q, a, n);
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (q[i] > max) {
      io_fail(io, "%s[%zu] = %u is above %u", field, i, q[i], max);
      return;
    }
  if (io->mode == IO_LOAD) memcpy(a, q, n);
}

/* An RNG stream: four xoshiro words, the spare Gaussian and its flag. */
static void io_rng(ckio *io, ogas_rng *r, const char *field) {
  ogas_rng v = *r;
  for (int i = 0; i < 4; i++) io_u64(io, &v.s[i], field);
  io_f64(io, &v.spare, FINITE, field);
  uint32_t has = (uint32_t)v.has_spare;
  io_u32(io, &has, field);
  if (!reading(io) || io->bad) return;
  if (has > 1) io_fail(io, "%s: spare flag %u is not 0 or 1", field, has);
  else if (!(v.s[0] | v.s[1] | v.s[2] | v.s[3])) io_fail(io, "%s: state is all zero", field);
  v.has_spare = (int)has;
  if (!io->bad) *r = v; /* like a scalar: the caller commits it */
}

/* ---- the sections ------------------------------------------------------------ */

/* What restore prepares outside the locks (allocations that may fail). */
typedef struct {
  space_filling *sf;           /* sampler positioned at the saved state */
  ogas_generation_info *gens;  /* telemetry records */
  int64_t n_gens, cap_gens;
  const ckpt_meta *meta;       /* decoded META (reading) */
} restore_ctx;

static void meta_codec(ckio *io, ckpt_meta *m) {
  io_u64(io, &m->nb_params, "nb_params");
  io_i64(io, &m->nb_sims, 1, INT64_MAX, "nb_sims");
  io_i64(io, &m->generation, 0, INT32_MAX, "generation");
  io_f64(io, &m->breed_ratio, FINITE, "breed_ratio");
  io_i64(io, &m->highest_known_id, -1, m->nb_sims - 1, "highest_known_id");
  io_i64(io, &m->record_calls, 0, INT64_MAX, "record_calls");
  io_i64(io, &m->values_accepted, 0, INT64_MAX, "values_accepted");
  io_i64(io, &m->rejected_nonfinite, 0, INT64_MAX, "rejected_nonfinite");
  io_i64(io, &m->rejected_negative, 0, INT64_MAX, "rejected_negative");
  io_i64(io, &m->rejected_unknown_id, 0, INT64_MAX, "rejected_unknown_id");
  io_i64(io, &m->last_gen_ddpm_steps, 0, INT64_MAX, "last_gen_ddpm_steps");
  io_f64(io, &m->last_gen_cpu_s, FINITE_NONNEG, "last_gen_cpu_s");
  io_i64(io, &m->n_staged, 0, m->nb_sims, "n_staged");
  io_i64(io, &m->reservoir_count, 0, INT64_MAX, "reservoir_count");
  io_i64(io, &m->n_gens, 0, m->generation, "n_gens");
  io_i64(io, &m->ddpm_steps, 0, INT64_MAX, "ddpm_steps");
  io_i64(io, &m->ratio_steps, 0, INT64_MAX, "ratio_steps");
}

int ckpt_meta_decode(const ckpt_section *s, ckpt_meta *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  if (!s || !s->data) {
    set_msg(err, errlen, "section META is missing");
    return OGAS_ECORRUPT;
  }
  ckio io = {.mode = IO_CHECK, .p = (uint8_t *)s->data, .len = (size_t)s->size, .section = "META"};
  meta_codec(&io, m);
  if (!io.bad && io.pos != io.len) io_fail(&io, "%zu bytes, %zu were expected", io.len, io.pos);
  if (io.bad) set_msg(err, errlen, "%s", io.msg);
  return io.bad ? OGAS_ECORRUPT : OGAS_OK;
}

static void sec_meta(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ckpt_meta m = {
      .nb_params = b->d,
      .nb_sims = b->nb_sims,
      .generation = b->generation,
      .breed_ratio = b->breed_ratio,
      .highest_known_id = b->highest_known_id,
      .record_calls = b->record_calls,
      .values_accepted = b->values_accepted,
      .rejected_nonfinite = b->rejected_nonfinite,
      .rejected_negative = b->rejected_negative,
      .rejected_unknown_id = b->rejected_unknown_id,
      .last_gen_ddpm_steps = b->last_gen_ddpm_steps,
      .last_gen_cpu_s = b->last_gen_cpu_s,
      .n_staged = b->n_staged,
      .reservoir_count = b->res.count,
      .n_gens = b->n_gens,
      .ddpm_steps = b->tr.ddpm_steps,
      .ratio_steps = b->tr.ratio_steps,
  };
  meta_codec(io, &m);
  if (!reading(io) || io->bad) return;
  if (m.nb_params != b->d || m.nb_sims != b->nb_sims)
    {
    io_fail(io, "holds %llu parameters and %lld simulations, the breeder %zu and %lld",
                   (unsigned long long)m.nb_params, (long long)m.nb_sims, b->d,
                   (long long)b->nb_sims);
    return;
  }
  if (m.reservoir_count > b->res.capacity)
    {
    io_fail(io, "reservoir_count %lld exceeds the capacity %lld",
                   (long long)m.reservoir_count, (long long)b->res.capacity);
    return;
  }
  if (m.n_gens != rc->n_gens)
    {
    io_fail(io, "n_gens %lld, the telemetry section holds %lld", (long long)m.n_gens,
                   (long long)rc->n_gens);
    return;
  }
  if (io->mode != IO_LOAD) return;
  b->generation = m.generation;
  b->breed_ratio = m.breed_ratio;
  b->highest_known_id = m.highest_known_id;
  b->logged_upto = m.highest_known_id; /* rows up to here were logged before */
  b->record_calls = m.record_calls;
  b->values_accepted = m.values_accepted;
  b->rejected_nonfinite = m.rejected_nonfinite;
  b->rejected_negative = m.rejected_negative;
  b->rejected_unknown_id = m.rejected_unknown_id;
  b->last_gen_ddpm_steps = m.last_gen_ddpm_steps;
  b->last_gen_cpu_s = m.last_gen_cpu_s;
}

static void sec_table(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  size_t N = (size_t)b->nb_sims;
  io_f64s(io, b->table, N * b->d, FINITE, "table");
  io_u8s(io, b->is_bred, N, 1, "is_bred");
  io_i32s(io, b->row_generation, N, 0, INT32_MAX, "row_generation");
}

static void sec_staged(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  int64_t n = b->n_staged;
  io_i64(io, &n, 0, b->nb_sims, "n_staged");
  if (reading(io) && !io->bad && n != rc->meta->n_staged)
    io_fail(io, "n_staged %lld, META says %lld", (long long)n, (long long)rc->meta->n_staged);
  io_f64s(io, b->staged, (size_t)n * b->d, FINITE, "staged");
  io_u8s(io, b->staged_bred, (size_t)n, 1, "staged_bred");
  if (io->mode == IO_LOAD && !io->bad) b->n_staged = n;
}

static void sec_signal(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  difficulty_signal *s = &b->signal;
  size_t N = (size_t)b->nb_sims;
  int64_t calls = reading(io) ? rc->meta->record_calls : b->record_calls;
  io_f64s(io, s->score, N, NONNEG, "score");
  io_i64s(io, s->n_values, N, 0, INT64_MAX, "n_values");
  io_i64s(io, b->touched_call, N, 0, calls, "touched_call");
  int64_t len = s->window_len, head = s->window_head, count = s->window_count;
  io_i64(io, &len, s->window_len, s->window_len, "window_len");
  io_i64(io, &head, 0, s->window_len - 1, "window_head");
  io_i64(io, &count, 0, s->window_len, "window_count");
  /* The ring fills from slot 0, so until it is full head == count. */
  if (reading(io) && !io->bad && count < len && head != count)
    io_fail(io, "window_head %lld with window_count %lld", (long long)head, (long long)count);
  for (int64_t i = 0; i < len && !io->bad; i++) {
    call_summary c = s->window[i];
    value_rule live = i < count ? FINITE : ANY;
    io_f64(io, &c.min, live, "window.min");
    io_f64(io, &c.max, live, "window.max");
    io_f64(io, &c.mean, live, "window.mean");
    io_f64(io, &c.m2, i < count ? NOT_NAN : ANY, "window.m2");
    io_i64(io, &c.count, 0, INT64_MAX, "window.count");
    if (io->mode == IO_LOAD && !io->bad) s->window[i] = c;
  }
  if (io->mode == IO_LOAD && !io->bad) s->window_head = (int)head, s->window_count = (int)count;
}

static void sec_reservoir(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  reservoir *r = &b->res;
  int64_t cap = r->capacity, count = r->count, head = r->head, n_non_bred = r->n_non_bred;
  int64_t dim = r->dim;
  io_i64(io, &dim, r->dim, r->dim, "dim");
  io_i64(io, &cap, r->capacity, r->capacity, "capacity");
  io_i64(io, &count, 0, r->capacity, "count");
  io_i64(io, &head, 0, r->capacity - 1, "head");
  io_i64(io, &n_non_bred, 0, count, "n_non_bred");
  if (reading(io) && !io->bad) {
    if (count != rc->meta->reservoir_count)
      io_fail(io, "count %lld, META says %lld", (long long)count,
              (long long)rc->meta->reservoir_count);
    else if (count < cap && head != count)
      io_fail(io, "head %lld with count %lld", (long long)head, (long long)count);
  }
  /* Live entries are slots 0..count-1 (the ring fills from 0; once full,
     every slot is live). Training draws slots directly, so the slot order
     is kept. */
  size_t n = (size_t)count;
  io_f32s(io, r->z, n * (size_t)r->dim, FINITE, "z");
  io_f32s(io, r->c, n, CONDITION, "c");
  io_i64s(io, r->sim_id, n, 0, b->nb_sims - 1, "sim_id");
  io_u8s(io, r->is_bred, n, 1, "is_bred");
  if (reading(io) && !io->bad) {
    int64_t nb = 0;
    const uint8_t *bred = io->p + io->pos - n; /* the is_bred bytes just read */
    for (size_t i = 0; i < n; i++) nb += bred[i] == 0;
    if (nb != n_non_bred)
      io_fail(io, "n_non_bred %lld, the entries hold %lld", (long long)n_non_bred, (long long)nb);
  }
  int64_t n_unscored = r->n_unscored;
  io_i64(io, &n_unscored, 0, count, "n_unscored");
  io_u8s(io, r->unscored, n, 1, "unscored");
  if (reading(io) && !io->bad) {
    int64_t nu = 0;
    const uint8_t *flags = io->p + io->pos - n;
    for (size_t i = 0; i < n; i++) nu += flags[i];
    if (nu != n_unscored)
      io_fail(io, "n_unscored %lld, the entries hold %lld", (long long)n_unscored, (long long)nu);
  }
  if (io->mode == IO_LOAD && !io->bad)
    r->count = count, r->head = head, r->n_non_bred = n_non_bred, r->n_unscored = n_unscored;
}

static void sec_trainer(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  trainer_state *t = &b->tr;
  int64_t budget_ddpm = t->budget_ddpm, budget_ratio = t->budget_ratio;
  int64_t ddpm_steps = t->ddpm_steps, ratio_steps = t->ratio_steps;
  double ddpm_loss = t->ddpm_loss, ratio_loss = t->ratio_loss, cpu_s = t->cpu_s;
  ogas_rng rng = t->rng;
  io_i64(io, &budget_ddpm, 0, INT64_MAX, "budget_ddpm");
  io_i64(io, &budget_ratio, 0, INT64_MAX, "budget_ratio");
  io_i64(io, &ddpm_steps, 0, INT64_MAX, "ddpm_steps");
  io_i64(io, &ratio_steps, 0, INT64_MAX, "ratio_steps");
  io_f64(io, &ddpm_loss, ANY, "ddpm_loss");
  io_f64(io, &ratio_loss, ANY, "ratio_loss");
  io_f64(io, &cpu_s, FINITE_NONNEG, "cpu_s");
  io_rng(io, &rng, "rng");
  /* The async expiry state (trainer.c). */
  enum { K = OGAS_MAX_BACKLOG_GENERATIONS };
  int64_t owed_ddpm[K], owed_ratio[K], at_break_ddpm = t->steps_at_break_ddpm,
      at_break_ratio = t->steps_at_break_ratio, dropped_ddpm = t->dropped_ddpm,
      dropped_ratio = t->dropped_ratio;
  memcpy(owed_ddpm, t->owed_ddpm, sizeof owed_ddpm);
  memcpy(owed_ratio, t->owed_ratio, sizeof owed_ratio);
  io_i64s(io, owed_ddpm, K, 0, INT64_MAX, "owed_ddpm");
  io_i64s(io, owed_ratio, K, 0, INT64_MAX, "owed_ratio");
  io_i64(io, &at_break_ddpm, 0, ddpm_steps, "steps_at_break_ddpm");
  io_i64(io, &at_break_ratio, 0, ratio_steps, "steps_at_break_ratio");
  io_i64(io, &dropped_ddpm, 0, INT64_MAX, "dropped_ddpm");
  io_i64(io, &dropped_ratio, 0, INT64_MAX, "dropped_ratio");
  if (reading(io) && !io->bad &&
      (ddpm_steps != rc->meta->ddpm_steps || ratio_steps != rc->meta->ratio_steps))
    io_fail(io, "step counters differ from META");
  if (io->mode != IO_LOAD || io->bad) return;
  memcpy(t->owed_ddpm, owed_ddpm, sizeof owed_ddpm);
  memcpy(t->owed_ratio, owed_ratio, sizeof owed_ratio);
  t->steps_at_break_ddpm = at_break_ddpm, t->steps_at_break_ratio = at_break_ratio;
  t->dropped_ddpm = dropped_ddpm, t->dropped_ratio = dropped_ratio;
  t->budget_ddpm = budget_ddpm, t->budget_ratio = budget_ratio;
  t->ddpm_steps = ddpm_steps, t->ratio_steps = ratio_steps;
  t->ddpm_loss = ddpm_loss, t->ratio_loss = ratio_loss, t->cpu_s = cpu_s;
  t->rng = rng;
}

static void sec_ddpm(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ddpm_model *m = &b->tr.model;
  uint64_t n = m->n_params;
  int64_t step = m->step;
  io_u64(io, &n, "n_params");
  if (reading(io) && !io->bad && n != m->n_params)
    {
    io_fail(io, "%llu weights, the model has %zu", (unsigned long long)n, m->n_params);
    return;
  }
  io_i64(io, &step, 0, INT64_MAX, "step");
  io_f32s(io, m->params, m->n_params, ANY, "params");
  io_f32s(io, m->adam_m, m->n_params, ANY, "adam_m");
  io_f32s(io, m->adam_v, m->n_params, ANY, "adam_v");
  io_f32s(io, m->ema, m->n_params, ANY, "ema");
  if (io->mode == IO_LOAD && !io->bad) m->step = step;
}

static void sec_ratio(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ratio_mlp *r = &b->tr.ratio;
  uint64_t n = r->n_params;
  int64_t step = r->step;
  io_u64(io, &n, "n_params");
  if (reading(io) && !io->bad && n != r->n_params)
    {
    io_fail(io, "%llu weights, the RatioMLP has %zu", (unsigned long long)n, r->n_params);
    return;
  }
  io_i64(io, &step, 0, INT64_MAX, "step");
  io_f32s(io, r->params, r->n_params, ANY, "params");
  io_f32s(io, r->adam_m, r->n_params, ANY, "adam_m");
  io_f32s(io, r->adam_v, r->n_params, ANY, "adam_v");
  if (io->mode == IO_LOAD && !io->bad) r->step = step;
}

static void sec_snapshot(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  uint64_t n = b->tr.model.n_params;
  int64_t steps = b->snapshot_steps;
  io_u64(io, &n, "n_params");
  if (reading(io) && !io->bad && n != b->tr.model.n_params)
    {
    io_fail(io, "%llu weights, the model has %zu", (unsigned long long)n,
                   b->tr.model.n_params);
    return;
  }
  io_i64(io, &steps, 0, INT64_MAX, "snapshot_steps");
  io_f32s(io, b->snapshot, b->tr.model.n_params, ANY, "snapshot");
  if (io->mode == IO_LOAD && !io->bad) b->snapshot_steps = steps;
}

/* The sampler state is decoded and applied to a fresh sampler before the
   locks are taken (sf_set_state may allocate); here it is only written or
   skipped over. */
static void sf_state_codec(ckio *io, sf_state *s) {
  uint32_t kind = (uint32_t)s->kind;
  io_u32(io, &kind, "sampler.kind");
  io_u64(io, &s->dim, "sampler.dim");
  io_u64(io, &s->seed, "sampler.seed");
  io_u64(io, &s->index, "sampler.index");
  io_rng(io, &s->rng, "sampler.rng");
  s->kind = (sf_kind)kind;
}

static void sec_generator(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  ogas_rng rng = b->gen_rng;
  io_rng(io, &rng, "gen_rng");
  sf_state s;
  memset(&s, 0, sizeof s);
  if (io->mode == IO_SIZE || io->mode == IO_WRITE) sf_get_state(b->sf, &s);
  sf_state_codec(io, &s);
  if (io->mode != IO_LOAD || io->bad) return;
  b->gen_rng = rng;
  space_filling *old = b->sf;
  b->sf = rc->sf; /* prepared from this same state */
  rc->sf = old;   /* freed by the caller */
}

static void info_codec(ckio *io, ogas_generation_info *g) {
  const int64_t lo = INT64_MIN, hi = INT64_MAX;
  io_i64(io, &g->generation, lo, hi, "generation");
  io_f64(io, &g->breed_ratio, ANY, "breed_ratio");
  io_i64(io, &g->n_children, lo, hi, "n_children");
  io_i64(io, &g->n_bred, lo, hi, "n_bred");
  io_i64(io, &g->n_non_bred, lo, hi, "n_non_bred");
  io_i64(io, &g->n_oob_regenerated, lo, hi, "n_oob_regenerated");
  io_i64(io, &g->n_clipped, lo, hi, "n_clipped");
  io_f64(io, &g->target_mean, ANY, "target_mean");
  io_i64(io, &g->ddpm_steps, lo, hi, "ddpm_steps");
  io_i64(io, &g->ddpm_steps_since_last, lo, hi, "ddpm_steps_since_last");
  io_i64(io, &g->ratio_steps, lo, hi, "ratio_steps");
  io_f64(io, &g->train_cpu_s_since_last, ANY, "train_cpu_s_since_last");
  io_f64(io, &g->ddpm_loss, ANY, "ddpm_loss");
  io_f64(io, &g->ratio_loss, ANY, "ratio_loss");
  io_i64(io, &g->reservoir_entries, lo, hi, "reservoir_entries");
  io_i64(io, &g->values_rejected, lo, hi, "values_rejected");
  io_f64(io, &g->generate_ms, ANY, "generate_ms");
  io_i64(io, &g->ddpm_steps_dropped, lo, hi, "ddpm_steps_dropped");
  io_i64(io, &g->trust_entries, lo, hi, "trust_entries");
  io_f64(io, &g->trust_loss_high, ANY, "trust_loss_high");
  io_f64(io, &g->trust_loss_low, ANY, "trust_loss_low");
  io_f64(io, &g->trust_z, ANY, "trust_z");
  io_i64(io, &g->outcome_bred, lo, hi, "outcome_bred");
  io_i64(io, &g->outcome_non_bred, lo, hi, "outcome_non_bred");
  io_f64(io, &g->outcome_z, ANY, "outcome_z");
  io_i64(io, &g->trusted, 0, 1, "trusted");
  uint8_t *q = io_take(io, sizeof g->not_bred_reason, "not_bred_reason");
  if (!q) return; /* sizing, or a short section */
  if (io->mode == IO_WRITE) memcpy(q, g->not_bred_reason, sizeof g->not_bred_reason);
  else if (!memchr(q, 0, sizeof g->not_bred_reason)) io_fail(io, "not_bred_reason is not terminated");
  else memcpy(g->not_bred_reason, q, sizeof g->not_bred_reason);
}

/* The scored entries of the check before breeding (trust.h). */
static void sec_trust(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  (void)rc;
  trust_window *w = &b->trust_win;
  int64_t head = w->head, count = w->count, scored = w->scored, at_break = w->scored_at_break;
  io_i64(io, &head, 0, TRUST_WINDOW - 1, "head");
  io_i64(io, &count, 0, TRUST_WINDOW, "count");
  io_i64(io, &scored, count, INT64_MAX, "scored");
  io_i64(io, &at_break, 0, scored, "scored_at_break");
  if (reading(io) && !io->bad && count < TRUST_WINDOW && head != count)
    io_fail(io, "head %lld with count %lld", (long long)head, (long long)count);
  io_f32s(io, w->c, TRUST_WINDOW, CONDITION, "c");
  io_f32s(io, w->delta, TRUST_WINDOW, ANY, "delta");
  io_f32s(io, w->loss_high, TRUST_WINDOW, ANY, "loss_high");
  io_f32s(io, w->loss_low, TRUST_WINDOW, ANY, "loss_low");
  if (io->mode != IO_LOAD || io->bad) return;
  w->head = head, w->count = count, w->scored = scored, w->scored_at_break = at_break;
}

static void sec_telemetry(ckio *io, ogas_breeder *b, restore_ctx *rc) {
  int64_t n = reading(io) ? rc->n_gens : b->n_gens;
  io_i64(io, &n, 0, INT32_MAX, "n_gens");
  ogas_generation_info *gens = reading(io) ? rc->gens : b->gens;
  for (int64_t i = 0; i < n && !io->bad; i++) info_codec(io, &gens[i]);
  if (io->mode != IO_LOAD || io->bad) return;
  ogas_generation_info *old = b->gens;
  b->gens = rc->gens, b->n_gens = rc->n_gens, b->cap_gens = rc->cap_gens;
  rc->gens = old; /* freed by the caller */
}

typedef void (*section_codec)(ckio *io, ogas_breeder *b, restore_ctx *rc);

static const struct {
  const char *tag;
  section_codec codec;
} SECTIONS[] = {
    {CKPT_TAG_META, sec_meta},           {CKPT_TAG_TABLE, sec_table},
    {CKPT_TAG_STAGED, sec_staged},       {CKPT_TAG_SIGNAL, sec_signal},
    {CKPT_TAG_RESERVOIR, sec_reservoir}, {CKPT_TAG_TRAINER, sec_trainer},
    {CKPT_TAG_DDPM, sec_ddpm},           {CKPT_TAG_RATIO, sec_ratio},
    {CKPT_TAG_SNAPSHOT, sec_snapshot},   {CKPT_TAG_GENERATOR, sec_generator},
    {CKPT_TAG_TELEMETRY, sec_telemetry}, {CKPT_TAG_TRUST, sec_trust},
};
#define N_CODED (sizeof SECTIONS / sizeof *SECTIONS)
#define N_SECTIONS (N_CODED + 1) /* + CONF */

/* ---- locking ---------------------------------------------------------------- */

/* Every lock in the documented order. The background trainer is asked to
   pause first: it then idles between steps instead of racing for
   train_lock, which a plain mutex would not hand over fairly. */
static void lock_all(ogas_breeder *b) {
  pthread_mutex_lock(&b->lock);
  b->tr.pause_requests++;
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_lock(&b->gen_lock);
  pthread_mutex_lock(&b->train_lock);
  pthread_mutex_lock(&b->lock);
  pthread_mutex_lock(&b->snap_lock);
}

static void unlock_all(ogas_breeder *b) {
  pthread_mutex_unlock(&b->snap_lock);
  b->tr.pause_requests--;
  pthread_cond_broadcast(&b->work_cv);
  pthread_cond_broadcast(&b->idle_cv);
  pthread_mutex_unlock(&b->lock);
  pthread_mutex_unlock(&b->train_lock);
  pthread_mutex_unlock(&b->gen_lock);
}

static ogas_status report(ogas_breeder *b, ogas_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ogas_status report(ogas_breeder *b, ogas_status st, const char *fmt, ...) {
  char msg[BREEDER_MSG_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return breeder_fail(b, st, "%s", msg);
}

/* ---- saving ------------------------------------------------------------------ */

static ogas_status checkpoint_state(ogas_breeder *b, const char *path);

ogas_status ogas_checkpoint_state(ogas_breeder *b, const char *path) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  ogas_status st = checkpoint_state(b, path);
  breeder_leave(b);
  return st;
}

static ogas_status checkpoint_state(ogas_breeder *b, const char *path) {
  if (!path || !*path)
    return report(b, OGAS_EINVAL, "ogas_checkpoint_state: path is NULL or empty");
  /* The config never changes after creation: no lock needed. */
  char *config = ogas_config_to_json(&b->cfg);
  if (!config) return report(b, OGAS_ENOMEM, "ogas_checkpoint_state: out of memory");
  size_t config_len = strlen(config);

  uint64_t offset[N_SECTIONS], size[N_SECTIONS];
  size_t table_end = CKPT_HEADER_SIZE + N_SECTIONS * CKPT_ENTRY_SIZE;
  lock_all(b);
  size_t total = table_end;
  for (size_t i = 0; i < N_SECTIONS; i++) {
    if (i == 0) {
      size[i] = config_len;
    } else {
      ckio io = {.mode = IO_SIZE, .section = SECTIONS[i - 1].tag};
      SECTIONS[i - 1].codec(&io, b, NULL);
      size[i] = io.pos;
    }
    total = (total + 7) & ~(size_t)7; /* 8-byte aligned sections */
    offset[i] = total;
    total += size[i];
  }
  uint8_t *buf = calloc(1, total);
  if (!buf) {
    unlock_all(b);
    free(config);
    return report(b, OGAS_ENOMEM, "ogas_checkpoint_state: out of memory (%zu bytes)", total);
  }
  memcpy(buf + offset[0], config, config_len);
  for (size_t i = 1; i < N_SECTIONS; i++) {
    ckio io = {.mode = IO_WRITE, .p = buf + offset[i], .len = size[i], .section = SECTIONS[i - 1].tag};
    SECTIONS[i - 1].codec(&io, b, NULL);
  }
  unlock_all(b);
  free(config);

  for (size_t i = 0; i < N_SECTIONS; i++) {
    uint8_t *e = buf + CKPT_HEADER_SIZE + i * CKPT_ENTRY_SIZE;
    memcpy(e, i == 0 ? CKPT_TAG_CONFIG : SECTIONS[i - 1].tag, 4);
    put_u64(e + 8, offset[i]);
    put_u64(e + 16, size[i]);
    put_u32(e + 24, crc32_update(0, buf + offset[i], (size_t)size[i]));
  }
  memcpy(buf, CKPT_MAGIC, 8);
  put_u32(buf + 8, CKPT_VERSION);
  put_u32(buf + 12, (uint32_t)N_SECTIONS);
  put_u64(buf + 16, total);
  put_u32(buf + 24, crc32_update(0, buf + CKPT_HEADER_SIZE, N_SECTIONS * CKPT_ENTRY_SIZE));
  put_u32(buf + 28, crc32_update(0, buf, 28));

  char err[400];
  ogas_status st = (ogas_status)atomic_file_write(path, buf, total, err, sizeof err);
  free(buf);
  if (st != OGAS_OK) return report(b, st, "ogas_checkpoint_state: %s", err);
  return OGAS_OK;
}

/* ---- restoring ---------------------------------------------------------------- */

/* ogas_config_incompatible_field, plus what shapes the rest of the saved
   state: the table size, the normalisation window and the space-filling
   sequence (its scramble tables derive from kind and seed). */
static const char *restart_incompatible_field(const ogas_config *saved, const ogas_config *run) {
  const char *f = ogas_config_incompatible_field(saved, run);
  if (f) return f;
  if (saved->nb_sims != run->nb_sims) return "nb_sims";
  if (saved->non_breed_sampler != run->non_breed_sampler) return "non_breed_sampler";
  if (saved->seed != run->seed) return "seed";
  if (saved->data.min_max_queue_length != run->data.min_max_queue_length)
    return "data.min_max_queue_length";
  return NULL;
}

/* "checkpoint 32, breeder 64" for the integer fields, "" otherwise. */
static void describe_values(const char *field, const ogas_config *a, const ogas_config *c,
                            char *out, size_t outlen) {
  static const struct {
    const char *name;
    size_t offset;
    int is_size;
  } ints[] = {
      {"nb_params", offsetof(ogas_config, nb_params), 1},
      {"nb_sims", offsetof(ogas_config, nb_sims), 0},
      {"seed", offsetof(ogas_config, seed), 0},
      {"model.model_dim", offsetof(ogas_config, model.model_dim), 0},
      {"model.n_blocks", offsetof(ogas_config, model.n_blocks), 0},
      {"model.timesteps", offsetof(ogas_config, model.timesteps), 0},
      {"breeder.ratio_mlp_hidden_dim", offsetof(ogas_config, breeder.ratio_mlp_hidden_dim), 0},
      {"data.buffer_size", offsetof(ogas_config, data.buffer_size), 0},
      {"data.min_max_queue_length", offsetof(ogas_config, data.min_max_queue_length), 0},
  };
  out[0] = '\0';
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    if (strcmp(field, ints[i].name)) continue;
    long long va, vc;
    if (ints[i].is_size) {
      size_t x, y;
      memcpy(&x, (const char *)a + ints[i].offset, sizeof x);
      memcpy(&y, (const char *)c + ints[i].offset, sizeof y);
      va = (long long)x, vc = (long long)y;
    } else {
      int64_t x, y; /* seed is uint64_t: same size, printed as signed only if huge */
      memcpy(&x, (const char *)a + ints[i].offset, sizeof x);
      memcpy(&y, (const char *)c + ints[i].offset, sizeof y);
      va = (long long)x, vc = (long long)y;
    }
    snprintf(out, outlen, " (checkpoint %lld, breeder %lld)", va, vc);
  }
}

static void restore_ctx_free(restore_ctx *rc) {
  sf_free(rc->sf);
  free(rc->gens);
  rc->sf = NULL, rc->gens = NULL;
}

/* Decode the sampler state and position a fresh sampler there; count and
   allocate the telemetry records. Outside the locks: these may allocate. */
static ogas_status prepare(ogas_breeder *b, const ckpt_file *f, restore_ctx *rc, char *err,
                           size_t errlen) {
  const ckpt_section *g = ckpt_find(f, CKPT_TAG_GENERATOR);
  ckio io = {.mode = IO_CHECK, .p = (uint8_t *)g->data, .len = (size_t)g->size, .section = g->tag};
  ogas_rng rng;
  memset(&rng, 0, sizeof rng);
  io_rng(&io, &rng, "gen_rng");
  sf_state s;
  memset(&s, 0, sizeof s);
  sf_state_codec(&io, &s);
  if (io.bad) {
    set_msg(err, errlen, "%s", io.msg);
    return OGAS_ECORRUPT;
  }
  static const sf_kind kinds[] = {SF_UNIFORM, SF_LHS, SF_HALTON, SF_SOBOL};
  int st = sf_create(kinds[b->cfg.non_breed_sampler], b->d, b->cfg.seed, &rc->sf, NULL, 0);
  if (st != OGAS_OK) {
    set_msg(err, errlen, "cannot create the space-filling sampler");
    return (ogas_status)st;
  }
  st = sf_set_state(rc->sf, &s);
  if (st != OGAS_OK) {
    set_msg(err, errlen, st == OGAS_ENOMEM ? "out of memory positioning the space-filling sampler"
                                          : "section GENR: the space-filling sampler state "
                                            "(kind %u, dim %llu, index %llu) does not fit this "
                                            "breeder's sampler",
            (unsigned)s.kind, (unsigned long long)s.dim, (unsigned long long)s.index);
    return st == OGAS_ENOMEM ? OGAS_ENOMEM : OGAS_ECORRUPT;
  }

  const ckpt_section *t = ckpt_find(f, CKPT_TAG_TELEMETRY);
  ckio tio = {.mode = IO_CHECK, .p = (uint8_t *)t->data, .len = (size_t)t->size, .section = t->tag};
  int64_t n = 0;
  io_i64(&tio, &n, 0, INT32_MAX, "n_gens");
  /* Bound the allocation by what the section can hold (each record is more
     than 128 bytes). */
  if (!tio.bad && (uint64_t)n > t->size / 128) io_fail(&tio, "n_gens %lld does not fit", (long long)n);
  if (tio.bad) {
    set_msg(err, errlen, "%s", tio.msg);
    return OGAS_ECORRUPT;
  }
  rc->n_gens = n;
  rc->cap_gens = n > 16 ? n : 16;
  rc->gens = calloc((size_t)rc->cap_gens, sizeof *rc->gens);
  if (!rc->gens) {
    set_msg(err, errlen, "out of memory for %lld telemetry records", (long long)n);
    return OGAS_ENOMEM;
  }
  return OGAS_OK;
}

/* Run every codec in one reading mode; the first fault goes into err. */
static int run_codecs(ogas_breeder *b, const ckpt_file *f, io_mode mode, restore_ctx *rc,
                      char *err, size_t errlen) {
  for (size_t i = 0; i < N_CODED; i++) {
    const ckpt_section *s = ckpt_find(f, SECTIONS[i].tag);
    ckio io = {.mode = mode, .p = (uint8_t *)s->data, .len = (size_t)s->size, .section = s->tag};
    SECTIONS[i].codec(&io, b, rc);
    if (!io.bad && io.pos != io.len)
      io_fail(&io, "%zu bytes, %zu were expected", io.len, io.pos);
    if (io.bad) {
      set_msg(err, errlen, "%s", io.msg);
      return -1;
    }
  }
  return 0;
}

static ogas_status restart_from_checkpoint(ogas_breeder *b, const char *path);

ogas_status ogas_restart_from_checkpoint(ogas_breeder *b, const char *path) {
  if (!b) return OGAS_EINVAL;
  if (!breeder_enter(b)) return OGAS_ESTATE;
  ogas_status st = restart_from_checkpoint(b, path);
  breeder_leave(b);
  return st;
}

static ogas_status restart_from_checkpoint(ogas_breeder *b, const char *path) {
  if (!path || !*path)
    return report(b, OGAS_EINVAL, "ogas_restart_from_checkpoint: path is NULL or empty");
  char err[400] = "";
  uint8_t *buf = NULL;
  size_t n = 0;
  ogas_config saved;
  ogas_config_defaults(&saved);
  restore_ctx rc = {0};
  ckpt_file *f = malloc(sizeof *f);
  char *config_text = NULL;
  ogas_status st = f ? (ogas_status)ckpt_read_file(path, &buf, &n, err, sizeof err) : OGAS_ENOMEM;
  if (!f) set_msg(err, sizeof err, "out of memory");
  if (st == OGAS_OK) {
    st = (ogas_status)ckpt_parse(buf, n, 0, f, err, sizeof err);
    if (st != OGAS_OK) {
      char inner[400];
      memcpy(inner, err, sizeof inner);
      set_msg(err, sizeof err, "'%s': %s", path, inner);
    }
  }
  /* Every section of this version, each once (unknown tags are allowed:
     their CRC held, and a later minor revision may add them). */
  const char *tags[N_SECTIONS];
  tags[0] = CKPT_TAG_CONFIG;
  for (size_t i = 1; i < N_SECTIONS; i++) tags[i] = SECTIONS[i - 1].tag;
  for (size_t i = 0; st == OGAS_OK && i < N_SECTIONS; i++) {
    int count = 0;
    for (uint32_t k = 0; k < f->n_sections; k++) count += !memcmp(f->sections[k].tag, tags[i], 4);
    if (count != 1) {
      set_msg(err, sizeof err, "'%s': section %s appears %d times, once is required", path, tags[i],
              count);
      st = OGAS_ECORRUPT;
    }
  }
  if (st == OGAS_OK) {
    const ckpt_section *c = ckpt_find(f, CKPT_TAG_CONFIG);
    config_text = malloc((size_t)c->size + 1);
    if (!config_text) {
      st = OGAS_ENOMEM;
      set_msg(err, sizeof err, "out of memory");
    } else {
      memcpy(config_text, c->data, (size_t)c->size);
      config_text[c->size] = '\0';
      char cerr[300];
      int cst = ogas_config_parse(config_text, &saved, cerr, sizeof cerr);
      if (cst == OGAS_ENOMEM) {
        st = OGAS_ENOMEM;
        set_msg(err, sizeof err, "out of memory parsing the config of '%s'", path);
      } else if (cst != OGAS_OK) {
        st = OGAS_ECORRUPT;
        set_msg(err, sizeof err, "'%s': section CONF does not hold a valid config: %s", path, cerr);
      }
    }
  }
  if (st == OGAS_OK) {
    const char *field = restart_incompatible_field(&saved, &b->cfg);
    if (field) {
      char values[96];
      describe_values(field, &saved, &b->cfg, values, sizeof values);
      set_msg(err, sizeof err,
              "'%s' was written by a breeder whose %s differs from this one's%s; a restart needs "
              "the same nb_params, bounds, nb_sims, seed, non_breed_sampler, model shape and "
              "schedule, RatioMLP width, buffer size and normalisation window",
              path, field, values);
      st = OGAS_EINVAL;
    }
  }
  ckpt_meta meta;
  char merr[300];
  if (st == OGAS_OK &&
      ckpt_meta_decode(ckpt_find(f, CKPT_TAG_META), &meta, merr, sizeof merr) != OGAS_OK) {
    st = OGAS_ECORRUPT;
    set_msg(err, sizeof err, "'%s': %s", path, merr);
  }
  if (st == OGAS_OK) {
    rc.meta = &meta;
    char perr[300] = "";
    st = prepare(b, f, &rc, perr, sizeof perr);
    if (st != OGAS_OK) set_msg(err, sizeof err, "'%s': %s", path, perr);
  }
  if (st == OGAS_OK) {
    char derr[300] = "";
    lock_all(b);
    if (run_codecs(b, f, IO_CHECK, &rc, derr, sizeof derr) == 0) {
      /* Cannot fail: the same code and bytes passed the check above. */
      run_codecs(b, f, IO_LOAD, &rc, derr, sizeof derr);
      breeder_index_trainable(b);
    } else {
      st = OGAS_ECORRUPT;
    }
    unlock_all(b);
    if (st != OGAS_OK) set_msg(err, sizeof err, "'%s': %s", path, derr);
  }
  restore_ctx_free(&rc);
  ogas_config_free(&saved);
  free(config_text);
  free(buf);
  free(f);
  if (st != OGAS_OK) return report(b, st, "ogas_restart_from_checkpoint: %s", err);
  return OGAS_OK;
}
