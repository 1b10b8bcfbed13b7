import TensorCore

/// Kernels over flat float32 vectors (any tensor, read as its `count` values in row-major order).
///
/// Reductions accumulate in Double, in fixed chunks of `chunkLength` values whose partial sums are
/// added in chunk order, so a result does not depend on the thread count. Elementwise updates
/// write in place and never allocate.
enum FlatVector {
  /// Values per partial sum of a reduction.
  static let chunkLength = 8192
  /// The smallest vector worth splitting over threads.
  static let parallelThreshold = 1 << 16

  /// Σᵢ aᵢ bᵢ, accumulated in Double; `parallel: false` forces one thread (same result).
  static func dot(_ a: Tensor, _ b: Tensor, parallel: Bool = true) -> Double {
    precondition(a.count == b.count, "dot: \(a.count) values against \(b.count)")
    return a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        chunkedSum(a.count, parallel: parallel) { range in dotKernel(a, b, range) }
      }
    }
  }

  /// Σᵢ |aᵢ| (the L1 norm), accumulated in Double; `parallel: false` forces one thread.
  static func sumOfMagnitudes(_ a: Tensor, parallel: Bool = true) -> Double {
    a.withUnsafeBufferPointer { a in
      chunkedSum(a.count, parallel: parallel) { range in
        var sum = 0.0
        for i in range { sum += Double(abs(a[i])) }
        return sum
      }
    }
  }

  /// maxᵢ |aᵢ| (the L∞ norm); NaN if any value is NaN; 0 for an empty vector.
  static func maximumMagnitude(_ a: Tensor) -> Float {
    a.withUnsafeBufferPointer { a in
      var largest: Float = 0
      for value in a {
        let magnitude = abs(value)
        if magnitude.isNaN { return .nan }
        if magnitude > largest { largest = magnitude }
      }
      return largest
    }
  }

  /// y ← y + α x, in float32: yᵢ = yᵢ + α·xᵢ.
  static func addScaled(_ y: inout Tensor, _ alpha: Float, _ x: Tensor) {
    precondition(x.count == y.count, "addScaled: \(x.count) values into \(y.count)")
    x.withUnsafeBufferPointer { x in
      y.withUnsafeMutableBufferPointer { y in
        elementwise(y.count) { range in
          for i in range { y[i] = stepped(y[i], alpha, x[i]) }
        }
      }
    }
  }

  /// out ← x + α d: the trial point of a line search, computed exactly as `addScaled` would.
  static func step(_ out: inout Tensor, from x: Tensor, _ alpha: Float, along d: Tensor) {
    precondition(x.count == out.count && d.count == out.count, "step: vector lengths differ")
    x.withUnsafeBufferPointer { x in
      d.withUnsafeBufferPointer { d in
        out.withUnsafeMutableBufferPointer { out in
          elementwise(out.count) { range in
            for i in range { out[i] = stepped(x[i], alpha, d[i]) }
          }
        }
      }
    }
  }

  /// out ← α x.
  static func scaled(_ out: inout Tensor, _ alpha: Float, _ x: Tensor) {
    precondition(x.count == out.count, "scaled: \(x.count) values into \(out.count)")
    x.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { out in
        elementwise(out.count) { range in
          for i in range { out[i] = alpha * x[i] }
        }
      }
    }
  }

  /// The one float32 update every move uses, so a line search's trial point and the final
  /// iterate at the same step length are bitwise equal.
  @inline(__always)
  static func stepped(_ x: Float, _ alpha: Float, _ d: Float) -> Float { x + alpha * d }

  /// Σ over fixed chunks of `partial(range)`, chunks in order, chunk sums computed in parallel
  /// (when `parallel` and the vector is long): the result does not depend on the thread count.
  static func chunkedSum(
    _ count: Int, parallel: Bool = true, _ partial: (Range<Int>) -> Double
  ) -> Double {
    let chunks = (count + chunkLength - 1) / chunkLength
    if chunks <= 1 { return partial(0..<count) }
    if count < parallelThreshold || !parallel {
      var sum = 0.0
      for c in 0..<chunks { sum += partial(c * chunkLength..<min(count, (c + 1) * chunkLength)) }
      return sum
    }
    var sums = [Double](repeating: 0, count: chunks)
    sums.withUnsafeMutableBufferPointer { sums in
      Parallel.forEach(chunks, minimumChunk: 4) { chunkRange in
        for c in chunkRange {
          sums[c] = partial(c * chunkLength..<min(count, (c + 1) * chunkLength))
        }
      }
    }
    var sum = 0.0
    for value in sums { sum += value }
    return sum
  }

  /// yᵀs and yᵀy for y = g − p and s = t·d (each rounded to float32, as stored), accumulated as
  /// `dot` does (same chunks and lanes, so the values equal `dot(y, s)` and `dot(y, y)`).
  static func curvature(
    direction d: Tensor, stepLength t: Float, gradient g: Tensor, previousGradient p: Tensor
  ) -> (curvature: Double, gradientChangeSquared: Double) {
    d.withUnsafeBufferPointer { d in
      g.withUnsafeBufferPointer { g in
        p.withUnsafeBufferPointer { p in
          let curvature = chunkedSum(d.count) { range in
            pairKernel(range) { i in (g[i] - p[i], t * d[i]) }
          }
          let squared = chunkedSum(d.count) { range in
            pairKernel(range) { i in
              let y = g[i] - p[i]
              return (y, y)
            }
          }
          return (curvature, squared)
        }
      }
    }
  }

  /// Σ Double(a)·Double(b) over `range` for the pairs `pair(i)`, in `dotKernel`'s lane order.
  @inline(__always)
  static func pairKernel(_ range: Range<Int>, _ pair: (Int) -> (Float, Float)) -> Double {
    var lanes = SIMD8<Double>()
    var i = range.lowerBound
    let end = range.upperBound
    while i + 8 <= end {
      var x = SIMD8<Float>()
      var y = SIMD8<Float>()
      for lane in 0..<8 { (x[lane], y[lane]) = pair(i + lane) }
      lanes += SIMD8<Double>(x) * SIMD8<Double>(y)
      i += 8
    }
    var sum = lanes.sum()
    while i < end {
      let (x, y) = pair(i)
      sum += Double(x) * Double(y)
      i += 1
    }
    return sum
  }

  /// Runs `body` over `0..<count`, in parallel for long vectors.
  static func elementwise(_ count: Int, _ body: (Range<Int>) -> Void) {
    if count < parallelThreshold {
      body(0..<count)
    } else {
      Parallel.forEach(count, minimumChunk: parallelThreshold / 2, body)
    }
  }

  /// Σ aᵢ bᵢ over `range` in Double, eight lanes at a time, lanes added in a fixed order.
  @inline(__always)
  static func dotKernel(
    _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, _ range: Range<Int>
  ) -> Double {
    guard let aBase = a.baseAddress, let bBase = b.baseAddress else { return 0 }
    var lanes = SIMD8<Double>()
    var i = range.lowerBound
    let end = range.upperBound
    while i + 8 <= end {
      let x = UnsafeRawPointer(aBase + i).loadUnaligned(as: SIMD8<Float>.self)
      let y = UnsafeRawPointer(bBase + i).loadUnaligned(as: SIMD8<Float>.self)
      lanes += SIMD8<Double>(x) * SIMD8<Double>(y)
      i += 8
    }
    var sum = lanes.sum()
    while i < end {
      sum += Double(aBase[i]) * Double(bBase[i])
      i += 1
    }
    return sum
  }
}
