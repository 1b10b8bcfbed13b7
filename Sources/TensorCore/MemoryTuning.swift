internal import CSystem

/// Allocator settings for long computations, applied once at the start of a command.
///
/// Large tensor buffers come from `BufferPool`. Everything smaller goes to glibc, whose mmap
/// threshold rises (up to 32 MiB) each time a mapped block is freed, after which blocks of that
/// size stay in its heap for good: measured at ~90 MiB of extra peak RSS in a 256x256 Gatys run.
/// Fixing the threshold at the pool's minimum (256 KiB) and trimming the heap above 1 MiB keeps
/// peak memory at the working set.
public enum MemoryTuning {
  /// Applies the settings; returns false where glibc's `mallopt` is unavailable.
  @discardableResult
  public static func apply() -> Bool {
    csystem_tune_allocator(BufferPool.minimumPooledBytes, 1 << 20) == 1
  }
}
