/// Errors of the Optimizers target: bad state given to an optimiser.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
  /// A saved state does not fit the optimiser it is given to; `reason` says which part and how.
  case stateMismatch(optimizer: String, reason: String)
  /// A configuration value outside its valid range.
  case invalidConfiguration(optimizer: String, reason: String)

  /// The message, naming the source file of the optimiser and the problem.
  public var description: String {
    switch self {
    case .stateMismatch(let optimizer, let reason):
      return "\(optimizer).swift: saved state does not fit: \(reason)"
    case .invalidConfiguration(let optimizer, let reason):
      return "\(optimizer).swift: invalid configuration: \(reason)"
    }
  }
}
