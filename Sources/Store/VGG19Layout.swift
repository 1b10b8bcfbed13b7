import TensorCore

/// One convolution of VGG-19 as its weights file holds it: the group name and the shapes.
public struct VGGConvolutionSpec: Sendable, Equatable {
  /// The HDF5 group name: `preprocess`, or `conv{block}_{index}` (paper spelling, e.g. `conv4_2`).
  public let name: String
  /// The block, 1–5 (0 for `preprocess`).
  public let block: Int
  /// Input channels I of the weight `[O, I, kH, kW]`.
  public let inputChannels: Int
  /// Output channels O of the weight and of the bias `[O]`.
  public let outputChannels: Int
  /// kH = kW: 1 for `preprocess`, 3 for every VGG convolution.
  public let kernelSize: Int
  /// Whether 2x2 stride-2 pooling follows this convolution's ReLU (the last one of each block).
  public let isFollowedByPooling: Bool

  /// The weight shape `[O, I, kH, kW]`.
  public var weightShape: [Int] { [outputChannels, inputChannels, kernelSize, kernelSize] }
  /// The bias shape `[O]`.
  public var biasShape: [Int] { [outputChannels] }
}

/// The VGG-19 layer table, written once: the descriptor (`NN.VGG19`), its verified loading and the
/// PyTorch weight import (`VGGWeightImport`, whose checkpoint indices derive from it) all read it.
///
/// A 1x1 `preprocess` convolution (3 → 3, the input convention of the normalised VGG-19) comes
/// first; then configuration E's five blocks of 2, 2, 4, 4, 4 3x3 convolutions with 64, 128, 256,
/// 512, 512 output channels, each followed by ReLU, with 2x2 stride-2 pooling after each block.
///
/// - Reference: Simonyan and Zisserman 2015, table 1 (configuration E); Gatys, Ecker and Bethge
///   2015 (the normalised network); ../shared/reference/README.md ("Weights file").
/// - Note: It lives in Store, the lowest target both NN and the weight import see; TensorCore
///   knows tensors and kernels, not networks.
public enum VGG19Layout {
  /// Configuration E, block by block: how many 3x3 convolutions, and their output channels.
  public static let blocks: [(convolutions: Int, channels: Int)] = [
    (2, 64), (2, 128), (4, 256), (4, 512), (4, 512),
  ]

  /// The 17 convolutions in forward order: `preprocess`, then `conv1_1` … `conv5_4`.
  public static let convolutions: [VGGConvolutionSpec] = {
    var specs = [
      VGGConvolutionSpec(
        name: "preprocess", block: 0, inputChannels: 3, outputChannels: 3, kernelSize: 1,
        isFollowedByPooling: false)
    ]
    var channels = 3
    for (offset, block) in blocks.enumerated() {
      for index in 1...block.convolutions {
        specs.append(
          VGGConvolutionSpec(
            name: "conv\(offset + 1)_\(index)", block: offset + 1, inputChannels: channels,
            outputChannels: block.channels, kernelSize: 3,
            isFollowedByPooling: index == block.convolutions))
        channels = block.channels
      }
    }
    return specs
  }()

  /// The convolution called `name` (`preprocess`, `conv1_1`, ...), if VGG-19 has one.
  public static func convolution(named name: String) -> VGGConvolutionSpec? {
    convolutions.first { $0.name == name }
  }

  /// The weights file's dataset paths and shapes for the convolutions `names`:
  /// `NAME/weight` `[O, I, k, k]` and `NAME/bias` `[O]` (unknown names are skipped).
  public static func parameterShapes(of names: some Sequence<String>) -> [String: Shape] {
    var shapes: [String: Shape] = [:]
    for name in names {
      guard let spec = convolution(named: name) else { continue }
      shapes["\(name)/weight"] = Shape(spec.weightShape)
      shapes["\(name)/bias"] = Shape(spec.biasShape)
    }
    return shapes
  }
}
