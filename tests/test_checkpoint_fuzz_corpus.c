/* Replays the fuzzers' seed corpus and every input that once broke them
   (tests/fuzz/corpus, tests/fuzz/regressions) through the fuzz targets'
   bodies, in every build (ASan and TSan too), so a fixed crash stays fixed.

   test_checkpoint_fuzz_corpus --write-seeds DIR writes the checkpoint seeds
   again (after a format change). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fuzz/fuzz_common.h"
#include "test_checkpoint_util.h"

#define FUZZ_DIR OGAS_TEST_DATA "/../fuzz"

static int replay(const char *dir, int (*one)(void *, const uint8_t *, size_t), void *ctx) {
  DIR *dh = opendir(dir);
  if (!dh) return 0;
  int n = 0;
  char path[1024];
  for (struct dirent *e; (e = readdir(dh));) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t size;
    unsigned char *data = ckt_read(path, &size);
    if (!data) continue;
    CHECK_MSG(one(ctx, data, size) == 0, "%s breaks an invariant", path);
    free(data);
    n++;
  }
  closedir(dh);
  return n;
}

static int config_one(void *ctx, const uint8_t *d, size_t n) {
  return (void)ctx, fuzz_config_one(d, n);
}
static int checkpoint_one(void *ctx, const uint8_t *d, size_t n) {
  return fuzz_checkpoint_one(ctx, d, n);
}

static int write_seeds(const char *dir) {
  ogas_breeder *b = NULL;
  char err[512], path[1024];
  if (ogas_breeder_create(FUZZ_BREEDER_CONFIG, &b, err, sizeof err) != OGAS_OK) return 1;
  snprintf(path, sizeof path, "%s/fresh.ckpt", dir);
  int bad = ogas_checkpoint_state(b, path) != OGAS_OK;
  ckt_generation(b, 1, 3);
  ckt_phase(b, 2, 3, 1);
  ckt_phase(b, 2, 3, 2);
  snprintf(path, sizeof path, "%s/staged.ckpt", dir);
  bad |= ogas_checkpoint_state(b, path) != OGAS_OK;
  ckt_phase(b, 2, 3, 3);
  ckt_generation(b, 3, 3);
  snprintf(path, sizeof path, "%s/gen3.ckpt", dir);
  bad |= ogas_checkpoint_state(b, path) != OGAS_OK;
  ogas_breeder_free(b);
  return bad;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--write-seeds")) return write_seeds(argv[2]);
  int n = replay(FUZZ_DIR "/corpus/config", config_one, NULL);
  n += replay(FUZZ_DIR "/regressions/config", config_one, NULL);
  fuzz_checkpoint_ctx ctx;
  CHECK(fuzz_checkpoint_init(&ctx, OGAS_TEST_OUT) == 0);
  int m = replay(FUZZ_DIR "/corpus/checkpoint", checkpoint_one, &ctx);
  m += replay(FUZZ_DIR "/regressions/checkpoint", checkpoint_one, &ctx);
  /* The seeds are current: each restores as it is. */
  const char *seeds[] = {"fresh", "staged", "gen3"};
  for (int i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, FUZZ_DIR "/corpus/checkpoint/%s.ckpt", seeds[i]);
    CHECK_MSG(ogas_restart_from_checkpoint(ctx.b, path) == OGAS_OK,
              "seed %s: %s (rewrite the "
              "seeds with --write-seeds)",
              seeds[i], ogas_errmsg(ctx.b));
  }
  fuzz_checkpoint_free(&ctx);
  printf("replayed %d config and %d checkpoint inputs\n", n, m);
  CHECK(n >= 5 && m >= 3);
  return check_exit("test_checkpoint_fuzz_corpus");
}
