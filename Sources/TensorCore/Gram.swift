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
  let workers = max(1, min(Parallel.threads, positions / 1024))
  if workers < Parallel.threads && n > 1 {
    // Few positions (VGG's deep layers): one GEMM per image, the images split over the workers.
    let output = Tensor(uninitialized: [n, c, c])
    x.withUnsafeBufferPointer { source in
      Parallel.forEach(n) { images in
        for image in images {
          let features = source.baseAddress! + image * c * positions
          BLAS.sgemm(
            transposeB: true, m: c, n: c, k: positions, alpha: 1 / normalizer, a: features,
            lda: positions, b: features, ldb: positions, c: output.storage.pointer + image * c * c,
            ldc: c)
        }
      }
    }
    return output
  }
  let output = Tensor(zeros: [n, c, c])
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
      symmetrize(g, channels: c, normalizer: normalizer, into: &symmetric)
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

/// `(g + gᵀ) / normalizer` of one `C × C` matrix, rows split over the workers.
private func symmetrize(
  _ g: UnsafePointer<Float>, channels c: Int, normalizer: Float, into symmetric: inout [Float]
) {
  symmetric.withUnsafeMutableBufferPointer { destination in
    let base = destination.baseAddress!
    Parallel.forEach(c, minimumChunk: max(1, 16384 / max(c, 1))) { rows in
      for i in rows {
        for j in 0..<c { base[i * c + j] = (g[i * c + j] + g[j * c + i]) / normalizer }
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
        symmetrize(g, channels: c, normalizer: normalizer, into: &symmetric)
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

/// `mean((a − b)²)` over every element, accumulated in Double: blocks of 65536 elements summed
/// by the workers, then the block sums in order (the same value for any thread count).
public func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Double {
  precondition(a.count == b.count, "meanSquaredError: shapes \(a.shape) and \(b.shape) differ in size")
  let block = 65536
  let blocks = (a.count + block - 1) / block
  var sums = [Double](repeating: 0, count: max(blocks, 1))
  a.withUnsafeBufferPointer { first in
    b.withUnsafeBufferPointer { second in
      sums.withUnsafeMutableBufferPointer { partial in
        let partialBase = partial.baseAddress!
        Parallel.forEach(blocks) { range in
          for index in range {
            var total = 0.0
            for i in index * block..<min(first.count, (index + 1) * block) {
              let d = Double(first[i]) - Double(second[i])
              total += d * d
            }
            partialBase[index] = total
          }
        }
      }
    }
  }
  return sums.reduce(0, +) / Double(max(a.count, 1))
}
