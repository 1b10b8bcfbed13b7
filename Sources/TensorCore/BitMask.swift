/// One bit per element of a tensor: which elements were positive.
///
/// ReLU and LeakyReLU keep this instead of their activation for the backward pass: 1/32 of the
/// memory of the activation it summarises.
public struct BitMask: Sendable {
  /// The mask's element count.
  public let count: Int
  private let words: [UInt64]

  /// The mask of `x > 0`.
  public init(positive x: Tensor) {
    count = x.count
    let wordCount = (x.count + 63) / 64
    var words = [UInt64](repeating: 0, count: wordCount)
    x.withUnsafeBufferPointer { values in
      let base = values.baseAddress!
      let total = values.count
      words.withUnsafeMutableBufferPointer { bits in
        let output = bits.baseAddress!
        Parallel.forEach(wordCount, minimumChunk: 1024) { range in
          for word in range {
            let start = word * 64
            let end = min(start + 64, total)
            var packed: UInt64 = 0
            for i in start..<end where base[i] > 0 { packed |= 1 << UInt64(i - start) }
            output[word] = packed
          }
        }
      }
    }
    self.words = words
  }

  /// `gradient ⊙ (mask ? 1 : otherwise)` in place: the ReLU (otherwise = 0) and LeakyReLU
  /// (otherwise = slope) pullbacks. No copy is made when `gradient`'s storage is not shared.
  public func apply(to gradient: inout Tensor, otherwise: Float = 0) {
    precondition(gradient.count == count, "BitMask: \(count) bits for a gradient of \(gradient.shape)")
    let total = count
    gradient.withUnsafeMutableBufferPointer { values in
      let destination = values.baseAddress!
      words.withUnsafeBufferPointer { bits in
        let wordBase = bits.baseAddress!
        Parallel.forEach(bits.count, minimumChunk: 1024) { range in
          for word in range {
            let packed = wordBase[word]
            let start = word * 64
            let end = min(start + 64, total)
            if packed == UInt64.max && end - start == 64 { continue }
            for i in start..<end where (packed >> UInt64(i - start)) & 1 == 0 {
              destination[i] *= otherwise
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
