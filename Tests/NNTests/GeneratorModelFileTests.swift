import Autodiff
import Foundation
import NN
import Store
import TensorCore
import Testing
import _TestSupport

/// Provenance as a caller might record it.
struct TestProvenance: Codable, Equatable {
  var commit: String
  var steps: Int
}

@Suite struct GeneratorModelFileTests {
  let directory: String = {
    let path = NSTemporaryDirectory() + "generator-model-tests-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  func generator(_ configuration: GeneratorConfiguration, seed: UInt64 = 1) throws -> Generator {
    var random = RandomStream(seed: seed, name: "generator initialisation")
    return try Generator(configuration, random: &random)
  }

  /// A model file written with `edit` applied to it after the normal contents.
  func writeModel(_ name: String, edit: (HDF5Group) throws -> Void) throws -> String {
    let path = "\(directory)/\(name)"
    try GeneratorModelFile.write(
      try generator(.textureNets(levels: 2)), provenance: TestProvenance(commit: "abc", steps: 1),
      to: path)
    let file = try HDF5File.open(path, mode: .readWrite)
    try edit(try file.root)
    try file.close()
    return path
  }

  @Test func roundTripKeepsConfigurationWeightsStatisticsAndProvenance() throws {
    var configuration = GeneratorConfiguration.textureNets(levels: 3, mode: .style)
    configuration.samplingStatistics = .running
    var network = try generator(configuration)
    // Running statistics that differ from the initial ones.
    var random = RandomStream(seed: 2, name: "noise")
    let noise = try configuration.drawNoise(batch: 2, height: 16, width: 16, random: &random)
    let content = random.uniformTensor([2, 3, 16, 16])
    _ = network(noise: noise.map { Variable($0) }, content: Variable(content), mode: .training)
    let path = "\(directory)/model.h5"
    try GeneratorModelFile.write(
      network, provenance: TestProvenance(commit: "0123abc", steps: 1500), to: path)
    let model = try GeneratorModelFile.read(path)
    #expect(model.generator.configuration == configuration)
    #expect(try model.provenance(as: TestProvenance.self) == TestProvenance(commit: "0123abc", steps: 1500))
    let written = Dictionary(uniqueKeysWithValues: network.namedTensors.map { ($0.path, $0.value.scalars) })
    let read = Dictionary(uniqueKeysWithValues: model.generator.namedTensors.map { ($0.path, $0.value.scalars) })
    #expect(read == written)
    let before = try network.sample(noise: noise, content: content)
    let after = try model.generator.sample(noise: noise, content: content)
    #expect(after.scalars == before.scalars)
    // The layout h5py users read.
    let file = try HDF5File.open(path)
    let root = try file.root
    #expect(try root.stringAttribute("schema") == GeneratorModelFile.schema)
    #expect(try root.jsonAttribute(GeneratorConfiguration.self, "generator") == configuration)
    #expect(try root.readTensor("weights/bn_coarse.2.running_var").shape == [16])
    #expect(try Set(root.group("weights").datasetPaths()) == Set(written.keys))
    // Written atomically: nothing but the model is left in the directory.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.h5"])
  }

  @Test func missingUnusedAndMisshapedWeightsAreNamedWithBothShapes() throws {
    let path = try writeModel("bad-weights.h5") { root in
      try root.remove("weights/branch.1.bn2.running_var")
      try root.remove("weights/to_rgb.weight")
      try root.write(Tensor(zeros: [3, 8, 1, 1]), to: "weights/to_rgb.weight")
      try root.write(Tensor(zeros: [4]), to: "weights/extra.weight")
    }
    do {
      _ = try GeneratorModelFile.read(path)
      Issue.record("read a bad model")
    } catch {
      #expect(
        "\(error)" == """
          \(path):/weights: the weights do not fit the generator configuration (3 problems):
            branch.1.bn2.running_var: missing: model expects [8], file has no such dataset
            extra.weight: unused: file has [4], model has no such parameter
            to_rgb.weight: shape mismatch: model expects [3, 16, 1, 1], file has [3, 8, 1, 1]
          """)
    }
  }

  @Test func badFilesGetOneMessageNamingTheFile() throws {
    let missing = "\(directory)/absent.h5"
    #expect(throws: StoreError.fileNotFound(file: missing)) { _ = try GeneratorModelFile.read(missing) }
    let noSchema = try writeModel("no-schema.h5") { try $0.removeAttribute("schema") }
    #expect(
      throws: GeneratorError.badModelFile(
        file: noSchema,
        message: "not a generator model: no `schema` attribute (expected \"\(GeneratorModelFile.schema)\")")
    ) { _ = try GeneratorModelFile.read(noSchema) }
    let wrongSchema = try writeModel("wrong-schema.h5") { try $0.setAttribute("schema", .string("v0")) }
    #expect(
      throws: GeneratorError.badModelFile(
        file: wrongSchema, message: "schema \"v0\", this harness reads \"\(GeneratorModelFile.schema)\"")
    ) { _ = try GeneratorModelFile.read(wrongSchema) }
    let badConfiguration = try writeModel("bad-configuration.h5") { root in
      var configuration = GeneratorConfiguration.textureNets(levels: 2)
      configuration.levels = 0
      try root.setJSONAttribute("generator", configuration)
    }
    #expect(
      throws: GeneratorError.badModelFile(
        file: badConfiguration,
        message: "the `generator` attribute: generator configuration: levels: must be 1 to 8, got 0")
    ) { _ = try GeneratorModelFile.read(badConfiguration) }
    let notJSON = try writeModel("not-configuration.h5") { try $0.setAttribute("generator", .string("{\"levels\": 2}")) }
    do {
      _ = try GeneratorModelFile.read(notJSON)
      Issue.record("read a model without a full configuration")
    } catch {
      #expect("\(error)".hasPrefix("\(notJSON): the `generator` attribute is not a generator configuration: "))
    }
    let noWeights = try writeModel("no-weights.h5") { try $0.remove("weights") }
    #expect(throws: GeneratorError.badModelFile(file: noWeights, message: "no /weights group")) {
      _ = try GeneratorModelFile.read(noWeights)
    }
  }

  /// A state dict saved by `torch.save` (zip format) of `TextureNet(K=2, ch=2, noise_ch=2)`,
  /// made by Scripts/make_generator_checkpoint_fixture.py (values from its formula), including
  /// PyTorch's `num_batches_tracked` counters.
  @Test func importsATorchSaveStateDict() throws {
    let url = try #require(Bundle.module.url(forResource: "generator_k2", withExtension: "pt", subdirectory: "Fixtures"))
    var configuration = GeneratorConfiguration.textureNets(levels: 2)
    configuration.channelsPerLevel = 2
    configuration.noiseChannels = 2
    let network = try Generator(configuration, importing: url.path)
    // Two branches and one join of 3 convolutions (2 tensors) and 3 batch norms (4), two more
    // batch norms, to_rgb.
    #expect(network.namedTensors.count == 3 * (3 * 2 + 3 * 4) + 2 * 4 + 2)
    for (name, value) in network.namedTensors {
      let s = Double(name.unicodeScalars.reduce(0) { $0 + Int($1.value) })
      let expected = (0..<value.count).map { i -> Float in
        let v = sin(0.37 * Double(i) + 0.01 * s) / 2
        return Float(name.hasSuffix("running_var") ? 0.5 + abs(v) : v)
      }
      #expect(value.scalars == expected, "\(name)")
    }
    // The wrong configuration for those weights: every difference named.
    var wider = configuration
    wider.channelsPerLevel = 3
    do {
      _ = try Generator(wider, importing: url.path)
      Issue.record("imported into the wrong configuration")
    } catch {
      let text = "\(error)"
      #expect(text.hasPrefix("\(url.path): the weights do not fit the generator configuration ("))
      #expect(text.contains("branch.0.conv0.weight: shape mismatch: model expects [3, 2, 3, 3], file has [2, 2, 3, 3]"))
    }
  }

  @Test func importSourcesAreToldByContentAndBadOnesNamed() throws {
    let network = try generator(.textureNets(levels: 2))
    let path = "\(directory)/reference-layout.h5"
    let file = try HDF5File.create(path)
    try WeightStore.save(
      Dictionary(uniqueKeysWithValues: network.namedTensors), to: try file.root.createGroup("generator/texture/weights", expectedChildren: 64))
    try file.close()
    let imported = try Generator(.textureNets(levels: 2), importing: "\(path):/generator/texture/weights")
    #expect(imported.namedTensors.map(\.value.scalars) == network.namedTensors.map(\.value.scalars))
    #expect(throws: GeneratorError.badModelFile(file: path, message: "/nowhere: no such group (expected the weights in the reference layout)")) {
      _ = try Generator(.textureNets(levels: 2), importing: "\(path):/nowhere")
    }
    let absent = "\(directory)/absent.pth"
    #expect(throws: GeneratorError.badModelFile(file: absent, message: "no such file")) {
      _ = try Generator(.textureNets(levels: 2), importing: absent)
    }
    let text = "\(directory)/notes.pth"
    try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: text))
    #expect(throws: CheckpointError.self) { _ = try Generator(.textureNets(levels: 2), importing: text) }
    #expect(throws: GeneratorError.badModelFile(file: text, message: "not an HDF5 file, so it has no group /weights")) {
      _ = try Generator(.textureNets(levels: 2), importing: "\(text):/weights")
    }
  }
}
