/// Why a report could not be written: one message naming the folder or file and the problem.
public enum ReportError: Error, Equatable, CustomStringConvertible {
  /// The results folder does not exist or is not a folder.
  case noResults(String)
  /// The results folder holds no point folder (no `point.json` in any subfolder).
  case noPoints(String)
  /// No point of the results folder has finished (no `summary.json`), so there is nothing to
  /// compare with the paper.
  case nothingFinished(String)
  /// The experiment file could not be read (path, reason).
  case unreadableExperiment(String, reason: String)
  /// A report file or folder could not be written (path, reason).
  case unwritable(String, reason: String)

  /// The message.
  public var description: String {
    switch self {
    case .noResults(let path):
      return "\(path): no such results folder (give results/<experiment>, as harness run wrote it)"
    case .noPoints(let path):
      return
        "\(path): holds no point folder (a subfolder with point.json); is it results/<experiment>?"
    case .nothingFinished(let path):
      return
        "\(path): no point has finished (no summary.json), so there is nothing to compare with the paper yet; finish the run first (harness run FILE resumes it)"
    case .unreadableExperiment(let path, let reason):
      return "\(path): cannot read the experiment file: \(reason)"
    case .unwritable(let path, let reason):
      return "\(path): cannot write the report: \(reason)"
    }
  }
}
