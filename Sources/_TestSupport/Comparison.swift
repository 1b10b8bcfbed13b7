import TensorCore

/// The worst disagreement between two tensors: the largest absolute difference, where it is, and
/// that difference relative to the largest magnitude of the reference (llm.c's `check_tensor`).
public struct TensorDifference: CustomStringConvertible, Sendable {
  /// max |actual − expected|.
  public var maxAbsolute: Double
  /// maxAbsolute / max |expected| (or maxAbsolute when the reference is all zeros).
  public var relativeToMax: Double
  /// ‖actual − expected‖₂ / ‖expected‖₂.
  public var relativeL2: Double
  /// Flat index of the worst element.
  public var worstIndex: Int
  /// The two values at the worst element.
  public var worstPair: (actual: Float, expected: Float)
  /// The two shapes when they differ (then every measure is infinite, so any tolerance fails).
  public var shapeMismatch: (actual: Shape, expected: Shape)?

  /// A one-line summary naming the worst element, or the two shapes when they differ.
  public var description: String {
    if let shapeMismatch {
      return "shapes differ: \(shapeMismatch.actual) against \(shapeMismatch.expected)"
    }
    return "max |Δ| \(maxAbsolute) (rel. to max \(relativeToMax), rel. L2 \(relativeL2)) at flat index \(worstIndex): \(worstPair.actual) vs \(worstPair.expected)"
  }
}

/// Compares `actual` with `expected`. Shapes must be equal, not only element counts: a `[C, H, W]`
/// against a `[1, C, H, W]` or a transposed `[W, H]` is a mismatch, reported as infinite
/// differences (so `difference(a, b).maxAbsolute < tolerance` fails) with both shapes named.
public func difference(_ actual: Tensor, _ expected: Tensor) -> TensorDifference {
  guard actual.shape == expected.shape else {
    return TensorDifference(
      maxAbsolute: .infinity, relativeToMax: .infinity, relativeL2: .infinity, worstIndex: 0,
      worstPair: (.nan, .nan), shapeMismatch: (actual.shape, expected.shape))
  }
  let a = actual.scalars
  let e = expected.scalars
  var worst = 0.0
  var worstIndex = 0
  var largest = 0.0
  var squaredError = 0.0
  var squaredReference = 0.0
  for i in 0..<a.count {
    let delta = abs(Double(a[i]) - Double(e[i]))
    if delta > worst || delta.isNaN {
      worst = delta
      worstIndex = i
    }
    largest = max(largest, abs(Double(e[i])))
    squaredError += delta * delta
    squaredReference += Double(e[i]) * Double(e[i])
  }
  return TensorDifference(
    maxAbsolute: worst,
    relativeToMax: largest > 0 ? worst / largest : worst,
    relativeL2: squaredReference > 0 ? (squaredError / squaredReference).squareRoot() : squaredError.squareRoot(),
    worstIndex: worstIndex,
    worstPair: a.isEmpty ? (0, 0) : (a[worstIndex], e[worstIndex]), shapeMismatch: nil)
}
