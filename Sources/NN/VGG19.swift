import Autodiff
import Store
import TensorCore

/// The normalised VGG-19 of Gatys et al. as a fixed texture and content descriptor.
///
/// Input: RGB in [0, 1], `[N, 3, H, W]`. The 1x1 `preprocess` convolution of the weights applies
/// the Caffe convention (BGR · 255 minus the ImageNet mean); then 3x3 convolutions, each followed
/// by ReLU, with 2x2 stride-2 pooling after relu1_2, relu2_2, relu3_4 and relu4_4. One forward
/// pass returns every requested tap and stops at the deepest one. The weights are frozen: no
/// weight gradient is ever computed, and each filter is prepared once in the layout the
/// convolution kernels read (Winograd F(4x4, 3x3) transforms for the 3x3 layers from conv1_2 on).
///
/// - Reference: Gatys, Ecker and Bethge 2015 (the normalised network); Simonyan and Zisserman 2015.
/// - Note: Options beyond the paper: `reflect` padding (AdaIN's copy) and `none` (texture_nets'
///   `-vgg_no_pad`, valid convolutions that shrink each map by 2 per 3x3 layer).
public struct VGG19: Sendable {
  /// Padding of the 3x3 convolutions.
  public enum Padding: String, Codable, CaseIterable, Sendable {
    /// Zeros (Caffe VGG, Gatys et al.): the default.
    case zero
    /// Mirror without repeating the edge (AdaIN's VGG).
    case reflect
    /// No padding: valid convolutions (texture_nets `-vgg_no_pad`).
    case none
  }

  /// Pooling after each block.
  public enum Pooling: String, Codable, CaseIterable, Sendable {
    /// Max pooling (VGG, official texture_nets).
    case max
    /// Average pooling (recommended by Gatys et al. for synthesis).
    case average
  }

  /// The convolution layer names in order, `preprocess` first (from `VGG19Layout`).
  public static let convolutionNames: [String] = VGG19Layout.convolutions.map(\.name)

  /// The shape `[O, I, k, k]` of each convolution's weight (bias `[O]`), from `VGG19Layout`.
  public static let weightShapes: [String: Shape] = Dictionary(
    uniqueKeysWithValues: VGG19Layout.convolutions.map { ($0.name, Shape($0.weightShape)) })

  struct Convolution: Sendable {
    var filter: ConvolutionFilter
    var bias: Tensor
  }

  /// The padding of the 3x3 convolutions.
  public let padding: Padding
  /// The pooling after each block.
  public let pooling: Pooling
  /// The deepest layer this instance can compute (its weights stop there).
  public let deepestLayer: VGGLayer
  let convolutions: [String: Convolution]

  /// A descriptor from weights `name → (weight [O, I, k, k], bias [O])` for `preprocess` and every
  /// convolution up to `deepestLayer`; deeper layers' weights are not kept (memory).
  /// Missing or mis-shaped layers are errors naming them.
  public init(
    weights: [String: (weight: Tensor, bias: Tensor)], padding: Padding = .zero,
    pooling: Pooling = .max, deepestLayer: VGGLayer = .relu5_1
  ) throws(VGGWeightsError) {
    self.padding = padding
    self.pooling = pooling
    self.deepestLayer = deepestLayer
    var convolutions: [String: Convolution] = [:]
    var problems: [String] = []
    for name in Self.requiredConvolutions(upTo: deepestLayer) {
      guard let expected = Self.weightShapes[name] else { continue }
      guard let pair = weights[name] else {
        problems.append("\(name): missing")
        continue
      }
      if pair.weight.shape != expected {
        problems.append("\(name)/weight: shape \(pair.weight.shape), expected \(expected)")
      } else if pair.bias.shape != [expected[0]] {
        problems.append("\(name)/bias: shape \(pair.bias.shape), expected [\(expected[0])]")
      } else {
        // 3x3 layers of 64+ input channels run Winograd F(4x4, 3x3): 4x fewer multiply-adds
        // than the direct (shifted-GEMM) convolution, for 4x the weights' memory (207 MB to
        // conv5_1); interleaved runs of the 128² train step took 634 and 660 ms against the
        // F(2x2, 3x3) kernel's 769 and 804 ms (2026-12-02, notebooks-md/benchmarks.md).
        let layout: ConvolutionFilter.Layout =
          expected[2] == 3 && expected[1] >= 64 ? .winograd : .taps
        convolutions[name] = Convolution(
          filter: ConvolutionFilter(pair.weight, layout: layout), bias: pair.bias)
      }
    }
    if !problems.isEmpty { throw VGGWeightsError(problems: problems) }
    self.convolutions = convolutions
  }

  /// `preprocess` and the convolutions a forward pass to `layer` needs.
  public static func requiredConvolutions(upTo layer: VGGLayer) -> [String] {
    var names = ["preprocess"]
    for candidate in VGGLayer.allCases where candidate <= layer {
      if candidate.rawValue.hasPrefix("conv") { names.append(candidate.rawValue) }
    }
    if let name = layer.convolutionName, !names.contains(name) { names.append(name) }
    return names
  }

  /// The activations at `taps` for `input` `[N, 3, H, W]` (RGB in [0, 1]), by layer; the pass
  /// stops at the deepest tap. Differentiable with respect to `input` when it needs a gradient.
  public func callAsFunction(_ input: Variable, taps: Set<VGGLayer>) -> [VGGLayer: Variable] {
    guard let deepest = taps.max() else { return [:] }
    precondition(
      deepest <= deepestLayer,
      "VGG19: tap \(deepest.rawValue) is deeper than the loaded weights (up to \(deepestLayer.rawValue))")
    var result: [VGGLayer: Variable] = [:]
    var x = conv(input, "preprocess", activation: .identity, kernelSize: 1)
    var layers = VGGLayer.allCases[...]
    while let layer = layers.popFirst(), layer <= deepest {
      let name = layer.rawValue
      if name.hasPrefix("conv") {
        // Fuse the ReLU into the convolution unless the convolution's own output is a tap.
        if taps.contains(layer) {
          x = conv(x, name, activation: .identity, kernelSize: 3)
          result[layer] = x
          guard let next = layers.popFirst(), next <= deepest else { break }
          x = relu(x)
          if taps.contains(next) { result[next] = x }
        } else {
          x = conv(x, name, activation: .relu, kernelSize: 3)
          if let next = layers.popFirst(), next <= deepest, taps.contains(next) { result[next] = x }
        }
      } else if name.hasPrefix("pool") {
        x = pooling == .max ? maxPool2x2(x) : averagePool2x2(x)
        if taps.contains(layer) { result[layer] = x }
      }
    }
    return result
  }

  private func conv(
    _ x: Variable, _ name: String, activation: FusedActivation, kernelSize: Int
  ) -> Variable {
    guard let layer = convolutions[name] else {
      preconditionFailure("VGG19: no weights for \(name)")
    }
    let geometry = ConvolutionGeometry(
      kernelSize: kernelSize, stride: 1,
      padding: kernelSize == 1 || padding == .none ? 0 : 1,
      paddingMode: padding == .reflect ? .reflect : .zero)
    return conv2d(x, frozen: layer.filter, bias: layer.bias, geometry: geometry, activation: activation)
  }
}

/// VGG-19 weights that are missing or have the wrong shapes; every problem is listed.
public struct VGGWeightsError: Error, CustomStringConvertible {
  /// The weights file, when the weights came from one.
  public var file: String?
  /// One line per layer: `conv3_1: missing`, `conv1_1/weight: shape [...], expected [...]`.
  public var problems: [String]

  /// Problems with weights from `file` (nil when they came from memory).
  public init(file: String? = nil, problems: [String]) {
    self.file = file
    self.problems = problems
  }

  /// `FILE: VGG-19 weights do not fit the network:` then the problems, one per line.
  public var description: String {
    (file.map { "\($0): " } ?? "") + "VGG-19 weights do not fit the network:\n"
      + problems.map { "  " + $0 }.joined(separator: "\n")
  }
}
