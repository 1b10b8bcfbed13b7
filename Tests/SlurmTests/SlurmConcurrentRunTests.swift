import Experiments
import Foundation
import Testing
import _TestSupport

/// A local `harness run` started beside a Slurm job array on the same results folder: the point
/// locks keep the two from ever writing one point, whichever gets to a point first; both end,
/// every point is trained once, and the results equal a run alone's.
@Suite(.serialized) struct SlurmConcurrentRunTests {
  @Test(
    "a local run beside a Slurm array on the same results writes each point once",
    .enabled(if: SlurmCluster.available, "skipped: no Slurm cluster answers (run Scripts/slurm-local start)"))
  func aLocalRunBesideASlurmArrayWritesEachPointOnce() throws {
    let files = try SweepComparison.files("slurm-concurrent")
    let path = try files.directory.writeText(
      SweepComparison.experiment(files, levels: [1, 2, 3], iterations: 6, checkpointEvery: 2),
      to: "tiny.json")
    let alone = files.directory.url.appendingPathComponent("alone")
    let shared = files.directory.url.appendingPathComponent("shared")
    let reference = try HarnessProcess.run(
      ["run", path, "--out", alone.path, "--quiet"], environment: SweepComparison.oneThread)
    #expect(reference.status == 0, "\(reference.standardError)")

    let submit = try HarnessProcess.run([
      "run", path, "--out", shared.path, "--backend", "slurm", "--cpus-per-task", "1",
      "--max-parallel", "1", "--time", "00:10:00",
    ])
    #expect(submit.status == 0, "\(submit.standardError)")
    let submission = try #require(SlurmSubmission.all(in: shared).last)
    // The local run starts once the array's first task has begun training its point (and so
    // holds that point's lock): started right after sbatch, a busy cluster could start the task
    // only after the local run had done every point, and the two would never meet.
    let firstLog = shared.appendingPathComponent("slurm/logs/\(submission.arrayJob)_0.out")
    let started = "\(submission.sweep[0])] training"
    let deadline = Date().addingTimeInterval(300)
    while !((try? String(contentsOf: firstLog, encoding: .utf8))?.contains(started) ?? false) {
      try #require(Date() < deadline, "the array's first task did not start training in 5 minutes")
      usleep(20_000)
    }
    let local = try HarnessProcess.run(
      ["run", path, "--out", shared.path, "--quiet"], environment: SweepComparison.oneThread)
    #expect(local.status == 0, "\(local.standardError)")
    let jobs = [submission.arrayJob] + (submission.reportJob.map { [$0] } ?? [])
    let (states, finished) = SlurmCluster.waitUntilFinished(jobs, timeout: 600)
    #expect(finished, "the jobs did not finish in 10 minutes: \(states)")
    for index in 0..<3 {
      let task = "\(submission.arrayJob)_\(index)"
      #expect(states[task]?.state == "COMPLETED", "\(task): \(String(describing: states[task]))")
    }

    let logs = shared.appendingPathComponent("slurm/logs")
    let taskLogs = try FileManager.default.contentsOfDirectory(atPath: logs.path)
      .filter { $0.hasPrefix("\(submission.arrayJob)_") }
      .map { try String(contentsOf: logs.appendingPathComponent($0), encoding: .utf8) }
    #expect(taskLogs.count == 3, "\(taskLogs.count) task logs")
    let everything = ([local.standardOutput, local.standardError] + taskLogs).joined(separator: "\n")
    // They met at a lock: one of them found a point the other was writing.
    #expect(
      everything.contains("is writing this point (lock "),
      "the two runs never met at a lock:\n\(everything.suffix(3000))")
    for point in submission.sweep {
      let trainings = everything.components(separatedBy: "\(point)] training 6 iterations").count - 1
      #expect(trainings == 1, "\(point) was trained \(trainings) times:\n\(everything.suffix(3000))")
      #expect(!everything.contains("\(point)] training: resuming"), "\(point) was resumed")
      try SweepComparison.expectEqualResults(point, slurm: shared, local: alone)
    }
  }
}
