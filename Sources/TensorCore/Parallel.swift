import Dispatch
import Synchronization

/// The harness's own multi-threaded loops (elementwise kernels, im2col, Winograd transforms).
///
/// They start from the process default (`BLAS.defaultThreads`), so one `--threads` setting governs the
/// whole process; the default is every core.
public enum Parallel {
  private static let configured = Atomic<Int>(0)

  /// The thread count of `forEach`.
  public static var threads: Int {
    let value = configured.load(ordering: .relaxed)
    if value > 0 { return value }
    let initial = BLAS.defaultThreads
    configured.store(max(initial, 1), ordering: .relaxed)
    return max(initial, 1)
  }

  /// Sets the thread count of `forEach` (use `BLAS.setThreads` to set both).
  public static func setThreads(_ count: Int) {
    configured.store(max(count, 1), ordering: .relaxed)
  }

  /// Chunks per thread in `forEach`: threads claim chunks as they finish, so a thread slowed by
  /// another process leaves part of its share to the others instead of keeping them waiting
  /// (the 128² train step: 2-5% faster than one chunk per thread on a busy host).
  static let chunksPerThread = 4

  private static let pools = PosixMutex<[Int: WorkerPool]>([:])

  /// The process's pool of `workers` spinning threads (made on first use), or nil for none.
  private static func pool(workers: Int) -> WorkerPool? {
    guard workers > 0 else { return nil }
    return pools.withLock { pools in
      if let pool = pools[workers] { return pool }
      let pool = WorkerPool(workers: workers)
      pools[workers] = pool
      return pool
    }
  }

  /// Runs `body(i)` for `i` in `0..<count`, split into up to `chunksPerThread · threads`
  /// contiguous chunks of at least `minimumChunk` indices, claimed by `threads` threads (the caller
  /// and `WorkerPool`'s spinning workers; `concurrentPerform` when that pool is busy). The chunks
  /// depend only on `count`, `minimumChunk` and `threads`, never on timing.
  /// `body` must only write memory that no other index writes.
  public static func forEach(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = threads
    let chunks = min(threads * chunksPerThread, max(1, count / max(minimumChunk, 1)))
    if threads <= 1 || chunks <= 1 {
      body(0..<count)
      return
    }
    let run = { (chunk: Int) in
      let start = count * chunk / chunks
      let end = count * (chunk + 1) / chunks
      if start < end { body(start..<end) }
    }
    if let pool = pool(workers: threads - 1), pool.run(chunks: chunks, run) { return }
    // The chunks write disjoint memory (the caller's contract), so sharing `run` is safe.
    withoutActuallyEscaping(run) { escapable in
      nonisolated(unsafe) let shared = escapable
      DispatchQueue.concurrentPerform(iterations: chunks) { shared($0) }
    }
  }
}
