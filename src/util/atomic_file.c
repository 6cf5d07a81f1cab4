/* atomic_file — see atomic_file.h. */
#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ogas.h"
#include "util/status_msg.h"

/* Links followed before giving up (Linux's own limit for path lookups). */
#define MAX_LINK_HOPS 40

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* The folder part of path ("." when there is none); malloc'd. */
static char *folder_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return dup_str(".");
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, path, n);
  d[n] = '\0';
  return d;
}

static const char *kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "not a regular file";
}

/* Follow path through symbolic links to the file to replace: *dest (malloc'd)
   and its permission bits (0644 when it does not exist yet). */
static int resolve(const char *path, char **dest, mode_t *mode, char *err, size_t errlen) {
  *dest = NULL;
  char *cur = dup_str(path);
  if (!cur) return status_msg(OGAS_ENOMEM, err, errlen, "out of memory");
  for (int hops = 0;; hops++) {
    struct stat sb;
    if (lstat(cur, &sb)) {
      int e = errno;
      if (e == ENOENT && hops == 0) {
        *dest = cur, *mode = 0644;
        return OGAS_OK;
      }
      int st = e == ENOENT
                   ? status_msg(OGAS_EIO, err, errlen,
                                "'%s' is a symbolic link to '%s', which does not exist; "
                                "nothing was written",
                                path, cur)
                   : status_msg(OGAS_EIO, err, errlen, "cannot write '%s': %s", path, strerror(e));
      free(cur);
      return st;
    }
    if (S_ISREG(sb.st_mode)) {
      *dest = cur, *mode = sb.st_mode & 07777;
      return OGAS_OK;
    }
    if (!S_ISLNK(sb.st_mode)) {
      int st = hops == 0 ? status_msg(OGAS_EIO, err, errlen,
                                      "'%s' is %s; only a regular file is replaced, nothing "
                                      "was written",
                                      path, kind_of(sb.st_mode))
                         : status_msg(OGAS_EIO, err, errlen,
                                      "'%s' is a symbolic link to '%s', which is %s; only a "
                                      "regular file is replaced, nothing was written",
                                      path, cur, kind_of(sb.st_mode));
      free(cur);
      return st;
    }
    if (hops == MAX_LINK_HOPS) {
      free(cur);
      return status_msg(OGAS_EIO, err, errlen,
                        "'%s': more than %d symbolic links (a loop?); nothing was written", path,
                        MAX_LINK_HOPS);
    }
    char target[PATH_MAX];
    ssize_t n = readlink(cur, target, sizeof target - 1);
    if (n < 0 || (size_t)n >= sizeof target - 1) {
      int e = n < 0 ? errno : ENAMETOOLONG;
      free(cur);
      return status_msg(OGAS_EIO, err, errlen, "cannot follow the symbolic link '%s': %s", path,
                        strerror(e));
    }
    target[n] = '\0';
    char *next;
    if (target[0] == '/') {
      next = dup_str(target);
    } else { /* relative to the link's own folder */
      char *dir = folder_of(cur);
      next = dir ? malloc(strlen(dir) + (size_t)n + 2) : NULL;
      if (next) sprintf(next, "%s/%s", dir, target);
      free(dir);
    }
    free(cur);
    if (!next) return status_msg(OGAS_ENOMEM, err, errlen, "out of memory");
    cur = next;
  }
}

/* Resolve the destination and create the temporary file; *fd (or -1). */
static int open_tmp(atomic_file *a, const char *path, int *fd, char *err, size_t errlen) {
  memset(a, 0, sizeof *a);
  *fd = -1;
  if (!path || !*path) return status_msg(OGAS_EINVAL, err, errlen, "no path given");
  int st = resolve(path, &a->dest, &a->mode, err, errlen);
  if (st) return st;
  size_t len = strlen(a->dest);
  a->tmp = malloc(len + 12);
  if (!a->tmp) {
    atomic_file_abort(a);
    return status_msg(OGAS_ENOMEM, err, errlen, "out of memory");
  }
  snprintf(a->tmp, len + 12, "%s.tmp-XXXXXX", a->dest);
  *fd = mkstemp(a->tmp);
  if (*fd < 0) {
    st = status_msg(OGAS_EIO, err, errlen, "cannot create a temporary file beside '%s': %s",
                    a->dest, strerror(errno));
    free(a->tmp), a->tmp = NULL; /* nothing to remove */
    atomic_file_abort(a);
    return st;
  }
  return OGAS_OK;
}

int atomic_file_open(atomic_file *a, const char *path, char *err, size_t errlen) {
  int fd;
  int st = open_tmp(a, path, &fd, err, errlen);
  if (st) return st;
  a->f = fdopen(fd, "w");
  if (!a->f) {
    st = status_msg(OGAS_ENOMEM, err, errlen, "cannot open a stream on '%s': %s", a->tmp,
                    strerror(errno));
    close(fd);
    atomic_file_abort(a);
    return st;
  }
  return OGAS_OK;
}

void atomic_file_abort(atomic_file *a) {
  if (a->f) fclose(a->f);
  if (a->tmp) unlink(a->tmp);
  free(a->tmp), free(a->dest);
  memset(a, 0, sizeof *a);
}

/* Rename the synced, closed temporary file into place and sync the folder;
   `step` names a failure found before (NULL: none). Releases a. */
static int publish(atomic_file *a, const char *step, int saved, char *err, size_t errlen) {
  if (!step && rename(a->tmp, a->dest)) step = "rename", saved = errno;
  int st = OGAS_OK;
  if (step) {
    st = status_msg(OGAS_EIO, err, errlen,
                    "cannot write '%s' (%s: %s); the previous file is "
                    "unchanged",
                    a->dest, step, strerror(saved));
    unlink(a->tmp);
  } else {
    /* The rename is durable once the folder is synced. Some file systems
       cannot sync a folder (EINVAL): nothing more can be done there. */
    char *dir = folder_of(a->dest);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (!dir)
      st = status_msg(OGAS_ENOMEM, err, errlen,
                      "'%s' is written, but out of memory "
                      "to sync its folder",
                      a->dest);
    else if (dfd < 0 || (fsync(dfd) && errno != EINVAL && errno != ENOTSUP))
      st = status_msg(OGAS_EIO, err, errlen,
                      "'%s' is written but its folder '%s' cannot be "
                      "synced: %s",
                      a->dest, dir, strerror(errno));
    if (dfd >= 0) close(dfd);
    free(dir);
  }
  free(a->tmp), free(a->dest);
  memset(a, 0, sizeof *a);
  return st;
}

/* Permission bits and fsync of the written temporary file. */
static void settle(const atomic_file *a, int fd, const char **step, int *saved) {
  if (!*step && fchmod(fd, a->mode)) *step = "chmod", *saved = errno;
  if (!*step && fsync(fd)) *step = "fsync", *saved = errno;
}

int atomic_file_commit(atomic_file *a, char *err, size_t errlen) {
  if (!a->f) return status_msg(OGAS_EINVAL, err, errlen, "no file open");
  const char *step = NULL;
  int saved = 0;
  if (fflush(a->f) || ferror(a->f)) step = "write", saved = errno ? errno : EIO;
  settle(a, fileno(a->f), &step, &saved);
  if (fclose(a->f) && !step) step = "close", saved = errno;
  a->f = NULL;
  return publish(a, step, saved, err, errlen);
}

/* Write all of buf, retrying short writes and EINTR. */
static int write_all(int fd, const unsigned char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return -1;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

int atomic_file_write(const char *path, const void *buf, size_t n, char *err, size_t errlen) {
  atomic_file a;
  int fd;
  int st = open_tmp(&a, path, &fd, err, errlen);
  if (st) return st;
  const char *step = NULL;
  int saved = 0;
  if (write_all(fd, buf, n)) step = "write", saved = errno;
  settle(&a, fd, &step, &saved);
  if (close(fd) && !step) step = "close", saved = errno;
  return publish(&a, step, saved, err, errlen);
}
