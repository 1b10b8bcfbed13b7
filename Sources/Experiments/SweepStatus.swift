import Foundation

/// The state of each point of a sweep (`harness status RESULTS`), from its folder on disk and,
/// when it was submitted to Slurm (`slurm/submissions.json`), what Slurm says of its array task:
///
///     done        summary.json is written
///     running     its Slurm task runs
///     pending     its Slurm task waits (Slurm's reason), or it has not started
///     failed      failed.json holds the message, or Slurm ended the task (FAILED,
///                 OUT_OF_MEMORY, NODE_FAIL) before the harness could write one
///     unfinished  started but stopped: interrupted (Ctrl-C, a Slurm TIMEOUT, PREEMPTED or
///                 CANCELLED), or still running in a local process; a rerun resumes it
///
/// The points are the latest submission's sweep, plus any other point folder on disk (a local
/// run records no sweep: only its folders are listed).
public struct SweepStatus: Sendable {
  /// One point's state.
  public struct Point: Equatable, Sendable {
    /// The states above.
    public enum State: String, Sendable {
      /// See `SweepStatus`.
      case pending, running, done, failed, unfinished
    }

    /// The point's folder name.
    public var name: String
    /// Its state.
    public var state: State
    /// Its Slurm array task (`<array job>_<index>`), when submitted.
    public var job: String?
    /// Why: the failure's message, Slurm's state and reason.
    public var detail: String?
  }

  /// The results folder.
  public var root: URL
  /// The points, in sweep order.
  public var points: [Point]
  /// The latest Slurm submission, if the sweep was submitted.
  public var submission: SlurmSubmission?
  /// What Slurm says of the latest report job.
  public var reportState: SlurmQueue.JobState?

  /// The status of the sweep in `root`, asking Slurm through `states` (job ids to states).
  public static func read(
    _ root: URL,
    states: ([String]) -> [String: SlurmQueue.JobState] = { SlurmQueue.states(of: $0) }
  ) -> SweepStatus {
    let submissions = SlurmSubmission.all(in: root)
    let latest = submissions.last
    var names = latest?.sweep ?? []
    let manager = FileManager.default
    let folders = ((try? manager.contentsOfDirectory(atPath: root.path)) ?? []).sorted().filter {
      name in
      ["point.json", PointFailure.fileName].contains {
        manager.fileExists(atPath: root.appendingPathComponent(name).appendingPathComponent($0).path)
      }
    }
    names += folders.filter { !names.contains($0) }
    let known: [String: SlurmQueue.JobState] = submissions.isEmpty
      ? [:] : states(submissions.map(\.arrayJob) + submissions.compactMap(\.reportJob))
    let points = names.map { name -> Point in
      // The latest submission holding the point names its task.
      let job = submissions.reversed().lazy.compactMap { submission in
        submission.points.first { $0.name == name }.map { "\(submission.arrayJob)_\($0.index)" }
      }.first
      return point(
        name, folder: root.appendingPathComponent(name), job: job,
        slurm: job.flatMap { known[$0] }, root: root)
    }
    return SweepStatus(
      root: root, points: points, submission: latest,
      reportState: latest?.reportJob.flatMap { known[$0] })
  }

  /// One point's state from its folder, its task and what Slurm says of it.
  static func point(
    _ name: String, folder: URL, job: String?, slurm: SlurmQueue.JobState?, root: URL
  ) -> Point {
    let manager = FileManager.default
    if manager.fileExists(atPath: folder.appendingPathComponent("summary.json").path) {
      return Point(name: name, state: .done, job: job)
    }
    if let slurm, slurm.isActive {
      let running = !["PENDING", "REQUEUED", "REQUEUE_HOLD"].contains(slurm.state)
      return Point(
        name: name, state: running ? .running : .pending, job: job,
        detail: running ? nil : slurm.reason.map { "Slurm: \($0)" })
    }
    if let failure = PointFailure.read(from: folder) {
      return Point(name: name, state: .failed, job: job, detail: failure.message)
    }
    if let slurm, let job {
      let log = root.appendingPathComponent("slurm/logs/\(job).out")
      let last = ChildProcess.tail(of: log, count: 1)
      let said = "Slurm: \(slurm.state)" + (slurm.reason.map { " (\($0))" } ?? "")
      // A task stopped by a signal (scancel --signal=TERM) exits 130, which Slurm calls FAILED.
      let stopped = ChildProcess.tail(of: log, count: 3).split(separator: "\n").contains {
        $0.hasPrefix("interrupted: ")
      }
      if stopped || ["TIMEOUT", "PREEMPTED", "CANCELLED", "DEADLINE"].contains(slurm.state) {
        return Point(
          name: name, state: .unfinished, job: job,
          detail: said + (stopped ? "; stopped by a signal after its checkpoint" : ""))
      }
      return Point(
        name: name, state: .failed, job: job,
        detail: said + (last.isEmpty ? "" : "; log: \(last)"))
    }
    if manager.fileExists(atPath: folder.path) {
      return Point(
        name: name, state: .unfinished, job: job,
        detail: "started, not finished (stopped, or running in another process)")
    }
    return Point(
      name: name, state: .pending, job: job,
      detail: job == nil ? "not started" : "Slurm no longer knows the job")
  }

  /// The command that runs the failed and unfinished points again (each resumes where it
  /// stopped), or nil when there are none.
  public var rerunCommand: String? {
    let again = points.filter { $0.state == .failed || $0.state == .unfinished }.map(\.name)
    guard !again.isEmpty else { return nil }
    let file = submission?.experimentFile ?? "EXPERIMENT.json"
    let options = submission?.options.harnessArguments ?? []
    let words =
      ["harness", "run", file, "--out", root.path] + options + ["--points", again.joined(separator: ",")]
    return words.map(SlurmScript.quoted).joined(separator: " ")
  }

  /// The listing: a header with the counts, one line per point, the report job, the rerun
  /// command.
  public var text: String {
    var counts: [String] = []
    for state in [Point.State.done, .running, .pending, .failed, .unfinished] {
      let count = points.filter { $0.state == state }.count
      if count > 0 { counts.append("\(count) \(state.rawValue)") }
    }
    var lines = [
      "\(root.path): \(points.count) point\(points.count == 1 ? "" : "s")"
        + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
    ]
    if let submission {
      lines[0] += " (latest Slurm array job \(submission.arrayJob), submitted \(submission.submitted))"
    }
    let nameWidth = points.map(\.name.count).max() ?? 0
    let jobWidth = points.map { ($0.job ?? "-").count }.max() ?? 0
    for point in points {
      var line = "  " + Self.padded(point.name, nameWidth) + "  "
        + Self.padded(point.state.rawValue, 10) + "  " + Self.padded(point.job ?? "-", jobWidth)
      if let detail = point.detail { line += "  " + detail }
      while line.hasSuffix(" ") { line.removeLast() }
      lines.append(line)
    }
    if let job = submission?.reportJob {
      let state = reportState.map { $0.state + ($0.reason.map { " (\($0))" } ?? "") }
        ?? "no longer known to Slurm"
      let outcome =
        reportState?.state == "COMPLETED"
        ? "written to \(root.path)/report" : "log: \(root.path)/slurm/logs/report-\(job).out"
      lines.append("report: job \(job) \(state); \(outcome)")
    }
    if let rerunCommand {
      lines.append("rerun the failed and unfinished points (each resumes where it stopped):")
      lines.append("  " + rerunCommand)
    }
    return lines.joined(separator: "\n")
  }

  /// `text` padded with spaces to `width`.
  static func padded(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
  }
}
