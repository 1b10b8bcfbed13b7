import Foundation
import Testing

@testable import Store

/// A VGG-19 state dict in memory: each layer's weight is filled with its position in `layout`
/// (`preprocess` holds AdaIN's documented values), each bias with minus that position.
func syntheticVGGCheckpoint(
  torchvision: Bool = false, dataType: TorchDataType = .float32,
  edit: (inout [(name: String, tensor: CheckpointTensor)]) -> Void = { _ in }
) -> TorchCheckpoint {
  func filled(_ shape: [Int], _ value: Float) -> CheckpointTensor {
    let count = shape.reduce(1, *)
    let bytes: [UInt8] =
      dataType == .float64
      ? [Double](repeating: Double(value), count: count).withUnsafeBytes { Array($0) }
      : [Float](repeating: value, count: count).withUnsafeBytes { Array($0) }
    return CheckpointTensor(dataType: dataType, shape: shape, bytes: bytes)
  }
  var tensors: [(name: String, tensor: CheckpointTensor)] = []
  let specs = torchvision ? Array(VGG19Layout.convolutions.dropFirst()) : VGG19Layout.convolutions
  let indices = torchvision ? VGGWeightImport.torchvisionIndices : VGGWeightImport.adainIndices
  for (position, (spec, index)) in zip(specs, indices).enumerated() {
    let key = torchvision ? "features.\(index)" : "\(index)"
    if spec.name == "preprocess" {
      tensors.append(
        (
          "\(key).weight",
          CheckpointTensor(shape: spec.weightShape, floats: [0, 0, 255, 0, 255, 0, 255, 0, 0])
        ))
      tensors.append(
        ("\(key).bias", CheckpointTensor(shape: [3], floats: [-103.939, -116.779, -123.68])))
    } else {
      tensors.append(("\(key).weight", filled(spec.weightShape, Float(position))))
      tensors.append(("\(key).bias", filled(spec.biasShape, -Float(position))))
    }
  }
  if torchvision {
    tensors.append(("classifier.0.weight", CheckpointTensor(shape: [2, 2], floats: [1, 2, 3, 4])))
    tensors.append(("classifier.0.bias", CheckpointTensor(shape: [2], floats: [1, 2])))
  }
  edit(&tensors)
  return TorchCheckpoint(file: "synthetic.pth", format: .legacy, sha256: "", tensors: tensors)
}

@Suite struct CheckpointVGGImportTests {
  @Test func layoutIsVGG19() {
    let layout = VGG19Layout.convolutions
    #expect(
      layout.map(\.name) == ["preprocess", "conv1_1", "conv1_2", "conv2_1", "conv2_2"]
        + (1...4).map { "conv3_\($0)" } + (1...4).map { "conv4_\($0)" }
        + (1...4).map { "conv5_\($0)" })
    #expect(layout[0].weightShape == [3, 3, 1, 1])
    #expect(layout[1].weightShape == [64, 3, 3, 3])
    #expect(layout[5].weightShape == [256, 128, 3, 3])
    #expect(layout[16].weightShape == [512, 512, 3, 3])
    // 20,024,384 parameters in the 16 VGG convolutions, plus 12 in preprocess.
    #expect(
      layout.map { $0.weightShape.reduce(1, *) + $0.outputChannels }.reduce(0, +) == 20_024_384 + 12
    )
  }

  /// The checkpoint indices derive from the layer table; these literals are read off the two
  /// networks' module lists (AdaIN's `vgg_normalised` nn.Sequential, torchvision's `vgg19().features`).
  @Test func checkpointIndicesDeriveFromTheTable() {
    #expect(
      VGGWeightImport.adainIndices == [
        0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51,
      ])
    #expect(
      VGGWeightImport.torchvisionIndices == [
        0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34,
      ])
    #expect(
      VGG19Layout.convolutions.filter(\.isFollowedByPooling).map(\.name) == [
        "conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4",
      ])
    #expect(VGG19Layout.convolution(named: "conv4_2")?.block == 4)
    #expect(VGG19Layout.convolution(named: "conv6_1") == nil)
    #expect(
      VGG19Layout.parameterShapes(of: ["conv1_1", "nonsense"]) == [
        "conv1_1/weight": [64, 3, 3, 3], "conv1_1/bias": [64],
      ])
  }

  @Test func adainKeysMapInIndexOrder() throws {
    let weights = try VGGWeightImport.weights(from: syntheticVGGCheckpoint())
    #expect(weights.scheme == .adainSequential)
    #expect(weights.layers.map(\.name) == VGG19Layout.convolutions.map(\.name))
    #expect(weights.layers.map(\.torchIndex) == VGGWeightImport.adainIndices)
    #expect(weights.layers[7].weight.shape == [256, 256, 3, 3])
    #expect(weights.layers[7].weight.scalars.allSatisfy { $0 == 7 })
    #expect(weights.layers[7].bias.scalars.allSatisfy { $0 == -7 })
    #expect(weights.inputConvention == VGGWeightImport.adainInputConvention)
    #expect(weights.ignoredKeys.isEmpty)
    #expect(weights.sourceDataTypes == [.float32])
  }

  @Test func torchvisionKeysGetASynthesisedPreprocess() throws {
    let weights = try VGGWeightImport.weights(from: syntheticVGGCheckpoint(torchvision: true))
    #expect(weights.scheme == .torchvisionFeatures)
    #expect(weights.layers.map(\.name) == VGG19Layout.convolutions.map(\.name))
    #expect(weights.layers.map(\.torchIndex) == [-1] + VGGWeightImport.torchvisionIndices)
    #expect(weights.ignoredKeys == ["classifier.0.weight", "classifier.0.bias"])
    #expect(weights.inputConvention == VGGWeightImport.torchvisionInputConvention)
    let preprocess = weights.layers[0]
    #expect(preprocess.weight.shape == [3, 3, 1, 1])
    #expect(
      preprocess.weight.scalars == [
        Float(1 / 0.229), 0, 0, 0, Float(1 / 0.224), 0, 0, 0, Float(1 / 0.225),
      ])
    #expect(
      preprocess.bias.scalars == [
        Float(-0.485 / 0.229), Float(-0.456 / 0.224), Float(-0.406 / 0.225),
      ])
    // The 1x1 conv reproduces (x - mean) / std to float32 rounding.
    for (channel, x) in zip(0..<3, [0.0, 0.5, 1.0]) {
      let exact =
        (x - VGGWeightImport.torchvisionMean[channel])
        / VGGWeightImport.torchvisionStandardDeviation[channel]
      let conv = Double(
        preprocess.weight.scalars[channel * 4] * Float(x) + preprocess.bias.scalars[channel])
      #expect(abs(conv - exact) < 1e-6)
    }
    #expect(weights.layers[1].weight.scalars.allSatisfy { $0 == 0 })
    #expect(weights.layers[16].weight.scalars.allSatisfy { $0 == 15 })
  }

  @Test func float64WeightsAreConverted() throws {
    let weights = try VGGWeightImport.weights(
      from: syntheticVGGCheckpoint(torchvision: true, dataType: .float64))
    #expect(weights.sourceDataTypes == [.float64])
    #expect(weights.layers[3].bias.scalars.allSatisfy { $0 == -2 })
  }

  /// Each broken state dict gives `notVGG19` (or a data-type error) naming the problem.
  @Test(arguments: BrokenStateDict.allCases)
  func brokenStateDictsAreRejected(broken: BrokenStateDict) {
    let checkpoint = syntheticVGGCheckpoint(edit: broken.apply)
    let error = checkpointError { try VGGWeightImport.weights(from: checkpoint) }
    let text = error.map(String.init(describing:)) ?? "no error"
    #expect(text.hasPrefix("synthetic.pth: "), "\(broken): \(text)")
    #expect(text.contains(broken.expectedMessage), "\(broken): \(text)")
  }

  /// The real `vgg_normalised.pth` (after Scripts/setup): 17 layers, shapes, documented preprocess.
  @Test(
    .enabled(
      if: RealWeights.checkpointPath != nil,
      "no vgg_normalised.pth in the data folder (run Scripts/setup or set TEXTURE_NETS_DATA)"))
  func realNormalisedVGG19() throws {
    let path = try #require(RealWeights.checkpointPath)
    let checkpoint = try TorchCheckpoint(contentsOf: path)
    #expect(checkpoint.sha256 == RealWeights.sha256)
    #expect(checkpoint.format == .legacy)
    #expect(checkpoint.tensors.count == 34)
    #expect(checkpoint.tensors.allSatisfy { $0.tensor.dataType == .float32 })
    let weights = try VGGWeightImport.weights(from: checkpoint)
    #expect(weights.layers.map(\.name) == VGG19Layout.convolutions.map(\.name))
    #expect(weights.layers.map(\.torchIndex) == VGGWeightImport.adainIndices)
    for (layer, spec) in zip(weights.layers, VGG19Layout.convolutions) {
      #expect(layer.weight.shape.dimensions == spec.weightShape)
      #expect(layer.bias.shape.dimensions == spec.biasShape)
    }
    #expect(weights.layers[0].weight.scalars == [0, 0, 255, 0, 255, 0, 255, 0, 0])
    #expect(weights.layers[0].bias.scalars == [-103.939, -116.779, -123.68])
    #expect(weights.inputConvention == VGGWeightImport.adainInputConvention)
  }
}

/// Ways a VGG-19 state dict can be wrong, with the text the error must contain.
enum BrokenStateDict: CaseIterable, Sendable {
  case wrongShape, missingBias, missingLayer, extraKey, mixedSchemes, noConvolutions, integerBias

  var expectedMessage: String {
    switch self {
    case .wrongShape:
      return "conv3_1 ('16.weight') has shape [256, 128, 3, 1]; expected [256, 128, 3, 3]"
    case .missingBias: return "index 51 (conv5_4) has a weight but no bias"
    case .missingLayer: return "16 convolutions"
    case .extraKey: return "unexpected key 'decoder.0.weight'"
    case .mixedSchemes: return "mixes"
    case .noConvolutions: return "no convolution keys"
    case .integerBias: return "tensor '0.bias' has data type int64"
    }
  }

  func apply(_ tensors: inout [(name: String, tensor: CheckpointTensor)]) {
    switch self {
    case .wrongShape:
      let values = [Float](repeating: 0, count: 256 * 128 * 3)
      tensors[10] = ("16.weight", CheckpointTensor(shape: [256, 128, 3, 1], floats: values))
    case .missingBias: tensors.removeAll { $0.name == "51.bias" }
    case .missingLayer: tensors.removeAll { $0.name.hasPrefix("51.") }
    case .extraKey: tensors.append(("decoder.0.weight", CheckpointTensor(shape: [1], floats: [0])))
    case .mixedSchemes:
      tensors.append(("features.99.weight", CheckpointTensor(shape: [1], floats: [0])))
    case .noConvolutions: tensors.removeAll()
    case .integerBias:
      tensors[1] = (
        "0.bias",
        CheckpointTensor(dataType: .int64, shape: [3], bytes: [UInt8](repeating: 0, count: 24))
      )
    }
  }
}
