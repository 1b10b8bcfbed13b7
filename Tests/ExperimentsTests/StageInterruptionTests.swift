import Foundation
import Testing
import _TestSupport

@testable import Experiments

/// Ctrl-C or SIGTERM while a fresh measurement process runs (the generator's timing, Gatys):
/// the child is signalled and waited for, the point stops as interrupted (never failed), and the
/// rerun ends with the uninterrupted run's results. (The training stage:
/// `ExperimentRunnerTests`; through Slurm's SIGTERM: `SlurmTests`.)
@Suite(.serialized) struct StageInterruptionTests {
  @Test(arguments: ["timing/size-32/generate.log", "gatys/lbfgs.log"])
  func aSignalDuringAChildProcessStopsItAndTheRerunEndsTheSame(_ childLog: String) throws {
    let files = try ExperimentRunnerTests.files()
    let path = try files.directory.writeText(ExperimentRunnerTests.experiment(files), to: "tiny.json")
    let file = try ExperimentFile.load(path)
    let only = try file.points(named: ["levels=1"])
    let reference = try ExperimentRunnerTests.runner(
      file, root: files.directory.url.appendingPathComponent("reference")
    ).0.run(only)
    let root = files.directory.url.appendingPathComponent("interrupted")
    let (first, _) = try ExperimentRunnerTests.runner(file, root: root)
    // The signal arrives once the child has started (its log exists), and stays received.
    let log = root.appendingPathComponent("levels=1/\(childLog)")
    let received = LineLog()
    first.isInterrupted = {
      if received.lines.isEmpty && FileManager.default.fileExists(atPath: log.path) {
        received.lines.append("signal")
      }
      return !received.lines.isEmpty
    }
    let stopped = try first.run(only)
    #expect(stopped.interrupted && stopped.failures.isEmpty && stopped.summaries.isEmpty)
    #expect(!FileManager.default.fileExists(
      atPath: root.appendingPathComponent("levels=1/\(PointFailure.fileName)").path))
    let (second, secondLog) = try ExperimentRunnerTests.runner(file, root: root)
    let resumed = try #require(try second.run(only).summaries.first)
    let expected = try #require(reference.summaries.first)
    #expect(!secondLog.lines.contains { $0.contains("training") })
    #expect(resumed.trainingFinalLoss == expected.trainingFinalLoss)
    #expect(resumed.evaluations.map(\.sampleLosses) == expected.evaluations.map(\.sampleLosses))
    #expect(
      resumed.gatys.map { [$0.targetLoss, $0.finalLoss, Double($0.iterations)] }
        == expected.gatys.map { [$0.targetLoss, $0.finalLoss, Double($0.iterations)] })
  }
}
