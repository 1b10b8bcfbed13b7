import Foundation
import Runs

/// A Slurm client command (`sbatch`, `squeue`, `sacct`, `scancel`), found on the `PATH`, run to
/// completion with its output captured (`Runs.CapturedProcess`).
struct SlurmCommand {
  /// The tool's name (`sbatch`).
  let tool: String

  /// The tool's path on the `PATH`, or nil when Slurm's clients are not installed.
  var executable: URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") {
      let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(tool)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }

  /// Runs `tool arguments...`.
  ///
  /// - Throws: `SlurmError.toolMissing` when the tool is not on the `PATH`.
  func run(_ arguments: [String]) throws -> CapturedProcess.Output {
    guard let executable else { throw SlurmError.toolMissing(tool) }
    return try CapturedProcess.run(executable, arguments)
  }

  /// Runs `tool arguments...` and returns its standard output.
  ///
  /// - Throws: `SlurmError.toolMissing`, or `.commandFailed` with what it printed.
  func output(_ arguments: [String]) throws -> String {
    let result = try run(arguments)
    guard result.status == 0 else {
      throw SlurmError.commandFailed(
        ([tool] + arguments).joined(separator: " "), status: result.status,
        message: result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return result.standardOutput
  }
}

/// Why a sweep could not be submitted to Slurm.
public enum SlurmError: Error, CustomStringConvertible {
  /// A Slurm client is not on the `PATH`.
  case toolMissing(String)
  /// A Slurm client failed (its command line, exit status, what it printed).
  case commandFailed(String, status: Int32, message: String)
  /// sbatch printed no job id.
  case noJobID(String, output: String)
  /// The options are unusable (each problem).
  case invalidOptions([String])
  /// `--point I` is outside the sweep.
  case pointOutOfRange(Int, count: Int, file: String)

  /// One message saying what went wrong and what to do.
  public var description: String {
    switch self {
    case .toolMissing(let tool):
      return
        "\(tool): not found on the PATH; --backend slurm needs Slurm's clients (sbatch, squeue) on a cluster's login node (Scripts/slurm-local start runs a one-node cluster here)"
    case .commandFailed(let command, let status, let message):
      return "\(command) exited with status \(status): \(message)"
    case .noJobID(let command, let output):
      return "\(command) printed no job id: \(output)"
    case .invalidOptions(let problems):
      return problems.joined(separator: "\n")
    case .pointOutOfRange(let index, let count, let file):
      return "\(file): --point \(index): the sweep has \(count) point\(count == 1 ? "" : "s") (0-\(count - 1))"
    }
  }
}
