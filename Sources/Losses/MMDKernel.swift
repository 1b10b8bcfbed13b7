import Foundation
import TensorCore

// The kernel sums of `MMDLoss` and their gradient, on sampled points: GEMMs for every pairwise
// product, elementwise work split over rows on the workers, matrices in pooled tensor buffers.

/// Sampled points of one image (or of the exemplar): `points` `[C, S]`, and `pairwise` `[S, S]`:
/// inner products xᵢᵀxⱼ for a polynomial kernel, squared distances ‖xᵢ − xⱼ‖² (zero diagonal)
/// for a Gaussian one.
struct KernelSample {
  let count: Int
  let channels: Int
  let points: Tensor
  let pairwise: Tensor
  let squaredNorms: [Float]

  /// Gathers columns `positions` of the `channels × stride` matrix at `offset` in `source`.
  init(
    _ source: Tensor, offset: Int = 0, positions: [Int], channels: Int, stride: Int,
    kernel: MMDLoss.Kernel
  ) {
    let s = positions.count
    count = s
    self.channels = channels
    var gathered = Tensor(uninitialized: [channels, s])
    source.withUnsafeBufferPointer { values in
      gathered.withUnsafeMutableBufferPointer { destination in
        gatherColumns(
          UnsafeBufferPointer(rebasing: values[offset..<(offset + channels * stride)]),
          rows: channels, stride: stride, positions: positions, into: destination)
      }
    }
    points = gathered
    var inner = matrixMultiply(gathered, gathered, transposeA: true)
    let norms = inner.withUnsafeBufferPointer { values in (0..<s).map { values[$0 * s + $0] } }
    squaredNorms = norms
    if case .gaussian = kernel {
      toSquaredDistances(&inner, rowNorms: norms, columnNorms: norms, zeroDiagonal: true)
    }
    pairwise = inner
  }

  /// Σ over the points, per channel: `[C]`.
  var channelSums: [Double] {
    points.withUnsafeBufferPointer { values in
      (0..<channels).map { channel in
        var total = 0.0
        for j in 0..<count { total += Double(values[channel * count + j]) }
        return total
      }
    }
  }
}

/// One image's MMD² against the exemplar and what its gradient needs:
/// dX = X · imageWeights + T · crossWeightsᵀ + X · diag(pointScale) + shift 1ᵀ, `[C, S]`.
struct KernelEvaluation {
  /// mean k(x, x') + mean k(t, t') − 2 mean k(x, t).
  private(set) var value = 0.0
  private var imageWeights: Tensor
  private var crossWeights: Tensor
  private var pointScale: [Float]?
  private var shift: [Float]?

  /// The exemplar–exemplar mean when it does not depend on the image (every kernel but the
  /// adaptive Gaussian); nil otherwise.
  static func exemplarMean(_ kernel: MMDLoss.Kernel, _ exemplar: KernelSample) -> Double? {
    let pairs = Double(exemplar.count * exemplar.count)
    switch kernel {
    case .polynomial(let degree, let offset, let scale):
      return sumElements(exemplar.pairwise) { g in (power(g / scale + offset, degree), 0) }.x
        / pairs
    case .gaussian(.fixed(let sigma)):
      let gamma = 1 / (2 * sigma * sigma)
      return sumElements(exemplar.pairwise) { d in (exp(-gamma * d), 0) }.x / pairs
    case .gaussian(.adaptive):
      return nil
    }
  }

  /// Evaluates `kernel` between `image`'s and `exemplar`'s points; `exemplarMean` as returned by
  /// `exemplarMean(_:_:)`.
  init(_ kernel: MMDLoss.Kernel, image: KernelSample, exemplar: KernelSample, exemplarMean: Double?)
  {
    let s = image.count
    let st = exemplar.count
    imageWeights = image.pairwise
    crossWeights = matrixMultiply(image.points, exemplar.points, transposeA: true)
    let pairs = Double(s * s)
    let crossPairs = Double(s * st)
    switch kernel {
    case .polynomial(let degree, let offset, let scale):
      // k = u^d with u = g / scale + offset; dk/dg = d u^(d−1) / scale; dL/dX = X A + T Bᵀ.
      let a = Float(2 / pairs) * Float(degree) / scale
      let b = -Float(2 / crossPairs) * Float(degree) / scale
      let imageSums = transformElements(&imageWeights) { g in
        let u = g / scale + offset
        let lower = power(u, degree - 1)
        return (lower * u, 0, a * lower)
      }
      let crossSums = transformElements(&crossWeights) { g in
        let u = g / scale + offset
        let lower = power(u, degree - 1)
        return (lower * u, 0, b * lower)
      }
      value = imageSums.totals.x / pairs + (exemplarMean ?? 0) - 2 * crossSums.totals.x / crossPairs
    case .gaussian(let bandwidth):
      toSquaredDistances(
        &crossWeights, rowNorms: image.squaredNorms, columnNorms: exemplar.squaredNorms,
        zeroDiagonal: false)
      gaussian(bandwidth, image: image, exemplar: exemplar, exemplarMean: exemplarMean)
    }
  }

  /// The Gaussian kernel's value and gradient terms (`imageWeights` and `crossWeights` hold
  /// squared distances on entry).
  private mutating func gaussian(
    _ bandwidth: MMDLoss.Bandwidth, image: KernelSample, exemplar: KernelSample,
    exemplarMean: Double?
  ) {
    let s = image.count
    let st = exemplar.count
    let pairs = Double(s * s)
    let crossPairs = Double(s * st)
    let distinctPairs = Double(s * (s - 1) + st * (st - 1) + 2 * s * st)
    let gamma: Float
    switch bandwidth {
    case .fixed(let sigma):
      gamma = 1 / (2 * sigma * sigma)
    case .adaptive:
      // 2σ² = D̄, the mean squared distance over distinct pairs (the diagonals are zero).
      let total = sum(imageWeights) + sum(exemplar.pairwise) + 2 * sum(crossWeights)
      let meanDistance = total / max(distinctPairs, 1)
      gamma = meanDistance > 0 ? Float(1 / meanDistance) : 0
    }
    // dL/dxᵢ = (4γ/S²) Σⱼ kᵢⱼ (xⱼ − xᵢ) + (4γ/(S S')) Σⱼ kᵢⱼ' (xᵢ − tⱼ): the Σⱼ k xⱼ and Σⱼ k tⱼ
    // parts are the weight matrices, the xᵢ parts the per-point scale (the rows' sums).
    let a = Float(4 / pairs) * gamma
    let b = Float(4 / crossPairs) * gamma
    let imageSums = transformElements(&imageWeights) { d in
      let k = exp(-gamma * d)
      return (k, d * k, a * k)
    }
    let crossSums = transformElements(&crossWeights) { d in
      let k = exp(-gamma * d)
      return (k, d * k, -b * k)
    }
    var rowScale = zip(imageSums.rowSums, crossSums.rowSums).map { -$0 - $1 }
    var exemplarTerm = exemplarMean ?? 0
    var exemplarDistanceTerm = 0.0
    if exemplarMean == nil {
      let sums = sumElements(exemplar.pairwise) { d in
        let k = exp(-gamma * d)
        return (k, d * k)
      }
      exemplarTerm = sums.x / Double(st * st)
      exemplarDistanceTerm = sums.y / Double(st * st)
    }
    value = imageSums.totals.x / pairs + exemplarTerm - 2 * crossSums.totals.x / crossPairs
    if case .adaptive = bandwidth, gamma > 0 {
      // γ = 1/D̄: dL/dγ = −mean d²k(x,x') − mean d²k(t,t') + 2 mean d²k(x,t), dγ/dD̄ = −γ², and
      // dD̄/dxᵢ = 4((S + S') xᵢ − Σx − Σt) / (distinct pairs).
      let dLdGamma =
        -imageSums.totals.y / pairs - exemplarDistanceTerm + 2 * crossSums.totals.y / crossPairs
      let e = dLdGamma * -Double(gamma * gamma) * 4 / distinctPairs
      for i in 0..<s { rowScale[i] += Float(e * Double(s + st)) }
      shift = zip(image.channelSums, exemplar.channelSums).map { Float(-e * ($0 + $1)) }
    }
    pointScale = rowScale
  }

  /// dMMD²/dX, `[C, S]`.
  func gradient(image: KernelSample, exemplar: KernelSample) -> Tensor {
    let s = image.count
    let st = exemplar.count
    let c = image.channels
    var result = matrixMultiply(image.points, imageWeights)
    result.withUnsafeMutableBufferPointer { out in
      exemplar.points.withUnsafeBufferPointer { t in
        crossWeights.withUnsafeBufferPointer { b in
          guard let o = out.baseAddress, let tp = t.baseAddress, let bp = b.baseAddress, st > 0
          else { return }
          parallelMultiply(
            transposeB: true, m: c, n: s, k: st, a: tp, lda: st, b: bp, ldb: st, beta: 1, c: o,
            ldc: s)
        }
      }
      guard let pointScale else { return }
      image.points.withUnsafeBufferPointer { x in
        for channel in 0..<c {
          let offset = shift?[channel] ?? 0
          for j in 0..<s { out[channel * s + j] += pointScale[j] * x[channel * s + j] + offset }
        }
      }
    }
    return result
  }
}

/// Inner products gᵢⱼ → squared distances max(nᵢ + nⱼ − 2gᵢⱼ, 0), in place (`[rows, columns]`).
func toSquaredDistances(
  _ matrix: inout Tensor, rowNorms: [Float], columnNorms: [Float], zeroDiagonal: Bool
) {
  let columns = columnNorms.count
  matrix.withUnsafeMutableBufferPointer { values in
    Parallel.forEach(rowNorms.count, minimumChunk: 16) { rows in
      for i in rows {
        for j in 0..<columns {
          values[i * columns + j] = max(
            rowNorms[i] + columnNorms[j] - 2 * values[i * columns + j], 0)
        }
        if zeroDiagonal { values[i * columns + i] = 0 }
      }
    }
  }
}

/// Replaces every element of a `[rows, columns]` matrix by the third value `body` returns, on the
/// workers, and adds up the first two (in Double). Returns those totals and each row's sum of
/// replacements.
func transformElements(_ matrix: inout Tensor, _ body: (Float) -> (Float, Float, Float))
  -> (totals: SIMD2<Double>, rowSums: [Float])
{
  let rows = matrix.shape[0]
  let columns = matrix.shape[1]
  var partial = [SIMD2<Double>](repeating: .zero, count: rows)
  var rowSums = [Float](repeating: 0, count: rows)
  matrix.withUnsafeMutableBufferPointer { values in
    partial.withUnsafeMutableBufferPointer { sums in
      rowSums.withUnsafeMutableBufferPointer { replaced in
        Parallel.forEach(rows, minimumChunk: 16) { range in
          for i in range {
            var sum = SIMD2<Double>.zero
            var rowSum: Float = 0
            for j in (i * columns)..<((i + 1) * columns) {
              let (first, second, replacement) = body(values[j])
              sum += SIMD2(Double(first), Double(second))
              values[j] = replacement
              rowSum += replacement
            }
            sums[i] = sum
            replaced[i] = rowSum
          }
        }
      }
    }
  }
  return (partial.reduce(.zero, +), rowSums)
}

/// The totals of the two values `body` returns for every element of a `[rows, columns]` matrix,
/// computed on the workers, in Double.
func sumElements(_ matrix: Tensor, _ body: (Float) -> (Float, Float)) -> SIMD2<Double> {
  let rows = matrix.shape[0]
  let columns = matrix.shape[1]
  var partial = [SIMD2<Double>](repeating: .zero, count: rows)
  matrix.withUnsafeBufferPointer { values in
    partial.withUnsafeMutableBufferPointer { sums in
      Parallel.forEach(rows, minimumChunk: 16) { range in
        for i in range {
          var sum = SIMD2<Double>.zero
          for j in (i * columns)..<((i + 1) * columns) {
            let (first, second) = body(values[j])
            sum += SIMD2(Double(first), Double(second))
          }
          sums[i] = sum
        }
      }
    }
  }
  return partial.reduce(.zero, +)
}

/// `x^exponent` for a non-negative integer exponent, by repeated squaring.
@inline(__always)
func power(_ x: Float, _ exponent: Int) -> Float {
  var result: Float = 1
  var base = x
  var e = exponent
  while e > 0 {
    if e & 1 == 1 { result *= base }
    base *= base
    e >>= 1
  }
  return result
}
