/* `ogas bench ddpm`: --preset default takes the breeder's library defaults
   (model size, timesteps, guidance, minibatch), --preset paper the published
   size, options override a preset wherever they stand, --sampler ddim times
   DDIM next to the ancestral sampler, and bad values are refused (exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/config.h"
#include "check.h"
#include "read_text.h"
#include "run_cli.h"
#include "temp_dir.h"

/* The integer after "key": in text, or -1. */
static long json_long(const char *text, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = text ? strstr(text, pat) : NULL;
  return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

int main(void) {
  char dir[4096], out[4200], err[4200];
  CHECK(temp_dir_make(dir, sizeof dir, "bench_cli") == 0);
  snprintf(out, sizeof out, "%s/out.txt", dir);
  snprintf(err, sizeof err, "%s/err.txt", dir);
  ogas_config def;
  ogas_config_defaults(&def);

  const char *a1[] = {"bench",     "ddpm", "--samples",     "8", "--preset", "default",
                      "--sampler", "ddim", "--train-steps", "3", "--json",   NULL};
  CHECK(run_cli(a1, out, err) == 0);
  char *t = read_text(out);
  CHECK_MSG(t && json_long(t, "model_dim") == def.model.model_dim, "%s", t ? t : "");
  CHECK(json_long(t, "blocks") == def.model.n_blocks);
  CHECK(json_long(t, "timesteps") == def.model.timesteps);
  CHECK(json_long(t, "batch") == def.data.batch_size);
  CHECK(json_long(t, "samples") == 8); /* given before the preset, still wins */
  CHECK(json_long(t, "ddim_steps") == def.model.ddim_steps);
  CHECK(t && strstr(t, "\"ddim_sample_ms\": ") && strstr(t, "\"sample_ms\": "));
  free(t);

  const char *a2[] = {"bench",       "ddpm", "--preset",      "paper", "--dim",     "4",
                      "--model-dim", "64",   "--train-steps", "2",     "--samples", "2",
                      "--json",      NULL};
  CHECK(run_cli(a2, out, err) == 0);
  t = read_text(out);
  CHECK(json_long(t, "dim") == 4 && json_long(t, "model_dim") == 64);
  CHECK(json_long(t, "blocks") == 3 && json_long(t, "timesteps") == 100);
  CHECK(t && strstr(t, "\"guidance\": 5") && !strstr(t, "ddim_sample_ms"));
  free(t);

  const char *bad[][6] = {{"bench", "ddpm", "--preset", "huge", NULL},
                          {"bench", "ddpm", "--sampler", "euler", NULL},
                          {"bench", "ddpm", "--sampler", "ddim", "--ddim-steps", "100"},
                          {"bench", "ddpm", "--preset", NULL}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *args[8] = {0};
    for (size_t k = 0; k < 6 && bad[i][k]; k++) args[k] = bad[i][k];
    CHECK_MSG(run_cli(args, out, err) == 2, "case %zu", i);
    char *e = read_text(err);
    CHECK_MSG(e && strstr(e, "ogas bench ddpm: "), "case %zu: %s", i, e ? e : "");
    free(e);
  }
  ogas_config_free(&def);
  temp_dir_remove(dir);
  return check_exit("test_bench_cli");
}
