#include "mpi/session.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpi/study_mpi.h"
#include "ogas.h"
#include "util/status_msg.h"

enum { CMD_STOP = 0, CMD_STUDY = 1 };

static int active, session_rank, session_size;
static MPI_Comm session_comm = MPI_COMM_NULL;

int study_mpi_launched(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                     "MPI_LOCALNRANKS", "SLURM_STEP_NUM_TASKS"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
    if (getenv(vars[i])) return 1;
  return 0;
}

int study_mpi_session_begin(int *argc, char ***argv) {
  if (active) return 0;
  int inited = 0, provided = 0;
  MPI_Initialized(&inited);
  if (!inited && MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
    fprintf(stderr, "ogas: MPI_Init_thread failed\n");
    return -1;
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &session_comm);
  MPI_Comm_rank(session_comm, &session_rank);
  MPI_Comm_size(session_comm, &session_size);
  active = 1;
  return 0;
}

int study_mpi_session_active(void) { return active; }
int study_mpi_session_rank(void) { return active ? session_rank : 0; }
int study_mpi_session_size(void) { return active ? session_size : 1; }

/* A broadcast from rank 0 that sleeps instead of spinning while it waits.
   Every broadcast of the session is this one (on every rank): MPI does not
   match a blocking collective with a non-blocking one. */
static void idle_bcast(void *buf, int count, MPI_Datatype type) {
  MPI_Request req;
  MPI_Ibcast(buf, count, type, 0, session_comm, &req);
  int done = 0;
  long ns = 1000;
  for (;;) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (done) return;
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
    if (ns < 1000000) ns *= 2;
  }
}

/* The study's config and options, from rank 0 to everyone. */
typedef struct {
  int64_t cmd;
  int64_t ogas_len, mpi_len; /* strlen + 1, or 0 for NULL */
  study_config cfg;          /* pointers cleared */
  study_mpi_options mo;
} study_message;

static char *take_string(int64_t len) {
  if (!len) return NULL;
  char *s = malloc((size_t)len);
  if (!s) {
    fprintf(stderr, "ogas: rank %d: out of memory\n", session_rank);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  idle_bcast(s, (int)len, MPI_CHAR);
  return s;
}

int study_mpi_session_serve(void) {
  int rc = 0;
  for (;;) {
    study_message m;
    memset(&m, 0, sizeof m);
    idle_bcast(&m, (int)sizeof m, MPI_BYTE);
    if (m.cmd == CMD_STOP) return rc;
    study_config cfg = m.cfg;
    cfg.ogas_json = take_string(m.ogas_len);
    cfg.mpi_json = take_string(m.mpi_len);
    char err[1024] = "";
    study_result *r = NULL;
    int st = study_mpi_run(session_comm, &cfg, &m.mo, NULL, &r, err, sizeof err);
    study_result_free(r);
    study_config_free(&cfg);
    if (st) rc = 1; /* rank 0 reports the error */
  }
}

void study_mpi_session_end(void) {
  if (!active) return;
  if (session_rank == 0) {
    study_message m;
    memset(&m, 0, sizeof m);
    m.cmd = CMD_STOP;
    idle_bcast(&m, (int)sizeof m, MPI_BYTE);
  }
  MPI_Comm_free(&session_comm);
  active = 0;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

int study_mpi_session_run(const study_config *cfg, const study_mpi_options *mo,
                          const study_run_options *opts, study_result **out, char *err,
                          size_t errlen) {
  if (!active && study_mpi_session_begin(NULL, NULL))
    return status_msg(OGAS_EINVAL, err, errlen, "MPI could not be started");
  study_message m;
  memset(&m, 0, sizeof m);
  m.cmd = CMD_STUDY;
  m.cfg = *cfg;
  m.cfg.ogas_json = NULL, m.cfg.mpi_json = NULL;
  m.ogas_len = cfg->ogas_json ? (int64_t)strlen(cfg->ogas_json) + 1 : 0;
  m.mpi_len = cfg->mpi_json ? (int64_t)strlen(cfg->mpi_json) + 1 : 0;
  if (mo) m.mo = *mo;
  idle_bcast(&m, (int)sizeof m, MPI_BYTE);
  if (m.ogas_len) idle_bcast(cfg->ogas_json, (int)m.ogas_len, MPI_CHAR);
  if (m.mpi_len) idle_bcast(cfg->mpi_json, (int)m.mpi_len, MPI_CHAR);
  return study_mpi_run(session_comm, cfg, &m.mo, opts, out, err, errlen);
}
