import TensorCore

/// Sorts rows of floats with a stable least-significant-digit radix sort on order-preserving
/// 32-bit keys (3 passes of 11 bits, or 4 of 8 bits for rows of at most 4096 values, whose
/// histograms would otherwise cost more than the values; a pass whose digit is the same for
/// every key is skipped),
/// and reports where each sorted value came from. O(m) per row: at 65 536 values ~10x faster
/// than the standard library's comparison sort, which matters because the sliced Wasserstein loss
/// sorts every projection of the image and of the exemplar at every evaluation.
///
/// Keys: a float's bits with the sign bit set for non-negative values and all bits flipped for
/// negative ones, so unsigned key order is float order (−0 sorts before +0; NaNs are not expected).
/// When the order is wanted, each key travels with its index packed in one 64-bit word
/// (`key << 32 | index`), so a pass moves one word per value.
struct RadixSorter {
  private let capacity: Int
  // 8 bytes per value each (two floats' room), from the tensor buffer pool: large workspaces
  // re-allocated at every evaluation would page-fault every time (PLATFORM.md).
  private let words: TensorStorage
  private let spareWords: TensorStorage

  /// Workspace for rows of up to `capacity` values.
  init(capacity: Int) {
    precondition(
      capacity <= Int(Int32.max), "RadixSorter: \(capacity) values exceed 32-bit indices")
    self.capacity = capacity
    words = TensorStorage(count: 2 * max(capacity, 1))
    spareWords = TensorStorage(count: 2 * max(capacity, 1))
  }

  /// Writes `values[0..<count]` in ascending order to `sorted` and, when `order` is given, the
  /// source index of each sorted value to `order` (stable: equal values keep their order).
  func sort(
    _ values: UnsafePointer<Float>, count: Int, into sorted: UnsafeMutablePointer<Float>,
    order: UnsafeMutablePointer<Int32>?
  ) {
    precondition(
      count <= capacity, "RadixSorter: \(count) values exceed the workspace of \(capacity)")
    let room = max(capacity, 1)
    words.pointer.withMemoryRebound(to: UInt64.self, capacity: room) { packed in
      spareWords.pointer.withMemoryRebound(to: UInt64.self, capacity: room) { spare in
        if let order {
          for i in 0..<count { packed[i] = UInt64(Self.key(values[i])) << 32 | UInt64(i) }
          let result = Self.passes(packed, spare, count: count, shift: 32)
          for i in 0..<count {
            let word = result[i]
            sorted[i] = Self.value(UInt32(truncatingIfNeeded: word >> 32))
            order[i] = Int32(truncatingIfNeeded: word & 0xffff_ffff)
          }
        } else {
          // Keys alone: 32-bit words, moved in the low halves of the workspaces' words.
          packed.withMemoryRebound(to: UInt32.self, capacity: room) { keys in
            spare.withMemoryRebound(to: UInt32.self, capacity: room) { spareKeys in
              for i in 0..<count { keys[i] = Self.key(values[i]) }
              let result = Self.passes(keys, spareKeys, count: count, shift: 0)
              for i in 0..<count { sorted[i] = Self.value(result[i]) }
            }
          }
        }
      }
    }
  }

  /// The order-preserving key of a float.
  @inline(__always)
  private static func key(_ value: Float) -> UInt32 {
    let bits = value.bitPattern
    return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
  }

  /// The float of a key.
  @inline(__always)
  private static func value(_ key: UInt32) -> Float {
    Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7fff_ffff : ~key)
  }

  /// Stable LSD passes over the 32 key bits starting at bit `shift` of each element, ping-ponging
  /// between the two buffers; returns the buffer that holds the sorted elements.
  private static func passes<Element: FixedWidthInteger>(
    _ first: UnsafeMutablePointer<Element>, _ second: UnsafeMutablePointer<Element>, count: Int,
    shift: Int
  ) -> UnsafeMutablePointer<Element> {
    count <= 4096
      ? passes(first, second, count: count, shift: shift, digitBits: 8, passCount: 4)
      : passes(first, second, count: count, shift: shift, digitBits: 11, passCount: 3)
  }

  /// `passCount` passes of `digitBits` bits (inlined, so both are constants in the loops).
  @inline(__always)
  private static func passes<Element: FixedWidthInteger>(
    _ first: UnsafeMutablePointer<Element>, _ second: UnsafeMutablePointer<Element>, count: Int,
    shift: Int, digitBits: Int, passCount: Int
  ) -> UnsafeMutablePointer<Element> {
    let buckets = 1 << digitBits
    let mask = Element(buckets - 1)
    // One read builds the histograms of every digit.
    let counts = UnsafeMutablePointer<Int32>.allocate(capacity: passCount * buckets)
    defer { counts.deallocate() }
    counts.initialize(repeating: 0, count: passCount * buckets)
    for i in 0..<count {
      let element = first[i]
      for pass in 0..<passCount {
        counts[
          pass * buckets + Int(truncatingIfNeeded: (element &>> (shift + pass * digitBits)) & mask)] +=
          1
      }
    }
    var source = first
    var destination = second
    for pass in 0..<passCount {
      let histogram = counts + pass * buckets
      // Exclusive prefix sums: where each digit's run starts. A digit shared by all: no move.
      var running: Int32 = 0
      var skip = false
      for digit in 0..<buckets {
        let n = histogram[digit]
        if Int(n) == count { skip = true }
        histogram[digit] = running
        running += n
      }
      if skip { continue }
      let digitShift = shift + pass * digitBits
      for i in 0..<count {
        let element = source[i]
        let digit = Int(truncatingIfNeeded: (element &>> digitShift) & mask)
        let slot = Int(histogram[digit])
        histogram[digit] += 1
        destination[slot] = element
      }
      swap(&source, &destination)
    }
    return source
  }
}
