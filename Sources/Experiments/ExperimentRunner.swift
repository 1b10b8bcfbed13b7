import Foundation
import Gatys
import Optimizers
import Runs
import Store
import Training

/// Runs the points of an experiment, each in its own folder, and compares each trained
/// generator with the Gatys baseline on the same objective:
///
///     <root>/<point>/point.json        the resolved experiment of the point (reloadable as is)
///     <root>/<point>/provenance.json   git commit, toolchain, CPU, BLAS kernel and threads, seed
///     <root>/<point>/training/         the trainer's run folder (model.h5, store.h5 with
///                                      /metrics/iterations, samples/, checkpoint.h5, summary.json)
///     <root>/<point>/evaluation/size-S/  S samples at S × S from fresh noise (samples.h5,
///                                      sample-NNNN.png), scores.json (each sample's loss)
///     <root>/<point>/timing/size-S/attempt-N/  a fresh `harness generate` at batch 1
///                                      (measurement.json: seconds per sample, peak RSS)
///     <root>/<point>/gatys/<optimizer>.json  the Gatys configuration (stopAtLoss = the mean
///                                      sample loss at gatys.size)
///     <root>/<point>/gatys/<optimizer>/  a fresh `harness gatys` run (store.h5: loss against
///                                      wall time, summary; final.png)
///     <root>/<point>/gatys/<optimizer>-S.json, <optimizer>-S/  the same at each side S of
///                                      gatys.additionalSizes (to the mean sample loss at S)
///     <root>/<point>/summary.json      `PointSummary`
///     <root>/<point>/failed.json       `PointFailure`, when the point failed (the others still run)
///     <root>/slurm/                    with `--backend slurm`: the batch scripts, task logs and
///                                      submissions (`SlurmBackend`)
///
/// In order: train, evaluate (every size), time the generator (every size), run Gatys (every
/// Gatys size, every optimiser). Each stage that finished is skipped on a rerun; an interrupted
/// training or Gatys run resumes from its checkpoint. A point folder whose `point.json` differs from the point's
/// resolved experiment is refused, never overwritten. Each point is written under its lock,
/// `<root>/<point>.lock` (`FolderLock`): a point another process holds is skipped until the
/// others are done, then waited for (see `ExperimentRunner+Locks.swift`).
public final class ExperimentRunner {
  /// The experiment.
  public let file: ExperimentFile
  /// The folder holding the point folders.
  public let root: URL
  /// The `harness` executable the fresh processes run.
  public let executable: URL
  /// The harness version, for provenance.
  public let harnessVersion: String
  /// Show the trainer's progress bar.
  public var showsProgress = true
  /// Polled between stages and during child processes: true stops the experiment cleanly.
  public var isInterrupted: () -> Bool = { InterruptSignal.shared.received != nil }
  /// Receives the progress lines (one per point and stage, with the experiment's ETA).
  public var report: (String) -> Void = { line in
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  /// Seconds spent in the points that ran in this session (not skipped as done already).
  private var secondsInPointsRun = 0.0
  private var pointsRun = 0
  private var pointsLeft = 0
  private var currentPointStarted = monotonicSeconds()

  /// A runner for `file` writing under `root` (default `results/<experiment>`), starting
  /// `executable` for the fresh-process measurements.
  public init(file: ExperimentFile, root: URL? = nil, executable: URL, harnessVersion: String) {
    self.file = file
    self.root = root ?? URL(fileURLWithPath: "results").appendingPathComponent(file.name)
    self.executable = executable
    self.harnessVersion = harnessVersion
  }

  /// The folder of `point`.
  public func folder(of point: ExperimentPoint) -> URL { root.appendingPathComponent(point.name) }

  /// What a run of the experiment ended with.
  public struct Outcome: Sendable {
    /// The summaries of the points that finished, in sweep order.
    public var summaries: [PointSummary]
    /// The points that failed (each also in its folder's `failed.json`), in sweep order.
    public var failures: [PointFailure] = []
    /// Whether Ctrl-C or SIGTERM stopped it (the next run resumes).
    public var interrupted: Bool
  }

  /// Runs `points` (default: every point) in order. A point that fails (a bad input, a diverged
  /// training, a failed child process) is marked failed in its folder (`PointFailure`) and the
  /// others still run; a failure recorded by an earlier run is removed when the point starts.
  ///
  /// - Throws: `ExperimentRunError` for a point folder that holds another configuration or is
  ///   not a point folder, before anything runs.
  public func run(_ points: [ExperimentPoint]? = nil) throws -> Outcome {
    InterruptSignal.shared.install()
    let points = points ?? file.points
    for point in points { try checkFolderUnlessLocked(point) }
    secondsInPointsRun = 0
    pointsRun = 0
    pointsLeft = points.count
    var summaries: [PointSummary?] = Array(repeating: nil, count: points.count)
    var finished = Array(repeating: false, count: points.count)
    var outcome = Outcome(summaries: [], interrupted: false)
    func stopped() -> Outcome {
      outcome.summaries = summaries.compactMap { $0 }
      outcome.interrupted = true
      return outcome
    }
    // First every point no other process holds, then (waiting) the ones that were busy.
    for waits in [false, true] {
      for (index, point) in points.enumerated() where !finished[index] {
        let label = "[\(index + 1)/\(points.count) \(point.name)]"
        guard let lock = try lockFolder(of: point, label: label, waits: waits) else {
          if waits { return stopped() }
          continue
        }
        defer { lock.release() }
        try checkFolder(of: point)
        let folder = self.folder(of: point)
        try? FileManager.default.removeItem(
          at: folder.appendingPathComponent(PointFailure.fileName))
        currentPointStarted = monotonicSeconds()
        var ran = true
        do {
          guard let result = try PointStages(runner: self, point: point, label: label).run() else {
            return stopped()
          }
          summaries[index] = result.summary
          ran = result.ran
        } catch {
          // An error while stopping for a signal is the interruption, not a failure.
          if isInterrupted() { return stopped() }
          let failure = PointFailure(point: point.name, message: "\(error)")
          try failure.write(into: folder)
          report("\(label) failed: \(failure.message)")
          outcome.failures.append(failure)
        }
        finished[index] = true
        pointsLeft -= 1
        if ran {
          secondsInPointsRun += monotonicSeconds() - currentPointStarted
          pointsRun += 1
        }
      }
    }
    outcome.summaries = summaries.compactMap { $0 }
    return outcome
  }

  /// The experiment's remaining time (see `estimate`).
  var estimatedTimeLeft: String {
    Self.estimate(
      secondsInPointsRun: secondsInPointsRun, pointsRun: pointsRun, pointsLeft: pointsLeft,
      secondsInCurrentPoint: monotonicSeconds() - currentPointStarted)
  }

  /// `ETA t` with t = s̄ · left − min(s̄, current): s̄ the mean seconds of the points run in this
  /// session (points found done are not counted), `left` the points not finished (the current
  /// one included), less the time already spent in the current one; "ETA unknown" before any
  /// point has run.
  static func estimate(
    secondsInPointsRun: Double, pointsRun: Int, pointsLeft: Int, secondsInCurrentPoint: Double
  ) -> String {
    guard pointsRun > 0 else { return "ETA unknown" }
    let perPoint = secondsInPointsRun / Double(pointsRun)
    let inCurrent = pointsLeft > 0 ? min(perPoint, secondsInCurrentPoint) : 0
    return "ETA " + duration(perPoint * Double(pointsLeft) - inCurrent)
  }

  /// `1h02m`, `3m05s`, `12s`.
  static func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
    if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return "\(total)s"
  }

  /// Refuses a point folder that holds another configuration's results (or files that are not
  /// a point's), before anything runs.
  func checkFolder(of point: ExperimentPoint) throws {
    let url = folder(of: point)
    let manager = FileManager.default
    guard manager.fileExists(atPath: url.path) else { return }
    let pointFile = url.appendingPathComponent("point.json")
    guard let data = manager.contents(atPath: pointFile.path) else {
      // A point that failed before its point.json was written holds only failed.json; a kill
      // during that first write leaves only the replacement's temporary file.
      let contents = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
      if contents.allSatisfy({ $0 == PointFailure.fileName || AtomicFile.isLeftover($0) }) {
        return
      }
      throw ExperimentRunError.notAPointFolder(url.path)
    }
    let stored = try? JSONDecoder().decode(Experiment.self, from: data)
    guard stored != point.experiment else { return }
    var differences: [String] = []
    if let storedTree = try? JSONValue(parsing: data),
      let currentTree = try? JSONValue.encoding(point.experiment)
    {
      differences = Self.differences(storedTree, currentTree)
    }
    throw ExperimentRunError.changedConfiguration(url.path, differences: differences)
  }

  /// The key paths whose values differ between `a` and `b` (leaves; a missing side counts).
  static func differences(_ a: JSONValue, _ b: JSONValue) -> [String] {
    var paths: [String] = []
    var seen: Set<String> = []
    for path in a.keyPaths() + b.keyPaths() {
      let x = a.value(at: path)
      let y = b.value(at: path)
      let isLeaf: (JSONValue?) -> Bool = { value in
        switch value {
        case .object?, .array?: return false
        default: return true
        }
      }
      guard isLeaf(x) || isLeaf(y), x != y else { continue }
      let dotted = path.dotted
      if seen.insert(dotted).inserted {
        paths.append("\(dotted): \(x?.text ?? "absent") on disk, \(y?.text ?? "absent") now")
      }
    }
    return paths
  }
}

/// Why an experiment could not go on.
public enum ExperimentRunError: Error, CustomStringConvertible {
  /// The point folder's `point.json` is another configuration (folder, differing keys).
  case changedConfiguration(String, differences: [String])
  /// The point folder holds files but no `point.json`.
  case notAPointFolder(String)
  /// A fresh process failed (what, exit status, log file and its last lines).
  case childFailed(String, status: Int32, log: String, tail: String)
  /// The training diverged, so there is no generator to compare.
  case trainingDiverged(String, reason: String)
  /// A stage's output is missing or unreadable.
  case badOutput(String, reason: String)

  /// One message naming the folder and what to do.
  public var description: String {
    switch self {
    case .changedConfiguration(let path, let differences):
      let shown = differences.prefix(8).map { "  " + $0 }.joined(separator: "\n")
      return
        "\(path): holds results of a different configuration of this point (its point.json differs); it is never overwritten: remove or rename it, or run with --out DIR\n"
        + shown
    case .notAPointFolder(let path):
      return
        "\(path): holds files but no point.json, so it is not a point folder of this experiment; remove or rename it, or run with --out DIR"
    case .childFailed(let what, let status, let log, let tail):
      return "\(what) exited with status \(status) (log: \(log)):\n\(tail)"
    case .trainingDiverged(let path, let reason):
      return "\(path): the training diverged (\(reason)); there is no generator to compare"
    case .badOutput(let path, let reason):
      return "\(path): \(reason)"
    }
  }
}
