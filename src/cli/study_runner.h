/* study_runner — how the run and compare commands run a study: in this
 * process (study.h), or over the ranks of an MPI launch (src/mpi/study_mpi.h)
 * when the command was started by mpirun/srun with more than one rank, or when
 * the study asks for what only the rank runner does (checkpoints, --resume,
 * redraws of failed simulations, fault injection). */
#ifndef OGAS_CLI_STUDY_RUNNER_H
#define OGAS_CLI_STUDY_RUNNER_H

#include <stdint.h>

#include "study/study.h"

typedef struct {
  const char *checkpoint_dir; /* NULL: none */
  int64_t checkpoint_every;   /* 0: the config's mpi.checkpoint_every */
  int resume;
} cli_study_options;

/* opts as study_run's; mo may be NULL. */
int cli_run_study(const study_config *cfg, const cli_study_options *mo,
                  const study_run_options *opts, study_result **out, char *err, size_t errlen);

/* In an MPI build, run/compare go through here: under a launcher, ranks > 0
   serve the studies of rank 0 and rank 0 runs the command. */
int cli_mpi_main(int (*cmd)(int, char **), int argc, char **argv);

/* Only rank 0 prints and writes files. */
int cli_is_root(void);

#endif
