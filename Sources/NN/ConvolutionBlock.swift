import Autodiff
import TensorCore

/// The generator's building block: `conv0` 3x3 → `bn0` → act → `conv1` 3x3 → `bn1` → act →
/// `conv2` 1x1 → `bn2` → act, every convolution to `outputChannels`. `[N, I, H, W]` →
/// `[N, O, H, W]`.
///
/// Paths: `conv{j}.weight|bias`, `bn{j}.weight|bias` and, for batch norm,
/// `bn{j}.running_mean|running_var` (j = 0, 1, 2), the reference's `conv_block` names.
/// - Reference: Ulyanov et al. 2016, Fig. 2 ("Conv block": 3x3, 3x3, 1x1, each followed by batch
///   norm and LeakyReLU); texture_nets `models/pyramid.lua`.
public struct ConvolutionBlock: Layer, Sendable {
  /// The three convolutions: 3x3, 3x3, 1x1.
  public private(set) var convolutions: [Conv2D]
  /// The normalisation after each convolution.
  public private(set) var normalizations: [NormalizationLayer]
  /// The activation after each normalisation.
  public let activation: Activation

  /// A block from `inputChannels` to `outputChannels` set up as `configuration` says; draws
  /// conv0, bn0, conv1, bn1, conv2, bn2 from `random` in that order.
  public init(
    inputChannels: Int, outputChannels: Int, configuration: GeneratorConfiguration,
    random: inout RandomStream
  ) {
    var convolutions: [Conv2D] = []
    var normalizations: [NormalizationLayer] = []
    for (j, kernelSize) in [3, 3, 1].enumerated() {
      convolutions.append(
        Conv2D(
          inputChannels: j == 0 ? inputChannels : outputChannels, outputChannels: outputChannels,
          kernelSize: kernelSize, padding: configuration.padding, random: &random))
      normalizations.append(
        NormalizationLayer(
          configuration.normalization, channels: outputChannels,
          uniformScale: configuration.initialization == .torch7,
          inferenceStatistics: configuration.samplingStatistics, random: &random))
    }
    self.convolutions = convolutions
    self.normalizations = normalizations
    activation = configuration.activation
  }

  /// The block applied to `x`.
  public mutating func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable {
    applied(to: x, mode: mode)
  }

  /// The block applied to `x`, which it takes over: in inference mode the input's storage is freed
  /// as soon as the first convolution has read it (the finest join's input is 8·K channels at
  /// full size), so at most two activations of the block are alive at once.
  public mutating func applied(to x: consuming Variable, mode: LayerMode) -> Variable {
    var y = x
    for j in 0..<3 {
      y = convolutions[j](y, mode: mode)
      y = normalizations[j](y, mode: mode)
      y = activation(y, mode: mode)
    }
    return y
  }

  /// `conv0.weight`, `conv0.bias`, `bn0.weight`, `bn0.bias`, `conv1.weight`, ...
  public var parameters: [(path: String, value: Variable)] {
    (0..<3).flatMap { j in
      prefixed("conv\(j)", convolutions[j].parameters)
        + prefixed("bn\(j)", normalizations[j].parameters)
    }
  }

  /// `bn{j}.running_mean`, `bn{j}.running_var` (batch norm only).
  public var buffers: [(path: String, value: Tensor)] {
    (0..<3).flatMap { j in prefixed("bn\(j)", normalizations[j].buffers) }
  }

  /// Batch norm's statistics in inference mode, for all three normalisations.
  public mutating func setInferenceStatistics(_ statistics: BatchNormStatistics) {
    for j in normalizations.indices { normalizations[j].inferenceStatistics = statistics }
  }

  /// Replaces `conv{j}.*` or `bn{j}.*`.
  public mutating func setTensor(_ value: Tensor, at path: String) {
    let (head, rest) = splitPath(path)
    if let j = Self.index(head, after: "conv") {
      convolutions[j].setTensor(value, at: rest)
    } else if let j = Self.index(head, after: "bn") {
      normalizations[j].setTensor(value, at: rest)
    } else {
      preconditionFailure("ConvolutionBlock has no tensor \(path)")
    }
  }

  /// j for `"conv{j}"` (or `"bn{j}"`) with j in 0...2, else nil.
  private static func index(_ head: String, after prefix: String) -> Int? {
    guard head.hasPrefix(prefix), let j = Int(head.dropFirst(prefix.count)), (0..<3).contains(j)
    else { return nil }
    return j
  }
}
