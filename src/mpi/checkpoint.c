#include "mpi/checkpoint.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi/ckpt_file.h"
#include "ogas.h"
#include "util/atomic_file.h"
#include "util/status_msg.h"

void checkpoint_folder(const char *base, int64_t round, char *out, size_t len) {
  snprintf(out, len, "%s/round-%lld", base, (long long)round);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

uint64_t checkpoint_config_hash(const study_config *cfg) {
  study_config c = *cfg;
  c.ogas_json = NULL, c.mpi_json = NULL;
  uint64_t h = fnv1a(0xcbf29ce484222325ull, &c, sizeof c);
  if (cfg->ogas_json) h = fnv1a(h, cfg->ogas_json, strlen(cfg->ogas_json));
  return h;
}

int checkpoint_commit(const char *base, int64_t round, int64_t previous_round, int n_train,
                      uint64_t config_hash, int64_t batches, int64_t generations, char *err,
                      size_t errlen) {
  char hash[32], folder[64];
  snprintf(hash, sizeof hash, "%016llx", (unsigned long long)config_hash);
  snprintf(folder, sizeof folder, "round-%lld", (long long)round);
  json_t *o =
      json_pack("{s:s, s:I, s:s, s:i, s:s, s:I, s:I}", "format", "ogas study checkpoint 1", "round",
                (json_int_t)round, "folder", folder, "training_ranks", n_train, "config_hash", hash,
                "batches", (json_int_t)batches, "generations", (json_int_t)generations);
  char *text = o ? json_dumps(o, JSON_INDENT(1)) : NULL;
  json_decref(o);
  if (!text) return status_msg(OGAS_ENOMEM, err, errlen, "checkpoint: out of memory");
  /* The manifest is plain JSON, written atomically as the binary files are. */
  char path[1200];
  snprintf(path, sizeof path, "%s/checkpoint.json", base);
  atomic_file a;
  int st = atomic_file_open(&a, path, err, errlen);
  if (!st && (fputs(text, a.f) < 0 || fputc('\n', a.f) == EOF)) {
    int e = errno;
    atomic_file_abort(&a);
    st = status_msg(OGAS_EIO, err, errlen, "checkpoint: cannot write '%s': %s", path, strerror(e));
  } else if (!st)
    st = atomic_file_commit(&a, err, errlen);
  free(text);
  if (st) return st;
  if (previous_round >= 0 && previous_round != round) {
    char dir[1200], file[1400];
    checkpoint_folder(base, previous_round, dir, sizeof dir);
    static const char *const fixed[] = {"breed.bin", "breeder.ogas"};
    for (size_t i = 0; i < 2; i++) {
      snprintf(file, sizeof file, "%s/%s", dir, fixed[i]);
      unlink(file);
    }
    for (int t = 0; t < n_train; t++) {
      snprintf(file, sizeof file, "%s/train-%d.bin", dir, t);
      unlink(file);
    }
    rmdir(dir);
  }
  return OGAS_OK;
}

int checkpoint_read(const char *base, int n_train, uint64_t config_hash, int64_t *round, char *err,
                    size_t errlen) {
  char path[1200];
  snprintf(path, sizeof path, "%s/checkpoint.json", base);
  json_error_t je;
  json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!o)
    return status_msg(OGAS_EIO, err, errlen, "resume: no checkpoint in '%s' (%s)", base, je.text);
  json_int_t r = -1;
  int t = -1;
  const char *hash = NULL, *format = NULL;
  int bad = json_unpack(o, "{s:s, s:I, s:i, s:s}", "format", &format, "round", &r, "training_ranks",
                        &t, "config_hash", &hash);
  char want[32];
  snprintf(want, sizeof want, "%016llx", (unsigned long long)config_hash);
  int st = OGAS_OK;
  if (bad || strcmp(format, "ogas study checkpoint 1") || r < 0)
    st = status_msg(OGAS_ECORRUPT, err, errlen, "resume: '%s' is not a study checkpoint", path);
  else if (strcmp(hash, want))
    st = status_msg(OGAS_EINVAL, err, errlen,
                    "resume: the checkpoint in '%s' was written by another study config (or "
                    "another sampler or seed)",
                    base);
  else if (t != n_train)
    st = status_msg(OGAS_EINVAL, err, errlen,
                    "resume: the checkpoint in '%s' has %d training ranks, this run has %d (the "
                    "simulation ranks may change, the training ranks may not)",
                    base, t, n_train);
  if (!st) *round = (int64_t)r;
  json_decref(o);
  return st;
}
