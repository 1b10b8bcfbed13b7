import Foundation
import TensorCore

// The kernel sums of `MMDLoss` and their gradient, on sampled points (GEMMs for every pairwise
// product; elementwise work split over rows on the workers).

/// Sampled points of one image (or of the exemplar): `points` `[C, S]` row-major, and `pairwise`
/// `[S, S]`: inner products xᵢᵀxⱼ for a polynomial kernel, squared distances ‖xᵢ − xⱼ‖² (zero
/// diagonal) for a Gaussian one.
struct KernelSample {
  let count: Int
  let channels: Int
  let points: [Float]
  let pairwise: [Float]
  let squaredNorms: [Float]

  /// Gathers columns `positions` of the `channels × stride` matrix at `offset` in `source`.
  init(_ source: Tensor, offset: Int = 0, positions: [Int], channels: Int, stride: Int, kernel: MMDLoss.Kernel) {
    let s = positions.count
    count = s
    self.channels = channels
    var gathered = [Float](repeating: 0, count: channels * s)
    source.withUnsafeBufferPointer { values in
      gathered.withUnsafeMutableBufferPointer { destination in
        gatherColumns(
          UnsafeBufferPointer(rebasing: values[offset..<(offset + channels * stride)]), rows: channels,
          stride: stride, positions: positions, into: destination)
      }
    }
    points = gathered
    var inner = transposedProduct(gathered, gathered, rows: channels, left: s, right: s)
    let norms = (0..<s).map { inner[$0 * s + $0] }
    squaredNorms = norms
    if case .gaussian = kernel { toSquaredDistances(&inner, rowNorms: norms, columnNorms: norms, zeroDiagonal: true) }
    pairwise = inner
  }

  /// Σ over the points, per channel: `[C]`.
  var channelSums: [Double] {
    (0..<channels).map { channel in
      var total = 0.0
      for j in 0..<count { total += Double(points[channel * count + j]) }
      return total
    }
  }
}

/// One image's MMD² against the exemplar and what its gradient needs:
/// dX = X · imageWeights + T · crossWeightsᵀ + X · diag(pointScale) + shift 1ᵀ, `[C, S]`.
struct KernelEvaluation {
  /// mean k(x, x') + mean k(t, t') − 2 mean k(x, t).
  private(set) var value = 0.0
  private var imageWeights: [Float]
  private var crossWeights: [Float]
  private var pointScale: [Float]?
  private var shift: [Float]?

  /// The exemplar–exemplar mean when it does not depend on the image (every kernel but the
  /// adaptive Gaussian); nil otherwise.
  static func exemplarMean(_ kernel: MMDLoss.Kernel, _ exemplar: KernelSample) -> Double? {
    let st = exemplar.count
    var pairwise = exemplar.pairwise
    switch kernel {
    case .polynomial(let degree, let offset, let scale):
      let sums = transformRows(&pairwise, rows: st, columns: st) { value in
        (power(value / scale + offset, degree), 0, nil)
      }
      return sums.totals.x / Double(st * st)
    case .gaussian(.fixed(let sigma)):
      let gamma = 1 / (2 * sigma * sigma)
      let sums = transformRows(&pairwise, rows: st, columns: st) { value in (exp(-gamma * value), 0, nil) }
      return sums.totals.x / Double(st * st)
    case .gaussian(.adaptive):
      return nil
    }
  }

  /// Evaluates `kernel` between `image`'s and `exemplar`'s points; `exemplarMean` as returned by
  /// `exemplarMean(_:_:)`.
  init(_ kernel: MMDLoss.Kernel, image: KernelSample, exemplar: KernelSample, exemplarMean: Double?) {
    let s = image.count
    let st = exemplar.count
    let c = image.channels
    imageWeights = image.pairwise
    crossWeights = transposedProduct(image.points, exemplar.points, rows: c, left: s, right: st)
    let pairs = Double(s * s)
    let crossPairs = Double(s * st)
    switch kernel {
    case .polynomial(let degree, let offset, let scale):
      // k = u^d with u = g / scale + offset; dk/dg = d u^(d−1) / scale.
      let d = Float(degree)
      let imageSums = transformRows(&imageWeights, rows: s, columns: s) { g in
        let u = g / scale + offset
        let lower = power(u, degree - 1)
        return (lower * u, 0, Float(2 / pairs) * d * lower / scale)
      }
      let crossSums = transformRows(&crossWeights, rows: s, columns: st) { g in
        let u = g / scale + offset
        let lower = power(u, degree - 1)
        return (lower * u, 0, -Float(2 / crossPairs) * d * lower / scale)
      }
      value = imageSums.totals.x / pairs + (exemplarMean ?? 0) - 2 * crossSums.totals.x / crossPairs
    case .gaussian(let bandwidth):
      toSquaredDistances(&crossWeights, rowNorms: image.squaredNorms, columnNorms: exemplar.squaredNorms, zeroDiagonal: false)
      gaussian(bandwidth, image: image, exemplar: exemplar, exemplarMean: exemplarMean)
    }
  }

  /// The Gaussian kernel's value and gradient terms (`imageWeights` and `crossWeights` hold
  /// squared distances on entry).
  private mutating func gaussian(
    _ bandwidth: MMDLoss.Bandwidth, image: KernelSample, exemplar: KernelSample, exemplarMean: Double?
  ) {
    let s = image.count
    let st = exemplar.count
    let pairs = Double(s * s)
    let crossPairs = Double(s * st)
    let distinctPairs = Double(s * (s - 1) + st * (st - 1) + 2 * s * st)
    let gamma: Float
    var meanDistance = 0.0
    switch bandwidth {
    case .fixed(let sigma):
      gamma = 1 / (2 * sigma * sigma)
    case .adaptive:
      // 2σ² = mean squared distance over distinct pairs (diagonals are zero).
      let total = imageWeights.reduce(0.0) { $0 + Double($1) } + exemplar.pairwise.reduce(0.0) { $0 + Double($1) }
        + 2 * crossWeights.reduce(0.0) { $0 + Double($1) }
      meanDistance = total / max(distinctPairs, 1)
      gamma = meanDistance > 0 ? Float(1 / meanDistance) : 0
    }
    // dL/dxᵢ = (4γ/S²) Σⱼ kᵢⱼ (xⱼ − xᵢ) + (4γ/(S S')) Σⱼ kᵢⱼ' (xᵢ − tⱼ): the Σⱼ kᵢⱼ xⱼ parts are
    // the weight matrices, the xᵢ parts the per-point scale (minus the weight rows' sums).
    let a = Float(4 / pairs) * gamma
    let b = Float(4 / crossPairs) * gamma
    let imageSums = transformRows(&imageWeights, rows: s, columns: s) { d in
      let k = exp(-gamma * d)
      return (k, d * k, a * k)
    }
    let crossSums = transformRows(&crossWeights, rows: s, columns: st) { d in
      let k = exp(-gamma * d)
      return (k, d * k, -b * k)
    }
    var rowScale = zip(imageSums.rowSums, crossSums.rowSums).map { -$0 - $1 }
    var exemplarMean = exemplarMean ?? 0
    var exemplarDistanceMean = 0.0
    if case .adaptive = bandwidth {
      var scratch = exemplar.pairwise
      let sums = transformRows(&scratch, rows: st, columns: st) { d in
        let k = exp(-gamma * d)
        return (k, d * k, nil)
      }
      exemplarMean = sums.totals.x / Double(st * st)
      exemplarDistanceMean = sums.totals.y / Double(st * st)
    }
    value = imageSums.totals.x / pairs + exemplarMean - 2 * crossSums.totals.x / crossPairs
    if case .adaptive = bandwidth, gamma > 0 {
      // γ = 1/D̄; dL/dγ = −mean d²k(x,x') − mean d²k(t,t') + 2 mean d²k(x,t);
      // dD̄/dxᵢ = 4((S + S') xᵢ − Σx − Σt) / (distinct pairs).
      let dLdGamma = -imageSums.totals.y / pairs - exemplarDistanceMean + 2 * crossSums.totals.y / crossPairs
      let e = dLdGamma * -Double(gamma * gamma) * 4 / distinctPairs
      for i in 0..<s { rowScale[i] += Float(e * Double(s + st)) }
      let sums = zip(image.channelSums, exemplar.channelSums).map { Float(-e * ($0 + $1)) }
      shift = sums
    }
    pointScale = rowScale
  }

  /// dMMD²/dX, `[C, S]`.
  func gradient(image: KernelSample, exemplar: KernelSample) -> [Float] {
    let s = image.count
    let st = exemplar.count
    let c = image.channels
    var result = [Float](repeating: 0, count: c * s)
    result.withUnsafeMutableBufferPointer { out in
      image.points.withUnsafeBufferPointer { x in
        exemplar.points.withUnsafeBufferPointer { t in
          imageWeights.withUnsafeBufferPointer { a in
            crossWeights.withUnsafeBufferPointer { b in
              guard let o = out.baseAddress, let xp = x.baseAddress, let tp = t.baseAddress,
                let ap = a.baseAddress, let bp = b.baseAddress
              else { return }
              parallelMultiply(m: c, n: s, k: s, a: xp, lda: s, b: ap, ldb: s, c: o, ldc: s)
              parallelMultiply(transposeB: true, m: c, n: s, k: st, a: tp, lda: st, b: bp, ldb: st, beta: 1, c: o, ldc: s)
            }
          }
        }
      }
    }
    if let pointScale {
      for channel in 0..<c {
        let offset = shift?[channel] ?? 0
        for j in 0..<s { result[channel * s + j] += pointScale[j] * image.points[channel * s + j] + offset }
      }
    }
    return result
  }
}

/// `Aᵀ B` for `A` `[rows, left]` and `B` `[rows, right]`, row-major: `[left, right]`.
func transposedProduct(_ a: [Float], _ b: [Float], rows: Int, left: Int, right: Int) -> [Float] {
  var result = [Float](repeating: 0, count: left * right)
  a.withUnsafeBufferPointer { ap in
    b.withUnsafeBufferPointer { bp in
      result.withUnsafeMutableBufferPointer { out in
        guard let x = ap.baseAddress, let y = bp.baseAddress, let o = out.baseAddress, rows > 0 else { return }
        parallelMultiply(transposeA: true, m: left, n: right, k: rows, a: x, lda: left, b: y, ldb: right, c: o, ldc: right)
      }
    }
  }
  return result
}

/// Inner products gᵢⱼ → squared distances max(nᵢ + nⱼ − 2gᵢⱼ, 0), in place (`[rows, columns]`).
func toSquaredDistances(_ matrix: inout [Float], rowNorms: [Float], columnNorms: [Float], zeroDiagonal: Bool) {
  let columns = columnNorms.count
  matrix.withUnsafeMutableBufferPointer { values in
    Parallel.forEach(rowNorms.count, minimumChunk: 16) { rows in
      for i in rows {
        for j in 0..<columns {
          values[i * columns + j] = max(rowNorms[i] + columnNorms[j] - 2 * values[i * columns + j], 0)
        }
        if zeroDiagonal { values[i * columns + i] = 0 }
      }
    }
  }
}

/// Applies `body` to every element of a `[rows, columns]` matrix on the workers: it returns two
/// values to add up (in Double) and the element's replacement (nil keeps it). Returns the two
/// totals and each row's sum of replacements.
@discardableResult
func transformRows(
  _ matrix: inout [Float], rows: Int, columns: Int, _ body: (Float) -> (Float, Float, Float?)
) -> (totals: SIMD2<Double>, rowSums: [Float]) {
  var partial = [SIMD2<Double>](repeating: .zero, count: rows)
  var rowSums = [Float](repeating: 0, count: rows)
  matrix.withUnsafeMutableBufferPointer { values in
    partial.withUnsafeMutableBufferPointer { sums in
      rowSums.withUnsafeMutableBufferPointer { replaced in
        Parallel.forEach(rows, minimumChunk: 16) { range in
          for i in range {
            var sum = SIMD2<Double>.zero
            var rowSum: Float = 0
            for j in 0..<columns {
              let (first, second, replacement) = body(values[i * columns + j])
              sum += SIMD2(Double(first), Double(second))
              if let replacement {
                values[i * columns + j] = replacement
                rowSum += replacement
              }
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
