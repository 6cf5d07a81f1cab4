/* libFuzzer target: the study config parser (src/study/study_config.h). Any
   text either parses, or fails with a message and leaves the defaults
   owning nothing; a parsed config is within the ranges the parser promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_common.h"
#include "ogas.h"
#include "study/study_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  if (!text) return 0;
  study_config c;
  char err[512] = "";
  int st = study_config_parse(text, &c, err, sizeof err);
  free(text);
  if (st) {
    study_config d;
    study_config_defaults(&d);
    /* Defaults back, nothing owned, a message given. */
    if (!err[0] || c.ogas_json || c.mpi_json || c.nb_sims != d.nb_sims || c.tuning.n_seeds != 0 ||
        c.validation_n_sims != d.validation_n_sims)
      abort();
    return 0;
  }
  if (c.tuning.n_seeds > STUDY_MAX_TUNING_SEEDS || c.validation_rollout_steps < 0 ||
      c.validation_n_sims < 1 || c.nb_sims < 1 || study_config_total_batches(&c) < 1)
    abort();
  study_config_free(&c);
  return 0;
}
