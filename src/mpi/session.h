/* session — the MPI session of one `ogas run` or `ogas compare` process.
 *
 * Under mpirun or srun every rank starts the same command. Rank 0 runs the
 * command as usual (arguments, config, output files, printing); each study
 * it runs goes through study_mpi_session_run, which sends the study (config
 * and options) to the other ranks. They sit in study_mpi_session_serve: take
 * a study, run their roles in it (study_mpi.h), wait for the next, until rank
 * 0 ends the session. Without a launcher the command runs as before, in one
 * process, unless a study needs the rank runner (checkpoints, --resume,
 * redraws, fault injection: study_mpi_needed), which then starts MPI on its
 * own (one rank).
 *
 * MPI is process-wide, so this is too. The waits here neither spin nor time
 * out: the other ranks may sit idle while rank 0 builds a validation set or
 * writes plots. */
#ifndef OGAS_MPI_SESSION_H
#define OGAS_MPI_SESSION_H

#include "mpi/rank_ctx.h"
#include "study/study.h"

/* Was this process started by an MPI launcher (Open MPI, MPICH/PMI, PMIx, srun)? */
int study_mpi_launched(void);
/* MPI_Init_thread (MPI_THREAD_MULTIPLE); 0 or -1 with a message on stderr. */
int study_mpi_session_begin(int *argc, char ***argv);
int study_mpi_session_active(void);
int study_mpi_session_rank(void);
int study_mpi_session_size(void);
/* Ranks > 0: run studies until rank 0 ends the session; exit status. */
int study_mpi_session_serve(void);
/* Rank 0 ends the session for everyone; every rank finalises MPI. */
void study_mpi_session_end(void);
/* Rank 0: one study over every rank of the session (started on demand). */
int study_mpi_session_run(const study_config *cfg, const study_mpi_options *mo,
                          const study_run_options *opts, study_result **out, char *err,
                          size_t errlen);

#endif
