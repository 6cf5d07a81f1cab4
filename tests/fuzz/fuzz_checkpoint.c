/* libFuzzer target: the checkpoint loader (tests/fuzz/fuzz_common.h). One
   breeder lives for the whole run; inputs go through a file in the working
   directory, because the API restores from a path. */
#include <unistd.h>

#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static fuzz_checkpoint_ctx ctx;
  static int ready;
  if (!ready) {
    if (fuzz_checkpoint_init(&ctx, ".")) abort();
    ready = 1;
  }
  if (fuzz_checkpoint_one(&ctx, data, size)) abort();
  return 0;
}
