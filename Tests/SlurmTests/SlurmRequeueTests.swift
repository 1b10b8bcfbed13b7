import Experiments
import Foundation
import Testing
import _TestSupport

/// Preemption on a real Slurm cluster: a task stopped by `scontrol requeue` (Slurm's SIGTERM,
/// then the task back in the queue) while it trains writes its checkpoint and exits; run again,
/// it resumes from that checkpoint and ends with an uninterrupted run's weights, bit for bit.
@Suite(.serialized) struct SlurmRequeueTests {
  /// Long enough to be caught training (about 5 ms an iteration here), checkpointing often.
  static let iterations = 1500

  @Test(
    "a requeued task resumes from its checkpoint and ends as an uninterrupted run",
    .enabled(if: SlurmCluster.available, "skipped: no Slurm cluster answers (run Scripts/slurm-local start)"))
  func aRequeuedTaskResumesFromItsCheckpoint() throws {
    let files = try SweepComparison.files("slurm-requeue")
    let path = try files.directory.writeText(
      SweepComparison.experiment(
        files, levels: [1], iterations: Self.iterations, checkpointEvery: 50),
      to: "long.json")
    let local = files.directory.url.appendingPathComponent("local")
    let slurm = files.directory.url.appendingPathComponent("slurm")
    let submit = try HarnessProcess.run([
      "run", path, "--out", slurm.path, "--backend", "slurm", "--cpus-per-task", "1",
    ])
    #expect(submit.status == 0, "\(submit.standardError)")
    let submission = try #require(SlurmSubmission.all(in: slurm).last)
    let task = "\(submission.arrayJob)_0"
    let training = slurm.appendingPathComponent("base/training")

    // Wait for the first checkpoint, then preempt: Slurm sends SIGTERM and requeues the task.
    let start = Date()
    while !FileManager.default.fileExists(atPath: training.appendingPathComponent("checkpoint.h5").path) {
      try #require(Date().timeIntervalSince(start) < 300, "no checkpoint after 300 s")
      usleep(20_000)
    }
    #expect(
      !FileManager.default.fileExists(atPath: training.appendingPathComponent("summary.json").path),
      "the training ended before the test could stop it (make it longer)")
    let requeue = SlurmCluster.run("scontrol", ["requeue", task])
    #expect(requeue?.status == 0, "scontrol requeue \(task): \(requeue?.output ?? "not run")")
    // A requeued job waits (BeginTime) before it may start again: let it start now.
    let waiting = SlurmCluster.wait(for: [task], timeout: 60) { $0[task]?.state == "PENDING" }
    #expect(waiting.done, "\(task) did not go back to the queue: \(waiting.states)")
    SlurmCluster.run("scontrol", ["update", "jobid=\(task)", "StartTime=now"])

    // The uninterrupted run meanwhile, here.
    let localRun = try HarnessProcess.run(
      ["run", path, "--out", local.path, "--quiet"], environment: SweepComparison.oneThread)
    #expect(localRun.status == 0, "\(localRun.standardError)")

    let jobs = [submission.arrayJob] + (submission.reportJob.map { [$0] } ?? [])
    let (states, finished) = SlurmCluster.waitUntilFinished(jobs, timeout: 600)
    #expect(finished, "\(task) did not finish: \(states)")
    #expect(states[task]?.state == "COMPLETED", "\(task): \(String(describing: states[task]))")
    let log = try String(
      contentsOf: slurm.appendingPathComponent("slurm/logs/\(task).out"), encoding: .utf8)
    #expect(log.contains("DUE TO JOB REQUEUE"), "\(log)")
    #expect(log.contains("training: resuming from the checkpoint"), "\(log)")
    // The trainer's provenance records the resumption and its iteration, inside the run.
    let provenance = try JSONDecoder().decode(
      ResumedProvenance.self,
      from: Data(contentsOf: training.appendingPathComponent("provenance.json")))
    let resumed = try #require(provenance.resumed?.first, "no resumption recorded")
    #expect(provenance.resumed?.count == 1)
    let from = resumed.components(separatedBy: "from iteration ").last.flatMap {
      Int($0.prefix { $0.isNumber })
    }
    #expect(from.map { $0 > 0 && $0 < Self.iterations } == true, "\(resumed)")
    // Rows from before and after the stop, each iteration once, and the same results.
    let rows = try SweepComparison.metricRows(slurm, "base")
    #expect(rows.count == Self.iterations)
    #expect(zip(rows, rows.dropFirst()).allSatisfy { $1[0] == $0[0] + 1 })
    try SweepComparison.expectEqualResults("base", slurm: slurm, local: local)
  }
}

/// The part of a `provenance.json` the test reads.
struct ResumedProvenance: Decodable {
  /// Each resumption: when, from which iteration, the command line.
  var resumed: [String]?
}
