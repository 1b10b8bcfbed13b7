import ArgumentParser
import Foundation
import NN
import Runs

/// `harness import-generator SRC -o MODEL.h5 --generator CONFIG.json`: reference-layout
/// generator weights to a model file.
struct ImportGenerator: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import-generator",
    abstract: "Make a model file for harness generate from generator weights in the reference layout.",
    discussion: """
      SRC holds the weights by the PyTorch reference's state_dict names (branch.{k}.conv0.weight, \
      bn_coarse.{k}.running_mean, join.{k}.bn2.bias, to_rgb.weight, ...): either an HDF5 group, \
      FILE.h5:/group (e.g. ../shared/reference/fixtures/vgg19_reference.h5:/generator/texture/weights), \
      or a state_dict saved with torch.save (zip or legacy format; read natively, no Python). \
      PyTorch's num_batches_tracked counters are ignored. Every name and shape is checked \
      against the network CONFIG.json describes: missing, unused and mis-shaped tensors are \
      errors naming the tensor and both shapes.

      CONFIG.json is a generator configuration, every field given, e.g. the reference's \
      TextureNet(K=5) in texture mode:
        {"levels": 5, "channelsPerLevel": 8, "noiseChannels": 3,
         "noiseDistribution": "uniform", "mode": "texture",
         "normalization": "batch", "samplingStatistics": "batch",
         "activation": {"kind": "leakyReLU", "slope": 0.01},
         "padding": "circular", "outputLayer": "convolution",
         "initialization": "pytorch"}
      harness import-generator --print-reference-configuration prints it (pipe it to a file).

      The model file (replaced atomically): /weights/<name> float32, attributes schema, generator \
      (the configuration), provenance (source file, converter, git commit, machine).
      """)

  @Argument(help: "The weights: FILE.h5:/group or a torch.save state_dict (.pt, .pth).")
  var source: String?

  @Option(name: [.short, .customLong("output")], help: "The model file to write.")
  var output: String?

  @Option(help: "The generator configuration (JSON) the weights belong to.")
  var generator: String?

  @Flag(help: "Print the reference TextureNet(K=5) texture configuration as JSON and exit.")
  var printReferenceConfiguration = false

  /// What the model file's `provenance` attribute records of an import.
  struct ImportProvenance: Codable {
    var importedFrom: String
    var configurationFile: String
    var converter: String
    var run: Provenance
  }

  func run() throws {
    if printReferenceConfiguration {
      print(try Self.json(GeneratorConfiguration.textureNets()))
      return
    }
    guard let source, let output, let generator else {
      throw ValidationError("give SRC, -o MODEL.h5 and --generator CONFIG.json (see --help)")
    }
    let configuration = try Self.readConfiguration(generator)
    let network = try Generator(configuration, importing: source)
    let provenance = ImportProvenance(
      importedFrom: source, configurationFile: generator,
      converter: "harness import-generator \(HarnessVersion.number)",
      run: .current(seed: 0, harnessVersion: HarnessVersion.number))
    try GeneratorModelFile.write(network, provenance: provenance, to: output)
    print(
      "wrote \(output): \(configuration.levels) levels, \(configuration.mode.rawValue) mode, "
        + "\(network.parameterCount) parameters from \(source)")
  }

  /// The configuration in `path`, or one clear error naming the file.
  static func readConfiguration(_ path: String) throws -> GeneratorConfiguration {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw ValidationError("\(path): cannot read the generator configuration: \(error.localizedDescription)")
    }
    do {
      let configuration = try JSONDecoder().decode(GeneratorConfiguration.self, from: data)
      try configuration.validate()
      return configuration
    } catch let error as DecodingError {
      throw ValidationError("\(path): not a generator configuration: \(describe(error))")
    } catch {
      throw ValidationError("\(path): \(error)")
    }
  }

  /// `key.path: message` for a decoding error.
  static func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "\(path(context.codingPath + [key])): missing"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
      let where_ = path(context.codingPath)
      return (where_.isEmpty ? "" : where_ + ": ") + context.debugDescription
    @unknown default:
      return "\(error)"
    }
  }

  static func json(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}
