/* ckpt_file — one file of a study checkpoint: written through atomic_file
 * (util/atomic_file.h: a temporary file, synced, renamed into place, the
 * folder synced), so that a reader never sees half of it; read back whole and
 * checked against the FNV-1a hash that ends it.
 *
 * Layout: "OGASMPI1", then the caller's fields, then the 64-bit hash of all
 * bytes before it. Functions return ogas_status codes with a message. */
#ifndef OGAS_MPI_CKPT_FILE_H
#define OGAS_MPI_CKPT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/atomic_file.h"

typedef struct {
  atomic_file file;
  char path[1200];
  uint64_t hash;
  int failed;
} ckpt_writer;

typedef struct {
  unsigned char *data;
  size_t len, at;
  char path[1200];
} ckpt_reader;

int ckpt_write_open(ckpt_writer *w, const char *dir, const char *name, char *err, size_t errlen);
void ckpt_put(ckpt_writer *w, const void *p, size_t n);
static inline void ckpt_put_i64(ckpt_writer *w, int64_t v) { ckpt_put(w, &v, sizeof v); }
/* Finish: the hash, then atomic_file_commit. On any failure the temporary
   file is removed and the previous file, if any, is left as it was. */
int ckpt_write_close(ckpt_writer *w, char *err, size_t errlen);
void ckpt_write_abort(ckpt_writer *w);

/* OGAS_EIO when the file cannot be read, OGAS_ECORRUPT when it is damaged. */
int ckpt_read_open(ckpt_reader *r, const char *dir, const char *name, char *err, size_t errlen);
/* 0, or -1 when the file is shorter than asked. */
int ckpt_get(ckpt_reader *r, void *p, size_t n);
int64_t ckpt_get_i64(ckpt_reader *r, int *bad);
void ckpt_read_close(ckpt_reader *r);

/* Create dir if it does not exist (one level). */
int ckpt_make_dir(const char *dir, char *err, size_t errlen);

#endif
