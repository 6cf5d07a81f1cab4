/* suggest — the "did you mean" of config readers: the candidate closest to a
   mistyped word by Levenshtein distance (insertions, deletions and
   substitutions, one each), within a distance the caller allows for that
   candidate.
 *
 * Contract
 *  - Candidates are offered one at a time; the first one at the smallest
 *    distance wins, and one farther than its max_distance is never chosen.
 *  - Words longer than SUGGEST_MAX_LEN count as infinitely far (the distance
 *    is SIZE_MAX), which keeps the work and stack small for any input.
 *  - No allocation, no global state. */
#ifndef OGAS_UTIL_SUGGEST_H
#define OGAS_UTIL_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

#define SUGGEST_MAX_LEN 64

/* Levenshtein distance of a and b, comparing ASCII letters case-insensitively
   when fold_case; SIZE_MAX when either is longer than SUGGEST_MAX_LEN. */
size_t suggest_distance(const char *a, const char *b, bool fold_case);

typedef struct {
  const char *word; /* the unknown word */
  bool fold_case;
  const char *best; /* closest candidate so far, NULL: none close enough */
  size_t best_distance;
} suggestion;

void suggest_init(suggestion *s, const char *word, bool fold_case);

/* Take candidate as the best guess when it is strictly closer than the best
   so far and at most max_distance away. */
void suggest_consider(suggestion *s, const char *candidate, size_t max_distance);

#endif
