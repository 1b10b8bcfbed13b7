import Autodiff
import TensorCore

/// The result of comparing an op's pullback with central finite differences for one input.
public struct GradientCheckResult: CustomStringConvertible, Sendable {
  /// The input's name.
  public var name: String
  /// max |analytic − numeric| / max(max |numeric|, 1e-3).
  public var relativeError: Double
  /// The flat index of the worst element.
  public var worstIndex: Int
  /// The pullback's value there.
  public var analytic: Double
  /// The central difference there.
  public var numeric: Double

  /// A result from its parts (for checks that compare in their own way).
  public init(name: String, relativeError: Double, worstIndex: Int, analytic: Double, numeric: Double) {
    self.name = name
    self.relativeError = relativeError
    self.worstIndex = worstIndex
    self.analytic = analytic
    self.numeric = numeric
  }

  /// `name: relative error … at [i] (analytic a, numeric n)`.
  public var description: String {
    "\(name): relative error \(relativeError) at flat index \(worstIndex) (analytic \(analytic), numeric \(numeric))"
  }
}

/// Checks the gradients of `function` at `inputs` by central finite differences.
///
/// The scalar checked is `L = Σ r ⊙ f(x)` with fixed random weights r (seeded), accumulated in
/// Double, so non-scalar ops are covered. For every element of every input,
/// `numeric = (L(x + h·e) − L(x − h·e)) / 2h` is compared with the pullback's value. The error
/// is measured relative to the input's largest numeric gradient: Float32 forward passes give
/// central differences about 1e-3 relative noise at h = 1e-2, so a tolerance of 1e-2 separates a
/// right pullback from a wrong one (a wrong factor or a wrong index is off by O(1)).
public func checkGradients(
  names: [String], at inputs: [Tensor], step: Float = 1e-2, seed: UInt64 = 1,
  _ function: ([Variable]) -> Variable
) -> [GradientCheckResult] {
  precondition(names.count == inputs.count, "checkGradients: one name per input")
  let variables = inputs.map { Variable($0, requiresGradient: true) }
  let output = function(variables)
  var random = RandomStream(seed: seed, name: "gradient check weights")
  let weights = random.uniformTensor(output.shape, low: -1, high: 1)
  let analytic = gradients(of: output, seed: weights, with: variables)
  let r = weights.scalars

  func objective(_ values: [Tensor]) -> Double {
    let y = function(values.map { Variable($0) }).value.scalars
    var total = 0.0
    for i in 0..<y.count { total += Double(r[i]) * Double(y[i]) }
    return total
  }

  var results: [GradientCheckResult] = []
  for (index, input) in inputs.enumerated() {
    var numeric = [Double](repeating: 0, count: input.count)
    for element in 0..<input.count {
      var plus = inputs
      var minus = inputs
      plus[index].withUnsafeMutableBufferPointer { $0[element] += step }
      minus[index].withUnsafeMutableBufferPointer { $0[element] -= step }
      numeric[element] = (objective(plus) - objective(minus)) / (2 * Double(step))
    }
    results.append(
      gradientCheckResult(name: names[index], analytic: analytic[index].scalars, numeric: numeric))
  }
  return results
}

/// The comparison behind `checkGradients`: the largest |analytic − numeric| relative to the
/// largest |numeric| (at least 1e-3), and where it is; for checks that perturb their inputs in
/// their own way (layer parameters set by path).
public func gradientCheckResult(name: String, analytic computed: [Float], numeric: [Double])
  -> GradientCheckResult
{
  precondition(computed.count == numeric.count, "gradientCheckResult: \(name): counts differ")
  let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
  var worst = 0.0
  var worstIndex = 0
  for element in 0..<numeric.count {
    let error = abs(Double(computed[element]) - numeric[element])
    if error > worst || error.isNaN {
      worst = error
      worstIndex = element
    }
  }
  return GradientCheckResult(
    name: name, relativeError: worst / scale, worstIndex: worstIndex,
    analytic: computed.isEmpty ? 0 : Double(computed[worstIndex]),
    numeric: numeric.isEmpty ? 0 : numeric[worstIndex])
}
