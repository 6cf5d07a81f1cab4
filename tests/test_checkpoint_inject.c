/* Failure injection for checkpoints, SQLite style. Every allocation of
   ogas_checkpoint_state and ogas_restart_from_checkpoint (and of breeder
   creation) is failed in turn; then write (at several calls, with short
   writes and EINTR), fsync of the file and of the folder, rename, mkstemp
   and read. Each failure must return OGAS_ENOMEM or OGAS_EIO with a
   message, leak nothing, leave the previous checkpoint file as it was with
   no temporary file behind, and leave the breeder untouched.

   Allocations are replaced by defining malloc and friends in this program
   (left out under ASan/TSan, whose allocators own malloc); the I/O calls of
   the library are wrapped at link time (-Wl,--wrap=..., see
   tests/CMakeLists.txt). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"
#include "test_checkpoint_util.h"

#include "failing_malloc.h"

/* ---- wrapped I/O ---- */
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_rename(const char *a, const char *b);
ssize_t __real_read(int fd, void *buf, size_t n);
int __real_mkstemp(char *tmpl);

static long write_countdown = -1, fsync_countdown = -1, read_countdown = -1;
static int write_errno = ENOSPC, write_chunk = 0, rename_fails = 0, mkstemp_fails = 0;
static int write_eintr_once = 0, read_chunk = 0;
static long write_calls;

ssize_t __wrap_write(int fd, const void *buf, size_t n) {
  write_calls++;
  if (write_eintr_once) {
    write_eintr_once = 0;
    errno = EINTR;
    return -1;
  }
  if (write_countdown >= 0 && write_countdown-- == 0) {
    if (write_errno == 0) return 0; /* a write that writes nothing */
    errno = write_errno;
    return -1;
  }
  if (write_chunk && n > (size_t)write_chunk) n = (size_t)write_chunk;
  return __real_write(fd, buf, n);
}
int __wrap_fsync(int fd) {
  if (fsync_countdown >= 0 && fsync_countdown-- == 0) {
    errno = EIO;
    return -1;
  }
  return __real_fsync(fd);
}
int __wrap_rename(const char *a, const char *b) {
  if (rename_fails) {
    errno = EXDEV;
    return -1;
  }
  return __real_rename(a, b);
}
ssize_t __wrap_read(int fd, void *buf, size_t n) {
  if (read_countdown >= 0 && read_countdown-- == 0) {
    errno = EIO;
    return -1;
  }
  if (read_chunk && n > (size_t)read_chunk) n = (size_t)read_chunk;
  return __real_read(fd, buf, n);
}
int __wrap_mkstemp(char *tmpl) {
  if (mkstemp_fails) {
    errno = ENOSPC;
    return -1;
  }
  return __real_mkstemp(tmpl);
}

static char path[512], before_path[512], after_path[512], base[256];

/* Temporary files left beside the checkpoint. */
static int leftovers(void) {
  DIR *dir = opendir(OGAS_TEST_OUT);
  if (!dir) return -1;
  char prefix[300];
  snprintf(prefix, sizeof prefix, "%s.tmp-", base);
  int n = 0;
  for (struct dirent *e; (e = readdir(dir));) n += !strncmp(e->d_name, prefix, strlen(prefix));
  closedir(dir);
  return n;
}

/* The breeder is as it was: a checkpoint now has the bytes of `before`. */
static int untouched(ogas_breeder *b) {
  return ogas_checkpoint_state(b, after_path) == OGAS_OK && ckt_same_file(before_path, after_path);
}

static void test_allocation_failures(ogas_breeder *b) {
#if FAILING_MALLOC
  /* ogas_checkpoint_state: the old file at `path` must survive. */
  int failures = 0, bad = 0, finished = 0;
  for (long k = 0; k < 10000 && !finished; k++) {
    long before = live_blocks;
    fail_countdown = k;
    ogas_status st = ogas_checkpoint_state(b, path);
    finished = fail_countdown >= 0;
    fail_countdown = -1;
    if (finished) {
      CHECK(st == OGAS_OK);
      break;
    }
    failures++;
    int wrong = st != OGAS_ENOMEM || !*ogas_errmsg(b) || live_blocks != before ||
                !ckt_same_file(path, before_path) || leftovers() != 0;
    if (wrong && bad++ < 3)
      fprintf(stderr, "checkpoint, allocation %ld failed: %s (%s), leaked %ld\n", k,
              ogas_status_name(st), ogas_errmsg(b), live_blocks - before);
  }
  CHECK_MSG(finished && failures >= 3 && bad == 0, "checkpoint: %d failures, %d wrong", failures,
            bad);
  printf("checkpoint: %d allocations failed in turn\n", failures);

  /* ogas_restart_from_checkpoint: the breeder must not change. The config
     parser (jansson) may turn an allocation failure into a parse error: the
     section is then reported as not holding a valid config. */
  failures = bad = finished = 0;
  int absorbed = 0;
  for (long k = 0; k < 10000 && !finished; k++) {
    long before = live_blocks;
    fail_countdown = k;
    ogas_status st = ogas_restart_from_checkpoint(b, path);
    finished = fail_countdown >= 0;
    fail_countdown = -1;
    if (finished) {
      CHECK(st == OGAS_OK);
      break;
    }
    failures++;
    /* jansson also absorbs some failures (its lexer drops what it cannot
       store): then the restart succeeds, from the same file, and the check
       below still holds. */
    int status_ok = st == OGAS_OK || st == OGAS_ENOMEM ||
                    (st == OGAS_ECORRUPT && strstr(ogas_errmsg(b), "CONF"));
    absorbed += st == OGAS_OK;
    int wrong = !status_ok || live_blocks != before || !untouched(b);
    if (wrong && bad++ < 3)
      fprintf(stderr, "restart, allocation %ld failed: %s (%s), leaked %ld\n", k,
              ogas_status_name(st), ogas_errmsg(b), live_blocks - before);
  }
  CHECK_MSG(finished && failures >= 5 && bad == 0, "restart: %d failures, %d wrong", failures, bad);
  printf("restart: %d allocations failed in turn (%d absorbed by the JSON parser)\n", failures,
         absorbed);

  /* Creation, for completeness: every failure frees what it made. */
  char *json = ckt_config(2, 20, 0, "", "");
  failures = bad = finished = 0;
  for (long k = 0; k < 100000 && !finished; k++) {
    long before = live_blocks;
    ogas_breeder *x = NULL;
    fail_countdown = k;
    ogas_status st = ogas_breeder_create(json, &x, NULL, 0);
    finished = fail_countdown >= 0;
    fail_countdown = -1;
    if (finished) {
      CHECK(st == OGAS_OK && x);
      ogas_breeder_free(x);
      break;
    }
    failures++;
    int wrong =
        st == OGAS_OK ? x == NULL : (!(st == OGAS_ENOMEM || st == OGAS_EINVAL) || x != NULL);
    wrong |= st != OGAS_OK && live_blocks != before;
    if (x) ogas_breeder_free(x);
    wrong |= live_blocks != before;
    if (wrong && bad++ < 3)
      fprintf(stderr, "create, allocation %ld failed: %s, leaked %ld\n", k, ogas_status_name(st),
              live_blocks - before);
  }
  free(json);
  CHECK_MSG(finished && failures >= 10 && bad == 0, "create: %d failures, %d wrong", failures, bad);
#else
  (void)b;
  printf("allocation failures: skipped under a sanitizer\n");
#endif
}

/* One I/O failure: the call fails with OGAS_EIO and a message containing
   `needle`, the old file stays, nothing is left behind. */
static void expect_write_failure(ogas_breeder *b, const char *needle, const char *label) {
  ogas_status st = ogas_checkpoint_state(b, path);
  CHECK_MSG(st == OGAS_EIO, "%s: %s", label, ogas_status_name(st));
  CHECK_MSG(strstr(ogas_errmsg(b), needle), "%s: message lacks '%s': %s", label, needle,
            ogas_errmsg(b));
  CHECK_MSG(ckt_same_file(path, before_path), "%s: the previous checkpoint changed", label);
  CHECK_MSG(leftovers() == 0, "%s: a temporary file is left", label);
}

static void test_io_failures(ogas_breeder *b) {
  write_countdown = 0;
  expect_write_failure(b, "write", "first write fails (ENOSPC)");
  write_countdown = 0, write_errno = 0;
  expect_write_failure(b, "write", "write writes nothing");
  write_errno = ENOSPC;
  /* Short writes: the file is written 7 bytes at a time; failing at the
     first, second, a middle and the last call. */
  write_chunk = 7;
  write_calls = 0;
  CHECK(ogas_checkpoint_state(b, after_path) == OGAS_OK);
  long calls = write_calls;
  CHECK(ckt_same_file(after_path, before_path));
  long at[] = {0, 1, calls / 2, calls - 1};
  for (int i = 0; i < 4; i++) {
    write_countdown = at[i];
    char label[64];
    snprintf(label, sizeof label, "short writes, call %ld of %ld fails", at[i], calls);
    expect_write_failure(b, "write", label);
  }
  write_countdown = -1, write_chunk = 0;
  /* EINTR is retried. */
  write_eintr_once = 1;
  CHECK(ogas_checkpoint_state(b, after_path) == OGAS_OK);
  CHECK(ckt_same_file(after_path, before_path));
  fsync_countdown = 0;
  expect_write_failure(b, "fsync", "fsync of the file fails");
  rename_fails = 1;
  expect_write_failure(b, "rename", "rename fails");
  rename_fails = 0;
  mkstemp_fails = 1;
  expect_write_failure(b, "temporary file", "no temporary file");
  mkstemp_fails = 0;
  /* The folder's fsync fails: the new file is in place, the status says the
     rename may not be durable. */
  fsync_countdown = 1;
  ogas_status st = ogas_checkpoint_state(b, after_path);
  CHECK_MSG(st == OGAS_EIO && strstr(ogas_errmsg(b), "folder"), "%s: %s", ogas_status_name(st),
            ogas_errmsg(b));
  CHECK(ckt_same_file(after_path, before_path));
  fsync_countdown = -1;

  /* Reading. */
  read_countdown = 0;
  st = ogas_restart_from_checkpoint(b, path);
  CHECK_MSG(st == OGAS_EIO && strstr(ogas_errmsg(b), "cannot read"), "%s: %s", ogas_status_name(st),
            ogas_errmsg(b));
  CHECK(untouched(b));
  read_countdown = 5, read_chunk = 100;
  st = ogas_restart_from_checkpoint(b, path);
  CHECK(st == OGAS_EIO);
  CHECK(untouched(b));
  read_countdown = -1;
  CHECK(ogas_restart_from_checkpoint(b, path) == OGAS_OK); /* short reads are fine */
  read_chunk = 0;
  CHECK(untouched(b));
}

int main(void) {
  int pid = (int)getpid();
  snprintf(base, sizeof base, "ckpt_inject_%d.ckpt", pid);
  snprintf(path, sizeof path, "%s/%s", OGAS_TEST_OUT, base);
  snprintf(before_path, sizeof before_path, "%s/ckpt_inject_before_%d.ckpt", OGAS_TEST_OUT, pid);
  snprintf(after_path, sizeof after_path, "%s/ckpt_inject_after_%d.ckpt", OGAS_TEST_OUT, pid);
  ogas_breeder *b = ckt_make(3, 64, 0, "", "");
  CHECK(b != NULL);
  if (!b) return check_exit("test_checkpoint_inject");
  ckt_generation(b, 1, 16);
  ckt_generation(b, 2, 16);
  ckt_phase(b, 3, 16, 1);
  ckt_phase(b, 3, 16, 2);
  CHECK(ogas_checkpoint_state(b, path) == OGAS_OK);
  CHECK(ogas_checkpoint_state(b, before_path) == OGAS_OK);
  test_allocation_failures(b);
  test_io_failures(b);
  ogas_breeder_free(b);
  remove(path), remove(before_path), remove(after_path);
  return check_exit("test_checkpoint_inject");
}
