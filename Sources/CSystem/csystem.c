#include "csystem.h"

#if defined(__linux__)
#include <malloc.h>

int csystem_tune_allocator(size_t mmap_threshold, size_t trim_threshold) {
  int mapped = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
  int trimmed = mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
  return mapped == 1 && trimmed == 1;
}
#else
int csystem_tune_allocator(size_t mmap_threshold, size_t trim_threshold) {
  (void)mmap_threshold;
  (void)trim_threshold;
  return 0;
}
#endif

#if defined(__linux__)
#include <signal.h>
#include <sys/prctl.h>

int csystem_die_with_parent(int signal_number) {
  return prctl(PR_SET_PDEATHSIG, signal_number) == 0;
}
#else
int csystem_die_with_parent(int signal_number) {
  (void)signal_number;
  return 0;
}
#endif
