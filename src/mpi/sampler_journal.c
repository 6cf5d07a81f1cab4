#include "mpi/sampler_journal.h"

#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "util/status_msg.h"

enum { J_RECORD = 1, J_FINISHED = 2, J_RESAMPLE = 3 };

static int64_t *grow(sampler_journal *j, size_t words) {
  if (j->failed) return NULL;
  if (j->len + words > j->cap) {
    size_t cap = j->cap ? j->cap : 4096;
    while (cap < j->len + words) cap *= 2;
    int64_t *w = realloc(j->words, cap * sizeof *w);
    if (!w) {
      j->failed = 1;
      return NULL;
    }
    j->words = w, j->cap = cap;
  }
  int64_t *at = j->words + j->len;
  j->len += words;
  return at;
}

void journal_record(sampler_journal *j, const int64_t *ids, const int64_t *ts, const double *values,
                    size_t n, int64_t batch) {
  int64_t *w = grow(j, 3 + 3 * n);
  if (!w) return;
  w[0] = J_RECORD, w[1] = (int64_t)n, w[2] = batch;
  memcpy(w + 3, ids, n * sizeof(int64_t));
  memcpy(w + 3 + n, ts, n * sizeof(int64_t));
  memcpy(w + 3 + 2 * n, values, n * sizeof(double));
}

void journal_finished(sampler_journal *j, int64_t id) {
  int64_t *w = grow(j, 2);
  if (w) w[0] = J_FINISHED, w[1] = id;
}

void journal_resample(sampler_journal *j, int64_t last_started, int64_t max_count) {
  int64_t *w = grow(j, 3);
  if (w) w[0] = J_RESAMPLE, w[1] = last_started, w[2] = max_count;
}

void journal_append(sampler_journal *j, const void *words, size_t n) {
  int64_t *w = grow(j, n);
  if (w) memcpy(w, words, n * sizeof(int64_t));
}

void journal_free(sampler_journal *j) {
  free(j->words);
  memset(j, 0, sizeof *j);
}

int journal_replay(const int64_t *words, size_t len, study_sampler *s, char *err, size_t errlen) {
  size_t at = 0;
  double *values = NULL;
  size_t vcap = 0;
  int st = OGAS_OK;
  while (at < len && !st) {
    int64_t kind = words[at];
    if (kind == J_RECORD && at + 3 <= len) {
      size_t n = (size_t)words[at + 1];
      if (words[at + 1] < 0 || at + 3 + 3 * n > len) break;
      if (n > vcap) {
        double *v = realloc(values, n * sizeof *v);
        if (!v) {
          free(values);
          return status_msg(OGAS_ENOMEM, err, errlen, "resume: out of memory");
        }
        values = v, vcap = n;
      }
      memcpy(values, words + at + 3 + 2 * n, n * sizeof(double));
      st = study_sampler_record(s, words + at + 3, words + at + 3 + n, values, n, words[at + 2]);
      at += 3 + 3 * n;
    } else if (kind == J_FINISHED && at + 2 <= len) {
      st = study_sampler_finished(s, words[at + 1]);
      at += 2;
    } else if (kind == J_RESAMPLE && at + 3 <= len) {
      st = study_sampler_resample(s, words[at + 1], words[at + 2], NULL);
      at += 3;
    } else {
      break;
    }
  }
  free(values);
  if (st)
    return status_msg(st, err, errlen, "resume: replaying the sampler: %s",
                      study_sampler_errmsg(s));
  if (at != len)
    return status_msg(OGAS_ECORRUPT, err, errlen, "resume: the sampler journal is damaged");
  return OGAS_OK;
}
