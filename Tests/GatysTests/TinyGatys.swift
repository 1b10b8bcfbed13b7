import Foundation
import Gatys
import Losses
import NN
import Optimizers
import Runs
import Store
import TensorCore
import _TestSupport

/// A Gatys run small enough for a unit test: a VGG-19 prefix with random weights (preprocess,
/// conv1_1, conv1_2), a non-square 10 × 8 style image and a 8 × 12 content image in an HDF5 file,
/// Gram style terms on relu1_1 and relu1_2, 16-pixel outputs.
final class TinyGatys {
  let files: TinyDescriptorFiles
  var directory: TemporaryDirectory { files.directory }
  var weights: String { files.weights }
  var images: String { files.images }

  /// One provenance for every test (`Provenance.current` starts git and swift).
  static let provenance = Provenance.current(seed: 0, harnessVersion: "test")

  init(_ label: String = #function) throws {
    files = try TinyDescriptorFiles(
      label, seed: 11, stream: "tiny-gatys", images: [("style", [3, 10, 8]), ("content", [3, 8, 12])])
  }

  /// A folder path in the test's directory (not created).
  func folder(_ name: String) -> URL { directory.url.appendingPathComponent(name) }

  /// Texture synthesis (or style transfer with `content`) with `kind`, `iterations` iterations,
  /// an image every 2 and a checkpoint every 2 iterations.
  func configuration(
    content: Bool = false, kind: OptimizerConfiguration.Kind = .lbfgs, iterations: Int = 6
  ) -> GatysConfiguration {
    var configuration = GatysConfiguration(
      styles: ["\(images):/style"], content: content ? "\(images):/content" : nil, weights: weights)
    configuration.featureTerms = [
      FeatureLossTerm(GramLoss(), layers: [.relu1_1, .relu1_2], weight: 1e3)
    ]
    if content {
      configuration.featureTerms.append(FeatureLossTerm(ContentLoss(), layers: [.relu1_2], weight: 1))
    }
    configuration.size = 16
    configuration.iterations = iterations
    configuration.optimizer = GatysConfiguration.Defaults.optimizer(kind)
    configuration.saveEvery = 2
    configuration.checkpointEvery = 2
    return configuration
  }

  /// A prepared run writing to `output`: no progress bar, no signal handlers (the tests share the
  /// process), interrupted when `interruptAfter` iterations are done.
  func run(_ configuration: GatysConfiguration, output: URL, interruptAfter: Int? = nil) throws -> GatysRun {
    let run = try GatysRun.prepare(configuration, outputDirectory: output, provenance: Self.provenance)
    run.showsProgress = false
    run.installsSignalHandling = false
    if let interruptAfter {
      let polls = Counter()
      run.isInterrupted = {
        polls.value += 1
        return polls.value > interruptAfter
      }
    }
    return run
  }

  /// The metrics table of the run in `folder`.
  static func metrics(_ folder: URL) throws -> (file: HDF5File, table: MetricsTable) {
    let file = try HDF5File.open(folder.appendingPathComponent("store.h5").path)
    return (file, try MetricsTable(opening: "metrics/iterations", in: try file.root))
  }

  /// The stored result image of the run in `folder`.
  static func result(_ folder: URL) throws -> Tensor {
    let file = try HDF5File.open(folder.appendingPathComponent("store.h5").path)
    defer { try? file.close() }
    return try file.root.readTensor("result/image")
  }
}

/// A mutable count captured by a closure.
final class Counter: @unchecked Sendable {
  var value = 0
}

/// Writing test images into HDF5 files.
enum HDF5ForTests {
  /// Writes `image` as dataset `/image` of a new file at `path`; returns the path.
  @discardableResult
  static func write(_ image: Tensor, to path: String) throws -> String {
    let file = try HDF5File.create(path)
    try file.root.write(image, to: "image")
    try file.close()
    return path
  }
}
