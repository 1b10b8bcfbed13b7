import Foundation

/// Runs the `harness` executable (built beside the test binary: the test target depends on it)
/// and captures what it printed.
public enum HarnessProcess {
  /// The result of one run.
  public struct Output: Sendable {
    /// The exit status.
    public var status: Int32
    /// Standard output.
    public var standardOutput: String
    /// Standard error.
    public var standardError: String
  }

  /// The harness executable next to the running test binary.
  public static var executable: URL? {
    var places: [URL] = []
    if let main = Bundle.main.executableURL { places.append(main.deletingLastPathComponent()) }
    places.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    for place in places {
      for candidate in [place, place.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("harness")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
      }
    }
    return nil
  }

  /// Runs `harness arguments...` with `environment` added to this process's, in `directory`.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil
  ) throws -> Output {
    guard let executable else { throw HarnessProcessError.notBuilt }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
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
}

/// The harness executable could not be found.
public enum HarnessProcessError: Error, CustomStringConvertible {
  /// Not built beside the tests.
  case notBuilt
  /// Explains where it was looked for.
  public var description: String { "the harness executable is not built beside the test binary" }
}
