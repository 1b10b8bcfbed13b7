// Reductions. Sums accumulate in Double so that results do not depend on the thread count's
// chunking beyond the last float rounding.

/// `Σ x` over every element, accumulated in Double.
public func sum(_ x: Tensor) -> Double {
  x.withUnsafeBufferPointer { values in
    let chunks = max(1, min(Parallel.threads, values.count / 65536))
    var partial = [Double](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { partialBuffer in
      Parallel.forEach(chunks) { range in
        for chunk in range {
          let start = values.count * chunk / chunks
          let end = values.count * (chunk + 1) / chunks
          partialBuffer[chunk] = sumRange(values.baseAddress!, start, end)
        }
      }
    }
    return partial.reduce(0, +)
  }
}

/// `Σ x / count`, accumulated in Double.
public func mean(_ x: Tensor) -> Double { sum(x) / Double(max(x.count, 1)) }

/// Per-channel sums of `[N, C, H, W]`: `s[c] = Σ_{n, y, x} x[n, c, y, x]`. `[C]`.
public func sumPerChannel(_ x: Tensor) -> Tensor {
  let (n, c, h, w) = x.shape.nchw
  let result = Tensor(zeros: [c])
  let plane = h * w
  x.withUnsafeBufferPointer { values in
    let destination = result.storage.pointer
    Parallel.forEach(c) { channels in
      for channel in channels {
        var total = 0.0
        for image in 0..<n {
          let start = (image * c + channel) * plane
          total += sumRange(values.baseAddress!, start, start + plane)
        }
        destination[channel] = Float(total)
      }
    }
  }
  return result
}

/// Σ values[start..<end] in Double, eight partial sums at a time (vectorises).
@inline(__always)
func sumRange(_ values: UnsafePointer<Float>, _ start: Int, _ end: Int) -> Double {
  var lanes = SIMD8<Double>()
  var index = start
  while index + 8 <= end {
    lanes += SIMD8<Double>(
      Double(values[index]), Double(values[index + 1]), Double(values[index + 2]),
      Double(values[index + 3]), Double(values[index + 4]), Double(values[index + 5]),
      Double(values[index + 6]), Double(values[index + 7]))
    index += 8
  }
  var total = lanes.sum()
  while index < end {
    total += Double(values[index])
    index += 1
  }
  return total
}
