#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Synchronization

/// Persistent worker threads for `Parallel.forEach` that spin briefly between parallel regions
/// before sleeping.
///
/// A train step runs about 400 parallel regions (every convolution phase, norm, activation), a
/// few hundred microseconds apart. With `DispatchQueue.concurrentPerform` the second thread had
/// gone to sleep in between and took 85 µs on average to wake (measured over 4,000 regions on
/// this VM), so the calling thread ran ahead alone or waited: 35 ms of the 128² step's 670.
/// Here each worker, after its chunk, watches for the next region for `spinNanoseconds` before it
/// sleeps on a condition variable.
///
/// Every hand-over goes through one pthread mutex (a region is published and taken, and each
/// chunk's completion counted, under it), so ThreadSanitizer sees the ordering; the atomic
/// counters are only hints for the spinning. One region runs at a time: a call made while the
/// pool is busy (a nested `forEach`, or another thread's) uses `concurrentPerform` instead.
final class WorkerPool: @unchecked Sendable {
  /// How long an idle worker spins before sleeping.
  static let spinNanoseconds: UInt64 = 300_000

  /// One parallel region: `chunks` calls of `body`, claimed in order by whoever is free.
  private final class Region: @unchecked Sendable {
    var body: ((Int) -> Void)?
    let chunks: Int
    var claimed = 0
    var finished = 0
    init(body: @escaping (Int) -> Void, chunks: Int) {
      self.body = body
      self.chunks = chunks
    }
  }

  /// The number of worker threads (the caller is one more).
  let workers: Int
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let wake: UnsafeMutablePointer<pthread_cond_t>
  private let done: UnsafeMutablePointer<pthread_cond_t>
  private var region: Region?
  private var sleepers = 0
  private var callerWaiting = false
  private let generation = Atomic<Int>(0)
  private let finishedHint = Atomic<Int>(0)
  private let busy = Atomic<Bool>(false)

  /// A pool of `workers` threads, started now and kept for the process's life.
  init(workers: Int) {
    self.workers = workers
    mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    wake.initialize(to: pthread_cond_t())
    pthread_cond_init(wake, nil)
    done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    done.initialize(to: pthread_cond_t())
    pthread_cond_init(done, nil)
    for _ in 0..<workers {
      let context = Unmanaged.passRetained(self).toOpaque()
      var thread = pthread_t()
      let status = pthread_create(&thread, nil, { context in
        let pool = Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue()
        pool.work()
        return nil
      }, context)
      precondition(status == 0, "WorkerPool: pthread_create failed with \(status)")
      pthread_detach(thread)
    }
  }

  /// Runs `body(0) … body(chunks − 1)` on the caller and the workers; returns when all are
  /// done. Returns false without running anything when the pool is busy.
  func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      return false
    }
    defer { busy.store(false, ordering: .releasing) }
    withoutActuallyEscaping(body) { escapable in
      let current = Region(body: escapable, chunks: chunks)
      pthread_mutex_lock(mutex)
      region = current
      finishedHint.store(0, ordering: .relaxed)
      generation.add(1, ordering: .relaxed)
      if sleepers > 0 { pthread_cond_broadcast(wake) }
      pthread_mutex_unlock(mutex)
      // The caller takes chunks too.
      while let chunk = claim(current) {
        escapable(chunk)
        finish(current)
      }
      // Spin while the workers finish, then sleep until the last one signals.
      let start = monotonicNanoseconds()
      while finishedHint.load(ordering: .relaxed) < chunks
        && monotonicNanoseconds() - start < Self.spinNanoseconds
      {}
      pthread_mutex_lock(mutex)
      while current.finished < chunks {
        callerWaiting = true
        pthread_cond_wait(done, mutex)
      }
      callerWaiting = false
      // Nothing calls the body any more: drop it before withoutActuallyEscaping ends.
      current.body = nil
      region = nil
      pthread_mutex_unlock(mutex)
    }
    return true
  }

  /// The next unclaimed chunk of `current`, or nil.
  private func claim(_ current: Region) -> Int? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard current.claimed < current.chunks else { return nil }
    current.claimed += 1
    return current.claimed - 1
  }

  /// Counts one finished chunk of `current`, waking the caller after the last.
  private func finish(_ current: Region) {
    pthread_mutex_lock(mutex)
    current.finished += 1
    finishedHint.store(current.finished, ordering: .relaxed)
    if current.finished == current.chunks && callerWaiting { pthread_cond_signal(done) }
    pthread_mutex_unlock(mutex)
  }

  /// A worker's life: take each new region's chunks, spin a while, sleep.
  private func work() {
    var seen = 0
    while true {
      let start = monotonicNanoseconds()
      while generation.load(ordering: .relaxed) == seen
        && monotonicNanoseconds() - start < Self.spinNanoseconds
      {}
      pthread_mutex_lock(mutex)
      while generation.load(ordering: .relaxed) == seen {
        sleepers += 1
        pthread_cond_wait(wake, mutex)
        sleepers -= 1
      }
      seen = generation.load(ordering: .relaxed)
      let current = region
      pthread_mutex_unlock(mutex)
      guard let current else { continue }
      while let chunk = claim(current) {
        // Called through the region (no reference kept past the call): the caller drops the
        // body once every chunk is finished, and withoutActuallyEscaping checks that nothing
        // still holds it.
        current.body?(chunk)
        finish(current)
      }
    }
  }
}

/// CLOCK_MONOTONIC in nanoseconds.
@inline(__always)
private func monotonicNanoseconds() -> UInt64 {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
