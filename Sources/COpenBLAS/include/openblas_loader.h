// OpenBLAS, loaded lazily so that its kernel can be chosen for this CPU before its constructor runs.
//
// Debian's OpenBLAS 0.3.21 reads OPENBLAS_CORETYPE in its library constructor, before `main`, and
// falls back to a slow SSE3 kernel on CPUs it does not know (PLATFORM.md: 4.7x slower). The harness
// therefore does not link it: `tnblas_load` picks a kernel from the CPU's features (unless the user
// set OPENBLAS_CORETYPE), sets the variable, then dlopens the library.
#ifndef OPENBLAS_LOADER_H
#define OPENBLAS_LOADER_H
#include <stddef.h>

/// Loads OpenBLAS once per process (thread-safe). Returns 0 on success; otherwise -1, with the
/// kind of failure in `tnblas_failure()` and its detail in `tnblas_error()`.
int tnblas_load(void);
/// Why loading failed: 0 it did not, 1 the library could not be opened (`tnblas_error()` holds
/// dlerror's text), 2 a symbol is missing (`tnblas_error()` holds its name).
int tnblas_failure(void);
/// The detail of the load failure (see `tnblas_failure`), or "" when none.
const char *tnblas_error(void);
/// The shared library loaded: "libopenblas.so.0".
const char *tnblas_library_name(void);
/// Opens and closes the shared library `name` without loading OpenBLAS: 0 when it opens, else -1
/// with dlerror's text in `detail` (at most `size` bytes). Lets tests see a real load failure.
int tnblas_probe(const char *name, char *detail, size_t size);
/// The kernel OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", ...); "" before loading.
const char *tnblas_corename(void);
/// OpenBLAS's build configuration string; "" before loading.
const char *tnblas_config(void);
/// Where the kernel choice came from: "environment" (the user set OPENBLAS_CORETYPE),
/// "cpu features" (this loader set it), or "OpenBLAS default".
const char *tnblas_coretype_source(void);
/// The value of OPENBLAS_CORETYPE this loader set or found; "" when unset.
const char *tnblas_coretype_requested(void);
/// 1 when the CPU has AVX-512 F/BW/DQ/VL, the features of the SkylakeX kernel.
int tnblas_cpu_has_avx512(void);
/// 1 when the CPU has AVX2 and FMA, the features of the Haswell kernel.
int tnblas_cpu_has_avx2(void);
/// The thread count OpenBLAS chose at load (from OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or the
/// core count): the process's default thread count. OpenBLAS itself is then set to one thread,
/// because the harness calls it from its own worker threads.
int tnblas_initial_threads(void);
/// OpenBLAS's own thread count (1 after loading).
int tnblas_threads(void);
/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, op = transpose when the
/// flag is non-zero. A is M x K after op, B is K x N after op, C is M x N.
void tnblas_sgemm(int transposeA, int transposeB, int m, int n, int k, float alpha, const float *a,
                  int lda, const float *b, int ldb, float beta, float *c, int ldc);
#endif
