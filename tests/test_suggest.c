/* suggest: Levenshtein distances, case folding, the length cap, and the
   choice of the closest candidate within each candidate's allowance. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "util/suggest.h"

int main(void) {
  /* One edit each: substitution, insertion, deletion; a swap is two. */
  CHECK(suggest_distance("", "", false) == 0);
  CHECK(suggest_distance("abc", "", false) == 3);
  CHECK(suggest_distance("", "abc", false) == 3);
  CHECK(suggest_distance("seed", "seed", false) == 0);
  CHECK(suggest_distance("seed", "sead", false) == 1);
  CHECK(suggest_distance("seed", "seeds", false) == 1);
  CHECK(suggest_distance("seed", "sed", false) == 1);
  CHECK(suggest_distance("seed", "esed", false) == 2);
  CHECK(suggest_distance("kitten", "sitting", false) == 3);
  CHECK(suggest_distance("sitting", "kitten", false) == 3); /* symmetric */

  /* Case: folded only when asked. */
  CHECK(suggest_distance("HALTON", "halton", true) == 0);
  CHECK(suggest_distance("HALTON", "halton", false) == 6);
  CHECK(suggest_distance("Sobol", "sobel", true) == 1);

  /* The cap: SUGGEST_MAX_LEN characters are measured, one more is "far". */
  char at_cap[SUGGEST_MAX_LEN + 1], over_cap[SUGGEST_MAX_LEN + 2];
  memset(at_cap, 'a', SUGGEST_MAX_LEN), at_cap[SUGGEST_MAX_LEN] = '\0';
  memset(over_cap, 'a', SUGGEST_MAX_LEN + 1), over_cap[SUGGEST_MAX_LEN + 1] = '\0';
  CHECK(suggest_distance(at_cap, "", false) == SUGGEST_MAX_LEN);
  CHECK(suggest_distance(at_cap, at_cap, false) == 0);
  CHECK(suggest_distance(over_cap, "a", false) == SIZE_MAX);
  CHECK(suggest_distance("a", over_cap, false) == SIZE_MAX);

  /* The closest candidate wins; on a tie the first offered; none beyond its
     allowance. */
  suggestion s;
  suggest_init(&s, "buffer_sise", true);
  CHECK(s.best == NULL && s.best_distance == SIZE_MAX);
  suggest_consider(&s, "batch_size", 3);
  suggest_consider(&s, "buffer_size", 3);
  suggest_consider(&s, "buffer_sizes", 3);
  CHECK(s.best && strcmp(s.best, "buffer_size") == 0 && s.best_distance == 1);

  suggest_init(&s, "ab", false);
  suggest_consider(&s, "ac", 1);
  suggest_consider(&s, "bb", 1);
  CHECK(s.best && strcmp(s.best, "ac") == 0);

  suggest_init(&s, "lr", false);
  suggest_consider(&s, "model_dim", 2);
  CHECK(s.best == NULL);
  suggest_consider(&s, "lrs", 0); /* distance 1, allowance 0 */
  CHECK(s.best == NULL);
  suggest_consider(&s, "lrs", 1);
  CHECK(s.best && strcmp(s.best, "lrs") == 0);

  /* Exact matches are distance 0, so a caller that checks them first is
     never told "did you mean" its own key. */
  suggest_init(&s, "Model", true);
  suggest_consider(&s, "model", 0);
  CHECK(s.best && s.best_distance == 0);
  return check_exit("test_suggest");
}
