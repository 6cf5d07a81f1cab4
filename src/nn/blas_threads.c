#include "nn/blas_threads.h"

#include <cblas.h>

void blas_set_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int blas_get_threads(void) { return openblas_get_num_threads(); }
