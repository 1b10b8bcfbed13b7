import ArgumentParser
import Experiments

/// Where `harness run` runs the points.
enum RunBackend: String, ExpressibleByArgument, CaseIterable {
  /// In this process, one point after another.
  case local
  /// As a Slurm job array, one task per unfinished point (`SlurmBackend`).
  case slurm
}

/// The options of `harness run --backend slurm`, mapped onto `SlurmOptions`.
struct SlurmRunOptions: ParsableArguments {
  @Option(help: "The partition of the jobs (default: the cluster's).")
  var partition: String?

  @Option(help: "Time limit per point, HH:MM:SS or D-HH:MM:SS (at the limit a point checkpoints and stops; resubmitting resumes it).")
  var time: String?

  @Option(help: "CPUs per point; its threads follow (SLURM_CPUS_PER_TASK; default 1).")
  var cpusPerTask: Int?

  @Option(help: "Memory per point, as sbatch --mem (4G, 4000M).")
  var mem: String?

  @Option(help: "At most this many points at once (--array=...%K).")
  var maxParallel: Int?

  @Option(
    name: .customLong("sbatch-option"), parsing: .unconditionalSingleValue,
    help: "A further sbatch option, as one argument (--sbatch-option --account=lab); repeatable.")
  var sbatchOptions: [String] = []

  /// The options as the backend takes them.
  var options: SlurmOptions {
    SlurmOptions(
      partition: partition, time: time, cpusPerTask: cpusPerTask, memory: mem,
      maxParallel: maxParallel, sbatchOptions: sbatchOptions)
  }

  /// The Slurm options given on the command line (spelt as flags), for an error when they are
  /// used without `--backend slurm`.
  var given: [String] {
    var names: [String] = []
    if partition != nil { names.append("--partition") }
    if time != nil { names.append("--time") }
    if cpusPerTask != nil { names.append("--cpus-per-task") }
    if mem != nil { names.append("--mem") }
    if maxParallel != nil { names.append("--max-parallel") }
    if !sbatchOptions.isEmpty { names.append("--sbatch-option") }
    return names
  }
}
