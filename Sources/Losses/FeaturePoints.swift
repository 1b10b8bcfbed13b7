import TensorCore

// Feature maps seen as point clouds, for the sample-based losses (sliced Wasserstein, MMD): an
// image's features `[1, C, H, W]` are M = H·W points in R^C, the columns of a C × M matrix.

/// The points of every image of `features` `[N, C, H, W]` as one cloud `[1, C, 1, N·H·W]`
/// (image 0's positions first). N = 1 returns the same storage, reshaped.
func pointCloud(_ features: Tensor) -> Tensor {
  let (n, c, h, w) = features.shape.nchw
  let m = h * w
  if n == 1 { return features.reshaped([1, c, 1, m]) }
  var cloud = Tensor(uninitialized: [1, c, 1, n * m])
  features.withUnsafeBufferPointer { source in
    cloud.withUnsafeMutableBufferPointer { destination in
      for image in 0..<n {
        for channel in 0..<c {
          for position in 0..<m {
            destination[channel * n * m + image * m + position] =
              source[(image * c + channel) * m + position]
          }
        }
      }
    }
  }
  return cloud
}

/// Several exemplars' point clouds (`[1, C, H, W]` each) pooled into one `[1, C, 1, K]`, each
/// exemplar contributing points in proportion to its weight, so the pool is a sample of the
/// weighted mixture of their distributions.
///
/// With M_max the largest exemplar's point count, exemplar k contributes round(w_k · M_max)
/// points: all of its points as many whole times as fit, then a subset drawn without replacement
/// from the fixed stream `RandomStream(seed: 0, name: "<name> blend <k>")`, so the pool is the
/// same on every run (it does not depend on the experiment's seed).
func pooledPoints(_ targets: [Tensor], weights: [Float], name: String) -> Tensor {
  precondition(targets.count == weights.count && !targets.isEmpty, "blend: one weight per target")
  let clouds = targets.map(pointCloud)
  let c = clouds[0].shape[1]
  precondition(
    clouds.allSatisfy { $0.shape[1] == c },
    "\(name) blend: exemplars have different channel counts \(targets.map(\.shape))")
  let largest = clouds.map { $0.shape[3] }.max() ?? 0
  var chosen: [[Int]] = []
  for (k, (cloud, weight)) in zip(clouds, weights).enumerated() {
    let m = cloud.shape[3]
    let count = m == 0 ? 0 : Int((Double(weight) * Double(largest)).rounded())
    var positions: [Int] = []
    for _ in 0..<(count / max(m, 1)) { positions += 0..<m }
    var random = RandomStream(seed: 0, name: "\(name) blend \(k)")
    positions += samplePositions(count % max(m, 1), of: m, using: &random)
    chosen.append(positions)
  }
  let total = chosen.reduce(0) { $0 + $1.count }
  precondition(total > 0, "\(name) blend: the weights \(weights) select no points")
  var pool = Tensor(uninitialized: [1, c, 1, total])
  pool.withUnsafeMutableBufferPointer { destination in
    var offset = 0
    for (cloud, positions) in zip(clouds, chosen) {
      let m = cloud.shape[3]
      cloud.withUnsafeBufferPointer { source in
        for channel in 0..<c {
          for (j, position) in positions.enumerated() {
            destination[channel * total + offset + j] = source[channel * m + position]
          }
        }
      }
      offset += positions.count
    }
  }
  return pool
}

/// `min(samples, count)` distinct positions of `0..<count`, drawn without replacement (a partial
/// Fisher–Yates shuffle) from `random`; when `samples ≥ count`, every position in order, with no
/// draw (so the stream is untouched).
func samplePositions(_ samples: Int, of count: Int, using random: inout RandomStream) -> [Int] {
  if samples >= count { return Array(0..<count) }
  var positions = Array(0..<count)
  for i in 0..<samples {
    let j = i + random.integer(below: count - i)
    positions.swapAt(i, j)
  }
  return Array(positions.prefix(samples))
}

/// Columns `positions` of the `rows × stride` row-major matrix at `source`, gathered into the
/// contiguous `rows × positions.count` matrix at `destination`.
func gatherColumns(
  _ source: UnsafeBufferPointer<Float>, rows: Int, stride: Int, positions: [Int],
  into destination: UnsafeMutableBufferPointer<Float>
) {
  let s = positions.count
  for row in 0..<rows {
    for (j, position) in positions.enumerated() {
      destination[row * s + j] = source[row * stride + position]
    }
  }
}

/// Row-major `C = alpha · op(A) · op(B) + beta · C` (as `BLAS.sgemm`), the columns of C split over
/// the workers, each calling single-threaded OpenBLAS on its block.
func parallelMultiply(
  transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
  c: UnsafeMutablePointer<Float>, ldc: Int
) {
  Parallel.forEach(n, minimumChunk: 256) { columns in
    let bStart = transposeB ? columns.lowerBound * ldb : columns.lowerBound
    BLAS.sgemm(
      transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha,
      a: a, lda: lda, b: b + bStart, ldb: ldb, beta: beta, c: c + columns.lowerBound, ldc: ldc)
  }
}

/// A gradient computed during the forward pass (the sample-based losses get it as a by-product),
/// handed to the pullback once. Taking it leaves the pullback the only holder, so scaling it by
/// the incoming gradient happens in place instead of in a copy of the whole feature map. (A
/// graph is differentiated once; see `gradients(of:with:)`.)
final class PendingGradient: @unchecked Sendable {
  private var tensor: Tensor?

  /// Holds `tensor` (nil when no gradient is needed).
  init(_ tensor: Tensor?) { self.tensor = tensor }

  /// `scale ·` the held gradient, releasing it; nil when there is none (or it was taken).
  func take(scaledBy scale: Float) -> Tensor? {
    guard var result = tensor else { return nil }
    tensor = nil
    result.scale(by: scale)
    return result
  }
}

/// A loss that compares sets of feature points (sliced Wasserstein, MMD): its target is the
/// exemplar's points and several exemplars blend by pooling their points.
protocol PointSetLoss: FeatureLoss {}

extension PointSetLoss {
  /// The exemplar's points: its features as `[1, C, 1, N·H·W]` (the same storage for N = 1).
  public func target(from features: Tensor) -> Tensor { pointCloud(features) }

  /// The exemplars' points pooled in proportion to `weights` (see `pooledPoints`).
  public func blend(_ targets: [Tensor], weights: [Float]) -> Tensor {
    pooledPoints(targets, weights: weights, name: Self.kind)
  }

  /// The target's points, checked against features `[N, C, H, W]`.
  func points(of target: Tensor, fitting features: Tensor) -> Tensor {
    let (_, c, h, w) = features.shape.nchw
    let points = pointCloud(target)
    precondition(
      points.shape[1] == c && points.count > 0 && h * w > 0,
      "\(Self.kind) loss: target \(target.shape) does not fit features \(features.shape)")
    return points
  }
}
