/* `mpiexec -n N ogas run/compare` end to end, from a driver that starts the
   launcher as a user would (ctest runs this program directly, not under
   mpiexec; the -n of each case is its own):

   - concurrent studies on 2 and 4 ranks finish with the full budget and
     write the "mpi" section (ranks, roles, time per role);
   - a simulation that diverges is reported on stderr and marked, the study
     goes on;
   - a rank killed in the middle of a checkpointed deterministic study ends
     the job quickly (no hang) with the survivors saying where the study was
     and which checkpoint to resume; `ogas run --resume` on another number of
     ranks then gives the result of the study that never stopped, bit for bit
     (result_checksum);
   - a rank that hangs (SIGSTOP) makes the others time out with a message
     naming what they waited for, and the job ends;
   - `mpiexec -n 4 ogas compare` writes the comparison with the "mpi" section
     in every run's result.json. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static char dir[512];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Run argv (NULL-terminated) with stdout/stderr into dir/NAME.out/.err;
   kill it after `limit` seconds. Exit status, 128+signal, or -1. */
static int run(const char *name, double limit, double *seconds, const char *const *argv) {
  char out[700], err[700];
  snprintf(out, sizeof out, "%s/%s.out", dir, name);
  snprintf(err, sizeof err, "%s/%s.err", dir, name);
  double t0 = now_s();
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666),
        fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fo < 0 || fe < 0 || chdir(dir)) _exit(126);
    dup2(fo, 1), dup2(fe, 2);
    setpgid(0, 0);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return -1;
    if (now_s() - t0 > limit) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      fprintf(stderr, "%s: still running after %.0f s: killed\n", name, limit);
      return -1;
    }
    nanosleep(&(struct timespec){0, 20000000}, NULL);
  }
  if (seconds) *seconds = now_s() - t0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *slurp(const char *name) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

static void write_config(const char *name, const char *deterministic, const char *mpi) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fprintf(f,
          "{\"problem\": \"ks1d\", \"pde\": {\"grid\": 32, \"n_steps\": 10}, \"nb_sims\": 16,"
          " \"concurrent_sims\": 3, \"seed\": 5, \"deterministic\": %s,"
          " \"surrogate\": {\"width\": 32, \"blocks\": 1, \"batch_size\": 16, \"lr\": 0.002},"
          " \"buffer\": {\"capacity\": 200}, \"batches_per_sim\": 10, \"nn_updates\": 20,"
          " \"min_finished_between_generations\": 2, \"validation\": {\"n_sims\": 4, \"seed\": 9},"
          " \"ogas\": {\"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10,"
          " \"n_train_steps_per_epoch\": 2}, \"breeder\": {\"min_reservoir_entries\": 16,"
          " \"min_train_steps\": 10}, \"data\": {\"batch_size\": 16, \"buffer_size\": 500}},"
          " \"mpi\": {%s}}\n",
          deterministic, mpi);
  fclose(f);
}

static json_t *load(const char *name) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  json_error_t je;
  json_t *o = json_load_file(path, 0, &je);
  CHECK_MSG(o != NULL, "%s: %s", path, je.text);
  return o;
}

static const char *checksum_of(json_t *r) {
  return json_string_value(json_object_get(json_object_get(r, "mpi"), "result_checksum"));
}

#define MPIEXEC(n) OGAS_MPIEXEC, "-n", n

static void test_concurrent(void) {
  write_config("conc.json", "false", "\"timeout_s\": 60");
  const char *n[] = {"2", "4"};
  for (int i = 0; i < 2; i++) {
    char out[32], name[32];
    snprintf(out, sizeof out, "conc%s", n[i]);
    snprintf(name, sizeof name, "conc%s", n[i]);
    const char *argv[] = {MPIEXEC(n[i]), OGAS_CLI_PATH, "run", "conc.json", "--sampler",
                          "ogas",        "--out",       out,   "--quiet",   NULL};
    double s = 0;
    int rc = run(name, 60, &s, argv);
    char errname[48];
    snprintf(errname, sizeof errname, "%s.err", name);
    CHECK_MSG(rc == 0, "%s: exit %d: %s", name, rc, slurp(errname) ? slurp(errname) : "");
    char path[64];
    snprintf(path, sizeof path, "conc%s/result_ogas.json", n[i]);
    json_t *r = load(path);
    json_t *m = json_object_get(r, "mpi");
    CHECK(json_integer_value(json_object_get(r, "grad_steps")) == 160);
    CHECK(json_integer_value(json_object_get(m, "ranks")) == atoi(n[i]));
    json_t *roles = json_object_get(m, "roles");
    static const char *const role_names[] = {"simulation", "training", "breed"};
    for (int k = 0; k < 3; k++) {
      json_t *ro = json_object_get(roles, role_names[k]);
      CHECK_MSG(json_is_number(json_object_get(ro, "compute_s")) &&
                    json_is_number(json_object_get(ro, "communicate_s")) &&
                    json_is_number(json_object_get(ro, "wait_s")),
                "roles.%s lacks its times", role_names[k]);
    }
    CHECK(json_array_size(json_object_get(m, "per_rank")) == (size_t)atoi(n[i]));
    json_decref(r);
  }
}

static void test_diverging_sim(void) {
  write_config("diverge.json", "true",
               "\"timeout_s\": 60, \"faults\": {\"diverge_sims\": [3], \"diverge_at_step\": 2}");
  const char *argv[] = {MPIEXEC("2"), OGAS_CLI_PATH, "run", "diverge.json", "--sampler",
                        "breed",      "--out",       "div", "--quiet",      NULL};
  CHECK(run("diverge", 60, NULL, argv) == 0);
  const char *err = slurp("diverge.err");
  CHECK_MSG(err && strstr(err, "simulation 3 stopped being finite at output step 3"), "%s",
            err ? err : "");
  json_t *r = load("div/result_breed.json");
  json_t *sims = json_object_get(r, "sims");
  CHECK(json_integer_value(json_object_get(json_array_get(sims, 3), "status")) == 1);
  CHECK(json_integer_value(json_object_get(r, "sims_failed")) == 1);
  json_decref(r);
}

static void test_kill_and_resume(void) {
  write_config("ck.json", "true", "\"timeout_s\": 60");
  write_config("kill.json", "true",
               "\"timeout_s\": 60, \"faults\": {\"kill_rank\": 2, \"kill_after\": 60}");
  const char *ref[] = {MPIEXEC("4"), OGAS_CLI_PATH, "run", "ck.json", "--sampler",
                       "ogas",       "--out",       "ref", "--quiet", NULL};
  CHECK(run("ref", 60, NULL, ref) == 0);
  /* Rank 2 (a simulation rank) dies after streaming 60 time steps. */
  const char *killed[] = {MPIEXEC("4"),         OGAS_CLI_PATH, "run",     "kill.json",
                          "--sampler",          "ogas",        "--out",   "res",
                          "--checkpoint-every", "1",           "--quiet", NULL};
  double s = 0;
  /* Open MPI sends SIGTERM, then SIGKILL one second later: on a loaded
     machine a survivor was sometimes killed before its note ran (1 run in 8
     with three busy loops beside the test; 0 in 14 with five seconds). */
  setenv("OMPI_MCA_odls_base_sigkill_timeout", "5", 1);
  int rc = run("killed", 60, &s, killed);
  unsetenv("OMPI_MCA_odls_base_sigkill_timeout");
  CHECK_MSG(rc != 0 && rc != -1, "the killed job exited with %d", rc);
  CHECK_MSG(s < 20, "the job took %.1f s to end after a rank died", s);
  const char *err = slurp("killed.err");
  CHECK_MSG(err && strstr(err, "rank 2 (simulation): killing itself"), "%s", err ? err : "");
  CHECK_MSG(err && strstr(err, "rank 0 (training): stopped by the MPI launcher") &&
                strstr(err, "last checkpoint: round") && strstr(err, "rerun with --resume"),
            "the survivors do not say what happened: %s", err ? err : "");
  json_t *man = load("res/checkpoint/checkpoint.json");
  CHECK(json_integer_value(json_object_get(man, "round")) > 0);
  json_decref(man);
  /* Resume on another number of ranks (2: shared breed rank, one simulation rank). */
  const char *resume[] = {MPIEXEC("2"), OGAS_CLI_PATH, "run",      "ck.json", "--sampler", "ogas",
                          "--out",      "res",         "--resume", "--quiet", NULL};
  CHECK_MSG(run("resume", 60, NULL, resume) == 0, "%s", slurp("resume.err"));
  json_t *a = load("ref/result_ogas.json"), *b = load("res/result_ogas.json");
  const char *ca = checksum_of(a), *cb = checksum_of(b);
  CHECK_MSG(ca && cb && !strcmp(ca, cb), "resumed %s, uninterrupted %s", cb ? cb : "-",
            ca ? ca : "-");
  json_object_del(a, "time"), json_object_del(b, "time");
  json_object_del(a, "mpi"), json_object_del(b, "mpi");
  CHECK_MSG(json_equal(a, b), "the resumed result differs from the uninterrupted one");
  json_decref(a), json_decref(b);
}

static void test_hang(void) {
  write_config("hang.json", "true",
               "\"timeout_s\": 2, \"faults\": {\"kill_rank\": 3, \"kill_after\": 30, "
               "\"kill_signal\": \"STOP\"}");
  const char *argv[] = {MPIEXEC("4"), OGAS_CLI_PATH, "run",  "hang.json", "--sampler",
                        "halton",     "--out",       "hang", "--quiet",   NULL};
  double s = 0;
  int rc = run("hang", 60, &s, argv);
  CHECK_MSG(rc != 0 && rc != -1, "exit %d", rc);
  CHECK_MSG(s < 20, "%.1f s", s);
  const char *err = slurp("hang.err");
  CHECK_MSG(err && strstr(err, "(mpi.timeout_s)") && strstr(err, "from rank 3 (simulation)"), "%s",
            err ? err : "");
}

static void test_compare(void) {
  const char *argv[] = {MPIEXEC("4"), OGAS_CLI_PATH,  "compare", "ck.json",
                        "--samplers", "uniform,ogas", "--out",   "cmp",
                        "--no-plots", "--quiet",      NULL};
  CHECK_MSG(run("compare", 60, NULL, argv) == 0, "%s", slurp("compare.err"));
  json_t *r = load("cmp/runs/ogas-seed5/result.json");
  json_t *mpi = json_object_get(r, "mpi");
  CHECK(json_integer_value(json_object_get(mpi, "ranks")) == 4);
  /* Every rank has its roles and, per role, the time computing,
     communicating and waiting; the layout's counts add up to the ranks. */
  json_t *per_rank = json_object_get(mpi, "per_rank"), *lay = json_object_get(mpi, "layout");
  CHECK(json_array_size(per_rank) == 4);
  static const char *const roles[] = {"simulation", "training", "breed"};
  int with_role[3] = {0, 0, 0};
  for (size_t i = 0; i < json_array_size(per_rank); i++) {
    json_t *rk = json_array_get(per_rank, i);
    CHECK(json_integer_value(json_object_get(rk, "rank")) == (json_int_t)i);
    CHECK(json_is_string(json_object_get(rk, "roles")));
    int n = 0;
    for (int k = 0; k < 3; k++) {
      json_t *c = json_object_get(rk, roles[k]);
      if (!c) continue;
      n++, with_role[k]++;
      static const char *const times[] = {"wall_s", "compute_s", "communicate_s", "wait_s"};
      for (int t = 0; t < 4; t++) {
        json_t *v = json_object_get(c, times[t]);
        CHECK_MSG(json_is_number(v) && json_number_value(v) >= 0, "rank %zu %s %s", i, roles[k],
                  times[t]);
      }
    }
    CHECK_MSG(n >= 1, "rank %zu has no role", i);
  }
  CHECK(with_role[0] == json_integer_value(json_object_get(lay, "simulation_ranks")));
  CHECK(with_role[1] == json_integer_value(json_object_get(lay, "training_ranks")));
  CHECK(with_role[2] == 1);
  CHECK(json_is_number(
      json_object_get(json_object_get(json_object_get(mpi, "roles"), "training"), "wait_share")));
  json_decref(r);
  r = load("cmp/results.json");
  json_decref(r);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/mpi_cli_XXXXXX", OGAS_TEST_OUT);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_concurrent();
  test_diverging_sim();
  test_kill_and_resume();
  test_hang();
  test_compare();
  if (!check_failures_) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
  } else {
    fprintf(stderr, "outputs kept in %s\n", dir);
  }
  return check_exit("test_mpi_cli");
}
