import Foundation
import Losses
import NN
import Runs
import Store
import TensorCore
import Training
import _TestSupport

/// A training small enough for a unit test: a VGG-19 prefix with random weights (preprocess,
/// conv1_1, conv1_2), a 24 × 20 texture and three content images (20 × 28, 24 × 24, 30 × 18) in
/// an HDF5 file, Gram terms on relu1_1 and relu1_2, a K = 3 generator making 16² samples in
/// batches of 2.
final class TinyTraining {
  let files: TinyDescriptorFiles
  var directory: TemporaryDirectory { files.directory }
  var weights: String { files.weights }
  var images: String { files.images }

  /// One provenance for every test (`Provenance.current` starts git and swift).
  static let provenance = Provenance.current(seed: 0, harnessVersion: "test")

  init(_ label: String = #function) throws {
    files = try TinyDescriptorFiles(
      label, seed: 5, stream: "tiny-training",
      images: [("style", [3, 24, 20]), ("c0", [3, 20, 28]), ("c1", [3, 24, 24]), ("c2", [3, 30, 18])])
  }

  /// A folder path in the test's directory (not created).
  func folder(_ name: String) -> URL { directory.url.appendingPathComponent(name) }

  /// Texture training (or style training on the three content images with `style`).
  func configuration(style: Bool = false, iterations: Int = 6) -> TrainingConfiguration {
    let content = style
      ? ContentSetConfiguration(paths: ["c0", "c1", "c2"].map { "\(images):/\($0)" }, crop: .randomCrop)
      : nil
    var configuration = TrainingConfiguration(
      styles: ["\(images):/style"], content: content, weights: weights)
    configuration.generator = .textureNets(levels: 3, mode: style ? .style : .texture)
    configuration.featureTerms = [FeatureLossTerm(GramLoss(), layers: [.relu1_1, .relu1_2], weight: 1)]
    if style {
      configuration.featureTerms.append(FeatureLossTerm(ContentLoss(), layers: [.relu1_2], weight: 1))
    }
    configuration.size = 16
    configuration.batchSize = 2
    configuration.iterations = iterations
    configuration.schedule = .stepDecay(factor: 0.5, start: 2, interval: 2)
    configuration.sampleEvery = 2
    configuration.sampleCount = 2
    configuration.checkpointEvery = 2
    return configuration
  }

  /// A prepared run writing to `output`: no progress bar, no signal handlers (the tests share the
  /// process), interrupted when `interruptAfter` iterations are done.
  func run(
    _ configuration: TrainingConfiguration, output: URL, interruptAfter: Int? = nil
  ) throws -> TrainingRun {
    let run = try TrainingRun.prepare(configuration, outputDirectory: output, provenance: Self.provenance)
    run.showsProgress = false
    run.installsSignalHandling = false
    if let interruptAfter { Self.interrupt(run, after: interruptAfter) }
    return run
  }

  /// Makes `run` report an interruption once `count` iterations are done.
  static func interrupt(_ run: TrainingRun, after count: Int) {
    let polls = Counter()
    run.isInterrupted = {
      polls.value += 1
      return polls.value > count
    }
  }

  /// Every metrics row of the run in `folder`, without the timing and memory columns.
  static func deterministicRows(_ folder: URL) throws -> [[Double]] {
    let file = try HDF5File.open(folder.appendingPathComponent("store.h5").path)
    defer { try? file.close() }
    let table = try MetricsTable(opening: "metrics/iterations", in: try file.root)
    let keep = table.columns.indices.filter { !TrainingRun.timingColumns.contains(table.columns[$0]) }
    return try table.rows().map { row in keep.map { row[$0] } }
  }

  /// The model file's tensors by name.
  static func weights(_ folder: URL) throws -> [String: [Float]] {
    let model = try GeneratorModelFile.read(folder.appendingPathComponent("model.h5").path)
    return Dictionary(uniqueKeysWithValues: model.generator.namedTensors.map { ($0.path, $0.value.scalars) })
  }
}

/// A mutable count captured by a closure.
final class Counter: @unchecked Sendable {
  var value = 0
}
