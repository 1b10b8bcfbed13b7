/// The resources of a sweep's Slurm jobs (`harness run FILE --backend slurm ...`): each becomes
/// an `#SBATCH` line of the batch script, so the script alone says how the sweep was submitted.
/// Unset options are left to the cluster's defaults (one CPU per task, the default partition).
public struct SlurmOptions: Codable, Equatable, Sendable {
  /// `--partition`.
  public var partition: String?
  /// `--time`, the time limit of each point (`HH:MM:SS`, `D-HH:MM:SS`, `MM`).
  public var time: String?
  /// `--cpus-per-task`: the task's threads follow it (`SLURM_CPUS_PER_TASK`; 1 when unset).
  public var cpusPerTask: Int?
  /// `--mem`, memory per node (`4G`, `4000M`).
  public var memory: String?
  /// At most this many points run at once (`--array=...%K`); unlimited when nil.
  public var maxParallel: Int?
  /// Further sbatch options, each one argument as sbatch takes it (`--account=lab`,
  /// `--qos=short`), written as `#SBATCH` lines in order.
  public var sbatchOptions: [String]

  /// Options with the cluster's defaults for everything not given.
  public init(
    partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil,
    memory: String? = nil, maxParallel: Int? = nil, sbatchOptions: [String] = []
  ) {
    self.partition = partition
    self.time = time
    self.cpusPerTask = cpusPerTask
    self.memory = memory
    self.maxParallel = maxParallel
    self.sbatchOptions = sbatchOptions
  }

  /// What is wrong with the options, one message each (empty when they are usable).
  public func problems() -> [String] {
    var found: [String] = []
    if let cpusPerTask, cpusPerTask < 1 {
      found.append("--cpus-per-task: must be at least 1, got \(cpusPerTask)")
    }
    if let maxParallel, maxParallel < 1 {
      found.append("--max-parallel: must be at least 1, got \(maxParallel)")
    }
    if let time, !Self.isTimeLimit(time) {
      found.append(
        "--time: '\(time)' is not a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)"
      )
    }
    for option in sbatchOptions where !option.hasPrefix("-") {
      found.append(
        "--sbatch-option: '\(option)' is not an sbatch option (write it as one argument: --account=NAME)"
      )
    }
    for option in sbatchOptions where option.hasPrefix("--array") || option.hasPrefix("-a") {
      found.append(
        "--sbatch-option: '\(option)': the array is the sweep's points (use --points, --max-parallel)")
    }
    return found
  }

  /// Whether `text` has one of the forms sbatch's `--time` accepts.
  static func isTimeLimit(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count <= 2 else { return false }
    let clock = parts.last.map(String.init) ?? ""
    if parts.count == 2 && (Int(parts[0]) == nil) { return false }
    let fields = clock.split(separator: ":", omittingEmptySubsequences: false)
    guard (1...3).contains(fields.count) else { return false }
    return fields.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
  }

  /// The options as sbatch arguments (`--partition=P`, ...), in the script's order.
  var sbatchArguments: [String] {
    var arguments: [String] = []
    if let partition { arguments.append("--partition=\(partition)") }
    if let time { arguments.append("--time=\(time)") }
    if let cpusPerTask { arguments.append("--cpus-per-task=\(cpusPerTask)") }
    if let memory { arguments.append("--mem=\(memory)") }
    return arguments + sbatchOptions
  }

  /// The `harness run` options that give these options again (for a rerun command).
  public var harnessArguments: [String] {
    var arguments = ["--backend", "slurm"]
    if let partition { arguments += ["--partition", partition] }
    if let time { arguments += ["--time", time] }
    if let cpusPerTask { arguments += ["--cpus-per-task", "\(cpusPerTask)"] }
    if let memory { arguments += ["--mem", memory] }
    if let maxParallel { arguments += ["--max-parallel", "\(maxParallel)"] }
    for option in sbatchOptions { arguments += ["--sbatch-option", option] }
    return arguments
  }
}
