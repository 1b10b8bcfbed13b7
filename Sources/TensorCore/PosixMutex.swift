#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`: `withLock` runs its body with the value while no other
/// thread can.
///
/// Used instead of the standard library's `Synchronization.Mutex` where threads share state
/// (the buffer pool): on Linux that Mutex locks with futexes through uninstrumented atomics, so
/// ThreadSanitizer sees no ordering between its critical sections and reports every pooled
/// buffer's bookkeeping as a race. TSan intercepts `pthread_mutex_lock`, so with this lock the
/// suite runs clean under `swift test --sanitize=thread`; uncontended, both cost one atomic
/// operation each way.
public final class PosixMutex<Value>: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  /// A lock guarding `value`.
  public init(_ value: Value) {
    self.value = value
    mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    let status = pthread_mutex_init(mutex, nil)
    precondition(status == 0, "pthread_mutex_init failed with \(status)")
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  /// Runs `body` with the guarded value, holding the lock; returns what `body` returns.
  public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}
