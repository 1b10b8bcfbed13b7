/// Why a training cannot start, go on or be resumed: one clear message naming the file or the
/// setting.
public enum TrainingError: Error, CustomStringConvertible {
  /// The configuration has problems (all listed, as `key: message`).
  case invalidConfiguration([String])
  /// The content set is missing, empty, unreadable or too small (every problem).
  case badContent([String])
  /// The loss became NaN or infinite at `iteration`; the run's outputs hold the last good model.
  case diverged(iteration: Int, terms: [String], directory: String)
  /// A run directory cannot be resumed.
  case cannotResume(String, reason: String)
  /// A checkpoint file is damaged or foreign.
  case badCheckpoint(String, reason: String)

  /// One clear message.
  public var description: String {
    switch self {
    case .invalidConfiguration(let problems):
      return "invalid training configuration:\n" + problems.map { "  " + $0 }.joined(separator: "\n")
    case .badContent(let problems):
      return "bad content set:\n" + problems.map { "  " + $0 }.joined(separator: "\n")
    case .diverged(let iteration, let terms, let directory):
      return "the loss diverged at iteration \(iteration): \(terms.joined(separator: ", ")) "
        + "\(terms.count == 1 ? "is" : "are") not finite; the store, the last good model and checkpoint are in \(directory)"
    case .cannotResume(let path, let reason):
      return "\(path): cannot resume: \(reason)"
    case .badCheckpoint(let path, let reason):
      return "\(path): bad checkpoint: \(reason)"
    }
  }
}
