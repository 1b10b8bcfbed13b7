import ArgumentParser
import Foundation
import NN
import TensorCore

extension PaddingMode: ExpressibleByArgument {}
extension GeneratorConfiguration.NoiseDistribution: ExpressibleByArgument {}
extension GeneratorConfiguration.Normalization: ExpressibleByArgument {}
extension GeneratorConfiguration.OutputLayer: ExpressibleByArgument {}
extension GeneratorConfiguration.Initialization: ExpressibleByArgument {}

/// The generator's configuration on the command line (`harness train`): one option per field of
/// `GeneratorConfiguration`, each overriding the mode's default (the official texture_nets
/// network, K = 5 for textures and 6 for stylisation) or the `--generator FILE.json` it starts from.
struct GeneratorOptions: ParsableArguments {
  @Option(help: "A GeneratorConfiguration JSON file to start from (harness import-generator --print-reference-configuration writes one).")
  var generator: String?

  @Option(help: "K, the number of scales (1 to 8; default 5 for textures, 6 for style).")
  var levels: Int?

  @Option(help: "Channels of every branch block (default 8).")
  var channelsPerLevel: Int?

  @Option(help: "Noise channels per scale (default 3; style mode may use 0).")
  var noiseChannels: Int?

  @Option(help: "Noise distribution: uniform (U[0, 1), default) or normal.")
  var noiseDistribution: GeneratorConfiguration.NoiseDistribution?

  @Option(help: "Normalisation: batch (default) or instance.")
  var normalization: GeneratorConfiguration.Normalization?

  @Option(help: "Batch-norm statistics when sampling: batch (as texture_nets v1, default) or running.")
  var samplingStatistics: BatchNormStatistics?

  @Option(help: "Activation: leakyReLU:SLOPE (default leakyReLU:0.01) or relu.")
  var activation: String?

  @Option(help: "The generator's convolution padding: circular (default), zero, reflect or replicate.")
  var generatorPadding: PaddingMode?

  @Option(help: "Output layer: convolution (a 1x1 conv, default) or convolutionNormActivation.")
  var outputLayer: GeneratorConfiguration.OutputLayer?

  @Option(help: "Initialisation: pytorch (default) or torch7 (batch-norm gamma U[0, 1)).")
  var initialization: GeneratorConfiguration.Initialization?

  /// The configuration for `mode`: the file's (or the official network's), each given option
  /// applied over it.
  func resolved(mode: GeneratorConfiguration.Mode, defaultLevels: Int) throws -> GeneratorConfiguration {
    var configuration: GeneratorConfiguration
    if let generator {
      do {
        configuration = try JSONDecoder().decode(
          GeneratorConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: generator)))
      } catch {
        throw ValidationError("--generator \(generator): not a generator configuration: \(error)")
      }
      configuration.mode = mode
    } else {
      configuration = .textureNets(levels: defaultLevels, mode: mode)
    }
    if let levels { configuration.levels = levels }
    if let channelsPerLevel { configuration.channelsPerLevel = channelsPerLevel }
    if let noiseChannels { configuration.noiseChannels = noiseChannels }
    if let noiseDistribution { configuration.noiseDistribution = noiseDistribution }
    if let normalization { configuration.normalization = normalization }
    if let samplingStatistics { configuration.samplingStatistics = samplingStatistics }
    if let activation { configuration.activation = try Self.activation(activation) }
    if let generatorPadding { configuration.padding = generatorPadding }
    if let outputLayer { configuration.outputLayer = outputLayer }
    if let initialization { configuration.initialization = initialization }
    return configuration
  }

  /// `relu`, `leakyReLU` (slope 0.01) or `leakyReLU:SLOPE`.
  static func activation(_ text: String) throws -> Activation {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    switch parts.first?.lowercased() {
    case "relu" where parts.count == 1:
      return .relu
    case "leakyrelu":
      guard parts.count == 2 else { return .leakyReLU(slope: 0.01) }
      guard let slope = Float(parts[1]), slope.isFinite else {
        throw ValidationError("--activation: '\(parts[1])' is not a slope (e.g. leakyReLU:0.2)")
      }
      return .leakyReLU(slope: slope)
    default:
      throw ValidationError("--activation: expected relu or leakyReLU:SLOPE, got '\(text)'")
    }
  }
}
