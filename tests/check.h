/* Minimal test harness: CHECK records a failure and goes on, so that one run
   shows every broken expectation; check_exit() prints the summary line and
   returns the process status for ctest. */
#ifndef OGAS_TEST_CHECK_H
#define OGAS_TEST_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures_;
static int check_count_;

#define CHECK(cond)                                                            \
  do {                                                                         \
    check_count_++;                                                            \
    if (!(cond)) {                                                             \
      check_failures_++;                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_MSG(cond, ...)                                                   \
  do {                                                                         \
    check_count_++;                                                            \
    if (!(cond)) {                                                             \
      check_failures_++;                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

/* |a - b| <= tol * max(1, |b|) */
#define CHECK_NEAR(a, b, tol)                                                                     \
  do {                                                                                            \
    double ca_ = (double)(a), cb_ = (double)(b);                                                  \
    CHECK_MSG(fabs(ca_ - cb_) <= (tol)*fmax(1.0, fabs(cb_)), "%s = %.9g, %s = %.9g", #a, ca_, #b, \
              cb_);                                                                               \
  } while (0)

static inline int check_exit(const char *name) {
  printf("%s: %d checks, %d failed\n", name, check_count_, check_failures_);
  return check_failures_ ? 1 : 0;
}

#endif
