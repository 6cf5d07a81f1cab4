/* Allocation-failure injection, SQLite style: a test that includes this
   replaces malloc and friends with versions that fail the n-th call once
   armed (fail_countdown = n), and counts live blocks to catch leaks on the
   failure paths. Left out under ASan/TSan, whose allocators own malloc (and
   find leaks themselves): FAILING_MALLOC tells which. */
#ifndef OGAS_TEST_FAILING_MALLOC_H
#define OGAS_TEST_FAILING_MALLOC_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FAILING_MALLOC 0
#else
#define FAILING_MALLOC 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
static long fail_countdown = -1; /* >= 0: allocations left before one fails */
static long live_blocks;

static int should_fail(void) { return fail_countdown >= 0 && fail_countdown-- == 0; }
void *malloc(size_t n) {
  void *p = should_fail() ? NULL : __libc_malloc(n);
  live_blocks += p != NULL;
  return p;
}
void *calloc(size_t n, size_t size) {
  void *p = should_fail() ? NULL : __libc_calloc(n, size);
  live_blocks += p != NULL;
  return p;
}
void *realloc(void *p, size_t n) {
  if (should_fail()) return NULL;
  void *q = __libc_realloc(p, n);
  if (!p && q) live_blocks++;
  return q;
}
void free(void *p) {
  live_blocks -= p != NULL;
  __libc_free(p);
}
#endif

#endif
