import Experiments
import Foundation

/// The Slurm cluster the tests submit to (`Scripts/slurm-local start` runs one on this machine;
/// `.ci/run` starts it): whether it answers, and waiting for jobs.
enum SlurmCluster {
  /// Why the tests cannot use Slurm, or nil when `sinfo` shows a node ready for jobs.
  static let unavailableReason: String? = {
    let sinfo = run("sinfo", ["--noheader", "--format=%T"])
    guard let sinfo else {
      return "Slurm's clients are not installed (no sinfo on the PATH)"
    }
    guard sinfo.status == 0 else {
      return "sinfo failed (\(sinfo.output.trimmingCharacters(in: .whitespacesAndNewlines))): no controller answers"
    }
    let states = sinfo.output.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
    guard states.contains(where: { ["idle", "mixed", "allocated"].contains($0) }) else {
      return "no node is ready for jobs (sinfo: \(states.joined(separator: ", ")))"
    }
    return nil
  }()

  /// Whether the tests can submit, printing why not when they cannot. With
  /// `TEXTURE_NETS_REQUIRE_SLURM=1` (set by `.ci/run` once `Scripts/slurm-local start` succeeded)
  /// the tests always run, and fail where the cluster does not answer.
  static var available: Bool {
    if ProcessInfo.processInfo.environment["TEXTURE_NETS_REQUIRE_SLURM"] == "1" { return true }
    if let unavailableReason {
      FileHandle.standardError.write(
        Data("SlurmTests skipped: \(unavailableReason); run Scripts/slurm-local start (root)\n".utf8))
      return false
    }
    return true
  }

  /// Runs a Slurm client, returning its status and standard output and error together, or nil
  /// when it is not installed.
  @discardableResult
  static func run(_ tool: String, _ arguments: [String]) -> (status: Int32, output: String)? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    guard let folder = path.split(separator: ":").first(where: {
      FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
    }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "\(folder)/\(tool)")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// The states of `jobs` (array tasks listed one by one) as squeue reports them.
  static func states(_ jobs: [String]) -> [String: SlurmQueue.JobState] {
    SlurmQueue.states(of: jobs)
  }

  /// Polls every half second until `done` holds for the states of `jobs`, or `timeout` seconds
  /// passed; returns the last states and whether `done` held.
  static func wait(
    for jobs: [String], timeout: Double, until done: ([String: SlurmQueue.JobState]) -> Bool
  ) -> (states: [String: SlurmQueue.JobState], done: Bool) {
    let start = Date()
    var last = states(jobs)
    while !done(last) {
      if Date().timeIntervalSince(start) > timeout { return (last, false) }
      usleep(500_000)
      last = states(jobs)
    }
    return (last, true)
  }

  /// Waits until every listed job of `jobs` has ended (none waits or runs).
  static func waitUntilFinished(_ jobs: [String], timeout: Double) -> (
    states: [String: SlurmQueue.JobState], done: Bool
  ) {
    wait(for: jobs, timeout: timeout) { states in
      !states.isEmpty && !states.values.contains { $0.isActive }
    }
  }
}
