import Foundation
import Store
import TensorCore
import Testing
import Training
import _TestSupport

@testable import Experiments

/// A tiny experiment end to end (two points at 32², a few iterations, the tiny random VGG):
/// summaries, stores and samples read back; a rerun skips; an interrupted point resumes to the
/// same result; a changed configuration is refused.
@Suite(.serialized) struct ExperimentRunnerTests {
  /// Two points (K = 1, 2) on a 32² exemplar with relu1_1 of a random VGG prefix.
  static func experiment(_ files: TinyDescriptorFiles, iterations: Int = 4) -> String {
    #"""
    {"extends": "paper", "notes": "end-to-end test", "seed": 3,
     "task": {"styles": ["\#(files.argument("style"))"]},
     "objective": {"style": {"layers": ["relu1_1"]}, "weights": "\#(files.weights)"},
     "training": {"size": 32, "batchSize": 2, "iterations": \#(iterations), "printEvery": 1,
                  "sampleEvery": 2, "sampleCount": 1, "checkpointEvery": 2},
     "evaluation": {"sampleCount": 2, "sizes": [32], "timingRuns": 2},
     "gatys": {"size": 32, "iterations": 5, "printEvery": 1, "checkpointEvery": 0},
     "sweep": {"grid": {"generator.levels": [1, 2]}}}
    """#
  }

  static func files() throws -> TinyDescriptorFiles {
    try TinyDescriptorFiles(
      "experiment-runner", seed: 11, stream: "images", images: [("style", [1, 3, 32, 32])])
  }

  static func runner(_ file: ExperimentFile, root: URL) throws -> (ExperimentRunner, LineLog) {
    let executable = try #require(
      HarnessProcess.executable, "the harness executable is built beside the tests")
    let runner = ExperimentRunner(
      file: file, root: root, executable: executable, harnessVersion: "test")
    runner.showsProgress = false
    let log = LineLog()
    runner.report = { log.lines.append($0) }
    return (runner, log)
  }

  @Test func twoPointsRunEndToEndAndARerunSkipsThem() throws {
    let files = try Self.files()
    let path = try files.directory.writeText(Self.experiment(files), to: "tiny.json")
    let file = try ExperimentFile.load(path)
    let root = files.directory.url.appendingPathComponent("results")
    let (runner, log) = try Self.runner(file, root: root)
    let outcome = try runner.run()
    #expect(!outcome.interrupted)
    #expect(outcome.summaries.map(\.point) == ["levels=1", "levels=2"])
    for (point, summary) in zip(file.points, outcome.summaries) {
      let folder = root.appendingPathComponent(point.name)
      let onDisk = try JSONDecoder().decode(
        PointSummary.self, from: Data(contentsOf: folder.appendingPathComponent("summary.json")))
      #expect(onDisk == summary)
      #expect(
        summary.values == [
          SweptValue(key: "generator.levels", value: "\(point.experiment.generator.levels)")
        ])
      #expect(
        summary.trainingIterations == 4 && summary.parameterCount > 0 && summary.trainingSeconds > 0
      )
      // The training store: one metrics row per iteration.
      let store = try HDF5File.open(folder.appendingPathComponent("training/store.h5").path)
      let table = try MetricsTable(opening: "metrics/iterations", in: try store.root)
      #expect(table.rowCount == 4)
      try store.close()
      // The evaluation: two 32² samples, each scored; the summary's mean is theirs.
      let evaluation = try #require(summary.evaluations.first)
      let samples = try HDF5File.open(
        folder.appendingPathComponent("evaluation/size-32/samples.h5").path)
      #expect(try samples.root.readTensor("samples").shape == [2, 3, 32, 32])
      try samples.close()
      #expect(
        FileManager.default.fileExists(
          atPath: folder.appendingPathComponent("evaluation/size-32/sample-0001.png").path))
      #expect(
        evaluation.sampleLosses.count == 2
          && evaluation.sampleLosses.allSatisfy { $0.isFinite && $0 > 0 })
      #expect(
        abs(evaluation.lossMean - evaluation.sampleLosses.reduce(0, +) / 2) <= 1e-12
          * evaluation.lossMean)
      #expect(evaluation.secondsPerSample > 0 && evaluation.samplePeakResidentMiB > 0)
      // Gatys: its target is the mean sample loss, and its store says when it got there.
      let gatys = try #require(summary.gatys.first)
      #expect(gatys.targetLoss == evaluation.lossMean && gatys.optimizer == "lbfgs")
      let gatysStore = try HDF5File.open(folder.appendingPathComponent("gatys/lbfgs/store.h5").path)
      let totals = try MetricsTable(opening: "metrics/iterations", in: try gatysStore.root).column(
        "total")
      try gatysStore.close()
      if gatys.reachedLoss {
        #expect(totals[gatys.iterations] < gatys.targetLoss)
        // Row 0 is the starting image, which the baseline does not test against its target.
        #expect(totals[1..<gatys.iterations].allSatisfy { $0 >= gatys.targetLoss })
      } else {
        #expect(gatys.iterations == 5 && totals.allSatisfy { $0 >= gatys.targetLoss })
      }
      #expect(gatys.speedRatio == gatys.seconds / evaluation.secondsPerSample)
      // point.json is the resolved point and loads again as an experiment file.
      let reloaded = try ExperimentFile.load(folder.appendingPathComponent("point.json").path)
      #expect(try #require(reloaded.points.first).experiment == point.experiment)
    }
    #expect(log.lines.contains { $0.hasPrefix("[2/2 levels=2] Gatys (L-BFGS, 32²)") })
    // A rerun does nothing new.
    let (again, againLog) = try Self.runner(file, root: root)
    #expect(try again.run().summaries == outcome.summaries)
    #expect(
      againLog.lines == [
        "[1/2 levels=1] done already (ETA unknown)", "[2/2 levels=2] done already (ETA unknown)",
      ])
    // A changed configuration is refused, naming the difference, and nothing is overwritten.
    let changedPath = try files.directory.writeText(
      Self.experiment(files, iterations: 5), to: "tiny.json")
    let (changed, _) = try Self.runner(try ExperimentFile.load(changedPath), root: root)
    do {
      _ = try changed.run()
      Issue.record("a changed configuration ran in the old folder")
    } catch let error as ExperimentRunError {
      #expect(error.description.contains("levels=1: holds results of a different configuration"))
      #expect(error.description.contains("training.iterations: 4 on disk, 5 now"))
    }
    let kept = try JSONDecoder().decode(
      PointSummary.self,
      from: Data(contentsOf: root.appendingPathComponent("levels=1/summary.json")))
    #expect(kept == outcome.summaries[0])

    // An interrupted run (stopped at the trainer's third poll, after iteration 2 and its
    // checkpoint) resumes and ends with the uninterrupted run's training, bit for bit.
    let resumedRoot = files.directory.url.appendingPathComponent("resumed")
    let only = try file.points(named: ["levels=2"])
    let (first, _) = try Self.runner(file, root: resumedRoot)
    let polls = LineLog()
    first.isInterrupted = {
      polls.lines.append("poll")
      return polls.lines.count >= 3
    }
    #expect(try first.run(only).interrupted)
    #expect(
      FileManager.default.fileExists(
        atPath: resumedRoot.appendingPathComponent("levels=2/training/checkpoint.h5").path))
    let (second, secondLog) = try Self.runner(file, root: resumedRoot)
    let resumed = try #require(try second.run(only).summaries.first)
    #expect(
      secondLog.lines.contains(
        "[1/1 levels=2] training: resuming from the checkpoint (ETA unknown)"))
    #expect(resumed.trainingFinalLoss == outcome.summaries[1].trainingFinalLoss)
    #expect(resumed.trainingIterations == 4)
    #expect(
      resumed.evaluations.map(\.sampleLosses)
        == outcome.summaries[1].evaluations.map(\.sampleLosses))
  }
}

/// `gatys.additionalSizes`: Gatys also runs at another evaluation size, to the generator's mean
/// sample loss at that size, in its own folder, with its own comparison in the summary.
@Test func gatysRunsAtEachAdditionalSizeToThatSizesLoss() throws {
  let files = try ExperimentRunnerTests.files()
  let text = #"""
    {"extends": "paper", "notes": "additional Gatys sizes", "seed": 5,
     "task": {"styles": ["\#(files.argument("style"))"]},
     "generator": {"levels": 1},
     "objective": {"style": {"layers": ["relu1_1"]}, "weights": "\#(files.weights)"},
     "training": {"size": 32, "batchSize": 2, "iterations": 2, "printEvery": 1,
                  "sampleEvery": 0, "sampleCount": 1, "checkpointEvery": 0},
     "evaluation": {"sampleCount": 2, "sizes": [32, 16], "timingRuns": 2},
     "gatys": {"size": 32, "additionalSizes": [16, 32], "iterations": 3, "printEvery": 1,
               "checkpointEvery": 0}}
    """#
  let file = try ExperimentFile.load(try files.directory.writeText(text, to: "sizes.json"))
  #expect(file.points.map(\.experiment.gatys.sizes) == [[32, 16]])
  let root = files.directory.url.appendingPathComponent("results")
  let (runner, log) = try ExperimentRunnerTests.runner(file, root: root)
  let summary = try #require(try runner.run().summaries.first)
  #expect(summary.gatys.map(\.size) == [32, 16])
  let folder = root.appendingPathComponent("base")
  for comparison in summary.gatys {
    let evaluation = try #require(summary.evaluations.first { $0.size == comparison.size })
    #expect(comparison.targetLoss == evaluation.lossMean)
    let name = comparison.size == 32 ? "gatys/lbfgs" : "gatys/lbfgs-16"
    struct Written: Decodable {
      var size: Int
      var stopAtLoss: Double
    }
    let configuration = try JSONDecoder().decode(
      Written.self, from: Data(contentsOf: folder.appendingPathComponent("\(name).json")))
    #expect(configuration.size == comparison.size)
    #expect(configuration.stopAtLoss == evaluation.lossMean)
    let store = try HDF5File.open(folder.appendingPathComponent("\(name)/store.h5").path)
    let image = try store.root.readTensor("result/image")
    try store.close()
    #expect(image.shape == [1, 3, comparison.size, comparison.size])
  }
  #expect(log.lines.contains { $0.hasPrefix("[1/1 base] Gatys (L-BFGS, 16²)") })
}

/// An experiment without `gatys.additionalSizes` writes no such key, so point folders made
/// before the field existed still match their point; a size outside `evaluation.sizes` is
/// refused, naming the element.
@Test func additionalGatysSizesAreOptionalAndChecked() throws {
  let preset = try JSONSerialization.jsonObject(
    with: JSONEncoder().encode(Preset.paper.experiment)) as? [String: Any]
  let gatys = try #require(preset?["gatys"] as? [String: Any])
  #expect(gatys["size"] as? Int == 256 && gatys["additionalSizes"] == nil)
  let directory = try TemporaryDirectory()
  let path = try directory.writeText(
    #"{"extends": "paper", "evaluation": {"sizes": [256, 512]}, "gatys": {"additionalSizes": [512, 384]}}"#,
    to: "bad.json")
  let error = #expect(throws: ExperimentError.self) { try ExperimentFile.load(path) }
  #expect(
    error?.description.contains(
      "bad.json: gatys.additionalSizes[1]: 384 is not one of evaluation.sizes [256, 512]") == true,
    "\(String(describing: error))")
}

/// The experiment's ETA: points run in this session only, less the time spent in the current one.
@Test func experimentETACountsPointsRunAndTheCurrentOne() {
  #expect(
    ExperimentRunner.estimate(
      secondsInPointsRun: 0, pointsRun: 0, pointsLeft: 3, secondsInCurrentPoint: 5)
      == "ETA unknown")
  // Two points took 100 s each; three are left, 30 s into the first of them.
  #expect(
    ExperimentRunner.estimate(
      secondsInPointsRun: 200, pointsRun: 2, pointsLeft: 3, secondsInCurrentPoint: 30)
      == "ETA 4m30s")
  // A current point slower than the mean counts as nearly done, never as negative time.
  #expect(
    ExperimentRunner.estimate(
      secondsInPointsRun: 200, pointsRun: 2, pointsLeft: 1, secondsInCurrentPoint: 150)
      == "ETA 0s")
  #expect(
    ExperimentRunner.estimate(
      secondsInPointsRun: 7200, pointsRun: 1, pointsLeft: 2, secondsInCurrentPoint: 0)
      == "ETA 4h00m")
}

/// Lines collected by a closure.
final class LineLog: @unchecked Sendable {
  var lines: [String] = []
}
