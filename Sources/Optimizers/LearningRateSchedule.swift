import Suggestions

/// The learning rate as a function of the iteration: α_i = α₀ · multiplier(i).
///
/// Iterations are counted from 1 (iteration i makes the i-th update). JSON keeps the settings
/// beside a flat `kind`:
///
///     {"kind": "constant"}
///     {"kind": "stepDecay", "factor": 0.7, "start": 1000, "interval": 200}
///     {"kind": "milestones", "factor": 0.5, "milestones": [500, 800]}
public enum LearningRateSchedule: Codable, Equatable, Sendable {
  /// α_i = α₀ for every i.
  case constant
  /// α is multiplied by `factor` after iteration `start` and again after every `interval` further
  /// iterations: α_i = α₀ · factor^k with k = 0 for i ≤ start, else 1 + ⌊(i − start − 1) / interval⌋.
  ///
  /// Texture Networks (Ulyanov et al. 2016, §4): factor 0.7, start 1000, interval 200 (iterations
  /// 1001–1200 use 0.7 α₀). The official texture_nets code: factor 0.8, start 300, interval 300.
  case stepDecay(factor: Double, start: Int, interval: Int)
  /// The general step schedule (PyTorch's `MultiStepLR`): α is multiplied by `factor` after each
  /// iteration listed in `milestones`: α_i = α₀ · factor^k, k = #{m ∈ milestones : m < i}.
  case milestones(factor: Double, milestones: [Int])

  /// The paper's schedule: ×0.7 after iteration 1000 and every 200 after.
  public static let textureNetworksPaper = LearningRateSchedule.stepDecay(
    factor: 0.7, start: 1000, interval: 200)
  /// The official code's schedule: ×0.8 every 300 iterations.
  public static let textureNetworksCode = LearningRateSchedule.stepDecay(
    factor: 0.8, start: 300, interval: 300)

  /// The `kind` values of the JSON form.
  public enum Kind: String, Codable, CaseIterable, Sendable {
    case constant, stepDecay, milestones
  }

  /// Which schedule.
  public var kind: Kind {
    switch self {
    case .constant: return .constant
    case .stepDecay: return .stepDecay
    case .milestones: return .milestones
    }
  }

  /// The number of decays in force at iteration `iteration` (1-based).
  public func decayCount(atIteration iteration: Int) -> Int {
    switch self {
    case .constant:
      return 0
    case .stepDecay(_, let start, let interval):
      precondition(interval >= 1, "LearningRateSchedule: interval must be >= 1, got \(interval)")
      return iteration <= start ? 0 : 1 + (iteration - start - 1) / interval
    case .milestones(_, let milestones):
      return milestones.filter { $0 < iteration }.count
    }
  }

  /// α_i / α₀ at iteration `iteration` (1-based).
  public func multiplier(atIteration iteration: Int) -> Double {
    learningRate(base: 1, atIteration: iteration)
  }

  /// α_i: `base` multiplied by the factor once per decay in force, in sequence (as a training loop
  /// that does `lr *= factor` at each decay gets it), at iteration `iteration` (1-based).
  public func learningRate(base: Double, atIteration iteration: Int) -> Double {
    let factor: Double
    switch self {
    case .constant: return base
    case .stepDecay(let f, _, _): factor = f
    case .milestones(let f, _): factor = f
    }
    var rate = base
    for _ in 0..<decayCount(atIteration: iteration) { rate *= factor }
    return rate
  }

  /// Every setting out of range, as `setting: message` (empty when the schedule is valid): a
  /// factor in (0, ∞) and finite, `start` ≥ 0, `interval` ≥ 1, milestones positive and increasing.
  public func problems() -> [String] {
    var problems: [String] = []
    func checkFactor(_ factor: Double) {
      if !(factor.isFinite && factor > 0) {
        problems.append("factor: must be finite and positive, got \(factor)")
      }
    }
    switch self {
    case .constant:
      break
    case .stepDecay(let factor, let start, let interval):
      checkFactor(factor)
      if start < 0 { problems.append("start: must be at least 0, got \(start)") }
      if interval < 1 { problems.append("interval: must be at least 1, got \(interval)") }
    case .milestones(let factor, let milestones):
      checkFactor(factor)
      if milestones.contains(where: { $0 < 1 }) || zip(milestones, milestones.dropFirst()).contains(where: { $0 >= $1 }) {
        problems.append("milestones: must be positive iterations in increasing order, got \(milestones)")
      }
    }
    return problems
  }

  private enum CodingKeys: String, CodingKey { case kind, factor, start, interval, milestones }

  /// Decodes the flat form; an unknown `kind` is an error with a did-you-mean.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let kind = try container.decodeName(
      forKey: .kind, isNot: "a learning-rate schedule", known: Kind.allCases.map(\.rawValue),
      lookup: Kind.init(rawValue:))
    switch kind {
    case .constant:
      self = .constant
    case .stepDecay:
      self = .stepDecay(
        factor: try container.decode(Double.self, forKey: .factor),
        start: try container.decode(Int.self, forKey: .start),
        interval: try container.decode(Int.self, forKey: .interval))
    case .milestones:
      self = .milestones(
        factor: try container.decode(Double.self, forKey: .factor),
        milestones: try container.decode([Int].self, forKey: .milestones))
    }
  }

  /// Encodes `kind` and the settings side by side.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    switch self {
    case .constant:
      break
    case .stepDecay(let factor, let start, let interval):
      try container.encode(factor, forKey: .factor)
      try container.encode(start, forKey: .start)
      try container.encode(interval, forKey: .interval)
    case .milestones(let factor, let milestones):
      try container.encode(factor, forKey: .factor)
      try container.encode(milestones, forKey: .milestones)
    }
  }
}
