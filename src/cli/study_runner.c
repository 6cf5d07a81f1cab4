#include "cli/study_runner.h"

#include <stdio.h>
#include <string.h>

#include "ogas.h"

#ifdef OGAS_HAVE_MPI
#include "mpi/rank_layout.h"
#include "mpi/session.h"
#include "mpi/study_mpi.h"
#endif

int cli_is_root(void) {
#ifdef OGAS_HAVE_MPI
  return study_mpi_session_rank() == 0;
#else
  return 1;
#endif
}

int cli_run_study(const study_config *cfg, const cli_study_options *mo,
                  const study_run_options *opts, study_result **out, char *err, size_t errlen) {
  int wants_ranks = mo && (mo->checkpoint_every > 0 || mo->resume);
#ifdef OGAS_HAVE_MPI
  study_mpi_options smo;
  memset(&smo, 0, sizeof smo);
  if (mo) {
    if (mo->checkpoint_dir)
      snprintf(smo.checkpoint_dir, sizeof smo.checkpoint_dir, "%s", mo->checkpoint_dir);
    smo.checkpoint_every = mo->checkpoint_every;
    smo.resume = mo->resume;
  }
  smo.progress = opts && opts->progress != NULL;
  if (study_mpi_session_size() > 1 || study_mpi_needed(cfg, &smo)) {
    mpi_config mc;
    rank_layout lay;
    int n = study_mpi_session_size();
    if (!mpi_config_parse(cfg->mpi_json, &mc, NULL, 0) &&
        !rank_layout_make(n, &mc, cfg->concurrent_sims, &lay, NULL, 0) && n > 1)
      fprintf(stderr,
              "ogas: %d ranks: %d training, breed on rank %d%s, %d simulation (%lld slots%s)\n", n,
              lay.n_train, lay.breed_rank, lay.breed_rank < lay.n_train ? " (shared)" : "",
              lay.n_sim, (long long)lay.n_slots,
              lay.n_sim > lay.n_slots ? "; simulation ranks without a slot stay idle: raise "
                                        "concurrent_sims"
                                      : "");
    return study_mpi_session_run(cfg, &smo, opts, out, err, errlen);
  }
#else
  if (wants_ranks || cfg->mpi_json) {
    /* The "mpi" section is for runs over ranks; a build without MPI ignores
       it, but checkpoints have no other runner. */
    if (wants_ranks) {
      snprintf(err, errlen, "checkpoints and --resume need the MPI build (cmake -DOGAS_MPI=ON)");
      return OGAS_EINVAL;
    }
  }
#endif
  (void)wants_ranks;
  return study_run(cfg, opts, out, err, errlen);
}

int cli_mpi_main(int (*cmd)(int, char **), int argc, char **argv) {
#ifdef OGAS_HAVE_MPI
  if (study_mpi_launched()) {
    if (study_mpi_session_begin(NULL, NULL)) return 1;
    if (study_mpi_session_rank() != 0) {
      int rc = study_mpi_session_serve();
      study_mpi_session_end();
      return rc;
    }
  }
  int rc = cmd(argc, argv);
  study_mpi_session_end();
  return rc;
#else
  return cmd(argc, argv);
#endif
}
