import Autodiff
import Foundation
import ImageArguments
import Losses
import NN
import Store
import TensorCore

/// `harness features`: what the VGG-19 descriptor sees. For each image, one forward pass (to the
/// deepest tap) gives every requested layer's activation `[C, H, W]`, its Gram matrix `[C, C]`
/// and statistics `[mean, std, min, max]`; with an objective, the first image's pass also gives
/// every loss term, the total and `∂L/∂x` `[3, H, W]`. Everything goes into one HDF5 file, written
/// atomically (a failed run leaves no file, or the previous one untouched); the layout is
/// `FeatureExtraction.layout`.
///
/// - Reference: Gatys, Ecker and Bethge 2015 (Gram matrices of the normalised VGG-19);
///   the layout follows ../shared/reference/fixtures/vgg19_reference.h5 so both compare directly.
public struct FeatureExtraction {
  /// What to compute.
  public var configuration: FeatureExtractionConfiguration

  /// An extraction of `configuration`.
  public init(_ configuration: FeatureExtractionConfiguration) {
    self.configuration = configuration
  }

  /// What produced a file: recorded as JSON in the root attribute `provenance`.
  public struct Provenance: Codable, Equatable, Sendable {
    /// `harness --version`'s number.
    public var harnessVersion: String
    /// The command line.
    public var arguments: [String]
    /// CPU, BLAS kernel and threads.
    public var machine: MachineDescription
    /// When the file was written (ISO 8601, UTC).
    public var created: String
    /// The weights file.
    public var weights: WeightsProvenance
  }

  /// The descriptor's weights file: its own SHA-256 and the provenance attributes it carries.
  public struct WeightsProvenance: Codable, Equatable, Sendable {
    /// The path as given.
    public var path: String
    /// SHA-256 of the file's bytes.
    public var sha256: String
    /// The file's `source` attribute (what network, from where), if any.
    public var source: String?
    /// The file's `source_sha256` attribute (of the checkpoint it was converted from), if any.
    public var sourceSHA256: String?
  }

  /// What a run wrote.
  public struct Summary: Sendable {
    /// Images described.
    public var images: Int
    /// Layers per image.
    public var layers: Int
    /// The objective's total on the first image, when there was an objective.
    public var totalLoss: Double?
  }

  /// Loads every image, checks sizes, loads the descriptor, and writes `output` atomically.
  /// `progress` receives one line per image (and warnings, prefixed `warning: `).
  ///
  /// - Throws: `ImageArgumentError`, `FeatureExtractionError` (`missingWeights` when no file is
  ///   at the weights path), `StoreError` (from `VGG19.load`: a weights file that does not open,
  ///   or `verificationFailed` naming it and every missing, unused or mis-shaped dataset; also
  ///   writing `output`), `ObjectiveError`; on any error nothing is left at `output` (an existing
  ///   file is kept).
  @discardableResult
  public func run(
    writingTo output: String, harnessVersion: String, arguments: [String],
    progress: (String) -> Void
  ) throws -> Summary {
    let settings = configuration
    guard !settings.images.isEmpty else { throw FeatureExtractionError.noImages }
    guard let deepest = settings.layers.max() else { throw FeatureExtractionError.noLayers }
    try Self.requireDirectory(of: output)
    let inputs = try settings.images.map { try $0.load(resizing: settings.resizing) }
    let lossInputs = try settings.loss.map {
      try LossInputs(loading: $0, resizing: settings.resizing)
    }
    for warning in (inputs + (lossInputs?.all ?? [])).compactMap(\.rangeWarning) {
      progress("warning: " + warning)
    }
    try checkSizes(inputs: inputs, lossInputs: lossInputs, deepestWritten: deepest)

    let taps = settings.allTaps
    guard FileManager.default.fileExists(atPath: settings.weights) else {
      throw FeatureExtractionError.missingWeights(settings.weights)
    }
    let network = try VGG19.load(
      from: settings.weights, padding: settings.padding, pooling: settings.pooling,
      deepestLayer: taps.max() ?? deepest)
    let provenance = Provenance(
      harnessVersion: harnessVersion, arguments: arguments, machine: .current(),
      created: ISO8601DateFormatter().string(from: Date()),
      weights: try Self.weightsProvenance(settings.weights))
    let targets = try lossInputs.map { try $0.targets(network: network) }

    var totalLoss: Double?
    try HDF5File.writeAtomically(output) { file in
      let root = try file.root
      try writeHeader(root, provenance: provenance, inputs: inputs, lossInputs: lossInputs)
      for (index, input) in inputs.enumerated() {
        let clock = ContinuousClock()
        let start = clock.now
        var line = "image \(index + 1)/\(inputs.count) \(input.argument.text) \(input.image.shape)"
        if index == 0, let lossInputs, let targets {
          let image = Variable(input.image, requiresGradient: true)
          let features = network(image, taps: taps)
          try writeFeatures(features.mapValues(\.value), of: input, index: index, to: root)
          let total = try writeLoss(
            image: image, features: features, targets: targets, inputs: lossInputs,
            argument: input.argument.text, to: root)
          totalLoss = total
          line += ", loss \(total) (\(lossInputs.objective.termNames.count) terms) and gradient"
        } else {
          let features = network(Variable(input.image), taps: Set(settings.layers))
          try writeFeatures(features.mapValues(\.value), of: input, index: index, to: root)
        }
        let elapsed = (clock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        progress(line + String(format: " in %.2f s", seconds))
      }
    }
    return Summary(images: inputs.count, layers: settings.layers.count, totalLoss: totalLoss)
  }

  /// The images an objective needs, loaded.
  struct LossInputs {
    var configuration: FeatureLossConfiguration
    var styles: [LoadedImage]
    var content: LoadedImage?

    init(loading configuration: FeatureLossConfiguration, resizing: ImageResizing?) throws {
      self.configuration = configuration
      styles = try configuration.styles.map { try $0.load(resizing: resizing) }
      content = try configuration.content.map { try $0.load(resizing: resizing) }
    }

    var objective: Objective { configuration.objective }
    var all: [LoadedImage] { styles + (content.map { [$0] } ?? []) }

    /// The blend weights normalised to sum 1 (equal when none were given).
    func blendWeights() throws(FeatureExtractionError) -> [Float] {
      do {
        return try StyleBlend.normalized(configuration.styleBlendWeights, styleCount: styles.count)
      } catch .badBlendWeights(let weights, let count) {
        throw .badBlendWeights(weights, styles: count)
      } catch {
        throw .badBlendWeights(configuration.styleBlendWeights ?? [], styles: styles.count)
      }
    }

    /// The objective's targets from the style and content images' features.
    func targets(network: VGG19) throws -> Objective.Targets {
      let styleTaps = objective.layers(targeting: .style)
      let contentTaps = objective.layers(targeting: .content)
      let styleFeatures = styles.map {
        network(Variable($0.image), taps: styleTaps).mapValues(\.value)
      }
      let contentFeatures = content.map {
        network(Variable($0.image), taps: contentTaps).mapValues(\.value)
      }
      return try objective.targets(
        styles: styleFeatures, styleWeights: styles.isEmpty ? nil : try blendWeights(),
        content: contentFeatures)
    }
  }

  /// Throws `missingOutputDirectory` unless `output`'s directory exists.
  static func requireDirectory(of output: String) throws(FeatureExtractionError) {
    let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw .missingOutputDirectory(output: output, directory: directory)
    }
  }

  /// The SHA-256 of the weights file and its `source` / `source_sha256` attributes.
  static func weightsProvenance(_ path: String) throws -> WeightsProvenance {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
    } catch {
      throw StoreError.fileSystem(file: path, operation: "read it", reason: "\(error)")
    }
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    return WeightsProvenance(
      path: path, sha256: SHA256.hexDigest(of: data),
      source: try? root.stringAttribute("source"),
      sourceSHA256: try? root.stringAttribute("source_sha256"))
  }
}
