/// Sorts rows of floats with a stable least-significant-digit radix sort on order-preserving
/// 32-bit keys (4 passes of 8 bits; a pass whose byte is the same for every key is skipped), and
/// reports where each sorted value came from. O(m) per row: at 65 536 values ~10x faster than a
/// comparison sort, which matters because the sliced Wasserstein loss sorts every projection of
/// every image at every evaluation.
///
/// Keys: a float's bits with the sign bit set for non-negative values and all bits flipped for
/// negative ones, so unsigned key order is float order (−0 sorts before +0; NaNs are not expected).
struct RadixSorter {
  private let capacity: Int
  private let keys: UnsafeMutablePointer<UInt32>
  private let spareKeys: UnsafeMutablePointer<UInt32>
  private let indices: UnsafeMutablePointer<Int32>
  private let spareIndices: UnsafeMutablePointer<Int32>

  /// Workspace for rows of up to `capacity` values; release it with `deallocate()`.
  init(capacity: Int) {
    precondition(capacity <= Int(Int32.max), "RadixSorter: \(capacity) values exceed Int32 indices")
    self.capacity = capacity
    keys = .allocate(capacity: max(capacity, 1))
    spareKeys = .allocate(capacity: max(capacity, 1))
    indices = .allocate(capacity: max(capacity, 1))
    spareIndices = .allocate(capacity: max(capacity, 1))
  }

  /// Frees the workspace.
  func deallocate() {
    keys.deallocate()
    spareKeys.deallocate()
    indices.deallocate()
    spareIndices.deallocate()
  }

  /// Writes `values[0..<count]` in ascending order to `sorted` and, when `order` is given, the
  /// source index of each sorted value to `order` (stable: equal values keep their order).
  func sort(
    _ values: UnsafePointer<Float>, count: Int, into sorted: UnsafeMutablePointer<Float>,
    order: UnsafeMutablePointer<Int32>?
  ) {
    precondition(count <= capacity, "RadixSorter: \(count) values exceed the workspace of \(capacity)")
    // One pass builds the four byte histograms.
    var histogram = [Int](repeating: 0, count: 4 * 256)
    histogram.withUnsafeMutableBufferPointer { counts in
      for i in 0..<count {
        let bits = values[i].bitPattern
        let key = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        keys[i] = key
        indices[i] = Int32(i)
        counts[Int(key & 0xff)] += 1
        counts[256 + Int((key >> 8) & 0xff)] += 1
        counts[512 + Int((key >> 16) & 0xff)] += 1
        counts[768 + Int(key >> 24)] += 1
      }
    }
    var source = (keys, indices)
    var destination = (spareKeys, spareIndices)
    for pass in 0..<4 {
      let shift = UInt32(8 * pass)
      var offsets = [Int](repeating: 0, count: 256)
      var skip = false
      histogram.withUnsafeBufferPointer { counts in
        var running = 0
        for byte in 0..<256 {
          let n = counts[pass * 256 + byte]
          if n == count { skip = true }
          offsets[byte] = running
          running += n
        }
      }
      if skip { continue }
      offsets.withUnsafeMutableBufferPointer { next in
        for i in 0..<count {
          let key = source.0[i]
          let byte = Int((key >> shift) & 0xff)
          let slot = next[byte]
          next[byte] = slot + 1
          destination.0[slot] = key
          destination.1[slot] = source.1[i]
        }
      }
      swap(&source, &destination)
    }
    for i in 0..<count {
      let key = source.0[i]
      sorted[i] = Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7fff_ffff : ~key)
    }
    if let order { order.update(from: source.1, count: count) }
  }
}
