/* atomic_file — the one way ogas writes a whole file: a temporary file in the
 * destination's folder, written, fsync'ed, renamed over the destination, then
 * the folder fsync'ed. Readers see the old file or the new one, never a mix,
 * and a crash at any moment leaves one of the two (one durability policy for
 * every file ogas writes whole: checkpoints, results, reports, plot data).
 *
 * What the path may name:
 *  - nothing: the file is created, mode 0644;
 *  - a regular file: it is replaced, keeping its permission bits;
 *  - a symbolic link (or a chain of them) to a regular file: the file it
 *    points to is replaced, atomically, in that file's folder, so the link
 *    keeps pointing to the current contents;
 *  - anything else — a folder, FIFO, socket, device, a dangling link or a
 *    loop of links: refused with OGAS_EIO, nothing is touched.
 * (Between the check and the rename another process could swap the path;
 * ogas does not defend against that.)
 *
 * Errors are ogas_status codes with a message naming the path and the step
 * that failed; on any error the destination is unchanged and no temporary
 * file is left. */
#ifndef OGAS_UTIL_ATOMIC_FILE_H
#define OGAS_UTIL_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct {
  FILE *f;     /* write through this between open and commit */
  char *dest;  /* the file replaced (the link target for a symbolic link) */
  char *tmp;   /* DEST.tmp-XXXXXX */
  mode_t mode; /* permission bits of the result */
} atomic_file;

/* Open a temporary file for `path`. OGAS_EIO (path refused or no temporary
   file), OGAS_ENOMEM; a->f is NULL then. */
int atomic_file_open(atomic_file *a, const char *path, char *err, size_t errlen);
/* Flush, sync, rename into place, sync the folder; releases a. OGAS_EIO
   when a step fails: if it was the folder's sync the new file is in place
   but may not survive a crash (the message says so). */
int atomic_file_commit(atomic_file *a, char *err, size_t errlen);
/* Remove the temporary file and release a (safe after a failed open). */
void atomic_file_abort(atomic_file *a);

/* Replace `path` with the n bytes of buf, as above (write(2) directly,
   retrying short writes and EINTR). */
int atomic_file_write(const char *path, const void *buf, size_t n, char *err, size_t errlen);

#endif
