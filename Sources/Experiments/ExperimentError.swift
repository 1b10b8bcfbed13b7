/// One problem with an experiment file: the file, the dotted key path of the value
/// (`generator.levels`, `objective.style.layers[4]`; empty for the whole file) and what is wrong.
public struct ExperimentProblem: Equatable, Sendable, CustomStringConvertible {
  /// The experiment file as given.
  public var file: String
  /// The dotted key path (empty: the file itself).
  public var keyPath: String
  /// What is wrong (with a did-you-mean where one helps).
  public var message: String

  /// A problem at `keyPath` of `file`.
  public init(file: String, keyPath: String, message: String) {
    self.file = file
    self.keyPath = keyPath
    self.message = message
  }

  /// `file: key.path: message` (`file: message` for the whole file).
  public var description: String {
    keyPath.isEmpty ? "\(file): \(message)" : "\(file): \(keyPath): \(message)"
  }
}

/// Everything wrong with an experiment file, found at once (one line each).
public struct ExperimentError: Error, Sendable, CustomStringConvertible {
  /// The problems, in the order found (sections in file order).
  public var problems: [ExperimentProblem]

  /// Wraps `problems`.
  public init(_ problems: [ExperimentProblem]) { self.problems = problems }

  /// One line per problem.
  public var description: String { problems.map(\.description).joined(separator: "\n") }
}
