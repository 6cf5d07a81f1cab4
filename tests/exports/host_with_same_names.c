/* A host program that happens to define functions with the names of libogas
   internals (a CRC routine, a status helper), linked against libogas.so.
   With the library's internals exported, the dynamic linker bound the
   library's own calls to these: checkpoints came out "DAMAGED" and messages
   were the host's. With only ogas_* exported they stay the host's own. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ogas.h"

static unsigned host_crc_calls, host_msg_calls;

/* Same names as the library's internals, different meanings. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t n) {
  (void)data;
  return crc + (uint32_t)n + ++host_crc_calls; /* differs on every call */
}
int status_msg(int status, char *err, size_t errlen, const char *fmt, ...) {
  (void)fmt;
  host_msg_calls++;
  if (err && errlen) snprintf(err, errlen, "the host's own status_msg");
  return status;
}

int main(void) {
  char dir[] = "/tmp/ogas_host_names_XXXXXX", path[64];
  if (!mkdtemp(dir)) return 2;
  snprintf(path, sizeof path, "%s/state.ckpt", dir);
  const char *cfg =
      "{\"nb_params\": 2, \"l_bounds\": [0, 0], \"u_bounds\": [1, 1], \"nb_sims\": 60, "
      "\"breeder\": {\"async_training\": false, \"min_reservoir_entries\": 4, "
      "\"min_train_steps\": 1}, \"model\": {\"model_dim\": 16, \"n_blocks\": 1, "
      "\"timesteps\": 10}, \"data\": {\"batch_size\": 8, \"buffer_size\": 64}}";
  char err[512] = "";
  ogas_breeder *b = NULL;
  if (ogas_breeder_create(cfg, &b, err, sizeof err) != OGAS_OK) {
    fprintf(stderr, "create: %s\n", err);
    return 1;
  }
  for (int64_t id = 0; id < 20; id++) {
    int64_t ts = 0;
    double v = 0.1 * (double)id;
    ogas_record_increments(b, &id, &ts, &v, 1, 0);
  }
  size_t n;
  int64_t first, last;
  int fails = 0;
  fails += ogas_next_parameters(b, 10, &n) != OGAS_OK;
  fails += ogas_concretize_resampled_parameters(b, 19, &first, &last) != OGAS_OK;
  ogas_status st = ogas_checkpoint_state(b, path);
  if (st == OGAS_OK) st = ogas_restart_from_checkpoint(b, path);
  if (st != OGAS_OK)
    fprintf(stderr, "checkpoint round trip: %s: %s\n", ogas_status_name(st), ogas_errmsg(b));
  fails += st != OGAS_OK;
  /* A bad config: the library's message, not the host's. */
  ogas_breeder *x = NULL;
  ogas_breeder_create("{\"nb_params\": 0}", &x, err, sizeof err);
  if (!strstr(err, "nb_params")) fprintf(stderr, "create message: %s\n", err), fails++;
  ogas_breeder_free(b);
  unlink(path);
  rmdir(dir);
  if (host_crc_calls || host_msg_calls)
    fprintf(stderr, "the library called the host's crc32_update %u times, status_msg %u times\n",
            host_crc_calls, host_msg_calls),
        fails++;
  printf("host with the library's internal names: %s\n", fails ? "FAILED" : "ok");
  return fails ? 1 : 0;
}
