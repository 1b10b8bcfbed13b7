import ArgumentParser
import Experiments
import Foundation

/// `harness status RESULTS`: each point's state, from disk and Slurm.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show the state of each point of an experiment's results (and its Slurm jobs).",
    discussion: """
      One line per point: its folder name, its state, its Slurm array task (<array job>_<index>) \
      when submitted with --backend slurm, and why:
        done        summary.json is written
        running     its Slurm task runs
        pending     its Slurm task waits (with Slurm's reason), or it has not started
        failed      <point>/failed.json holds the error (bad input, diverged training, a
                    failed measurement), or Slurm ended the task (FAILED, OUT_OF_MEMORY,
                    NODE_FAIL) with the last line of its log
        unfinished  started but stopped: interrupted (Ctrl-C, Slurm TIMEOUT, PREEMPTED,
                    CANCELLED), or still running in a local process
      then the report job's state, and the command that runs the failed and unfinished points \
      again (each resumes from its checkpoint).

      What Slurm says comes from squeue (which keeps finished jobs for the cluster's MinJobAge) \
      and, for older jobs, sacct where the cluster keeps accounting; without either, from the \
      files on disk alone. The points listed are the latest submission's sweep and every point \
      folder on disk.
      """)

  @Argument(help: "The results folder of an experiment (results/<experiment>, or run's --out).")
  var results: String

  func run() throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: results, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw ValidationError("\(results): no such folder (the results of harness run FILE are in results/<experiment>)")
    }
    print(SweepStatus.read(URL(fileURLWithPath: results)).text)
  }
}
