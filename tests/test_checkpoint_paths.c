/* What ogas_checkpoint_state does with the path it is given (the one
   atomic-write routine of util/atomic_file.h, which the study's reports use
   too): a regular file or nothing is written; a symbolic link has its target
   replaced, atomically, and still points to it; a FIFO, a folder, a device
   node, a dangling link and a loop of links are refused with OGAS_EIO, a
   message naming the path, and nothing touched. Restore refuses the same
   non-regular files and reads through links. */
/* mknod and makedev are XSI. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"
#include "temp_dir.h"
#include "test_checkpoint_util.h"
#include "util/atomic_file.h"

static char dir[512];

static void path_in(char *out, size_t len, const char *name) {
  snprintf(out, len, "%s/%s", dir, name);
}

/* Entries in dir whose names start with prefix (temporary files left). */
static int count_prefix(const char *prefix) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += !strncmp(e->d_name, prefix, strlen(prefix));
  if (d) closedir(d);
  return n;
}

static int is_ckpt(const char *path) {
  size_t n;
  unsigned char *buf = ckt_read(path, &n);
  int ok = buf && n > 8 && !memcmp(buf, "OGASCKPT", 8);
  free(buf);
  return ok;
}

/* The checkpoint is refused with OGAS_EIO and a message containing `needle`. */
static void expect_refused(ogas_breeder *b, const char *path, const char *needle,
                           const char *what) {
  ogas_status st = ogas_checkpoint_state(b, path);
  CHECK_MSG(st == OGAS_EIO, "%s: %s (%s)", what, ogas_status_name(st), ogas_errmsg(b));
  CHECK_MSG(strstr(ogas_errmsg(b), needle), "%s: message lacks '%s': %s", what, needle,
            ogas_errmsg(b));
  CHECK_MSG(strstr(ogas_errmsg(b), path), "%s: message does not name the path: %s", what,
            ogas_errmsg(b));
}

static void test_regular_and_links(ogas_breeder *b) {
  char file[600], link[600], link2[600], sub[600];
  path_in(file, sizeof file, "state.ckpt");
  CHECK(ogas_checkpoint_state(b, file) == OGAS_OK && is_ckpt(file));
  /* Permission bits of an existing file survive the replacement. */
  CHECK(chmod(file, 0600) == 0);
  CHECK(ogas_checkpoint_state(b, file) == OGAS_OK);
  struct stat sb;
  CHECK(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600);

  /* A link (absolute target) stays a link; its target gets the new state. */
  path_in(link, sizeof link, "latest.ckpt");
  CHECK(symlink(file, link) == 0);
  ckt_generation(b, 1, 10);
  CHECK(ogas_checkpoint_state(b, link) == OGAS_OK);
  CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));
  CHECK(ckt_same_file(link, file));
  char other[600];
  path_in(other, sizeof other, "direct.ckpt");
  CHECK(ogas_checkpoint_state(b, other) == OGAS_OK && ckt_same_file(other, file));
  CHECK(count_prefix("state.ckpt.tmp-") == 0 && count_prefix("latest.ckpt.tmp-") == 0);
  /* A chain of links with a relative target in another folder. */
  path_in(sub, sizeof sub, "sub");
  CHECK(mkdir(sub, 0777) == 0);
  char in_sub[700];
  snprintf(in_sub, sizeof in_sub, "%s/hop.ckpt", sub);
  CHECK(symlink("../latest.ckpt", in_sub) == 0);
  path_in(link2, sizeof link2, "chain.ckpt");
  CHECK(symlink("sub/hop.ckpt", link2) == 0);
  ckt_generation(b, 2, 10);
  CHECK(ogas_checkpoint_state(b, link2) == OGAS_OK);
  CHECK(lstat(link2, &sb) == 0 && S_ISLNK(sb.st_mode) && lstat(in_sub, &sb) == 0 &&
        S_ISLNK(sb.st_mode));
  CHECK(ogas_checkpoint_state(b, other) == OGAS_OK && ckt_same_file(other, file));
  /* Restoring reads through the link. */
  CHECK(ogas_restart_from_checkpoint(b, link2) == OGAS_OK);
}

static void test_refused(ogas_breeder *b) {
  char fifo[600], folder[600], dangling[600], loop_a[600], loop_b[600], to_fifo[600];
  path_in(fifo, sizeof fifo, "fifo");
  CHECK(mkfifo(fifo, 0600) == 0);
  expect_refused(b, fifo, "FIFO", "FIFO");
  struct stat sb;
  CHECK(lstat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode));
  CHECK(ogas_restart_from_checkpoint(b, fifo) == OGAS_EIO); /* never blocks on the FIFO */

  path_in(to_fifo, sizeof to_fifo, "to_fifo");
  CHECK(symlink(fifo, to_fifo) == 0);
  expect_refused(b, to_fifo, "FIFO", "link to a FIFO");
  CHECK(lstat(to_fifo, &sb) == 0 && S_ISLNK(sb.st_mode) && lstat(fifo, &sb) == 0 &&
        S_ISFIFO(sb.st_mode));

  path_in(folder, sizeof folder, "folder");
  CHECK(mkdir(folder, 0777) == 0);
  expect_refused(b, folder, "folder", "folder");
  CHECK(lstat(folder, &sb) == 0 && S_ISDIR(sb.st_mode));

  path_in(dangling, sizeof dangling, "dangling");
  CHECK(symlink("no/such/target", dangling) == 0);
  expect_refused(b, dangling, "does not exist", "dangling link");
  CHECK(lstat(dangling, &sb) == 0 && S_ISLNK(sb.st_mode));

  path_in(loop_a, sizeof loop_a, "loop_a");
  path_in(loop_b, sizeof loop_b, "loop_b");
  CHECK(symlink("loop_b", loop_a) == 0 && symlink("loop_a", loop_b) == 0);
  expect_refused(b, loop_a, "symbolic links", "loop of links");

  /* A device node (root only: mknod). Its own copy of /dev/null's numbers,
     so the test never points at the real one. */
  char dev[600];
  path_in(dev, sizeof dev, "null_device");
  if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0) {
    expect_refused(b, dev, "character device", "device node");
    CHECK(lstat(dev, &sb) == 0 && S_ISCHR(sb.st_mode));
  } else {
    printf("device node: not checked (mknod: %s)\n", strerror(errno));
  }
  CHECK(count_prefix("fifo.tmp-") == 0 && count_prefix("folder.tmp-") == 0 &&
        count_prefix("null_device.tmp-") == 0);
}

/* The streaming interface used by the study's reports follows the same rules. */
static void test_stream(void) {
  char file[600], link[600], fifo[600], err[512];
  path_in(file, sizeof file, "report.md");
  path_in(link, sizeof link, "report_link.md");
  path_in(fifo, sizeof fifo, "fifo");
  atomic_file a;
  CHECK(atomic_file_open(&a, file, err, sizeof err) == OGAS_OK);
  fputs("first\n", a.f);
  CHECK(atomic_file_commit(&a, err, sizeof err) == OGAS_OK);
  CHECK(symlink("report.md", link) == 0);
  CHECK(atomic_file_open(&a, link, err, sizeof err) == OGAS_OK);
  fputs("second\n", a.f);
  CHECK(atomic_file_commit(&a, err, sizeof err) == OGAS_OK);
  FILE *f = fopen(file, "r");
  char line[64] = "";
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    fclose(f);
  }
  CHECK(!strcmp(line, "second\n"));
  struct stat sb;
  CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));
  /* Abandoned: the old contents stay, no temporary file. */
  CHECK(atomic_file_open(&a, file, err, sizeof err) == OGAS_OK);
  fputs("third\n", a.f);
  atomic_file_abort(&a);
  CHECK(count_prefix("report.md.tmp-") == 0);
  CHECK(atomic_file_open(&a, fifo, err, sizeof err) == OGAS_EIO && a.f == NULL);
  CHECK(strstr(err, "FIFO") != NULL);
  CHECK(atomic_file_write(fifo, "x", 1, err, sizeof err) == OGAS_EIO);
}

int main(void) {
  if (temp_dir_make(dir, sizeof dir, "ckpt_paths")) {
    perror("mkdtemp");
    return 1;
  }
  ogas_breeder *b = ckt_make(2, 40, 0, "", "");
  CHECK(b != NULL);
  if (b) {
    test_regular_and_links(b);
    test_refused(b);
    ogas_breeder_free(b);
  }
  test_stream();
  temp_dir_remove(dir);
  return check_exit("test_checkpoint_paths");
}
