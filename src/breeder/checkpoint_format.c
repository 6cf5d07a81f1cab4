/* checkpoint_format — the container of a checkpoint file (header, section
   table, CRCs, zero padding; layout in checkpoint_format.h) and the META
   section, which `ogas inspect` reads without a breeder. */
#include "breeder/checkpoint_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breeder/checkpoint_codec.h"
#include "breeder/crc32.h"
#include "ogas.h"

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
        ckpt_set_msg(err, errlen, "byte %zu lies between sections and is not zero", k);
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
    ckpt_set_msg(err, errlen, "file is empty");
    return OGAS_ECORRUPT;
  }
  if (n < 8 || memcmp(buf, CKPT_MAGIC, 8)) {
    ckpt_set_msg(err, errlen, "not an ogas checkpoint (the file does not start with \"%s\")",
                 CKPT_MAGIC);
    return OGAS_ECORRUPT;
  }
  if (n < CKPT_HEADER_SIZE) {
    ckpt_set_msg(err, errlen, "truncated: %zu bytes, the header alone needs %u", n,
                 CKPT_HEADER_SIZE);
    return OGAS_ECORRUPT;
  }
  f->version = get_u32(buf + 8);
  f->n_sections = get_u32(buf + 12);
  f->file_size = get_u64(buf + 16);
  if (f->version != CKPT_VERSION) {
    ckpt_set_msg(err, errlen, "format version %u, this build reads version %u", f->version,
                 CKPT_VERSION);
    return OGAS_ECORRUPT;
  }
  f->header_crc_ok = crc32_update(0, buf, 28) == get_u32(buf + 28);
  if (!f->header_crc_ok) {
    ckpt_set_msg(err, errlen, "header checksum does not hold");
    return OGAS_ECORRUPT;
  }
  if (f->file_size > n) {
    ckpt_set_msg(err, errlen, "truncated: the header says %llu bytes, the file has %zu",
                 (unsigned long long)f->file_size, n);
    return OGAS_ECORRUPT;
  }
  if (f->file_size < n) {
    ckpt_set_msg(err, errlen, "%zu bytes after the end of the checkpoint (%llu bytes)",
                 n - (size_t)f->file_size, (unsigned long long)f->file_size);
    return OGAS_ECORRUPT;
  }
  if (f->n_sections == 0 || f->n_sections > CKPT_MAX_SECTIONS ||
      CKPT_HEADER_SIZE + (uint64_t)f->n_sections * CKPT_ENTRY_SIZE > n) {
    ckpt_set_msg(err, errlen, "section table of %u entries does not fit (1..%u, file of %zu bytes)",
                 f->n_sections, CKPT_MAX_SECTIONS, n);
    return OGAS_ECORRUPT;
  }
  size_t table_end = CKPT_HEADER_SIZE + (size_t)f->n_sections * CKPT_ENTRY_SIZE;
  f->table_crc_ok =
      crc32_update(0, buf + CKPT_HEADER_SIZE, table_end - CKPT_HEADER_SIZE) == get_u32(buf + 24);
  int st = OGAS_OK;
  if (!f->table_crc_ok) {
    ckpt_set_msg(err, errlen, "section table checksum does not hold");
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
        ckpt_set_msg(err, errlen, "section %u (%s) lies outside the file (offset %llu, size %llu)",
                     i, s->tag, (unsigned long long)s->offset, (unsigned long long)s->size);
      st = OGAS_ECORRUPT;
      if (!lenient) return st;
      continue;
    }
    s->data = buf + s->offset;
    s->crc_actual = crc32_update(0, s->data, (size_t)s->size);
    if (s->crc_actual != s->crc_stored) {
      if (st == OGAS_OK)
        ckpt_set_msg(err, errlen,
                     "checksum of section %s does not hold (stored 0x%08x, computed 0x%08x)",
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
    ckpt_set_msg(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    return OGAS_EIO;
  }
  struct stat sb;
  if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
    ckpt_set_msg(err, errlen, "'%s' is not a regular file", path);
    close(fd);
    return OGAS_EIO;
  }
  size_t size = (size_t)sb.st_size;
  if ((off_t)size != sb.st_size) {
    ckpt_set_msg(err, errlen, "'%s' is too large", path);
    close(fd);
    return OGAS_ECORRUPT;
  }
  uint8_t *data = size ? malloc(size) : NULL;
  if (size && !data) {
    ckpt_set_msg(err, errlen, "out of memory reading '%s' (%zu bytes)", path, size);
    close(fd);
    return OGAS_ENOMEM;
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, data + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      ckpt_set_msg(err, errlen, r < 0 ? "cannot read '%s': %s" : "'%s' shrank while being read%s",
                   path, r < 0 ? strerror(errno) : "");
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

/* ---- the META section ------------------------------------------------------- */

void ckpt_meta_codec(ckio *io, ckpt_meta *m) {
  ckio_u64(io, &m->nb_params, "nb_params");
  ckio_i64(io, &m->nb_sims, 1, INT64_MAX, "nb_sims");
  ckio_i64(io, &m->generation, 0, INT32_MAX, "generation");
  ckio_f64(io, &m->breed_ratio, FINITE, "breed_ratio");
  ckio_i64(io, &m->highest_known_id, -1, m->nb_sims - 1, "highest_known_id");
  ckio_i64(io, &m->record_calls, 0, INT64_MAX, "record_calls");
  ckio_i64(io, &m->values_accepted, 0, INT64_MAX, "values_accepted");
  ckio_i64(io, &m->rejected_nonfinite, 0, INT64_MAX, "rejected_nonfinite");
  ckio_i64(io, &m->rejected_negative, 0, INT64_MAX, "rejected_negative");
  ckio_i64(io, &m->rejected_unknown_id, 0, INT64_MAX, "rejected_unknown_id");
  ckio_i64(io, &m->last_gen_ddpm_steps, 0, INT64_MAX, "last_gen_ddpm_steps");
  ckio_f64(io, &m->last_gen_cpu_s, FINITE_NONNEG, "last_gen_cpu_s");
  ckio_i64(io, &m->n_staged, 0, m->nb_sims, "n_staged");
  ckio_i64(io, &m->reservoir_count, 0, INT64_MAX, "reservoir_count");
  ckio_i64(io, &m->n_gens, 0, m->generation, "n_gens");
  ckio_i64(io, &m->ddpm_steps, 0, INT64_MAX, "ddpm_steps");
  ckio_i64(io, &m->ratio_steps, 0, INT64_MAX, "ratio_steps");
}

int ckpt_meta_decode(const ckpt_section *s, ckpt_meta *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  if (!s || !s->data) {
    ckpt_set_msg(err, errlen, "section META is missing");
    return OGAS_ECORRUPT;
  }
  ckio io = {.mode = IO_CHECK, .p = (uint8_t *)s->data, .len = (size_t)s->size, .section = "META"};
  ckpt_meta_codec(&io, m);
  if (!io.bad && io.pos != io.len) ckio_fail(&io, "%zu bytes, %zu were expected", io.len, io.pos);
  if (io.bad) ckpt_set_msg(err, errlen, "%s", io.msg);
  return io.bad ? OGAS_ECORRUPT : OGAS_OK;
}
