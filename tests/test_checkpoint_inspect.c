/* ogas inspect: on a good checkpoint it prints the version, every section
   with "ok", the generation, the counts and the config, and exits 0; on a
   damaged one it names the bad section and exits 1; a missing file exits 1,
   a usage error 2. Runs the built CLI (OGAS_CLI_PATH). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"
#include "test_checkpoint_util.h"

/* Run `ogas inspect ARGS`, capture stdout+stderr into out; exit status. */
static int run(const char *args, char *out, size_t cap) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "'%s' inspect %s 2>&1", OGAS_CLI_PATH, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
  static char out[1 << 16];
  char path[512], args[600];
  snprintf(path, sizeof path, "%s/ckpt_inspect_%d.ckpt", OGAS_TEST_OUT, (int)getpid());
  /* A CLI without a working inspect command is a failure, not a skip. */
  int help = run("--help", out, sizeof out);
  CHECK_MSG(help == 0 && strstr(out, "usage: ogas inspect"), "ogas inspect --help: exit %d: %.200s",
            help, out);
  ogas_breeder *b = ckt_make(2, 40, 0, "", "");
  CHECK(b != NULL);
  ckt_generation(b, 1, 10);
  ckt_generation(b, 2, 10);
  CHECK(ogas_checkpoint_state(b, path) == OGAS_OK);
  ogas_breeder_free(b);

  snprintf(args, sizeof args, "'%s'", path);
  int rc = run(args, out, sizeof out);
  CHECK_MSG(rc == 0, "exit %d: %s", rc, out);
  const char *want[] = {"version 2",
                        "header:       checksum ok",
                        "DDPM",
                        "TELE",
                        "generation:   2",
                        "reservoir:    ",
                        "\"nb_sims\": 40",
                        "nb_params:    2",
                        "checksums:    all hold"};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    CHECK_MSG(strstr(out, want[i]), "output lacks '%s':\n%s", want[i], out);
  CHECK(!strstr(out, "BAD"));

  snprintf(args, sizeof args, "--config '%s'", path);
  CHECK(run(args, out, sizeof out) == 0 && out[0] == '{' && strstr(out, "\"model_dim\": 32"));
  snprintf(args, sizeof args, "--quiet '%s'", path);
  CHECK(run(args, out, sizeof out) == 0 && !strncmp(out, "checksums:    all hold", 22));

  /* Damage one byte of the DDPM weights. */
  size_t n;
  unsigned char *buf = ckt_read(path, &n);
  CHECK(buf != NULL);
  if (buf) {
    buf[n / 3] ^= 0x40;
    ckt_write(path, buf, n);
    free(buf);
  }
  snprintf(args, sizeof args, "'%s'", path);
  rc = run(args, out, sizeof out);
  CHECK_MSG(rc == 1, "damaged file: exit %d", rc);
  CHECK_MSG(strstr(out, "BAD") && strstr(out, "DAMAGED: checksum of section"), "%s", out);
  /* Truncated, missing, usage. */
  if ((buf = ckt_read(path, &n))) ckt_write(path, buf, 20), free(buf);
  rc = run(args, out, sizeof out);
  CHECK_MSG(rc == 1 && strstr(out, "truncated"), "exit %d: %s", rc, out);
  remove(path);
  CHECK(run(args, out, sizeof out) == 1 && strstr(out, "cannot open"));
  CHECK(run("", out, sizeof out) == 2);
  CHECK(run("--bogus x", out, sizeof out) == 2);
  return check_exit("test_checkpoint_inspect");
}
