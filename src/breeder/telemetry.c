/* telemetry — per-generation records: kept in memory for
 * ogas_generation_info_get and, when the config names a run_dir, appended as
 * one JSON object per line to RUN_DIR/generations.jsonl. With a run_dir the
 * submitted simulations are also logged to RUN_DIR/children.csv
 * (sim_id, generation, is_bred, status, train_loss, <parameter names>), the
 * format `ogas plot` reads.
 *
 * Telemetry never changes the status of a core call, and never does file
 * I/O under the breeder's locks: the folder and both files are opened at
 * creation (where a failure is an error of ogas_breeder_create); afterwards
 * the lines are formatted under `lock` into pending text and written by
 * telemetry_flush once the call has released its locks. log_lock orders the
 * writers: a flush swaps out all the text pending at that moment, so lines
 * reach the files in the order they were formatted. A failed write is
 * counted and its message kept (ogas_telemetry_status). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breeder/breeder_internal.h"
#include "util/run_log.h"
#include "util/status_msg.h"

/* [lock] held. The first failure's message is kept. */
static void count_failure(ogas_breeder *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void count_failure(ogas_breeder *b, const char *fmt, ...) {
  if (b->telemetry_failures++ == 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->telemetry_error, sizeof b->telemetry_error, fmt, ap);
    va_end(ap);
  }
}

/* Open RUN_DIR/name for appending: a regular file (created if missing); -1
   with err. O_NONBLOCK: a FIFO planted there must not hang creation. */
static int open_log(const ogas_breeder *b, const char *name, char *err, size_t errlen) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", b->cfg.run_dir, name);
  struct stat sb;
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
    status_msg(0, err, errlen, "config: run_dir: '%s' is not a regular file", path);
    return -1;
  }
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    status_msg(0, err, errlen, "config: run_dir: cannot open '%s' for appending: %s", path,
               strerror(errno));
    return -1;
  }
  if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
    status_msg(0, err, errlen, "config: run_dir: '%s' is not a regular file", path);
    close(fd);
    return -1;
  }
  return fd;
}

/* Write all of n bytes; 0 or -1 with errno. */
static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return -1;
    }
    p += w, n -= (size_t)w;
  }
  return 0;
}

ogas_status telemetry_open(ogas_breeder *b, char *err, size_t errlen) {
  b->fd_children = b->fd_gens = -1;
  if (!b->cfg.run_dir) return OGAS_OK;
  if (mkdir(b->cfg.run_dir, 0777) && errno != EEXIST)
    return status_msg(OGAS_EIO, err, errlen, "config: run_dir: cannot create '%s': %s",
                      b->cfg.run_dir, strerror(errno));
  b->fd_gens = open_log(b, RUN_LOG_GENERATIONS, err, errlen);
  if (b->fd_gens >= 0) b->fd_children = open_log(b, RUN_LOG_CHILDREN, err, errlen);
  if (b->fd_children < 0) {
    if (b->fd_gens >= 0) close(b->fd_gens);
    b->fd_gens = -1;
    return OGAS_EIO;
  }
  struct stat sb;
  if (fstat(b->fd_children, &sb) == 0 && sb.st_size == 0) {
    run_log_text h = {0};
    int bad = run_log_children_header(&h, (const char *const *)b->cfg.parameter_names, b->d);
    int e = bad ? ENOMEM : (write_all(b->fd_children, h.text, h.len) ? errno : 0);
    free(h.text);
    if (e) {
      telemetry_close(b);
      return status_msg(e == ENOMEM ? OGAS_ENOMEM : OGAS_EIO, err, errlen,
                        "config: run_dir: cannot write to '%s/children.csv': %s", b->cfg.run_dir,
                        strerror(e));
    }
  }
  return OGAS_OK;
}

void telemetry_close(ogas_breeder *b) {
  telemetry_flush(b);
  if (b->fd_children >= 0) close(b->fd_children);
  if (b->fd_gens >= 0) close(b->fd_gens);
  b->fd_children = b->fd_gens = -1;
  free(b->pending_children.text), free(b->pending_gens.text);
  free(b->spare_children.text), free(b->spare_gens.text);
  memset(&b->pending_children, 0, sizeof b->pending_children);
  memset(&b->pending_gens, 0, sizeof b->pending_gens);
  memset(&b->spare_children, 0, sizeof b->spare_children);
  memset(&b->spare_gens, 0, sizeof b->spare_gens);
}

/* [lock] held. Rows up to `upto` have been submitted: their parameters are
   final, so they are logged once each. train_loss is the simulation's score
   so far (empty before any value). */
void telemetry_log_children(ogas_breeder *b, int64_t upto) {
  if (b->fd_children < 0 || upto <= b->logged_upto) return;
  run_log_text *t = &b->pending_children;
  int bad = 0;
  for (int64_t id = b->logged_upto + 1; id <= upto && !bad; id++)
    bad = run_log_child_row(t, id, b->row_generation[id], b->is_bred[id], RUN_LOG_SUBMITTED,
                            b->signal.n_values[id] ? b->signal.score[id] : NAN,
                            b->table + (size_t)id * b->d, b->d);
  if (bad) /* whole rows only */
    count_failure(b, "telemetry: out of memory formatting children.csv rows %lld..%lld",
                  (long long)(b->logged_upto + 1), (long long)upto);
  b->logged_upto = upto;
}

ogas_status telemetry_reserve(ogas_breeder *b) {
  if (b->n_gens < b->cap_gens) return OGAS_OK;
  int64_t cap = b->cap_gens ? 2 * b->cap_gens : 16;
  ogas_generation_info *g = realloc(b->gens, (size_t)cap * sizeof *g);
  if (!g)
    return breeder_fail(b, OGAS_ENOMEM,
                        "ogas_next_parameters: out of memory for the telemetry "
                        "of generation %lld",
                        (long long)(b->n_gens + 1));
  b->gens = g;
  b->cap_gens = cap;
  return OGAS_OK;
}

void telemetry_append(ogas_breeder *b, const ogas_generation_info *info) {
  b->gens[b->n_gens++] = *info;
  if (b->fd_gens < 0) return;
  run_log_generation g;
  run_log_generation_clear(&g);
  g.info = *info;
  if (run_log_generation_line(&b->pending_gens, &g))
    count_failure(b, "telemetry: out of memory formatting generation %lld",
                  (long long)info->generation);
}

/* Write one pending text to its file ([log_lock] held, not `lock`); the
   error number of a failed write, else 0. */
static int write_text(int fd, run_log_text *t) {
  int e = 0;
  if (fd >= 0 && t->len && write_all(fd, t->text, t->len)) e = errno;
  t->len = 0;
  return e;
}

void telemetry_flush(ogas_breeder *b) {
  if (b->fd_children < 0 && b->fd_gens < 0) return;
  pthread_mutex_lock(&b->log_lock);
  pthread_mutex_lock(&b->lock);
  run_log_text children = b->pending_children, gens = b->pending_gens;
  b->pending_children = b->spare_children, b->pending_gens = b->spare_gens;
  pthread_mutex_unlock(&b->lock);
  int e_children = write_text(b->fd_children, &children);
  int e_gens = write_text(b->fd_gens, &gens);
  b->spare_children = children, b->spare_gens = gens; /* emptied, capacity kept */
  if (e_children || e_gens) {
    pthread_mutex_lock(&b->lock);
    if (e_children)
      count_failure(b, "telemetry: write to '%s/children.csv' failed: %s", b->cfg.run_dir,
                    strerror(e_children));
    if (e_gens)
      count_failure(b, "telemetry: write to '%s/generations.jsonl' failed: %s", b->cfg.run_dir,
                    strerror(e_gens));
    pthread_mutex_unlock(&b->lock);
  }
  pthread_mutex_unlock(&b->log_lock);
}
