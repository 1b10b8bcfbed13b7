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

  @Test(.enabled(if: TestData.available(TestData.weightsPath), Comment(rawValue: TestData.skipReason("VGG-19 weights"))))
  func loadingAFileWithoutALayerNamesTheFileAndLayer() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("partial.h5").path
    let source = try HDF5File.open(TestData.weightsPath)
    let file = try HDF5File.create(path)
    for name in ["preprocess", "conv1_1"] {
      try file.root.write(try source.root.readTensor("\(name)/weight"), to: "\(name)/weight")
      try file.root.write(try source.root.readTensor("\(name)/bias"), to: "\(name)/bias")
    }
    try file.close()
    try source.close()
    #expect(throws: (any Error).self) { _ = try VGG19.load(from: path, deepestLayer: .relu2_1) }
    do {
      _ = try VGG19.load(from: path, deepestLayer: .relu2_1)
    } catch {
      let text = "\(error)"
      #expect(text.hasPrefix("\(path): "))
      #expect(text.contains("conv1_2: missing"))
      #expect(text.contains("conv2_1: missing"))
    }
    _ = try VGG19.load(from: path, deepestLayer: .relu1_1)
  }
}
