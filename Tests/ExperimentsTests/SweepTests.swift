import Foundation
import Testing
import _TestSupport

@testable import Experiments

/// Sweeps: grid and zip expansion over dotted keys, point folder names, bad keys.
@Suite struct SweepTests {
  @Test func gridIsTheProductLastKeyFastestAndZipStepsTogether() throws {
    let fixture = try ExperimentFixture()
    let file = try fixture.load(
      #"""
      {"extends": "paper",
       "sweep": {"grid": {"generator.levels": [4, 5], "generator.noiseChannels": [1, 3, 8]},
                 "zip": {"training.size": [128, 256], "gatys.size": [128, 256], "evaluation.sizes": [[128], [256]]}}}
      """#)
    let names = file.points.map(\.name)
    #expect(names.count == 12)
    #expect(names.first == "levels=4,noiseChannels=1,training.size=128,gatys.size=128,sizes=128")
    #expect(names[1] == "levels=4,noiseChannels=1,training.size=256,gatys.size=256,sizes=256")
    #expect(names[2] == "levels=4,noiseChannels=3,training.size=128,gatys.size=128,sizes=128")
    #expect(names.last == "levels=5,noiseChannels=8,training.size=256,gatys.size=256,sizes=256")
    let last = try #require(file.points.last).experiment
    #expect(last.generator.levels == 5 && last.generator.noiseChannels == 8)
    #expect(last.training.size == 256 && last.gatys.size == 256)
  }

  @Test func folderNamesOfArraysAndObjectsAreShortAndSafe() throws {
    let fixture = try ExperimentFixture()
    let file = try fixture.load(
      #"""
      {"extends": "paper",
       "sweep": {"grid": {
         "objective.style.layers": [["relu1_1"], ["relu1_1", "relu2_1"]],
         "objective.style.loss": [{"kind": "gram", "normalization": "chw"}, {"kind": "slicedWasserstein", "projections": 64}],
         "notes": ["a/b c"]}}}
      """#)
    #expect(
      file.points.map(\.name) == [
        "layers=relu1_1,loss=gram,notes=a_b_c", "layers=relu1_1,loss=slicedWasserstein,notes=a_b_c",
        "layers=relu1_1+relu2_1,loss=gram,notes=a_b_c",
        "layers=relu1_1+relu2_1,loss=slicedWasserstein,notes=a_b_c",
      ])
    #expect(file.points[1].experiment.objective.style.loss.kind == "slicedWasserstein")
    #expect(file.points[2].experiment.objective.style.layers == [.relu1_1, .relu2_1])
  }

  @Test func badSweepKeysAndShapesAreNamed() throws {
    let fixture = try ExperimentFixture()
    let problems = try fixture.problems(
      #"""
      {"extends": "paper",
       "sweep": {"grid": {"genrator.levels": [1, 2], "generator.levls": [3], "seed": 4},
                 "zipp": {}, "zip": {"training.size": [128], "gatys.size": [128, 256]}}}
      """#)
    #expect(
      problems == [
        #"test.json: sweep.grid.seed: expected a non-empty array of values, got a number"#,
        #"test.json: sweep.zipp: unknown key; did you mean "zip"? (known: grid, zip)"#,
        "test.json: sweep.zip: every key steps together, so each needs the same number of values: training.size has 1, gatys.size has 2",
        #"test.json: sweep.grid.genrator.levels: not a key of the experiment; did you mean "generator.levels"?"#,
      ])
    let typo = try fixture.problems(
      #"{"extends": "paper", "sweep": {"grid": {"generator.levls": [3, 4]}}}"#)
    #expect(
      typo == [
        #"test.json: sweep.grid.generator.levls: not a key of the experiment; did you mean "levels"?"#
      ])
  }

  @Test func sweptValuesAreCheckedLikeWrittenOnes() throws {
    let fixture = try ExperimentFixture()
    let problems = try fixture.problems(
      #"{"extends": "paper", "sweep": {"grid": {"generator.levels": [5, 9], "gatys.size": [128]}}}"#
    )
    #expect(problems.contains("test.json: generator.levels: must be 1 to 8, got 9"))
    #expect(
      problems.contains {
        $0.hasPrefix("test.json: gatys.size: 128 is not one of evaluation.sizes")
      })
  }

  @Test func pointsAreChosenByNameWithADidYouMean() throws {
    let fixture = try ExperimentFixture()
    let file = try fixture.load(
      #"{"extends": "paper", "sweep": {"grid": {"generator.levels": [4, 5]}}}"#)
    #expect(try file.points(named: ["levels=5"]).map(\.name) == ["levels=5"])
    #expect(throws: ExperimentError.self) { try file.points(named: ["levels=6"]) }
    do {
      _ = try file.points(named: ["level=5"])
    } catch {
      #expect(
        error.problems.first?.message.hasPrefix(
          #"--points: "level=5" is not a point of this experiment; did you mean "levels=5"?"#)
          == true)
    }
  }
}

/// The break-even count and the summary table's bounds.
@Suite struct SummaryTests {
  @Test func breakEvenIsTrainingOverTheSavingPerImage() {
    #expect(
      GatysComparison.breakEven(trainingSeconds: 100, generatorSeconds: 0.5, gatysSeconds: 10.5)
        == 10)
    #expect(
      GatysComparison.breakEven(trainingSeconds: 100, generatorSeconds: 0.5, gatysSeconds: 10.4)
        == 11)
    #expect(
      GatysComparison.breakEven(trainingSeconds: 1, generatorSeconds: 0.5, gatysSeconds: 100) == 1)
    #expect(
      GatysComparison.breakEven(trainingSeconds: 100, generatorSeconds: 2, gatysSeconds: 2) == nil)
  }

  @Test func theTableMarksBoundsWhenGatysDidNotReachTheLoss() {
    let generator = SizeEvaluation(
      size: 64, sampleLosses: [1, 3], secondsPerSample: 0.01, samplePeakResidentMiB: 50)
    #expect(generator.lossMean == 2 && generator.lossStandardDeviation == 1)
    let gatys = GatysComparison(
      optimizer: "lbfgs", size: 64, targetLoss: 2, reachedLoss: false, iterations: 300, seconds: 30,
      finalLoss: 2.5, peakResidentMiB: 200, generator: generator, trainingSeconds: 120)
    #expect(gatys.speedRatio == 3000 && gatys.memoryRatio == 4 && gatys.breakEvenCount == 5)
    let summary = PointSummary(
      point: "levels=5", values: [], parameterCount: 71659, trainingIterations: 250,
      trainingSeconds: 120,
      trainingFinalLoss: 1.5, trainingPeakResidentMiB: 300, evaluations: [generator], gatys: [gatys]
    )
    let row = SummaryTable.text([summary]).split(separator: "\n")[1]
    let fast = GatysComparison(
      optimizer: "lbfgs", size: 64, targetLoss: 2, reachedLoss: true, iterations: 6,
      seconds: 0.01664, finalLoss: 1.9, peakResidentMiB: 51, generator: generator,
      trainingSeconds: 120)
    var fastSummary = summary
    fastSummary.gatys = [fast]
    #expect(SummaryTable.rows([fastSummary])[0][9] == "0.0166")
    #expect(
      row.split(separator: " ", omittingEmptySubsequences: true) == [
        "levels=5", "71659", "120.0", "64", "2", "±", "1", "10.00", "50", "lbfgs", ">300", ">30",
        "200",
        ">3000", "4.0", "<=5",
      ])
  }
}
