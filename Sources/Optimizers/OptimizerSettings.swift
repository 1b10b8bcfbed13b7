/// The settings of one optimiser (`AdamConfiguration`, `LBFGSConfiguration`): its name for
/// messages and its one validation, `problems()`, from which `validate()` follows.
public protocol OptimizerSettings: Codable, Equatable, Sendable {
  /// The optimiser's name in messages: `Adam`, `L-BFGS`.
  static var optimizerName: String { get }
  /// Every setting out of range, as `setting: message`; empty when the settings are valid.
  func problems() -> [String]
}

extension OptimizerSettings {
  /// Throws `OptimizerError.invalidConfiguration` naming the optimiser and every problem.
  public func validate() throws(OptimizerError) {
    let problems = problems()
    guard problems.isEmpty else {
      throw .invalidConfiguration(optimizer: Self.optimizerName, problems: problems)
    }
  }
}

extension OptimizerSettings {
  /// `setting: must be finite and positive, got value` unless `value` is finite and positive
  /// (learning rates, Adam's ε): the one wording of that rule for every optimiser.
  static func positiveProblem(_ setting: String, _ value: Double) -> String? {
    value.isFinite && value > 0 ? nil : "\(setting): must be finite and positive, got \(value)"
  }
}
