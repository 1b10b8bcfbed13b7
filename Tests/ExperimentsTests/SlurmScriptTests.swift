import Foundation
import Testing
import _TestSupport

@testable import Experiments

/// The Slurm backend's pieces that need no cluster: the array list, the options' checks, the
/// scripts' text, squeue's lines, and the status of a point from what Slurm says.
@Suite struct SlurmScriptTests {
  @Test func arrayListsJoinRunsIntoRanges() {
    #expect(SlurmScript.arrayList([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8")
    #expect(SlurmScript.arrayList([3]) == "3")
    #expect(SlurmScript.arrayList([4, 2, 3, 3]) == "2-4")
  }

  @Test func optionsAreChecked() {
    #expect(SlurmOptions(time: "04:00:00", cpusPerTask: 2).problems().isEmpty)
    #expect(SlurmOptions(time: "1-12:00").problems().isEmpty)
    #expect(
      SlurmOptions(time: "4h", cpusPerTask: 0, maxParallel: 0, sbatchOptions: ["account=x", "--array=1"])
        .problems() == [
          "--cpus-per-task: must be at least 1, got 0",
          "--max-parallel: must be at least 1, got 0",
          "--time: '4h' is not a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)",
          "--sbatch-option: 'account=x' is not an sbatch option (write it as one argument: --account=NAME)",
          "--sbatch-option: '--array=1': the array is the sweep's points (use --points, --max-parallel)",
        ])
    #expect(
      SlurmOptions(partition: "p", time: "10", maxParallel: 3, sbatchOptions: ["--qos=x"])
        .harnessArguments == [
          "--backend", "slurm", "--partition", "p", "--time", "10", "--max-parallel", "3",
          "--sbatch-option", "--qos=x",
        ])
  }

  @Test func theScriptsRunOnePointPerTaskAndTheReport() {
    let script = SlurmScript(
      experimentFile: "/x/exp.json", root: "/r/my results", executable: "/b/harness",
      workingDirectory: "/x", experimentName: "exp", dataFolder: "/d",
      options: SlurmOptions(partition: "short", cpusPerTask: 4, memory: "8G", sbatchOptions: ["--account=lab"]))
    let sweep = script.sweep
    #expect(sweep.hasPrefix("#!/bin/bash\n"))
    for line in [
      "#SBATCH --job-name=exp", "#SBATCH \"--output=/r/my results/slurm/logs/%A_%a.out\"",
      "#SBATCH --open-mode=append", "#SBATCH --requeue", "#SBATCH --chdir=/x",
      "#SBATCH --partition=short", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G",
      "#SBATCH --account=lab", "export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"",
      "export TEXTURE_NETS_DATA=/d",
      "exec /b/harness run /x/exp.json --out '/r/my results' --point \"$SLURM_ARRAY_TASK_ID\" --quiet",
    ] {
      #expect(sweep.split(separator: "\n").contains(Substring(line)), "\(line)")
    }
    let report = script.report
    #expect(report.contains("exec /b/harness report '/r/my results' --notebooks '/r/my results/report'\n"))
    #expect(report.contains("#SBATCH --partition=short\n") && report.contains("#SBATCH --account=lab\n"))
    #expect(!report.contains("--cpus-per-task") && !report.contains("--mem"))
  }

  @Test func squeueLinesAndPointStates() throws {
    let parsed = SlurmQueue.parse(
      "12_0|RUNNING|None\n12_1|PENDING|JobArrayTaskLimit\n12_1.batch|X|Y\n13|PENDING|Dependency\n",
      fields: 3)
    #expect(parsed.map(\.0) == ["12_0", "12_1", "13"])
    #expect(parsed[1].1 == SlurmQueue.JobState(state: "PENDING", reason: "JobArrayTaskLimit"))
    #expect(parsed[0].1.reason == nil && parsed[0].1.isActive)

    let directory = try TemporaryDirectory()
    let root = directory.url
    let folder = root.appendingPathComponent("p")
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("slurm/logs"), withIntermediateDirectories: true)
    try directory.writeText("a line\nout of memory\n", to: "slurm/logs/12_0.out")
    let point = { (state: SlurmQueue.JobState?) in
      SweepStatus.point("p", folder: folder, job: "12_0", slurm: state, root: root)
    }
    #expect(point(.init(state: "RUNNING")).state == .running)
    #expect(point(.init(state: "PENDING", reason: "Priority")).detail == "Slurm: Priority")
    #expect(point(.init(state: "TIMEOUT")).state == .unfinished)
    let killed = point(.init(state: "OUT_OF_MEMORY", reason: "0:125"))
    #expect(killed.state == .failed)
    #expect(killed.detail == "Slurm: OUT_OF_MEMORY (0:125); log: out of memory")
    #expect(point(nil).state == .pending)
    try directory.writeText("results: /r\ninterrupted: the next run resumes\n", to: "slurm/logs/12_0.out")
    let stopped = point(.init(state: "FAILED", reason: "NonZeroExitCode"))
    #expect(stopped.state == .unfinished)
    #expect(stopped.detail == "Slurm: FAILED (NonZeroExitCode); stopped by a signal after its checkpoint")
  }
}
