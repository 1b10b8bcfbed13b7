import Foundation
import Testing
import _TestSupport

@testable import Experiments

/// A point that fails (here: a style image that exists but is not an image) is marked failed on
/// disk and does not stop the others, in a local run; `harness status` lists it with its error
/// and the command that reruns it; a rerun tries it again; `harness run` exits non-zero.
@Suite(.serialized) struct PointFailureTests {
  @Test func aFailingPointIsMarkedAndTheOthersRun() throws {
    let files = try ExperimentRunnerTests.files()
    let bad = try files.directory.writeText("not a PNG", to: "bad.png")
    let path = try files.directory.writeText(
      #"""
      {"extends": "paper", "seed": 3,
       "objective": {"style": {"layers": ["relu1_1"]}, "weights": "\#(files.weights)"},
       "training": {"size": 32, "batchSize": 2, "iterations": 2, "printEvery": 1,
                    "sampleEvery": 100, "sampleCount": 1, "checkpointEvery": 0},
       "evaluation": {"sampleCount": 1, "sizes": [32], "timingRuns": 1},
       "gatys": {"size": 32, "iterations": 2, "printEvery": 1, "checkpointEvery": 0},
       "sweep": {"zip": {"task.styles": [["\#(bad)"], ["\#(files.argument("style"))"]],
                         "generator.levels": [1, 2]}}}
      """#, to: "failing.json")
    let file = try ExperimentFile.load(path)
    let root = files.directory.url.appendingPathComponent("results")
    let (runner, log) = try ExperimentRunnerTests.runner(file, root: root)
    let outcome = try runner.run()
    let failedPoint = file.points[0].name
    #expect(!outcome.interrupted)
    #expect(outcome.summaries.map(\.point) == [file.points[1].name])
    let failure = try #require(outcome.failures.first)
    #expect(outcome.failures.count == 1 && failure.point == failedPoint)
    #expect(failure.message.contains(bad), "\(failure.message)")
    #expect(log.lines.contains("[1/2 \(failedPoint)] failed: \(failure.message)"))
    let onDisk = try #require(PointFailure.read(from: root.appendingPathComponent(failedPoint)))
    #expect(onDisk == failure)

    let status = SweepStatus.read(root) { _ in [:] }
    #expect(status.points.map(\.state) == [.failed, .done])
    #expect(status.points[0].detail == failure.message)
    let rerun = try #require(status.rerunCommand)
    #expect(rerun.hasSuffix("--points '\(failedPoint)'") || rerun.hasSuffix("--points \(failedPoint)"))

    // The command line: the finished point is skipped, the failed one fails again, exit 1.
    let again = try HarnessProcess.run(["run", path, "--out", root.path, "--quiet"])
    #expect(again.status == 1)
    #expect(again.standardError.contains("failed: 1 of 2 points"), "\(again.standardError)")
    #expect(again.standardError.contains("  \(failedPoint): "))
    #expect(again.standardError.contains("[2/2 \(file.points[1].name)] done already"))
    let listed = try HarnessProcess.run(["status", root.path])
    #expect(listed.status == 0)
    #expect(listed.standardOutput.contains("2 points: 1 done, 1 failed"), "\(listed.standardOutput)")
  }
}
