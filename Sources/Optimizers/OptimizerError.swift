/// Errors of the Optimizers target: bad settings, or a saved state that does not fit. Each
/// message names the optimiser (`Adam`, `L-BFGS`) and the setting or state entry at fault.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
  /// A saved state does not fit the optimiser it is given to; `reason` says which part and how.
  case stateMismatch(optimizer: String, reason: String)
  /// Settings outside their valid ranges: every problem, as `setting: message`.
  case invalidConfiguration(optimizer: String, problems: [String])

  /// `Adam: invalid configuration: beta1: must lie in [0, 1), got 1.0`, or
  /// `L-BFGS: saved state does not fit: steps[1] has 3 values, the parameters 4`.
  public var description: String {
    switch self {
    case .stateMismatch(let optimizer, let reason):
      return "\(optimizer): saved state does not fit: \(reason)"
    case .invalidConfiguration(let optimizer, let problems):
      return "\(optimizer): invalid configuration: \(problems.joined(separator: "; "))"
    }
  }
}
