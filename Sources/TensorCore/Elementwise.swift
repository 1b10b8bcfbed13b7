// Elementwise kernels over contiguous float32 storage, split over the worker threads.

/// Minimum elements per worker before a loop is split (smaller loops run on one thread).
let elementwiseChunk = 1 << 16

extension Tensor {
  /// `f(x)` for every element; same shape.
  @inlinable
  public func map(_ transform: (Float) -> Float) -> Tensor {
    let result = Tensor(uninitialized: shape)
    let destination = result.storage.pointer
    withUnsafeBufferPointer { source in
      let base = source.baseAddress!
      Parallel.forEach(count, minimumChunk: 1 << 16) { range in
        for i in range { destination[i] = transform(base[i]) }
      }
    }
    return result
  }

  /// `f(x, y)` for every pair of elements of two tensors of the same element count; this shape.
  @inlinable
  public func zipMap(_ other: Tensor, _ transform: (Float, Float) -> Float) -> Tensor {
    precondition(
      count == other.count, "zipMap: shapes \(shape) and \(other.shape) have different sizes")
    let result = Tensor(uninitialized: shape)
    let destination = result.storage.pointer
    withUnsafeBufferPointer { first in
      other.withUnsafeBufferPointer { second in
        let a = first.baseAddress!
        let b = second.baseAddress!
        Parallel.forEach(count, minimumChunk: 1 << 16) { range in
          for i in range { destination[i] = transform(a[i], b[i]) }
        }
      }
    }
    return result
  }

  /// `self += scale · other` in place (same element count).
  @inlinable
  public mutating func add(_ other: Tensor, scaledBy scale: Float = 1) {
    precondition(count == other.count, "add: shapes \(shape) and \(other.shape) differ in size")
    makeUnique()
    let destination = storage.pointer
    other.withUnsafeBufferPointer { source in
      let base = source.baseAddress!
      Parallel.forEach(count, minimumChunk: 1 << 16) { range in
        for i in range { destination[i] += scale * base[i] }
      }
    }
  }

  /// `self *= scale` in place.
  @inlinable
  public mutating func scale(by factor: Float) {
    makeUnique()
    let destination = storage.pointer
    Parallel.forEach(count, minimumChunk: 1 << 16) { range in
      for i in range { destination[i] *= factor }
    }
  }
}

/// `a + b`, same shapes.
public func + (a: Tensor, b: Tensor) -> Tensor {
  precondition(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
  return a.zipMap(b, +)
}

/// `a − b`, same shapes.
public func - (a: Tensor, b: Tensor) -> Tensor {
  precondition(a.shape == b.shape, "subtract: shapes \(a.shape) and \(b.shape) differ")
  return a.zipMap(b, -)
}

/// `a ⊙ b` (elementwise product), same shapes.
public func * (a: Tensor, b: Tensor) -> Tensor {
  precondition(a.shape == b.shape, "multiply: shapes \(a.shape) and \(b.shape) differ")
  return a.zipMap(b, *)
}

/// `s · a`.
public func * (s: Float, a: Tensor) -> Tensor { a.map { s * $0 } }

/// Per-channel affine map of `[N, C, H, W]`: `y[n, c, y, x] = x[n, c, y, x] · scale[c] + shift[c]`
/// (`scale` and `shift` are `[C]`; nil means 1 and 0).
public func channelAffine(_ x: Tensor, scale: Tensor?, shift: Tensor?) -> Tensor {
  let (n, c, h, w) = x.shape.nchw
  if let scale { precondition(scale.count == c, "channelAffine: scale \(scale.shape) for \(c) channels") }
  if let shift { precondition(shift.count == c, "channelAffine: shift \(shift.shape) for \(c) channels") }
  let scales = scale?.scalars ?? [Float](repeating: 1, count: c)
  let shifts = shift?.scalars ?? [Float](repeating: 0, count: c)
  let result = Tensor(uninitialized: x.shape)
  let destination = result.storage.pointer
  let plane = h * w
  x.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(plane, 1))) { planes in
      for index in planes {
        let channel = index % c
        let a = scales[channel]
        let b = shifts[channel]
        let start = index * plane
        for i in start..<(start + plane) { destination[i] = base[i] * a + b }
      }
    }
  }
  return result
}

/// Per-channel sums of a product, `s[c] = Σ_{n, y, x} a[n, c, y, x] · b[n, c, y, x]`, in Double.
/// `[C]`; the weight gradient of a per-channel scale.
public func sumPerChannel(_ a: Tensor, times b: Tensor) -> Tensor {
  precondition(a.shape == b.shape, "sumPerChannel(times:): shapes \(a.shape) and \(b.shape) differ")
  let (n, c, h, w) = a.shape.nchw
  let plane = h * w
  let result = Tensor(zeros: [c])
  let destination = result.storage.pointer
  a.withUnsafeBufferPointer { first in
    b.withUnsafeBufferPointer { second in
      let x = first.baseAddress!
      let y = second.baseAddress!
      Parallel.forEach(c) { channels in
        for channel in channels {
          var total = 0.0
          for image in 0..<n {
            let start = (image * c + channel) * plane
            for i in start..<(start + plane) { total += Double(x[i]) * Double(y[i]) }
          }
          destination[channel] = Float(total)
        }
      }
    }
  }
  return result
}
