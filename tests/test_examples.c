/* The example configs are what users start from and what docs/results.md
   reports on, so each must load as it is shipped: every example config
   parses as a study config naming a built-in problem, validates on at least
   750 simulations (issue 10's evaluation), names the seeds that tuned it with
   a validation seed other than its own, and its "breed", "sbal" and "ogas"
   sections create their samplers (the breeder's own validation of the "ogas" keys). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pde/pde.h"
#include "study/sampler.h"
#include "study/study_config.h"

#define EXAMPLES OGAS_TEST_DATA "/../../examples"

static void check_sampler(const study_config *c, const pde_problem *p, study_sampler_kind kind,
                          const char *name) {
  study_sampler_config sc = {
      .kind = kind,
      .nb_params = pde_nb_params(p),
      .lower = pde_lower(p),
      .upper = pde_upper(p),
      .nb_sims = c->nb_sims,
      .seed = c->seed,
      .breed = c->breed,
      .sbal = c->sbal,
      .ogas_json = c->ogas_json,
      .ogas_force_sync = 1,
  };
  study_sampler *s = NULL;
  char err[512] = "";
  int rc = study_sampler_create(&sc, &s, err, sizeof err);
  CHECK_MSG(rc == 0, "%s: %s sampler: %s", name, study_sampler_name(kind), err);
  study_sampler_free(s);
}

static void check_example(const char *name) {
  char path[1024], err[512] = "";
  snprintf(path, sizeof path, "%s/%s", EXAMPLES, name);
  study_config c;
  int rc = study_config_load(path, &c, err, sizeof err);
  CHECK_MSG(rc == 0, "%s: %s", name, err);
  if (rc != 0) return;
  const pde_problem *p = pde_find(c.problem);
  CHECK_MSG(p != NULL, "%s: problem '%s'", name, c.problem);
  CHECK_MSG(c.validation_n_sims >= 750, "%s: validation.n_sims %lld", name,
            (long long)c.validation_n_sims);
  CHECK_MSG(c.tuning.n_seeds > 0 && c.tuning.has_validation_seed, "%s: no \"tuning\" section",
            name);
  CHECK_MSG(!c.tuning.has_validation_seed || c.tuning.validation_seed != c.validation_seed,
            "%s: tuned on its own validation seed %llu", name,
            (unsigned long long)c.validation_seed);
  if (p) {
    check_sampler(&c, p, STUDY_SAMPLER_BREED, name);
    check_sampler(&c, p, STUDY_SAMPLER_OGAS, name);
    check_sampler(&c, p, STUDY_SAMPLER_SBAL, name);
  }
  study_config_free(&c);
}

int main(void) {
  DIR *d = opendir(EXAMPLES);
  CHECK_MSG(d != NULL, "cannot open %s", EXAMPLES);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
      check_example(e->d_name);
      n++;
    }
  }
  if (d) closedir(d);
  CHECK_MSG(n >= 6, "%d example configs found", n); /* the six built-in problems */
  return check_exit("test_examples");
}
