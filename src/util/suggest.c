/* suggest — Levenshtein distance with one row of the dynamic programme:
   row[j] = distance(a[0..i), b[0..j)), updated in place from
   d(i,j) = min(d(i-1,j-1) + [a_i != b_j], d(i-1,j) + 1, d(i,j-1) + 1). */
#include "util/suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

size_t suggest_distance(const char *a, const char *b, bool fold_case) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > SUGGEST_MAX_LEN || nb > SUGGEST_MAX_LEN) return SIZE_MAX;
  size_t row[SUGGEST_MAX_LEN + 1];
  for (size_t j = 0; j <= nb; j++) row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t up = row[j];
      int ca = (unsigned char)a[i - 1], cb = (unsigned char)b[j - 1];
      if (fold_case) ca = tolower(ca), cb = tolower(cb);
      size_t best = diag + (ca != cb);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[nb];
}

void suggest_init(suggestion *s, const char *word, bool fold_case) {
  s->word = word;
  s->fold_case = fold_case;
  s->best = NULL;
  s->best_distance = SIZE_MAX;
}

void suggest_consider(suggestion *s, const char *candidate, size_t max_distance) {
  size_t d = suggest_distance(s->word, candidate, s->fold_case);
  if (d < s->best_distance && d <= max_distance) s->best_distance = d, s->best = candidate;
}
