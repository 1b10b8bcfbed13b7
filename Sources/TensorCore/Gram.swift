// Gram matrices and general matrix products, on top of single-threaded GEMMs split over workers.

/// The Gram matrix of each image's features: `G[n] = F Fᵀ / normalizer`, F = x[n] as
/// `C × (H·W)`. `[N, C, H, W]` → `[N, C, C]`. The reduction over positions is split across the
/// workers (each sums its own positions) and the partial sums are added.
///
/// - Reference: Gatys, Ecker and Bethge, "Texture synthesis using convolutional neural networks"
///   (2015), eq. 1.
public func gramForward(_ x: Tensor, normalizer: Float) -> Tensor {
  let (n, c, h, w) = x.shape.nchw
  let positions = h * w
  let output = Tensor(zeros: [n, c, c])
  let workers = max(1, min(Parallel.threads, positions / 1024))
  let partial = TensorStorage(count: workers * c * c)
  x.withUnsafeBufferPointer { source in
    for image in 0..<n {
      let features = source.baseAddress! + image * c * positions
      Parallel.forEach(workers) { range in
        for worker in range {
          let start = positions * worker / workers
          let end = positions * (worker + 1) / workers
          BLAS.sgemm(
            transposeB: true, m: c, n: c, k: end - start, alpha: 1 / normalizer,
            a: features + start, lda: positions, b: features + start, ldb: positions,
            c: partial.pointer + worker * c * c, ldc: c)
        }
      }
      let destination = output.storage.pointer + image * c * c
      for worker in 0..<workers {
        let block = partial.pointer + worker * c * c
        for i in 0..<(c * c) { destination[i] += block[i] }
      }
    }
  }
  return output
}

/// The gradient of `gramForward` written over the features themselves:
/// `F ← (dG + dGᵀ) F / normalizer`, by blocks of positions through a small workspace, so no
/// second feature-sized buffer is needed (the VGG-19 backward pass holds one less activation).
/// Copies first if `features` shares its storage. `[N, C, H, W]`.
public func gramBackward(
  _ gramGradient: Tensor, replacingFeatures features: inout Tensor, normalizer: Float
) {
  let (n, c, h, w) = features.shape.nchw
  precondition(
    gramGradient.shape == [n, c, c],
    "gramBackward: gradient \(gramGradient.shape) does not match features \(features.shape)")
  features.makeUnique()
  let positions = h * w
  let block = 1024
  let blocks = (positions + block - 1) / block
  let base = features.storage.pointer
  var symmetric = [Float](repeating: 0, count: c * c)
  gramGradient.withUnsafeBufferPointer { gradient in
    for image in 0..<n {
      let g = gradient.baseAddress! + image * c * c
      for i in 0..<c {
        for j in 0..<c { symmetric[i * c + j] = (g[i * c + j] + g[j * c + i]) / normalizer }
      }
      let plane = base + image * c * positions
      symmetric.withUnsafeBufferPointer { s in
        let sBase = s.baseAddress!
        Parallel.forEach(blocks) { range in
          let workspace = TensorStorage(count: c * block)
          for index in range {
            let start = index * block
            let width = min(block, positions - start)
            BLAS.sgemm(
              m: c, n: width, k: c, a: sBase, lda: c, b: plane + start, ldb: positions,
              c: workspace.pointer, ldc: width)
            for channel in 0..<c {
              (plane + channel * positions + start).update(
                from: workspace.pointer + channel * width, count: width)
            }
          }
        }
      }
    }
  }
}

/// The gradient of `gramForward`: `dF = (dG + dGᵀ) F / normalizer`. `[N, C, H, W]`.
public func gramBackward(_ gramGradient: Tensor, features x: Tensor, normalizer: Float) -> Tensor {
  let (n, c, h, w) = x.shape.nchw
  precondition(
    gramGradient.shape == [n, c, c],
    "gramBackward: gradient \(gramGradient.shape) does not match features \(x.shape)")
  let positions = h * w
  let result = Tensor(uninitialized: x.shape)
  var symmetric = [Float](repeating: 0, count: c * c)
  x.withUnsafeBufferPointer { source in
    gramGradient.withUnsafeBufferPointer { gradient in
      for image in 0..<n {
        let g = gradient.baseAddress! + image * c * c
        for i in 0..<c {
          for j in 0..<c { symmetric[i * c + j] = (g[i * c + j] + g[j * c + i]) / normalizer }
        }
        let features = source.baseAddress! + image * c * positions
        let destination = result.storage.pointer + image * c * positions
        symmetric.withUnsafeBufferPointer { s in
          let sBase = s.baseAddress!
          Parallel.forEach(positions, minimumChunk: 512) { columns in
            BLAS.sgemm(
              m: c, n: columns.count, k: c, a: sBase, lda: c,
              b: features + columns.lowerBound, ldb: positions,
              c: destination + columns.lowerBound, ldc: positions)
          }
        }
      }
    }
  }
  return result
}

/// The matrix product `A · B` of `[M, K]` and `[K, N]`: `[M, N]`, split over columns of the result.
public func matrixMultiply(
  _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
) -> Tensor {
  precondition(a.shape.rank == 2 && b.shape.rank == 2, "matrixMultiply: expected matrices, got \(a.shape) and \(b.shape)")
  let m = transposeA ? a.shape[1] : a.shape[0]
  let k = transposeA ? a.shape[0] : a.shape[1]
  let k2 = transposeB ? b.shape[1] : b.shape[0]
  let n = transposeB ? b.shape[0] : b.shape[1]
  precondition(
    k == k2,
    "matrixMultiply: \(transposeA ? "Aᵀ" : "A") \(a.shape) and \(transposeB ? "Bᵀ" : "B") \(b.shape) do not chain")
  let result = Tensor(uninitialized: [m, n])
  if m * n == 0 { return result }
  if k == 0 {
    result.storage.pointer.update(repeating: 0, count: m * n)
    return result
  }
  a.withUnsafeBufferPointer { aBuffer in
    b.withUnsafeBufferPointer { bBuffer in
      Parallel.forEach(n, minimumChunk: 256) { columns in
        let bStart = transposeB ? columns.lowerBound * b.shape[1] : columns.lowerBound
        BLAS.sgemm(
          transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k,
          a: aBuffer.baseAddress!, lda: a.shape[1], b: bBuffer.baseAddress! + bStart,
          ldb: b.shape[1], c: result.storage.pointer + columns.lowerBound, ldc: n)
      }
    }
  }
  return result
}

/// `mean((a − b)²)` over every element, accumulated in Double.
public func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Double {
  precondition(a.count == b.count, "meanSquaredError: shapes \(a.shape) and \(b.shape) differ in size")
  return a.withUnsafeBufferPointer { first in
    b.withUnsafeBufferPointer { second in
      var total = 0.0
      for i in 0..<first.count {
        let d = Double(first[i]) - Double(second[i])
        total += d * d
      }
      return total / Double(max(first.count, 1))
    }
  }
}
