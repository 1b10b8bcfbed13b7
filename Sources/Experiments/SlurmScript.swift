/// The batch scripts of a sweep on Slurm, written to `<results>/slurm/` and kept there, so that a
/// user can read them and resubmit them by hand (each says how in its header):
///
///     sweep.sh    one array task per point: `harness run FILE --out RESULTS --point I`, with
///                 I = `SLURM_ARRAY_TASK_ID`, the point's index in the sweep (0-based)
///     report.sh   `harness report RESULTS --notebooks RESULTS/report`, submitted to run after
///                 every task succeeded (`--dependency=afterok:<array job>`)
///
/// Each task's threads follow `SLURM_CPUS_PER_TASK` (1 when `--cpus-per-task` is not given,
/// Slurm's default allocation), through `OPENBLAS_NUM_THREADS`, which the measurement processes
/// inherit. The harness is `exec`ed, so Slurm's SIGTERM (time limit, preemption, `scancel`,
/// `scontrol requeue`) reaches it directly: it checkpoints and exits, and `--requeue` starts the
/// task again from the checkpoint. Logs append (`--open-mode=append`) to `logs/<job>_<index>.out`,
/// one file per point across requeues.
public struct SlurmScript: Sendable {
  /// The experiment file (absolute).
  public var experimentFile: String
  /// The results folder of the point folders (absolute).
  public var root: String
  /// The harness executable (absolute; on a cluster, on the shared filesystem).
  public var executable: String
  /// The folder the jobs run in (the submission's working directory).
  public var workingDirectory: String
  /// The experiment's name (the jobs' names start with it).
  public var experimentName: String
  /// `TEXTURE_NETS_DATA` at submission, exported to the jobs so the file resolves the same way.
  public var dataFolder: String?
  /// The resources.
  public var options: SlurmOptions

  /// A script description with every field given.
  public init(
    experimentFile: String, root: String, executable: String, workingDirectory: String,
    experimentName: String, dataFolder: String?, options: SlurmOptions
  ) {
    self.experimentFile = experimentFile
    self.root = root
    self.executable = executable
    self.workingDirectory = workingDirectory
    self.experimentName = experimentName
    self.dataFolder = dataFolder
    self.options = options
  }

  /// The folder of the scripts and logs.
  public var folder: String { root + "/slurm" }
  /// The folder the reports go to (`harness report --notebooks`).
  public var reportFolder: String { root + "/report" }

  /// The array script (`sweep.sh`).
  public var sweep: String {
    var lines = [
      "#!/bin/bash",
      "# The sweep of experiment \(experimentName) on Slurm: one array task per point, task I",
      "# running the sweep's point I (0-based, in the order of `harness run FILE --dry-run`).",
      "# Written by `harness run --backend slurm`, which submitted it as",
      "#   sbatch --array=<indices of the unfinished points>[%K] --requeue sweep.sh",
      "# Resubmit it the same way; `harness status \(root)` lists the points.",
      "#SBATCH " + Self.directive("--job-name=\(experimentName)"),
      "#SBATCH " + Self.directive("--output=\(folder)/logs/%A_%a.out"),
      "#SBATCH --open-mode=append",
      "#SBATCH --requeue",
      "#SBATCH " + Self.directive("--chdir=\(workingDirectory)"),
    ]
    lines += options.sbatchArguments.map { "#SBATCH " + Self.directive($0) }
    lines += environment
    lines.append(
      "exec \(Self.quoted(executable)) run \(Self.quoted(experimentFile)) --out \(Self.quoted(root)) --point \"$SLURM_ARRAY_TASK_ID\" --quiet"
    )
    return lines.joined(separator: "\n") + "\n"
  }

  /// The report script (`report.sh`).
  public var report: String {
    var lines = [
      "#!/bin/bash",
      "# The report of experiment \(experimentName), from what its points left on disk.",
      "# Written by `harness run --backend slurm`, which submitted it as",
      "#   sbatch --dependency=afterok:<array job> --kill-on-invalid-dep=yes report.sh",
      "#SBATCH " + Self.directive("--job-name=\(experimentName)-report"),
      "#SBATCH " + Self.directive("--output=\(folder)/logs/report-%j.out"),
      "#SBATCH " + Self.directive("--chdir=\(workingDirectory)"),
    ]
    let carried = options.sbatchArguments.filter {
      $0.hasPrefix("--partition=") || $0.hasPrefix("--time=") || !Self.isResource($0)
    }
    lines += carried.map { "#SBATCH " + Self.directive($0) }
    lines += environment
    lines.append(
      "exec \(Self.quoted(executable)) report \(Self.quoted(root)) --notebooks \(Self.quoted(reportFolder))"
    )
    return lines.joined(separator: "\n") + "\n"
  }

  /// The lines every script shares after its directives.
  var environment: [String] {
    var lines = [
      "set -eu",
      "export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"",
      "export OMP_NUM_THREADS=\"$OPENBLAS_NUM_THREADS\"",
    ]
    if let dataFolder { lines.append("export TEXTURE_NETS_DATA=\(Self.quoted(dataFolder))") }
    return lines
  }

  /// Whether an sbatch option sizes a task (kept off the report job, which needs one CPU).
  static func isResource(_ option: String) -> Bool {
    ["--cpus-per-task", "--mem", "--mem-per-cpu", "--gres", "--ntasks", "-c"].contains {
      option.hasPrefix($0)
    }
  }

  /// `text` as one bash word (single quotes, `'` as `'\''`).
  static func quoted(_ text: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-=+,:@%")
    if !text.isEmpty && text.allSatisfy(safe.contains) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// An `#SBATCH` argument: as is, or in double quotes when it holds spaces (sbatch splits
  /// directives on white space outside quotes).
  static func directive(_ option: String) -> String {
    option.contains(" ") ? "\"\(option)\"" : option
  }

  /// Sorted indices as sbatch's `--array` list: runs of consecutive indices as ranges
  /// (`[0, 1, 2, 5, 7, 8]` is `0-2,5,7-8`).
  public static func arrayList(_ indices: [Int]) -> String {
    var ranges: [(first: Int, last: Int)] = []
    for index in Set(indices).sorted() {
      if let current = ranges.last, index == current.last + 1 {
        ranges[ranges.count - 1].last = index
      } else {
        ranges.append((index, index))
      }
    }
    return ranges.map { $0.first == $0.last ? "\($0.first)" : "\($0.first)-\($0.last)" }
      .joined(separator: ",")
  }
}
