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
/// to the next request of the same size class. Sizes are rounded up to classes 1/16 of a power of
/// two apart (at most 6.25% waste), so that nearby sizes (an activation and its padded copy) share
/// buffers instead of each keeping its own.
///
/// The pool never lets its buffers and the buffers in use together exceed the most ever in use
/// at once plus `slackBytes` (96 MiB): when a new buffer has to be allocated, pooled buffers of other size
/// classes are freed first. Peak memory therefore stays at the computation's true working set (a
/// pool keyed by exact size would keep the sum over size classes of each class's peak, measured
/// at 1.6x the working set for a VGG-19 pass at 512x512). `trim()` returns everything.
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
    var liveBytes = 0
    var peakLiveBytes = 0
    var highWaterBytes = 0
    var slackBytes = 96 << 20
  }

  private let state = PosixMutex(State())

  /// Bytes currently held in the pool (not in use by any tensor).
  public var pooledBytes: Int { state.withLock { $0.pooledBytes } }

  /// Bytes of large buffers (at least `minimumPooledBytes`) currently in use by tensors.
  public var liveBytes: Int { state.withLock { $0.liveBytes } }

  /// The most bytes of large buffers in use at once since the last `resetPeak()`.
  public var peakLiveBytes: Int { state.withLock { $0.peakLiveBytes } }

  /// Starts a new peak measurement from the current use.
  public func resetPeak() { state.withLock { $0.peakLiveBytes = $0.liveBytes } }

  /// Sets how far pooled plus in-use bytes may exceed the most ever in use (default 96 MiB:
  /// with 16 MiB, the Winograd convolutions' 32 MiB workspace, the largest buffer, was evicted and
  /// faulted in again at nearly every convolution of a 128² train step: ~100k page faults and
  /// about 15% of the step; 48 MiB still faulted a third more. The peak RSS of a batch-16,
  /// 256² training grew by 46 MiB over 48 MiB's).
  public func setSlack(bytes: Int) { state.withLock { $0.slackBytes = max(0, bytes) } }

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

  /// The bytes actually allocated for a request of `bytes`: its size class when pooled.
  static func allocationSize(_ bytes: Int) -> Int {
    guard bytes >= minimumPooledBytes else { return bytes }
    let step = 1 << max(0, (Int.bitWidth - 1 - bytes.leadingZeroBitCount) - 4)
    return (bytes + step - 1) / step * step
  }

  /// A 64-byte aligned buffer of `count` floats with undefined contents.
  func take(_ count: Int) -> UnsafeMutablePointer<Float> {
    let bytes = Self.allocationSize(max(count, 1) * MemoryLayout<Float>.stride)
    if bytes >= Self.minimumPooledBytes {
      let (reused, evicted) = state.withLock { state -> (UInt?, [UInt]) in
        state.liveBytes += bytes
        state.peakLiveBytes = max(state.peakLiveBytes, state.liveBytes)
        state.highWaterBytes = max(state.highWaterBytes, state.liveBytes)
        if let address = state.free[bytes]?.popLast() {
          state.pooledBytes -= bytes
          return (address, [])
        }
        return (nil, Self.evict(&state))
      }
      evicted.forEach { free(UnsafeMutableRawPointer(bitPattern: $0)) }
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
    let bytes = Self.allocationSize(max(count, 1) * MemoryLayout<Float>.stride)
    let raw = UnsafeMutableRawPointer(pointer)
    let address = UInt(bitPattern: raw)
    if bytes >= Self.minimumPooledBytes {
      let kept = state.withLock { state -> Bool in
        state.liveBytes -= bytes
        guard state.pooledBytes + bytes <= state.capacityBytes,
          state.pooledBytes + bytes + state.liveBytes <= state.highWaterBytes + state.slackBytes
        else { return false }
        state.free[bytes, default: []].append(address)
        state.pooledBytes += bytes
        return true
      }
      if kept { return }
    }
    free(raw)
  }

  /// Pooled buffers to free, largest first, until pooled plus in-use bytes fit the high-water
  /// mark plus the slack.
  private static func evict(_ state: inout State) -> [UInt] {
    var evicted: [UInt] = []
    let limit = state.highWaterBytes + state.slackBytes
    while state.pooledBytes + state.liveBytes > limit,
      let size = state.free.filter({ !$0.value.isEmpty }).keys.max(),
      let address = state.free[size]?.popLast()
    {
      state.pooledBytes -= size
      evicted.append(address)
    }
    return evicted
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
