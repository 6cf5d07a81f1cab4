/* blas_threads — explicit control of OpenBLAS's own worker threads.
 * OpenBLAS keeps one process-wide thread count; ogas sets it explicitly (1 by
 * default) so that a breeder's background trainer and the caller's own
 * training do not oversubscribe the cores. */
#ifndef OGAS_NN_BLAS_THREADS_H
#define OGAS_NN_BLAS_THREADS_H

void blas_set_threads(int n);
int blas_get_threads(void);

#endif
