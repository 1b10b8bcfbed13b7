#define _GNU_SOURCE
#include "openblas_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *,
                         int, float, float *, int);
typedef char *(*string_fn)(void);
typedef int (*int_fn)(void);
typedef void (*set_int_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char error_text[512] = "";
static int failure = 0;
static const char *const library_name = "libopenblas.so.0";
static char source[64] = "";
static char requested[64] = "";
static sgemm_fn sgemm_ptr;
static string_fn corename_ptr;
static string_fn config_ptr;
static int_fn get_threads_ptr;
static set_int_fn set_threads_ptr;
static int initial_threads = 1;

int tnblas_cpu_has_avx512(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

int tnblas_cpu_has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// Chooses OPENBLAS_CORETYPE from the CPU's features unless the user set it.
static void choose_coretype(void) {
  const char *user = getenv("OPENBLAS_CORETYPE");
  if (user != NULL && user[0] != '\0') {
    snprintf(source, sizeof source, "environment");
    snprintf(requested, sizeof requested, "%s", user);
    return;
  }
  const char *pick = NULL;
  if (tnblas_cpu_has_avx512()) {
    pick = "SkylakeX";
  } else if (tnblas_cpu_has_avx2()) {
    pick = "Haswell";
  }
  if (pick == NULL) {
    snprintf(source, sizeof source, "OpenBLAS default");
    return;
  }
  setenv("OPENBLAS_CORETYPE", pick, 0);
  snprintf(source, sizeof source, "cpu features");
  snprintf(requested, sizeof requested, "%s", pick);
}

static void *symbol(void *library, const char *name) {
  void *pointer = dlsym(library, name);
  if (pointer == NULL && failure == 0) {
    failure = 2;
    snprintf(error_text, sizeof error_text, "%s", name);
  }
  return pointer;
}

static void load_once(void) {
  choose_coretype();
  void *library = dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    failure = 1;
    snprintf(error_text, sizeof error_text, "%s", dlerror());
    return;
  }
  sgemm_ptr = (sgemm_fn)symbol(library, "cblas_sgemm");
  corename_ptr = (string_fn)symbol(library, "openblas_get_corename");
  config_ptr = (string_fn)symbol(library, "openblas_get_config");
  get_threads_ptr = (int_fn)symbol(library, "openblas_get_num_threads");
  set_threads_ptr = (set_int_fn)symbol(library, "openblas_set_num_threads");
  if (failure != 0) return;
  // OpenBLAS sized its pool from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS or the core count: that
  // is the process's thread count. The harness runs its own worker threads, each calling GEMMs
  // single-threaded on its own tile (no barrier spinning between small GEMMs), so OpenBLAS itself
  // is set to one thread.
  initial_threads = get_threads_ptr();
  if (initial_threads < 1) initial_threads = 1;
  set_threads_ptr(1);
  load_status = 0;
}

int tnblas_load(void) {
  pthread_once(&once, load_once);
  return load_status;
}

const char *tnblas_error(void) { return error_text; }
int tnblas_failure(void) { return failure; }
const char *tnblas_library_name(void) { return library_name; }

int tnblas_probe(const char *name, char *detail, size_t size) {
  void *library = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
  if (library == NULL) {
    snprintf(detail, size, "%s", dlerror());
    return -1;
  }
  dlclose(library);
  return 0;
}
const char *tnblas_corename(void) { return load_status == 0 ? corename_ptr() : ""; }
const char *tnblas_config(void) { return load_status == 0 ? config_ptr() : ""; }
const char *tnblas_coretype_source(void) { return source; }
const char *tnblas_coretype_requested(void) { return requested; }
int tnblas_initial_threads(void) { return initial_threads; }
int tnblas_threads(void) { return load_status == 0 ? get_threads_ptr() : 0; }

void tnblas_sgemm(int transposeA, int transposeB, int m, int n, int k, float alpha, const float *a,
                  int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  sgemm_ptr(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, transposeB ? TRANS : NO_TRANS, m, n, k, alpha,
            a, lda, b, ldb, beta, c, ldc);
}
