/* A temporary folder per test (mkdtemp under $TMPDIR, else /tmp) and its
   removal with everything inside: tests write only there. */
#ifndef OGAS_TEST_TEMP_DIR_H
#define OGAS_TEST_TEMP_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* dir gets "<tmp>/ogas_<name>_XXXXXX", created; 0, or -1. */
static inline int temp_dir_make(char *dir, size_t len, const char *name) {
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp) tmp = "/tmp";
  if ((size_t)snprintf(dir, len, "%s/ogas_%s_XXXXXX", tmp, name) >= len) return -1;
  return mkdtemp(dir) ? 0 : -1;
}

/* rm -r path (symbolic links are removed, never followed). */
static inline void temp_dir_remove(const char *path) {
  struct stat sb;
  if (lstat(path, &sb)) return;
  if (S_ISDIR(sb.st_mode)) {
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char sub[4096];
      if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < sizeof sub)
        temp_dir_remove(sub);
    }
    if (d) closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

#endif
