import NN
import Store
import Testing

@Suite struct VGGLayerTests {
  @Test func parsesPaperNames() throws {
    #expect(try VGGLayer(named: "relu4_2") == .relu4_2)
    #expect(VGGLayer.allCases.count == 37)
    #expect(VGGLayer.styleLayers.map(\.rawValue) == ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"])
    #expect(VGGLayer.relu1_2 < VGGLayer.pool1 && VGGLayer.pool1 < VGGLayer.conv2_1)
  }

  @Test func unknownNamesSuggestTheClosest() {
    #expect(throws: VGGLayerError(name: "relu6_1", suggestion: "relu5_1")) { try VGGLayer(named: "relu6_1") }
    #expect(throws: VGGLayerError(name: "rleu4_2", suggestion: "relu4_2")) { try VGGLayer(named: "rleu4_2") }
    #expect(throws: VGGLayerError(name: "banana", suggestion: nil)) { try VGGLayer(named: "banana") }
    let message = VGGLayerError(name: "relu6_1", suggestion: "relu5_1").description
    #expect(message.hasPrefix("\"relu6_1\" is not a VGG-19 layer; did you mean \"relu5_1\"?"))
  }

  @Test func requiredConvolutionsStopAtTheDeepestLayer() {
    #expect(VGG19.requiredConvolutions(upTo: .relu1_1) == ["preprocess", "conv1_1"])
    #expect(VGG19.requiredConvolutions(upTo: .pool1) == ["preprocess", "conv1_1", "conv1_2"])
    #expect(VGG19.requiredConvolutions(upTo: .relu5_1).last == "conv5_1")
    #expect(VGG19.requiredConvolutions(upTo: .relu5_1).count == 14)
  }

  /// The enum's cases and the one layer table (`VGG19Layout`) cannot drift apart: every
  /// convolution of the table is a case followed by its ReLU, a pool follows each block's last
  /// one, and nothing else is a case.
  @Test func theLayerCasesFollowTheLayerTable() {
    var expected: [String] = []
    for spec in VGG19Layout.convolutions.dropFirst() {
      let suffix = spec.name.dropFirst(4)
      expected += ["conv\(suffix)", "relu\(suffix)"]
      if spec.isFollowedByPooling { expected.append("pool\(spec.block)") }
    }
    #expect(VGGLayer.allCases.map(\.rawValue) == expected)
    #expect(VGG19.convolutionNames == VGG19Layout.convolutions.map(\.name))
    #expect(VGG19.weightShapes["conv3_1"] == [256, 128, 3, 3])
    #expect(VGG19.weightShapes["preprocess"] == [3, 3, 1, 1])
    #expect(VGG19.weightShapes.count == 17)
  }
}
