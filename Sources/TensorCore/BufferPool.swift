import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A size-bucketed pool of large float buffers, reused across steps instead of re-allocated.
///
/// glibc returns allocations above its mmap threshold (up to 32 MB) to the kernel on `free`, so a
/// training or optimisation loop that re-allocates its activations page-faults every 4 KiB page
/// again on every step (PLATFORM.md: this costs the PyTorch reference up to 2.3x). Buffers of at
/// least `minimumPooledBytes` are therefore kept here when their tensor dies and handed out again
/// to the next request of exactly the same size. The pool holds at most `capacityBytes`; `trim()`
/// returns everything to the system.
public final class BufferPool: Sendable {
  /// The process-wide pool used by every `TensorStorage`.
  public static let shared = BufferPool()

  /// Buffers smaller than this go straight to `malloc`/`free` (glibc serves them from its heap).
  public static let minimumPooledBytes = 256 * 1024

  private struct State {
    // Addresses (not pointers, which are not Sendable) of free buffers, by byte size.
    var free: [Int: [UInt]] = [:]
    var pooledBytes = 0
    var capacityBytes = 8 << 30
  }

  private let state = Mutex(State())

  /// Bytes currently held in the pool (not in use by any tensor).
  public var pooledBytes: Int { state.withLock { $0.pooledBytes } }

  /// Sets the most bytes the pool keeps; buffers beyond it are freed when released.
  public func setCapacity(bytes: Int) {
    let dropped = state.withLock { state -> [UInt] in
      state.capacityBytes = bytes
      return state.pooledBytes > bytes ? Self.drain(&state) : []
    }
    dropped.forEach { free(UnsafeMutableRawPointer(bitPattern: $0)) }
  }

  /// Returns every pooled buffer to the system.
  public func trim() {
    let dropped = state.withLock { Self.drain(&$0) }
    dropped.forEach { free(UnsafeMutableRawPointer(bitPattern: $0)) }
  }

  /// A 64-byte aligned buffer of `count` floats with undefined contents.
  func take(_ count: Int) -> UnsafeMutablePointer<Float> {
    let bytes = max(count, 1) * MemoryLayout<Float>.stride
    if bytes >= Self.minimumPooledBytes {
      let reused = state.withLock { state -> UInt? in
        guard let address = state.free[bytes]?.popLast() else { return nil }
        state.pooledBytes -= bytes
        return address
      }
      if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused) {
        return pointer.assumingMemoryBound(to: Float.self)
      }
    }
    var raw: UnsafeMutableRawPointer?
    let status = posix_memalign(&raw, 64, bytes)
    guard status == 0, let raw else {
      fatalError("out of memory: cannot allocate \(bytes) bytes for a tensor")
    }
    return raw.bindMemory(to: Float.self, capacity: max(count, 1))
  }

  /// Gives a buffer from `take` back: pooled when large and the pool has room, freed otherwise.
  func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
    let bytes = max(count, 1) * MemoryLayout<Float>.stride
    let raw = UnsafeMutableRawPointer(pointer)
    let address = UInt(bitPattern: raw)
    if bytes >= Self.minimumPooledBytes {
      let kept = state.withLock { state -> Bool in
        guard state.pooledBytes + bytes <= state.capacityBytes else { return false }
        state.free[bytes, default: []].append(address)
        state.pooledBytes += bytes
        return true
      }
      if kept { return }
    }
    free(raw)
  }

  private static func drain(_ state: inout State) -> [UInt] {
    let all = state.free.values.flatMap { $0 }
    state.free = [:]
    state.pooledBytes = 0
    return all
  }
}

/// The memory of a tensor: `count` float32 values, 64-byte aligned, from `BufferPool.shared`.
public final class TensorStorage: @unchecked Sendable {
  /// The first element.
  public let pointer: UnsafeMutablePointer<Float>
  /// The number of elements.
  public let count: Int

  /// Uninitialised storage for `count` floats.
  public init(count: Int) {
    self.count = count
    pointer = BufferPool.shared.take(count)
  }

  deinit { BufferPool.shared.give(pointer, count: count) }
}
