/* Valgrind (memcheck) over a whole `ogas synth` run: no invalid access and
   no leak (definite, indirect or possible). Skipped (77) with a message when
   valgrind is missing, under a sanitizer build, or in an OGAS_NATIVE=ON build
   (-march=native may use AVX-512, which valgrind cannot decode). In the
   default portable build an instruction valgrind cannot decode is a
   failure: the build would not run on every x86-64. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

int main(void) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  printf("test_checkpoint_valgrind: SKIPPED: sanitizer build (valgrind needs a plain one)\n");
  return 77;
#elif defined(OGAS_NATIVE_BUILD)
  printf(
      "test_checkpoint_valgrind: SKIPPED: OGAS_NATIVE=ON build (-march=native); the default "
      "build, or scripts/valgrind.sh, runs it\n");
  return 77;
#else
  if (system("valgrind --version >/dev/null 2>&1") != 0) {
    printf(
        "test_checkpoint_valgrind: SKIPPED: valgrind is not installed "
        "(scripts/deps.sh test installs it)\n");
    return 77;
  }
  char log[512], csv[512], cmd[2048];
  snprintf(log, sizeof log, "%s/valgrind_synth_%d.log", OGAS_TEST_OUT, (int)getpid());
  snprintf(csv, sizeof csv, "%s/valgrind_synth_%d.csv", OGAS_TEST_OUT, (int)getpid());
  snprintf(cmd, sizeof cmd,
           "OPENBLAS_NUM_THREADS=1 valgrind --error-exitcode=99 --leak-check=full "
           "--show-leak-kinds=definite,indirect,possible "
           "--errors-for-leak-kinds=definite,indirect,possible --log-file='%s' "
           "'%s' synth --generations 2 --generation-size 50 --dim 4 --sync --quiet --csv '%s' "
           "--breeder '{\"model\": {\"model_dim\": 32, \"n_blocks\": 1, \"timesteps\": 20}}' "
           ">/dev/null",
           log, OGAS_CLI_PATH, csv);
  int st = system(cmd);
  int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  FILE *f = fopen(log, "r");
  char line[1024];
  int unsupported = 0, errors_line = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (strstr(line, "nrecognised instruction") || strstr(line, "unhandled instruction"))
      unsupported = 1;
    if (strstr(line, "ERROR SUMMARY") || strstr(line, "definitely lost") ||
        strstr(line, "Invalid") || strstr(line, "uninitialised"))
      fputs(line, stdout), errors_line = 1;
  }
  if (f) fclose(f);
  CHECK_MSG(!unsupported,
            "valgrind met an instruction it cannot decode in a portable build "
            "(see %s)",
            log);
  CHECK_MSG(rc == 0, "valgrind exit status %d (99: memcheck found errors; see %s)", rc, log);
  CHECK(errors_line);
  if (rc == 0) remove(log);
  remove(csv);
  return check_exit("test_checkpoint_valgrind");
#endif
}
