/// What Slurm says of jobs: `squeue` first (pending and running jobs, and finished ones for the
/// cluster's `MinJobAge`, one line per array task), then `sacct` for those squeue no longer
/// knows, where the cluster keeps accounting (without it sacct has no data and only squeue and
/// the files on disk count).
public struct SlurmQueue: Sendable {
  /// A job's state as Slurm names it (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `TIMEOUT`,
  /// ...) and the reason it gives (`JobArrayTaskLimit`, `Dependency`, an exit code).
  public struct JobState: Equatable, Sendable {
    /// Slurm's state name.
    public var state: String
    /// Slurm's reason or exit code, when it gives one.
    public var reason: String?

    /// A state with an optional reason.
    public init(state: String, reason: String? = nil) {
      self.state = state
      self.reason = reason
    }

    /// Whether the job waits or runs (it may still change the point's files).
    public var isActive: Bool {
      ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "RESIZING",
       "SUSPENDED", "SIGNALING", "STAGE_OUT", "REQUEUE_FED", "RESV_DEL_HOLD"].contains(state)
    }
  }

  /// The states of `jobs` (array job ids or plain job ids) by job id (`123_4` for an array
  /// task, `125` for a plain job); jobs Slurm does not know are absent.
  public static func states(of jobs: [String]) -> [String: JobState] {
    var states: [String: JobState] = [:]
    for job in Set(jobs) {
      let lines = (try? SlurmCommand(tool: "squeue").output([
        "--noheader", "--array", "--states=all", "--jobs=\(job)", "--format=%i|%T|%r",
      ])) ?? ""
      for (id, state) in parse(lines, fields: 3) { states[id] = state }
    }
    let unknown = Set(jobs).filter { job in !states.keys.contains { $0 == job || $0.hasPrefix(job + "_") } }
    if !unknown.isEmpty,
      let lines = try? SlurmCommand(tool: "sacct").output([
        "--noheader", "--parsable2", "--jobs=\(unknown.sorted().joined(separator: ","))",
        "--format=JobID,State,ExitCode",
      ])
    {
      for (id, state) in parse(lines, fields: 3) where states[id] == nil { states[id] = state }
    }
    return states
  }

  /// `id|STATE|reason` lines as states (job steps such as `123_4.batch` skipped; sacct's
  /// `CANCELLED by 0` shortened to its first word; a reason `None` or `0:0` dropped).
  static func parse(_ text: String, fields: Int) -> [(String, JobState)] {
    text.split(separator: "\n").compactMap { line in
      let parts = line.split(separator: "|", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard parts.count >= fields, !parts[0].isEmpty, !parts[0].contains("."),
        !parts[0].contains("[")
      else { return nil }
      let state = parts[1].split(separator: " ").first.map(String.init) ?? parts[1]
      let reason = parts[2]
      return (
        parts[0],
        JobState(state: state, reason: ["", "None", "0:0", "(null)"].contains(reason) ? nil : reason)
      )
    }
  }
}
