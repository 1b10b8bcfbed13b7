import Foundation
import Runs

/// A fresh `harness` process (a measurement must not inherit the parent's memory high-water
/// mark or warm buffers), its output going to a log file. Started with Foundation.Process:
/// swift-subprocess 1.0.2 builds with Swift 6.3.1, but its dependency swift-system declares a
/// target `CSystem`, which this package's C boundary already names (SwiftPM refuses the clash).
struct ChildProcess {
  /// The executable (this harness).
  let executable: URL

  /// Runs `executable arguments...`, standard output and error appended to `log`, polling
  /// `isInterrupted` every 50 ms: when it turns true the child gets SIGTERM (it checkpoints and
  /// exits as after Ctrl-C). Returns the exit status: 130 without starting it when
  /// `isInterrupted` is already true.
  func run(_ arguments: [String], log: URL, isInterrupted: () -> Bool) throws -> Int32 {
    guard !isInterrupted() else { return 130 }
    let manager = FileManager.default
    try manager.createDirectory(
      at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
    if !manager.fileExists(atPath: log.path) {
      _ = manager.createFile(atPath: log.path, contents: Data())
    }
    let handle = try FileHandle(forWritingTo: log)
    defer { try? handle.close() }
    try handle.seekToEnd()
    handle.write(Data(("$ harness " + arguments.joined(separator: " ") + "\n").utf8))
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(
      ParentWatch.childEnvironment) { $1 }
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    var signalled = false
    while process.isRunning {
      if !signalled && isInterrupted() {
        process.terminate()
        signalled = true
      }
      usleep(50_000)
    }
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// The last `count` lines of `log`, for an error message.
  static func tail(of log: URL, count: Int = 5) -> String {
    let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").suffix(count).joined(separator: "\n")
  }
}
