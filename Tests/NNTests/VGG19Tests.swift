import Autodiff
import Foundation
import NN
import Store
import TensorCore
import Testing
import _TestSupport

@Suite struct VGG19Tests {
  func weights(upTo layer: VGGLayer) -> [String: (weight: Tensor, bias: Tensor)] {
    var random = RandomStream(seed: 1, name: "vgg weights")
    var result: [String: (weight: Tensor, bias: Tensor)] = [:]
    for name in VGG19.requiredConvolutions(upTo: layer) {
      guard let shape = VGG19.weightShapes[name] else { continue }
      result[name] = (random.uniformTensor(shape, low: -0.1, high: 0.1), random.uniformTensor([shape[0]]))
    }
    return result
  }

  @Test func missingAndMisshapedLayersAreNamed() {
    var w = weights(upTo: .relu2_1)
    w["conv1_2"] = nil
    w["conv2_1"] = (Tensor(zeros: [128, 64, 1, 1]), Tensor(zeros: [128]))
    do {
      _ = try VGG19(weights: w, deepestLayer: .relu2_1)
      Issue.record("expected an error")
    } catch {
      #expect(error.problems == ["conv1_2: missing", "conv2_1/weight: shape [128, 64, 1, 1], expected [128, 64, 3, 3]"])
    }
  }

  @Test func tapsHaveTheirShapesAndThePassStopsEarly() throws {
    let network = try VGG19(weights: weights(upTo: .relu3_1), deepestLayer: .relu3_1)
    var random = RandomStream(seed: 2, name: "image")
    let image = Variable(random.uniformTensor([2, 3, 32, 32]))
    let taps = network(image, taps: [.conv1_1, .relu1_1, .pool1, .relu2_1, .relu3_1])
    #expect(taps[.conv1_1]?.shape == [2, 64, 32, 32])
    #expect(taps[.relu1_1]?.shape == [2, 64, 32, 32])
    #expect(taps[.pool1]?.shape == [2, 64, 16, 16])
    #expect(taps[.relu2_1]?.shape == [2, 128, 16, 16])
    #expect(taps[.relu3_1]?.shape == [2, 256, 8, 8])
    // relu1_1 is max(conv1_1, 0) whether or not conv1_1 is itself a tap (fused or not).
    let conv = try #require(taps[.conv1_1]).value.scalars
    let relu = try #require(taps[.relu1_1]).value.scalars
    #expect(zip(conv, relu).allSatisfy { max($0, 0) == $1 })
    let fused = network(image, taps: [.relu1_1])[.relu1_1]?.value.scalars
    #expect(fused.map { difference(Tensor(shape: [relu.count], scalars: $0), Tensor(shape: [relu.count], scalars: relu)).maxAbsolute < 1e-5 } == true)
  }

  @Test func validPaddingShrinksEachConvolution() throws {
    let network = try VGG19(weights: weights(upTo: .relu2_1), padding: .none, deepestLayer: .relu2_1)
    let image = Variable(Tensor(zeros: [1, 3, 40, 40]))
    let taps = network(image, taps: [.relu1_1, .relu2_1])
    #expect(taps[.relu1_1]?.shape == [1, 64, 38, 38])
    // 40 → 38 → 36 → pool 18 → 16
    #expect(taps[.relu2_1]?.shape == [1, 128, 16, 16])
  }

  /// A weights file in `directory` holding `layers` (random values of the table's shapes), with
  /// `extra` datasets `path → shape` added or overriding.
  func weightsFile(
    in directory: URL, layers: [String], extra: [String: Shape] = [:]
  ) throws -> String {
    let path = directory.appendingPathComponent("weights-\(UUID()).h5").path
    let file = try HDF5File.create(path)
    var random = RandomStream(seed: 4, name: "weights file")
    var datasets = VGG19Layout.parameterShapes(of: layers)
    datasets.merge(extra) { _, new in new }
    for (name, shape) in datasets.sorted(by: { $0.key < $1.key }) {
      try file.root.write(random.uniformTensor(shape, low: -0.1, high: 0.1), to: name)
    }
    try file.close()
    return path
  }

  func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }

  @Test func aPrefixOfTheNetworkLoadsToItsDepthAndMissingLayersAreNamed() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try weightsFile(in: directory, layers: ["preprocess", "conv1_1"])
    let network = try VGG19.load(from: path, deepestLayer: .relu1_1)
    #expect(network.deepestLayer == .relu1_1)
    let text = errorText { _ = try VGG19.load(from: path, deepestLayer: .relu2_1) }
    #expect(
      text == "\(path): /: the stored tensors do not match the model (4 problems):\n"
        + "  conv1_2/bias: missing: model expects [64], file has no such dataset\n"
        + "  conv1_2/weight: missing: model expects [64, 64, 3, 3], file has no such dataset\n"
        + "  conv2_1/bias: missing: model expects [128], file has no such dataset\n"
        + "  conv2_1/weight: missing: model expects [128, 64, 3, 3], file has no such dataset")
  }

  @Test func anExtraOrMisspeltLayerIsAnErrorNamingTheFileAndTheKey() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let misspelt = try weightsFile(
      in: directory, layers: ["preprocess"], extra: ["conv1_l/weight": [64, 3, 3, 3], "conv1_1/bias": [64]])
    #expect(
      errorText { _ = try VGG19.load(from: misspelt, deepestLayer: .relu1_1) }
        == "\(misspelt): /: the stored tensors do not match the model (2 problems):\n"
        + "  conv1_1/weight: missing: model expects [64, 3, 3, 3], file has no such dataset\n"
        + "  conv1_l/weight: unused: file has [64, 3, 3, 3], model has no such parameter")
    let extra = try weightsFile(
      in: directory, layers: VGG19.convolutionNames, extra: ["fc6/weight": [4096, 25088 / 64]])
    #expect(
      errorText { _ = try VGG19.load(from: extra) }
        == "\(extra): /: the stored tensors do not match the model (1 problem):\n"
        + "  fc6/weight: unused: file has [4096, 392], model has no such parameter")
  }

  @Test func aMisshapedLayerIsAnErrorEvenBeyondTheDepthRead() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try weightsFile(
      in: directory, layers: ["preprocess", "conv1_1", "conv1_2"],
      extra: ["conv1_2/weight": [64, 64, 1, 1]])
    #expect(
      errorText { _ = try VGG19.load(from: path, deepestLayer: .relu1_1) }
        == "\(path): /: the stored tensors do not match the model (1 problem):\n"
        + "  conv1_2/weight: shape mismatch: model expects [64, 64, 3, 3], file has [64, 64, 1, 1]")
  }

  @Test func loadedWeightsAreTheFilesValues() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try weightsFile(in: directory, layers: ["preprocess", "conv1_1"])
    let file = try HDF5File.open(path)
    var weights: [String: (weight: Tensor, bias: Tensor)] = [:]
    for name in ["preprocess", "conv1_1"] {
      weights[name] = (try file.root.readTensor("\(name)/weight"), try file.root.readTensor("\(name)/bias"))
    }
    try file.close()
    let loaded = try VGG19.load(from: path, deepestLayer: .relu1_1)
    let direct = try VGG19(weights: weights, deepestLayer: .relu1_1)
    var random = RandomStream(seed: 5, name: "image")
    let image = Variable(random.uniformTensor([1, 3, 8, 8]))
    let a = try #require(loaded(image, taps: [.relu1_1])[.relu1_1]).value
    let b = try #require(direct(image, taps: [.relu1_1])[.relu1_1]).value
    #expect(a.scalars == b.scalars)
  }
}
