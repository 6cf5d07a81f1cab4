/* Run the built `ogas` command (OGAS_CLI_PATH) with stdout and stderr into
   files; returns its exit status, or -1 when it could not run. args ends
   with NULL (at most 30 arguments). */
#ifndef OGAS_TEST_RUN_CLI_H
#define OGAS_TEST_RUN_CLI_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static int run_cli(const char *const *args, const char *out, const char *err) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fo < 0 || fe < 0) _exit(126);
    dup2(fo, 1), dup2(fe, 2);
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)"ogas";
    for (; args[n - 1] && n < 31; n++) argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    execv(OGAS_CLI_PATH, argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
