import Foundation

/// A program run to completion with both its output streams captured: what the experiment
/// runner's Slurm clients (`sbatch`, `squeue`) and the tests' `harness` processes share.
/// Foundation.Process, as `ChildProcess` in Experiments (why not swift-subprocess: see there).
public enum CapturedProcess {
  /// What a program printed and its exit status.
  public struct Output: Sendable {
    /// The exit status (or the signal's number when it was killed).
    public var status: Int32
    /// Standard output.
    public var standardOutput: String
    /// Standard error.
    public var standardError: String

    /// An output made by hand (status, standard output, standard error).
    public init(status: Int32, standardOutput: String, standardError: String) {
      self.status = status
      self.standardOutput = standardOutput
      self.standardError = standardError
    }
  }

  /// Runs `executable arguments...` with standard input from /dev/null, this process's
  /// environment with `environment` laid over it, in `directory` (default: the current one),
  /// and waits for it. Both pipes are read to the end before waiting, so a chatty program never
  /// blocks on a full pipe.
  public static func run(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
    directory: URL? = nil
  ) throws -> Output {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = directory }
    process.standardInput = FileHandle.nullDevice
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // The semaphore orders the reader thread's write before the read below.
    nonisolated(unsafe) var errorData = Data()
    let errorRead = DispatchSemaphore(value: 0)
    Thread {
      errorData = error.fileHandleForReading.readDataToEndOfFile()
      errorRead.signal()
    }.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    errorRead.wait()
    return Output(
      status: process.terminationStatus,
      standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
  }
}
