// glibc's allocator settings, which Swift's Glibc module does not expose (malloc.h).
#ifndef CSYSTEM_H
#define CSYSTEM_H
#include <stddef.h>

/// Fixes glibc's mmap threshold at `mmap_threshold` bytes (allocations at least that large are
/// mapped and unmapped on free, instead of glibc raising the threshold as large blocks are freed
/// and keeping them in its heap) and returns free heap tops above `trim_threshold` to the system.
/// Returns 1 when both settings were applied (0 where glibc's mallopt is unavailable).
int csystem_tune_allocator(size_t mmap_threshold, size_t trim_threshold);

/// Asks the kernel to send `signal_number` to this process when its parent dies (Linux
/// prctl(PR_SET_PDEATHSIG); kept across exec). Returns 1 when set (0 where unavailable).
int csystem_die_with_parent(int signal_number);
#endif
