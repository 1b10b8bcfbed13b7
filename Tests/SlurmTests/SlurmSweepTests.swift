import Experiments
import Foundation
import Testing
import _TestSupport

/// A three-point sweep through a real Slurm cluster (`Scripts/slurm-local start`): submitted by
/// `harness run --backend slurm` as a job array and a dependent report job, run to the end, and
/// compared with a local run of the same file; listed by `harness status`; not resubmitted.
@Suite(.serialized) struct SlurmSweepTests {
  @Test(
    "a sweep runs as a job array and ends with a local run's results",
    .enabled(if: SlurmCluster.available, "skipped: no Slurm cluster answers (run Scripts/slurm-local start)"))
  func aSweepRunsAsAJobArrayAndEqualsALocalRun() throws {
    let files = try SweepComparison.files("slurm-sweep")
    let path = try files.directory.writeText(
      SweepComparison.experiment(files, levels: [1, 2, 3], iterations: 4, checkpointEvery: 2),
      to: "tiny.json")
    let local = files.directory.url.appendingPathComponent("local")
    let slurm = files.directory.url.appendingPathComponent("slurm")
    let localRun = try HarnessProcess.run(
      ["run", path, "--out", local.path, "--quiet"], environment: SweepComparison.oneThread)
    #expect(localRun.status == 0, "\(localRun.standardError)")

    let submit = try HarnessProcess.run([
      "run", path, "--out", slurm.path, "--backend", "slurm", "--cpus-per-task", "1",
      "--max-parallel", "2", "--time", "00:10:00",
    ])
    #expect(submit.status == 0, "\(submit.standardError)")
    let submission = try #require(SlurmSubmission.all(in: slurm).last)
    let array = submission.arrayJob
    let report = try #require(submission.reportJob)
    #expect(submission.points.map(\.index) == [0, 1, 2])
    #expect(submission.sweep == ["levels=1", "levels=2", "levels=3"])
    #expect(submission.sweepCommand.contains("--array=0-2%2"))
    #expect(submission.sweepCommand.contains("--requeue"))
    #expect(submission.reportCommand?.contains("--dependency=afterok:\(array)") == true)
    let script = try String(
      contentsOf: slurm.appendingPathComponent("slurm/sweep.sh"), encoding: .utf8)
    #expect(script.contains("#SBATCH --time=00:10:00\n#SBATCH --cpus-per-task=1\n"))
    #expect(script.contains("export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\""))
    #expect(script.contains(" run \(path) --out \(slurm.path) --point \"$SLURM_ARRAY_TASK_ID\""))

    let tasks = (0..<3).map { "\(array)_\($0)" }
    let (states, finished) = SlurmCluster.waitUntilFinished([array, report], timeout: 600)
    #expect(finished, "the jobs did not finish in 10 minutes: \(states)")
    for task in tasks {
      #expect(states[task]?.state == "COMPLETED", "\(task): \(String(describing: states[task]))")
    }
    // The report job ran only after the array (afterok), completed, and wrote the notebook of
    // every point into the results' report/ folder.
    let reportState = try #require(states[report], "the report job \(report) is not listed")
    #expect(reportState.state == "COMPLETED", "\(reportState)")
    let reportFolder = slurm.appendingPathComponent("report")
    let written = try FileManager.default.contentsOfDirectory(atPath: reportFolder.path)
    let notebook = try #require(written.first { $0.hasSuffix(".md") }, "no notebook in \(written)")
    let text = try String(
      contentsOf: reportFolder.appendingPathComponent(notebook), encoding: .utf8)
    #expect(text.contains("All \(submission.sweep.count) points finished."), "\(text.prefix(400))")

    for point in submission.sweep {
      try SweepComparison.expectEqualResults(point, slurm: slurm, local: local)
      let provenance = try String(
        contentsOf: slurm.appendingPathComponent("\(point)/provenance.json"), encoding: .utf8)
      #expect(provenance.contains("\"threads\" : 1"), "\(point): the task ran \(provenance)")
    }

    let status = try HarnessProcess.run(["status", slurm.path])
    #expect(status.status == 0, "\(status.standardError)")
    let lines = status.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("\(slurm.path): 3 points: 3 done (latest Slurm array job \(array)") == true)
    for (index, point) in submission.sweep.enumerated() {
      #expect(lines.contains("  \(point)  done        \(array)_\(index)"), "\(lines)")
    }
    #expect(!status.standardOutput.contains("rerun"))

    // Submitting again sends nothing: every point is done.
    let again = try HarnessProcess.run(["run", path, "--out", slurm.path, "--backend", "slurm"])
    #expect(again.status == 0, "\(again.standardError)")
    #expect(again.standardOutput.contains("nothing to submit"))
    #expect(SlurmSubmission.all(in: slurm).count == 1)
  }
}
