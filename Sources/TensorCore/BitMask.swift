/// One bit per element of a tensor: which elements were positive.
///
/// ReLU and LeakyReLU keep this instead of their activation for the backward pass: 1/32 of the
/// memory of the activation it summarises. Its memory comes from `BufferPool` (reused across
/// steps like the activations').
public struct BitMask: @unchecked Sendable {
  /// The mask's element count.
  public let count: Int
  /// The bits, one byte per 8 elements (element i is bit i % 8 of byte i / 8), in pooled memory.
  private let bytes: TensorStorage

  /// The bit weights of 8 consecutive elements.
  private static let lanes = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128)

  /// The mask of `x > 0`, eight elements at a time with vector compares.
  public init(positive x: Tensor) {
    count = x.count
    let byteCount = (x.count + 7) / 8
    bytes = TensorStorage(count: (byteCount + 3) / 4)
    let output = UnsafeMutableRawPointer(bytes.pointer).assumingMemoryBound(to: UInt8.self)
    let total = x.count
    x.withUnsafeBufferPointer { values in
      let base = UnsafeRawPointer(values.baseAddress!)
      Parallel.forEach(byteCount, minimumChunk: 4096) { range in
        for index in range {
          let start = index * 8
          if start + 8 <= total {
            let v = base.loadUnaligned(fromByteOffset: start * 4, as: SIMD8<Float>.self)
            let selected = SIMD8<Int32>(repeating: 0).replacing(with: Self.lanes, where: v .> 0)
            output[index] = UInt8(truncatingIfNeeded: selected.wrappedSum())
          } else {
            var packed: UInt8 = 0
            for i in start..<total where base.load(fromByteOffset: i * 4, as: Float.self) > 0 {
              packed |= 1 << UInt8(i - start)
            }
            output[index] = packed
          }
        }
      }
    }
  }

  /// `gradient ⊙ (mask ? 1 : otherwise)` in place: the ReLU (otherwise = 0) and LeakyReLU
  /// (otherwise = slope) pullbacks. No copy is made when `gradient`'s storage is not shared.
  public func apply(to gradient: inout Tensor, otherwise: Float = 0) {
    precondition(gradient.count == count, "BitMask: \(count) bits for a gradient of \(gradient.shape)")
    let total = count
    let byteCount = (count + 7) / 8
    let input = UnsafeRawPointer(bytes.pointer).assumingMemoryBound(to: UInt8.self)
    gradient.withUnsafeMutableBufferPointer { values in
      let base = UnsafeMutableRawPointer(values.baseAddress!)
      Parallel.forEach(byteCount, minimumChunk: 4096) { range in
        for index in range {
          let packed = input[index]
          let start = index * 8
          if start + 8 <= total {
            // Branch-free: g · (keep + (1 − keep) · otherwise), keep ∈ {0, 1}. (A vector select
            // on a mask compiles to a loop 15x slower here.)
            let bits = UInt32(packed)
            let values = base.assumingMemoryBound(to: Float.self) + start
            for lane in 0..<8 {
              let keep = Float((bits >> UInt32(lane)) & 1)
              values[lane] *= keep + (1 - keep) * otherwise
            }
          } else {
            for i in start..<total where (packed >> UInt8(i - start)) & 1 == 0 {
              let value = base.load(fromByteOffset: i * 4, as: Float.self)
              base.storeBytes(of: value * otherwise, toByteOffset: i * 4, as: Float.self)
            }
          }
        }
      }
    }
  }
}

/// `max(x, 0)`.
public func reluForward(_ x: Tensor) -> Tensor { x.map { max($0, 0) } }

/// `x > 0 ? x : slope · x`.
public func leakyReLUForward(_ x: Tensor, slope: Float) -> Tensor {
  x.map { $0 > 0 ? $0 : slope * $0 }
}
