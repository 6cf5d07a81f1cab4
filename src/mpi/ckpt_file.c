#include "mpi/ckpt_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ogas.h"
#include "util/status_msg.h"

static const char magic[8] = {'O', 'G', 'A', 'S', 'M', 'P', 'I', '1'};

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

int ckpt_make_dir(const char *dir, char *err, size_t errlen) {
  if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return OGAS_OK;
    return status_msg(OGAS_EIO, err, errlen, "checkpoint: '%s' exists and is not a folder", dir);
  }
  return status_msg(OGAS_EIO, err, errlen, "checkpoint: cannot create '%s': %s", dir,
                    strerror(errno));
}

int ckpt_write_open(ckpt_writer *w, const char *dir, const char *name, char *err, size_t errlen) {
  memset(w, 0, sizeof *w);
  snprintf(w->path, sizeof w->path, "%s/%s", dir, name);
  int st = atomic_file_open(&w->file, w->path, err, errlen);
  if (st) return st;
  w->hash = 0xcbf29ce484222325ull;
  ckpt_put(w, magic, sizeof magic);
  return OGAS_OK;
}

void ckpt_put(ckpt_writer *w, const void *p, size_t n) {
  if (w->failed || !n) return;
  if (fwrite(p, 1, n, w->file.f) != n) w->failed = errno ? errno : EIO;
  w->hash = fnv1a(w->hash, p, n);
}

void ckpt_write_abort(ckpt_writer *w) {
  if (w->file.f) atomic_file_abort(&w->file);
}

int ckpt_write_close(ckpt_writer *w, char *err, size_t errlen) {
  uint64_t h = w->hash;
  if (!w->failed && fwrite(&h, 1, sizeof h, w->file.f) != sizeof h) w->failed = errno ? errno : EIO;
  if (w->failed) {
    atomic_file_abort(&w->file);
    return status_msg(OGAS_EIO, err, errlen, "checkpoint: cannot write '%s': %s", w->path,
                      strerror(w->failed));
  }
  return atomic_file_commit(&w->file, err, errlen);
}

int ckpt_read_open(ckpt_reader *r, const char *dir, const char *name, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  snprintf(r->path, sizeof r->path, "%s/%s", dir, name);
  FILE *f = fopen(r->path, "rb");
  if (!f)
    return status_msg(OGAS_EIO, err, errlen, "checkpoint: cannot read '%s': %s", r->path,
                      strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size < 16) {
    fclose(f);
    return status_msg(OGAS_ECORRUPT, err, errlen, "checkpoint: '%s' is not a checkpoint file",
                      r->path);
  }
  r->len = (size_t)st.st_size;
  r->data = malloc(r->len);
  size_t got = r->data ? fread(r->data, 1, r->len, f) : 0;
  fclose(f);
  if (!r->data) return status_msg(OGAS_ENOMEM, err, errlen, "checkpoint: out of memory");
  uint64_t h;
  memcpy(&h, r->data + r->len - sizeof h, sizeof h);
  if (got != r->len || memcmp(r->data, magic, sizeof magic) ||
      fnv1a(0xcbf29ce484222325ull, r->data, r->len - sizeof h) != h) {
    ckpt_read_close(r);
    return status_msg(OGAS_ECORRUPT, err, errlen, "checkpoint: '%s' is damaged (checksum)",
                      r->path);
  }
  r->len -= sizeof h;
  r->at = sizeof magic;
  return OGAS_OK;
}

int ckpt_get(ckpt_reader *r, void *p, size_t n) {
  if (r->at + n > r->len) return -1;
  memcpy(p, r->data + r->at, n);
  r->at += n;
  return 0;
}

int64_t ckpt_get_i64(ckpt_reader *r, int *bad) {
  int64_t v = 0;
  if (ckpt_get(r, &v, sizeof v)) *bad = 1;
  return v;
}

void ckpt_read_close(ckpt_reader *r) {
  free(r->data);
  r->data = NULL;
}
