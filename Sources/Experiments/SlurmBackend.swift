import Foundation
import TensorCore

/// The Slurm backend of `harness run FILE --backend slurm`: the sweep as one job array, one task
/// per unfinished point, and the report as a job that runs once every task succeeded.
///
/// `submit` checks every point folder (a changed configuration is refused before anything is
/// submitted, as in a local run), leaves out finished points (`summary.json`) and points whose
/// task from an earlier submission still waits or runs, writes `sweep.sh` and `report.sh` to
/// `<results>/slurm/` (`SlurmScript`), and runs
///
///     sbatch --parsable --array=<indices>[%K] --requeue sweep.sh
///     sbatch --parsable --dependency=afterok:<array job> --kill-on-invalid-dep=yes report.sh
///
/// recording both in `slurm/submissions.json` (`SlurmSubmission`). A report job of an earlier
/// submission that still waits is cancelled: the new one replaces it. Each task runs
/// `harness run FILE --out RESULTS --point I`, which skips finished stages and resumes from a
/// checkpoint, so a requeued or resubmitted task continues where it stopped.
public struct SlurmBackend {
  /// The runner whose file, results folder and executable the jobs use.
  public let runner: ExperimentRunner
  /// The resources.
  public let options: SlurmOptions
  /// Receives what was submitted, one line each.
  public var report: (String) -> Void = { print($0) }
  /// The environment at submission (`TEXTURE_NETS_DATA` goes into the scripts).
  public var environment = ProcessInfo.processInfo.environment

  /// A backend for `runner`'s experiment with `options`.
  public init(runner: ExperimentRunner, options: SlurmOptions) {
    self.runner = runner
    self.options = options
  }

  /// The scripts' description for this experiment.
  public var script: SlurmScript {
    let workingDirectory = FileManager.default.currentDirectoryPath
    let absolute = { (path: String) in
      URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory))
        .standardizedFileURL.path
    }
    return SlurmScript(
      experimentFile: absolute(runner.file.path), root: absolute(runner.root.path),
      executable: runner.executable.path, workingDirectory: workingDirectory,
      experimentName: runner.file.name,
      dataFolder: environment["TEXTURE_NETS_DATA"].flatMap { $0.isEmpty ? nil : absolute($0) },
      options: options)
  }

  /// Submits the unfinished points among `points` (default: every point); returns the
  /// submission, or nil when there was nothing to submit.
  ///
  /// - Throws: `SlurmError` (bad options, no sbatch, sbatch refused), `ExperimentRunError` (a
  ///   point folder holding another configuration).
  public func submit(_ points: [ExperimentPoint]? = nil) throws -> SlurmSubmission? {
    let problems = options.problems()
    guard problems.isEmpty else { throw SlurmError.invalidOptions(problems) }
    let script = self.script
    let root = URL(fileURLWithPath: script.root)
    let chosen = Set((points ?? runner.file.points).map(\.name))
    let sweep = runner.file.points
    for point in sweep where chosen.contains(point.name) { try runner.checkFolder(of: point) }
    let earlier = SlurmSubmission.all(in: root)
    let queued = SlurmQueue.states(of: earlier.map(\.arrayJob) + earlier.compactMap(\.reportJob))
    var submitted: [SlurmSubmission.Point] = []
    for (index, point) in sweep.enumerated() where chosen.contains(point.name) {
      let folder = runner.folder(of: point)
      if FileManager.default.fileExists(atPath: folder.appendingPathComponent("summary.json").path)
      {
        report("\(point.name): done already")
        continue
      }
      if let active = earlier.reversed().lazy.compactMap({ $0.task(ofIndex: index) })
        .first(where: { queued[$0]?.isActive == true })
      {
        report("\(point.name): already queued as job \(active) (\(queued[active]?.state ?? ""))")
        continue
      }
      submitted.append(.init(index: index, name: point.name))
    }
    guard !submitted.isEmpty else {
      report("nothing to submit: every point is done or queued (harness status \(script.root))")
      return nil
    }
    let folder = URL(fileURLWithPath: script.folder)
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
    let sweepScript = folder.appendingPathComponent("sweep.sh")
    let reportScript = folder.appendingPathComponent("report.sh")
    try Data(script.sweep.utf8).write(to: sweepScript, options: .atomic)
    try Data(script.report.utf8).write(to: reportScript, options: .atomic)
    var array = SlurmScript.arrayList(submitted.map(\.index))
    if let maxParallel = options.maxParallel { array += "%\(maxParallel)" }
    let sweepCommand = ["sbatch", "--parsable", "--array=\(array)", "--requeue", sweepScript.path]
    let arrayJob = try Self.jobID(sweepCommand)
    let reportCommand = [
      "sbatch", "--parsable", "--dependency=afterok:\(arrayJob)", "--kill-on-invalid-dep=yes",
      reportScript.path,
    ]
    let reportJob = try Self.jobID(reportCommand)
    for job in earlier.compactMap(\.reportJob) where queued[job]?.state == "PENDING" {
      _ = try? SlurmCommand(tool: "scancel").run([job])
      report("cancelled the earlier report job \(job) (replaced by \(reportJob))")
    }
    let submission = SlurmSubmission(
      submitted: ISO8601DateFormatter().string(from: Date()), experimentFile: script.experimentFile,
      sweep: sweep.map(\.name), points: submitted, arrayJob: arrayJob, reportJob: reportJob,
      options: options, sweepCommand: sweepCommand, reportCommand: reportCommand)
    try submission.append(in: root)
    report(
      "submitted \(submitted.count) of \(sweep.count) points as array job \(arrayJob) (--array=\(array)): \(sweepScript.path)"
    )
    report(
      "report: job \(reportJob), after every point succeeded (harness report \(script.root) --notebooks \(script.reportFolder))"
    )
    report("follow: harness status \(script.root)   logs: \(script.folder)/logs/")
    return submission
  }

  /// In a Slurm task, makes the threads follow `SLURM_CPUS_PER_TASK` unless
  /// `OPENBLAS_NUM_THREADS` was set (`sweep.sh` sets it; a hand-written script may not): this
  /// process's kernels, and the measurement processes through the inherited environment.
  public static func adoptSlurmCPUs() {
    let environment = ProcessInfo.processInfo.environment
    guard environment["OPENBLAS_NUM_THREADS"] == nil,
      let text = environment["SLURM_CPUS_PER_TASK"], let count = Int(text), count >= 1
    else { return }
    setenv("OPENBLAS_NUM_THREADS", text, 1)
    setenv("OMP_NUM_THREADS", text, 1)
    BLAS.setThreads(count)
  }

  /// Runs an `sbatch --parsable ...` command line and returns the job id it printed
  /// (`123`, or `123;cluster` on a federation).
  static func jobID(_ command: [String]) throws -> String {
    let output = try SlurmCommand(tool: command[0]).output(Array(command.dropFirst()))
    let line = output.split(separator: "\n").last.map(String.init) ?? ""
    let id = line.split(separator: ";").first.map(String.init) ?? ""
    guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
      throw SlurmError.noJobID(command.joined(separator: " "), output: output)
    }
    return id
  }
}
