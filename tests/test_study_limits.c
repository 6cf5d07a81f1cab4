/* `ogas run` with hundreds of concurrent simulations under an address-space
   limit (ulimit -v) fails with a message naming concurrent_sims, or
   succeeds, within a minute. Before: threads that could not start were
   dropped silently, their stacks left no room for OpenBLAS's 128 MiB work
   buffer, and OpenBLAS retried its allocation forever (the run hung). Not
   under a sanitizer, whose allocator cannot live under such a limit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
int main(void) {
  printf("test_study_limits: sanitizer build, nothing to check\n");
  return check_exit("test_study_limits");
}
#else
#include "read_text.h"
#include "temp_dir.h"

static const char *config =
    "{\"problem\": \"ks1d\", \"pde\": {\"grid\": 32, \"n_steps\": 10},\n"
    " \"nb_sims\": 400, \"concurrent_sims\": 400, \"seed\": 3, \"sampler\": \"uniform\",\n"
    " \"surrogate\": {\"width\": 32, \"blocks\": 1, \"batch_size\": 16, \"lr\": 0.002},\n"
    " \"buffer\": {\"capacity\": 400}, \"batches_per_sim\": 1, \"nn_updates\": 4,\n"
    " \"validation\": {\"n_sims\": 4, \"seed\": 9}}\n";

/* Run `ogas run CFG --quiet` with RLIMIT_AS = limit; exit status, or -1
   when it was still running after `seconds` (then killed). */
static int run_limited(const char *cfg, const char *err_path, rlim_t limit, int seconds) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    FILE *e = freopen(err_path, "w", stderr);
    if (!e || !freopen("/dev/null", "w", stdout)) _exit(126);
    struct rlimit rl = {.rlim_cur = limit, .rlim_max = RLIM_INFINITY};
    if (setrlimit(RLIMIT_AS, &rl)) _exit(125);
    execl(OGAS_CLI_PATH, "ogas", "run", cfg, "--quiet", (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < seconds * 10; i++) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    nanosleep(&(struct timespec){0, 100000000}, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return -1;
}

int main(void) {
  char dir[512], cfg[600], err[600];
  if (temp_dir_make(dir, sizeof dir, "study_limits")) return 1;
  snprintf(cfg, sizeof cfg, "%s/cfg.json", dir);
  snprintf(err, sizeof err, "%s/stderr.txt", dir);
  FILE *f = fopen(cfg, "w");
  if (!f) return 1;
  fputs(config, f);
  fclose(f);
  const rlim_t limits[] = {(rlim_t)1 << 30, (rlim_t)3 << 29, (rlim_t)2 << 30};
  for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
    int rc = run_limited(cfg, err, limits[i], 60);
    char *e = read_text(err);
    CHECK_MSG(rc == 0 || (rc == 1 && e && strstr(e, "concurrent_sims")),
              "ulimit -v %llu MiB: exit %d (-1: hung), stderr: %.300s",
              (unsigned long long)(limits[i] >> 20), rc, e ? e : "");
    printf("ulimit -v %llu MiB: exit %d\n", (unsigned long long)(limits[i] >> 20), rc);
    free(e);
  }
  temp_dir_remove(dir);
  return check_exit("test_study_limits");
}
#endif
