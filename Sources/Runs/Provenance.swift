import Foundation
import TensorCore

/// Where a result came from, stored with every result (`provenance.json`, the store's
/// `provenance` attribute): the code (git commit and whether the tree had uncommitted changes),
/// the toolchain, the machine (CPU, BLAS kernel, threads), the seed, the command line and times.
public struct Provenance: Codable, Equatable, Sendable {
  /// `git rev-parse HEAD` of the source tree the harness was built from, or "unknown".
  public var gitCommit: String
  /// Whether that tree had uncommitted changes (`git status --porcelain` non-empty).
  public var gitDirty: Bool?
  /// The first line of `swift --version` on the PATH at run time.
  public var toolchain: String
  /// The harness version.
  public var harnessVersion: String
  /// CPU, cores, BLAS kernel and threads.
  public var machine: MachineDescription
  /// The experiment's seed.
  public var seed: UInt64
  /// The command line.
  public var arguments: [String]
  /// ISO 8601 start time (UTC).
  public var started: String
  /// ISO 8601 end time (UTC), once finished.
  public var finished: String?
  /// Each resumption of an interrupted run: when, from which iteration, the command line.
  public var resumed: [String]?

  /// The provenance of the current process, for a run with `seed`.
  public static func current(seed: UInt64, harnessVersion: String) -> Provenance {
    let root = sourceRoot()
    let commit = run("/usr/bin/env", ["git", "-C", root, "rev-parse", "HEAD"])
    let status = commit == nil ? nil : run("/usr/bin/env", ["git", "-C", root, "status", "--porcelain"])
    let swift = run("/usr/bin/env", ["swift", "--version"])
    return Provenance(
      gitCommit: commit?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown",
      gitDirty: status.map { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty },
      toolchain: swift?.split(separator: "\n").first.map(String.init) ?? "unknown",
      harnessVersion: harnessVersion, machine: .current(), seed: seed,
      arguments: CommandLine.arguments, started: timestamp(), finished: nil)
  }

  /// Now, ISO 8601 in UTC.
  public static func timestamp() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date())
  }

  /// The repository this source file belongs to.
  static func sourceRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }

  /// Runs a command, returning its standard output, or nil when it fails.
  static func run(_ executable: String, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
  }
}
