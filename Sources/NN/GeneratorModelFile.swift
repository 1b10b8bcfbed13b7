import Foundation
import Store
import TensorCore

/// A generator read from a model file: the network (configuration, weights, running
/// statistics) and the provenance its writer recorded.
public struct GeneratorModel: Sendable {
  /// The network, ready to sample.
  public var generator: Generator
  /// The `provenance` attribute as stored: JSON text.
  public var provenanceJSON: String

  /// The provenance decoded as `type`.
  public func provenance<Value: Decodable>(as type: Value.Type) throws -> Value {
    try JSONDecoder().decode(type, from: Data(provenanceJSON.utf8))
  }
}

/// The HDF5 model file of a generator, which the trainer writes and `harness generate` reads:
///
///     /weights/<state_dict name>   float32, one dataset per parameter and running statistic
///                                  (`/weights/branch.0.conv0.weight`, `/weights/bn_coarse.1.running_var`)
///     @schema       "texture-nets generator model 1"
///     @generator    the GeneratorConfiguration as JSON
///     @provenance   whatever the writer describes itself with, as JSON
///
/// h5py: `json.loads(f.attrs["generator"])`, `{k: v[()] for k, v in f["weights"].items()}` is a
/// state dict the reference `TextureNet.load_state_dict` accepts (with `strict=False` for
/// PyTorch's `num_batches_tracked` counters, which are not stored).
public enum GeneratorModelFile {
  /// The value of the `schema` attribute this code writes and reads.
  public static let schema = "texture-nets generator model 1"

  /// Writes `generator` and `provenance` to a new file at `path`, atomically: a crash leaves
  /// either the old file or the complete new one (`HDF5File.writeAtomically`).
  public static func write(
    _ generator: Generator, provenance: some Encodable, to path: String
  ) throws {
    let tensors = generator.namedTensors
    try HDF5File.writeAtomically(path) { file in
      let root = try file.root
      try root.setAttribute("schema", .string(schema))
      try root.setJSONAttribute("generator", generator.configuration)
      try root.setJSONAttribute("provenance", provenance)
      let weights = try root.createGroup("weights", expectedChildren: tensors.count)
      try WeightStore.save(Dictionary(uniqueKeysWithValues: tensors), to: weights)
    }
  }

  /// Reads the model at `path`. The configuration is validated and the weights verified by name
  /// and shape: a missing file, a wrong schema, a bad configuration or weights that do not fit it
  /// (every missing, unused and mis-shaped tensor, with both shapes) throw an error naming the
  /// file.
  public static func read(_ path: String) throws -> GeneratorModel {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    guard try root.hasAttribute("schema") else {
      throw GeneratorError.badModelFile(
        file: path, message: "not a generator model: no `schema` attribute (expected \"\(schema)\")")
    }
    let found = try root.stringAttribute("schema")
    guard found == schema else {
      throw GeneratorError.badModelFile(
        file: path, message: "schema \"\(found)\", this harness reads \"\(schema)\"")
    }
    let configuration: GeneratorConfiguration
    do {
      configuration = try root.jsonAttribute(GeneratorConfiguration.self, "generator")
    } catch let error as StoreError {
      throw error
    } catch {
      throw GeneratorError.badModelFile(
        file: path, message: "the `generator` attribute is not a generator configuration: \(error)")
    }
    let provenance = try root.hasAttribute("provenance") ? try root.stringAttribute("provenance") : "null"
    var random = RandomStream(seed: 0, name: "overwritten by the model's weights")
    var generator: Generator
    do {
      generator = try Generator(configuration, random: &random)
    } catch {
      throw GeneratorError.badModelFile(file: path, message: "the `generator` attribute: \(error)")
    }
    guard try root.contains("weights") else {
      throw GeneratorError.badModelFile(file: path, message: "no /weights group")
    }
    let weights = try root.group("weights")
    let problems = try WeightStore.problems(generator.expectedShapes, in: weights)
    guard problems.isEmpty else {
      throw GeneratorError.weightsDoNotFit(source: "\(path):/weights", problems: problems)
    }
    var tensors: [String: Tensor] = [:]
    for name in generator.expectedShapes.keys { tensors[name] = try weights.readTensor(name) }
    try generator.load(tensors, source: "\(path):/weights")
    return GeneratorModel(generator: generator, provenanceJSON: provenance)
  }
}
