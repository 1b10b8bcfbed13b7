import Autodiff
import Foundation
import TensorCore

/// Sliced Wasserstein loss (Heitz, Vanhoey, Chambon and Belcour, "A Sliced Wasserstein Loss for
/// Neural Texture Synthesis", CVPR 2021, fig. 2).
///
/// An image's features `[N, C, H, W]` are M = H·W points in R^C. Each evaluation draws P unit
/// directions v_p (Gaussian, normalised) from the run's own stream (`context.random`: the same
/// seed gives the same directions, each evaluation fresh ones), projects the image's points and
/// the exemplar's on them, sorts each projection, and compares the sorted lists:
///
///   L = mean over (N, P, M) of (sort(v_pᵀ F)_i − sort(v_pᵀ T)_i)²
///
/// which is the squared 2-Wasserstein distance between the 1-D projections of the two point sets,
/// averaged over directions. The directions are shared by the images of a batch. The pullback
/// scatters 2·(residual) / (N P M) back through each sort's permutation and then through the
/// projection (one GEMM per image).
///
/// The target is the exemplar's points, `[1, C, H', W']`. Several exemplars blend by pooling their
/// points, each contributing in proportion to its weight (`pooledPoints`: a fixed, seed-independent
/// subsample), so the pool samples the weighted mixture of their feature distributions.
///
/// - Note: Deviation: when the exemplar has M' ≠ M points, its sorted projection is read at the
///   M midpoint quantiles (i + ½)/M by linear interpolation (the identity when M' = M). The
///   official code (tchambon/A-Sliced-Wasserstein-Loss-for-Neural-Texture-Synthesis) only handles
///   an output k² times larger, by repeating each exemplar point k² times (a step quantile).
/// - Note: Deviation: the official code draws P = C directions at each layer; here P is one
///   option for all the term's layers (give each layer its own term to reproduce P = C exactly).
public struct SlicedWassersteinLoss: PointSetLoss {
  /// The options: how many random directions each evaluation draws.
  public struct Options: Codable, Equatable, Sendable {
    /// The number of random projection directions P per layer and evaluation. Required in files.
    public var projections: Int
    /// Options with `projections` (default 64; the paper uses the layer's channel count).
    public init(projections: Int = 64) { self.projections = projections }

    enum CodingKeys: String, CodingKey { case projections }

    /// Decodes `projections` (required, ≥ 1).
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      projections = try container.decode(Int.self, forKey: .projections)
      guard projections > 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .projections, in: container,
          debugDescription: "projections must be positive, got \(projections)")
      }
    }
  }

  /// `slicedWasserstein`.
  public static let kind = "slicedWasserstein"
  /// This instance's options.
  public let options: Options

  /// A sliced Wasserstein loss with `options`.
  public init(options: Options = Options()) {
    precondition(
      options.projections > 0,
      "slicedWasserstein: projections must be positive, got \(options.projections)")
    self.options = options
  }

  /// The loss of `features` `[N, C, H, W]` against the exemplar's points `[1, C, H', W']`.
  public func callAsFunction(_ features: Variable, target: Tensor, context: inout LossContext)
    -> Variable
  {
    let x = features.value
    let (n, c, h, w) = x.shape.nchw
    let points = points(of: target, fitting: x)
    let m = h * w
    let p = options.projections
    let directions = randomDirections(count: p, dimension: c, using: &context.random)
    let quantiles = sortedProjections(of: points, on: directions, count: p, resampledTo: m)
    var gradient: Tensor? = features.requiresGradient ? Tensor(uninitialized: x.shape) : nil
    // One image's [P, M] projections, overwritten row by row with dL/d(projection). Workspaces
    // come from the tensor buffer pool, so they are not page-faulted again at every evaluation.
    let workspace = TensorStorage(count: p * m)
    let projection = workspace.pointer
    // The storage must outlive every use of its pointer (ARC may end it at its last mention).
    defer { withExtendedLifetime(workspace) {} }
    let scale = 2 / Float(n * p * m)
    var total = 0.0
    directions.withUnsafeBufferPointer { d in
      quantiles.withUnsafeBufferPointer { wanted in
        guard let v = d.baseAddress, let q = wanted.baseAddress else { return }
        for image in 0..<n {
          x.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress else { return }
            // Step 1: projections[P, M] = directions[P, C] · F[C, M].
            parallelMultiply(
              m: p, n: m, k: c, a: v, lda: c, b: base + image * c * m, ldb: m, c: projection, ldc: m
            )
          }
          // Step 2: sort, compare, scatter the scaled residual through the permutation.
          total += scoreProjections(projection, rows: p, count: m, quantiles: q, scale: scale)
          // Step 3: dL/dF[C, M] = directions[P, C]ᵀ · dL/d(projections)[P, M].
          gradient?.withUnsafeMutableBufferPointer { result in
            guard let g = result.baseAddress else { return }
            parallelMultiply(
              transposeA: true, m: c, n: m, k: p, a: v, lda: c, b: projection, ldb: m,
              c: g + image * c * m, ldc: m)
          }
        }
      }
    }
    let value = Float(total / Double(n * p * m))
    let pending = PendingGradient(gradient)
    return Variable(Tensor(scalar: value), inputs: [features]) { dy in
      [pending.take(scaledBy: dy.scalar)]
    }
  }
}

/// Sorts each of the `rows` projections of `count` values at `projection`, compares it with the
/// exemplar's `quantiles` (same layout), and overwrites the row with `scale · residual` scattered
/// back to the unsorted positions (the sort's pullback). Returns Σ residual² (in Double).
func scoreProjections(
  _ projection: UnsafeMutablePointer<Float>, rows: Int, count m: Int,
  quantiles: UnsafePointer<Float>, scale: Float
) -> Double {
  var rowLosses = [Double](repeating: 0, count: rows)
  rowLosses.withUnsafeMutableBufferPointer { losses in
    Parallel.forEach(rows) { range in
      let sorter = RadixSorter(capacity: m)
      let sortedStorage = TensorStorage(count: m)
      let orderStorage = TensorStorage(count: m)
      let sorted = sortedStorage.pointer
      defer { withExtendedLifetime((sortedStorage, orderStorage)) {} }
      orderStorage.pointer.withMemoryRebound(to: Int32.self, capacity: m) { order in
        for row in range {
          let line = projection + row * m
          let wanted = quantiles + row * m
          sorter.sort(line, count: m, into: sorted, order: order)
          var sum = 0.0
          for i in 0..<m {
            let residual = sorted[i] - wanted[i]
            sum += Double(residual) * Double(residual)
            line[Int(order[i])] = scale * residual
          }
          losses[row] = sum
        }
      }
    }
  }
  return rowLosses.reduce(0, +)
}

/// `count` unit directions in R^dimension, `[count, dimension]` row-major: standard normal draws
/// from `random`, each row divided by its norm.
///
/// The normals come in pairs from one Box–Muller step in Float (r·cos θ, r·sin θ from two 24-bit
/// uniforms): `RandomStream.normal()` spends a logarithm and a cosine in Double on every value,
/// which made drawing 512 x 512 directions a quarter of the loss's time on 32x32 maps. The 24-bit
/// uniforms cap |z| at 5.8, which does not matter for directions.
func randomDirections(count: Int, dimension: Int, using random: inout RandomStream) -> [Float] {
  var directions = [Float](repeating: 0, count: count * dimension)
  var index = 0
  while index < directions.count {
    let u1 = Float((random.next() >> 40) + 1) * 0x1p-24  // (0, 1]: the logarithm is finite
    let u2 = Float(random.next() >> 40) * 0x1p-24
    let radius = (-2 * log(u1)).squareRoot()
    let angle = 2 * Float.pi * u2
    directions[index] = radius * cos(angle)
    if index + 1 < directions.count { directions[index + 1] = radius * sin(angle) }
    index += 2
  }
  for row in 0..<count {
    let start = row * dimension
    var squares = 0.0
    for j in start..<(start + dimension) {
      squares += Double(directions[j]) * Double(directions[j])
    }
    let inverse = squares > 0 ? Float(1 / squares.squareRoot()) : 0
    for j in start..<(start + dimension) { directions[j] *= inverse }
  }
  return directions
}

/// The exemplar's points `[1, C, 1, M']` projected on `directions` (`[count, C]`), each projection
/// sorted and read at the M midpoint quantiles: `[count, M]` row-major.
///
/// Quantile i of a sorted list s of M' values is s at the fractional index (i + ½)·M'/M − ½,
/// clamped to [0, M' − 1] and linearly interpolated: s itself when M' = M.
func sortedProjections(of points: Tensor, on directions: [Float], count p: Int, resampledTo m: Int)
  -> Tensor
{
  let c = points.shape[1]
  let source = points.shape[3]
  let projected = TensorStorage(count: p * source)
  defer { withExtendedLifetime(projected) {} }
  var quantiles = Tensor(uninitialized: [p, m])
  points.withUnsafeBufferPointer { values in
    directions.withUnsafeBufferPointer { d in
      quantiles.withUnsafeMutableBufferPointer { result in
        guard let t = values.baseAddress, let v = d.baseAddress, let q = result.baseAddress else {
          return
        }
        let out = projected.pointer
        parallelMultiply(
          m: p, n: source, k: c, a: v, lda: c, b: t, ldb: source, c: out, ldc: source)
        Parallel.forEach(p) { rows in
          let sorter = RadixSorter(capacity: source)
          let sorted = TensorStorage(count: source)
          defer { withExtendedLifetime(sorted) {} }
          for row in rows {
            sorter.sort(out + row * source, count: source, into: sorted.pointer, order: nil)
            resampleQuantiles(sorted.pointer, count: source, into: q + row * m, count: m)
          }
        }
      }
    }
  }
  return quantiles
}

/// `sorted[0..<source]` read at the `m` midpoint quantiles by linear interpolation (see
/// `sortedProjections`); a copy when `source == m`.
func resampleQuantiles(
  _ sorted: UnsafePointer<Float>, count source: Int, into result: UnsafeMutablePointer<Float>,
  count m: Int
) {
  if source == m {
    result.update(from: sorted, count: m)
    return
  }
  let ratio = Double(source) / Double(m)
  for i in 0..<m {
    let position = min(max((Double(i) + 0.5) * ratio - 0.5, 0), Double(source - 1))
    let low = Int(position)
    let high = min(low + 1, source - 1)
    let fraction = Float(position - Double(low))
    result[i] = sorted[low] + fraction * (sorted[high] - sorted[low])
  }
}
