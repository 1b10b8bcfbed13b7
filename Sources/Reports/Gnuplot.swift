import Foundation

/// The gnuplot executable the figures are drawn with: `$TEXTURE_NETS_GNUPLOT` when set (a path;
/// tests and Slurm jobs choose it), else `gnuplot` on the `PATH`. Each script runs in its own
/// folder with Foundation.Process (`cd DIR && gnuplot NAME.gp`), as a reader reruns it.
public struct Gnuplot: Sendable {
  /// The environment variable that names the gnuplot binary.
  public static let environmentKey = "TEXTURE_NETS_GNUPLOT"

  /// The executable.
  public var executable: URL

  /// A gnuplot at `executable`.
  public init(executable: URL) { self.executable = executable }

  /// The gnuplot `environment` names, or why there is none (a message saying what was looked
  /// for and how to install it).
  public static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> Result<Gnuplot, GnuplotUnavailable> {
    let manager = FileManager.default
    if let named = environment[environmentKey], !named.isEmpty {
      guard manager.isExecutableFile(atPath: named) else {
        return .failure(
          GnuplotUnavailable(
            message: "\(environmentKey)=\(named) is not an executable file, so no figure was drawn"
          ))
      }
      return .success(Gnuplot(executable: URL(fileURLWithPath: named)))
    }
    let path = environment["PATH"] ?? ""
    for directory in path.split(separator: ":") {
      let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("gnuplot")
      if manager.isExecutableFile(atPath: candidate.path) {
        return .success(Gnuplot(executable: candidate))
      }
    }
    return .failure(
      GnuplotUnavailable(
        message:
          "gnuplot is not on the PATH (\(path.isEmpty ? "empty" : path)), so no figure was drawn; install it (Scripts/setup installs gnuplot-nox) or name it with \(environmentKey)=/path/to/gnuplot"
      ))
  }

  /// Runs `gnuplot script` in `directory`; nil on success, else gnuplot's exit status and the
  /// last lines it printed.
  public func run(script: String, in directory: URL) -> String? {
    let process = Process()
    process.executableURL = executable
    process.arguments = [script]
    process.currentDirectoryURL = directory
    let errors = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return "\(executable.path) could not be started: \(error.localizedDescription)"
    }
    let output = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus != 0 else { return nil }
    let tail = String(decoding: output, as: UTF8.self).split(separator: "\n").suffix(4)
    return "gnuplot \(script) exited with status \(process.terminationStatus): "
      + tail.joined(separator: " / ")
  }
}

/// Why no gnuplot could be used: the report is written without figures, saying this.
public struct GnuplotUnavailable: Error, Equatable, Sendable, CustomStringConvertible {
  /// What was looked for, and how to get it.
  public var message: String
  /// The message.
  public var description: String { message }
}
