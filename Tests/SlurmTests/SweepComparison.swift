import Experiments
import Foundation
import Store
import Testing
import _TestSupport

/// The tiny experiments of the Slurm tests and the comparison of a Slurm run with a local one.
enum SweepComparison {
  /// A tiny experiment on a 32² exemplar with relu1_1 of a random VGG prefix (the pattern of
  /// `ExperimentRunnerTests`): `levels` swept (no sweep when one value), `iterations` of training.
  static func experiment(
    _ files: TinyDescriptorFiles, levels: [Int], iterations: Int, checkpointEvery: Int
  ) -> String {
    let sweep =
      levels.count > 1
      ? #", "sweep": {"grid": {"generator.levels": \#(levels)}}"#
      : #", "generator": {"levels": \#(levels[0])}"#
    return #"""
      {"extends": "paper", "notes": "Slurm test", "seed": 5,
       "task": {"styles": ["\#(files.argument("style"))"]},
       "objective": {"style": {"layers": ["relu1_1"]}, "weights": "\#(files.weights)"},
       "training": {"size": 32, "batchSize": 2, "iterations": \#(iterations), "printEvery": 1000,
                    "sampleEvery": 100000, "sampleCount": 1, "checkpointEvery": \#(checkpointEvery)},
       "evaluation": {"sampleCount": 2, "sizes": [32], "timingRuns": 2},
       "gatys": {"size": 32, "iterations": 5, "printEvery": 1, "checkpointEvery": 0}\#(sweep)}
      """#
  }

  /// The test's exemplar and tiny VGG.
  static func files(_ label: String) throws -> TinyDescriptorFiles {
    try TinyDescriptorFiles(label, seed: 17, stream: "images", images: [("style", [1, 3, 32, 32])])
  }

  /// The environment of every harness process of the tests: one thread, as each Slurm task
  /// (`--cpus-per-task 1`), so the two runs compute alike.
  static let oneThread = ["OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"]

  /// The point's summary in `root`.
  static func summary(_ root: URL, _ point: String) throws -> PointSummary {
    try JSONDecoder().decode(
      PointSummary.self,
      from: Data(contentsOf: root.appendingPathComponent("\(point)/summary.json")))
  }

  /// Expects the point's results under `slurm` to equal those under `local`: the trained weights
  /// bit for bit, the training's metric rows (the columns that do not depend on timing), and
  /// every loss and iteration count of the summary (times and memory differ between runs).
  static func expectEqualResults(
    _ point: String, slurm: URL, local: URL, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let a = try summary(slurm, point)
    let b = try summary(local, point)
    #expect(a.parameterCount == b.parameterCount, sourceLocation: sourceLocation)
    #expect(a.trainingIterations == b.trainingIterations, sourceLocation: sourceLocation)
    #expect(a.trainingFinalLoss == b.trainingFinalLoss, sourceLocation: sourceLocation)
    #expect(
      a.evaluations.map(\.sampleLosses) == b.evaluations.map(\.sampleLosses),
      sourceLocation: sourceLocation)
    #expect(
      a.gatys.map { [$0.targetLoss, $0.finalLoss, Double($0.iterations)] }
        == b.gatys.map { [$0.targetLoss, $0.finalLoss, Double($0.iterations)] },
      sourceLocation: sourceLocation)
    let weightsA = try weights(slurm.appendingPathComponent("\(point)/training/model.h5"))
    let weightsB = try weights(local.appendingPathComponent("\(point)/training/model.h5"))
    #expect(!weightsA.isEmpty && weightsA == weightsB, "\(point): model.h5 differs", sourceLocation: sourceLocation)
    #expect(
      try metricRows(slurm, point) == metricRows(local, point), "\(point): training metrics differ",
      sourceLocation: sourceLocation)
  }

  /// Every tensor under `/weights` of a model file, by name.
  static func weights(_ url: URL) throws -> [String: [Float]] {
    let file = try HDF5File.open(url.path)
    defer { try? file.close() }
    let group = try file.root.group("weights")
    var tensors: [String: [Float]] = [:]
    for path in try group.datasetPaths() { tensors[path] = try group.readTensor(path).scalars }
    return tensors
  }

  /// The training store's metric rows without the timing and memory columns.
  static func metricRows(_ root: URL, _ point: String) throws -> [[Double]] {
    let file = try HDF5File.open(root.appendingPathComponent("\(point)/training/store.h5").path)
    defer { try? file.close() }
    let table = try MetricsTable(opening: "metrics/iterations", in: try file.root)
    let kept = table.columns.indices.filter {
      !["wall_seconds", "iteration_seconds", "peak_rss_mib"].contains(table.columns[$0])
    }
    return try table.rows().map { row in kept.map { row[$0] } }
  }
}
