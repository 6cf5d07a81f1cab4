/* OGAS_WIDE_SIMD — compiles a hot elementwise loop twice on x86-64: for the
 * baseline instruction set (SSE2, 4 floats a vector) and for AVX2 (8 floats),
 * and the dynamic loader picks the clone the CPU runs (GNU ifunc). AVX2 only,
 * not FMA: without contraction both clones do the same IEEE operations on
 * every element, so results are bit-identical whichever clone runs. Loops
 * that reduce are written with explicit lanes (or stay scalar), never
 * reassociated. Empty elsewhere, when the build already targets AVX2
 * (OGAS_NATIVE), and under ThreadSanitizer, whose runtime is not up yet when
 * the loader runs the clones' resolvers (the programs crash at start). */
#ifndef OGAS_NN_WIDE_SIMD_H
#define OGAS_NN_WIDE_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__gnu_linux__) && \
    !defined(__AVX2__) && !defined(__SANITIZE_THREAD__)
#define OGAS_WIDE_SIMD __attribute__((target_clones("avx2", "default")))
#else
#define OGAS_WIDE_SIMD
#endif

#endif
