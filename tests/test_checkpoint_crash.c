/* Crash test: a child process runs a synchronous study, checkpointing after
   every generation, and is killed with SIGKILL at random moments. After
   every kill, the file must restore (never a partial checkpoint), hold the
   last checkpoint the child reported complete (or the one after, if the
   kill came between the rename and the report), and its parameter table
   must equal, bit for bit, the table of an uninterrupted run at that
   generation. The next child restarts from the file, so a study is carried
   through many processes, each continuing where the last was killed.

   usage: test_checkpoint_crash [--kills N] [--async] [--dir DIR]
          (the short version in make test: 60 kills; scripts/crash_test.sh
          runs thousands, synchronous and asynchronous)
   --async: the child trains in the background; tables then depend on
   timing, so only the restore and the generation are checked. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "nn/rng.h"
#include "ogas.h"
#include "test_checkpoint_util.h"

enum { D = 3, B = 16, GENS = 12 };
#define NB_SIMS ((int64_t)B * (GENS + 1))

/* Child: restart from path if it exists, then generations until GENS, a
   checkpoint after each, its generation reported on fd. */
static int child(const char *path, int fd, int async) {
  ogas_breeder *b = ckt_make(D, NB_SIMS, async, "", "");
  if (!b) return 2;
  if (access(path, F_OK) == 0 && ogas_restart_from_checkpoint(b, path) != OGAS_OK) {
    fprintf(stderr, "child: restart failed: %s\n", ogas_errmsg(b));
    return 3;
  }
  for (int64_t g = ogas_current_generation(b) + 1; g <= GENS; g++) {
    if (ckt_generation(b, g, B) != OGAS_OK) return 4;
    if (ogas_checkpoint_state(b, path) != OGAS_OK) {
      fprintf(stderr, "child: checkpoint failed: %s\n", ogas_errmsg(b));
      return 5;
    }
    if (write(fd, &g, sizeof g) != (ssize_t)sizeof g) return 6;
  }
  ogas_breeder_free(b);
  return 0;
}

static int remove_leftovers(const char *dir, const char *base) {
  DIR *dh = opendir(dir);
  if (!dh) return 0;
  char prefix[300], full[1024];
  snprintf(prefix, sizeof prefix, "%s.tmp-", base);
  int n = 0;
  for (struct dirent *e; (e = readdir(dh));)
    if (!strncmp(e->d_name, prefix, strlen(prefix))) {
      snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
      n += remove(full) == 0;
    }
  closedir(dh);
  return n;
}

int main(int argc, char **argv) {
  long kills_wanted = 60;
  int async = 0;
  const char *dir = OGAS_TEST_OUT, *child_path = NULL;
  int child_fd = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--kills") && i + 1 < argc)
      kills_wanted = atol(argv[++i]);
    else if (!strcmp(argv[i], "--async"))
      async = 1;
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--child") && i + 2 < argc)
      child_path = argv[++i], child_fd = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--kills N] [--async] [--dir DIR]\n", argv[0]);
      return 2;
    }
  }
  if (child_path) return child(child_path, child_fd, async);

  char base[128], path[1024];
  snprintf(base, sizeof base, "ckpt_crash_%d.ckpt", (int)getpid());
  snprintf(path, sizeof path, "%s/%s", dir, base);
  remove(path);

  /* The uninterrupted run. */
  uint64_t ref[GENS + 1] = {0};
  if (!async) {
    ogas_breeder *r = ckt_make(D, NB_SIMS, 0, "", "");
    CHECK(r != NULL);
    if (!r) return check_exit("test_checkpoint_crash");
    for (int64_t g = 1; g <= GENS; g++) {
      ckt_generation(r, g, B);
      ref[g] = ckt_table_hash(r);
    }
    ogas_breeder_free(r);
  }

  ogas_rng rng;
  ogas_rng_seed(&rng, (uint64_t)time(NULL) ^ (uint64_t)getpid(), 0);
  long kills = 0, finished = 0, mid_write = 0, restores = 0, studies = 0, bad = 0;
  int64_t last_reported = 0, last_seen = 0;
  /* Kill delays adapt to how long a child lives, so that kills land both
     in start-up and in checkpoints. */
  double max_delay_ms = 40;
  while (kills < kills_wanted && bad < 5) {
    int fds[2];
    if (pipe(fds)) return 1;
    char fdtext[16];
    snprintf(fdtext, sizeof fdtext, "%d", fds[1]);
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      char *args[] = {argv[0], "--child", path, fdtext, async ? "--async" : NULL, NULL};
      execv("/proc/self/exe", args);
      _exit(127);
    }
    close(fds[1]);
    double delay = ogas_rng_uniform(&rng) * max_delay_ms;
    struct timespec ts = {.tv_sec = (time_t)(delay / 1000),
                          .tv_nsec = (long)(fmod(delay, 1000) * 1e6)};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    int64_t g;
    while (read(fds[0], &g, sizeof g) == (ssize_t)sizeof g) last_reported = g;
    close(fds[0]);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      kills++;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      finished++;
      max_delay_ms *= 0.9;
    } else {
      CHECK_MSG(0, "child exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
      bad++;
    }
    mid_write += remove_leftovers(dir, base) > 0;

    /* A new process would restart from the file: do it here and check it. */
    if (access(path, F_OK) != 0) {
      CHECK_MSG(last_reported == 0, "checkpoint of generation %lld lost", (long long)last_reported);
      continue;
    }
    ogas_breeder *x = ckt_make(D, NB_SIMS, async, "", "");
    ogas_status st = x ? ogas_restart_from_checkpoint(x, path) : OGAS_ENOMEM;
    CHECK_MSG(st == OGAS_OK, "after kill %ld: %s", kills, x ? ogas_errmsg(x) : "no breeder");
    if (st == OGAS_OK) {
      restores++;
      int64_t gen = ogas_current_generation(x);
      CHECK_MSG(gen >= last_reported && gen <= last_reported + 1 && gen >= last_seen,
                "the file holds generation %lld, the child reported %lld complete (before: %lld)",
                (long long)gen, (long long)last_reported, (long long)last_seen);
      if (!async)
        CHECK_MSG(ckt_table_hash(x) == ref[gen],
                  "generation %lld differs from the uninterrupted run", (long long)gen);
      last_seen = last_reported = gen;
      if (gen == GENS) { /* study complete: start another */
        remove(path);
        last_seen = last_reported = 0;
        studies++;
      }
    } else {
      bad++;
    }
    ogas_breeder_free(x);
    if (finished > 0 && kills == 0 && max_delay_ms < 1) break;
  }
  remove(path);
  remove_leftovers(dir, base);
  printf(
      "crash test (%s): %ld SIGKILLs, %ld children finished, %ld restores checked, %ld kills "
      "left a temporary file (killed mid-write), %ld studies completed across processes\n",
      async ? "async" : "sync", kills, finished, restores, mid_write, studies);
  CHECK(kills >= kills_wanted);
  return check_exit("test_checkpoint_crash");
}
