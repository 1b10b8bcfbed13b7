/// The learning rate as a function of the iteration: α_i = α₀ · multiplier(i).
///
/// Iterations are counted from 1 (iteration i makes the i-th update).
public enum LearningRateSchedule: Codable, Equatable, Sendable {
  /// α_i = α₀ for every i.
  case constant
  /// α is multiplied by `factor` after iteration `start` and again after every `interval` further
  /// iterations: α_i = α₀ · factor^k with k = 0 for i ≤ start, else 1 + ⌊(i − start − 1) / interval⌋.
  ///
  /// Texture Networks (Ulyanov et al. 2016, §4): factor 0.7, start 1000, interval 200 (iterations
  /// 1001–1200 use 0.7 α₀). The official texture_nets code: factor 0.8, start 300, interval 300.
  case stepDecay(factor: Double, start: Int, interval: Int)

  /// The paper's schedule: ×0.7 after iteration 1000 and every 200 after.
  public static let textureNetworksPaper = LearningRateSchedule.stepDecay(
    factor: 0.7, start: 1000, interval: 200)
  /// The official code's schedule: ×0.8 every 300 iterations.
  public static let textureNetworksCode = LearningRateSchedule.stepDecay(
    factor: 0.8, start: 300, interval: 300)

  /// The number of decays in force at iteration `iteration` (1-based).
  public func decayCount(atIteration iteration: Int) -> Int {
    switch self {
    case .constant:
      return 0
    case .stepDecay(_, let start, let interval):
      precondition(interval >= 1, "LearningRateSchedule: interval must be >= 1, got \(interval)")
      return iteration <= start ? 0 : 1 + (iteration - start - 1) / interval
    }
  }

  /// α_i / α₀ at iteration `iteration` (1-based).
  public func multiplier(atIteration iteration: Int) -> Double {
    learningRate(base: 1, atIteration: iteration)
  }

  /// α_i: `base` multiplied by the factor once per decay in force, in sequence (as a training loop
  /// that does `lr *= factor` at each decay gets it), at iteration `iteration` (1-based).
  public func learningRate(base: Double, atIteration iteration: Int) -> Double {
    guard case .stepDecay(let factor, _, _) = self else { return base }
    var rate = base
    for _ in 0..<decayCount(atIteration: iteration) { rate *= factor }
    return rate
  }
}
