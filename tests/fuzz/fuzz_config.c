/* libFuzzer target: the config parser (tests/fuzz/fuzz_common.h). */
#include <unistd.h>

#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (fuzz_config_one(data, size)) abort();
  return 0;
}
