import Foundation

/// A Slurm client command (`sbatch`, `squeue`, `sacct`, `scancel`), found on the `PATH`, run to
/// completion with its output captured (Foundation.Process, as `ChildProcess`).
struct SlurmCommand {
  /// What a command printed and its exit status.
  struct Output {
    /// The exit status.
    var status: Int32
    /// Standard output.
    var standardOutput: String
    /// Standard error.
    var standardError: String
  }

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
  func run(_ arguments: [String]) throws -> Output {
    guard let executable else { throw SlurmError.toolMissing(tool) }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // Both pipes are read to the end before waiting, so a chatty tool never blocks.
    nonisolated(unsafe) var errorData = Data()
    let reader = Thread { errorData = error.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return Output(
      status: process.terminationStatus,
      standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
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
