import Autodiff
import TensorCore

/// The nonlinearity of a block, as a parameterless layer; any shape.
///
/// In JSON: `{"kind": "leakyReLU", "slope": 0.01}` or `{"kind": "relu"}`.
/// - Reference: the official texture_nets uses `nn.LeakyReLU()` (slope 0.01) after every
///   normalisation.
/// - Note: Deviation: the paper (Ulyanov et al. 2016, §3.1) says ReLU; `relu` is that option.
public enum Activation: Layer, Codable, Equatable, Sendable {
  /// `x > 0 ? x : slope · x`.
  case leakyReLU(slope: Float)
  /// `max(x, 0)`.
  case relu

  /// The activation of `x`.
  public func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable {
    switch self {
    case .leakyReLU(let slope): return Autodiff.leakyReLU(x, slope: slope)
    case .relu: return Autodiff.relu(x)
    }
  }

  /// The same activation as a convolution's fused epilogue.
  public var fused: FusedActivation {
    switch self {
    case .leakyReLU(let slope): return .leakyReLU(slope: slope)
    case .relu: return .relu
    }
  }

  /// None.
  public var parameters: [(path: String, value: Variable)] { [] }

  /// There are none.
  public func setTensor(_ value: Tensor, at path: String) {
    preconditionFailure("an activation has no tensor \(path)")
  }

  private enum CodingKeys: String, CodingKey { case kind, slope }

  /// Decodes `{"kind": "leakyReLU", "slope": s}` or `{"kind": "relu"}`.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let kind = try container.decode(String.self, forKey: .kind)
    switch kind {
    case "leakyReLU": self = .leakyReLU(slope: try container.decode(Float.self, forKey: .slope))
    case "relu": self = .relu
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .kind, in: container,
        debugDescription: "unknown activation \"\(kind)\" (expected \"leakyReLU\" or \"relu\")")
    }
  }

  /// Encodes as `init(from:)` decodes.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .leakyReLU(let slope):
      try container.encode("leakyReLU", forKey: .kind)
      try container.encode(slope, forKey: .slope)
    case .relu:
      try container.encode("relu", forKey: .kind)
    }
  }
}

/// Nearest-neighbour upsampling by 2: `y[n, c, i, j] = x[n, c, ⌊i/2⌋, ⌊j/2⌋]`,
/// `[N, C, H, W]` → `[N, C, 2H, 2W]`; no parameters (PyTorch `interpolate(scale_factor=2)`).
public struct UpsampleNearest2x: Layer, Sendable {
  /// An upsampling layer.
  public init() {}

  /// `x` upsampled.
  public func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable { upsampleNearest2x(x) }

  /// None.
  public var parameters: [(path: String, value: Variable)] { [] }

  /// There are none.
  public func setTensor(_ value: Tensor, at path: String) {
    preconditionFailure("UpsampleNearest2x has no tensor \(path)")
  }
}

/// The image averaged down to each of `levels` scales, coarsest first: entry k is
/// `avgpool(image, 2^(levels − 1 − k))`, `[N, C, H / 2^(levels−1−k), W / 2^(levels−1−k)]`;
/// the last entry is `image` itself. Each scale is the 2x2 average of the next finer one, which
/// equals the average over the 2^j x 2^j window (up to rounding). H and W must be multiples of
/// 2^(levels − 1).
///
/// - Reference: Ulyanov et al. 2016, §3.2 (the content image fed at every scale); the reference's
///   `F.avg_pool2d(content, 2 ** (K - 1 - k))`.
public func averagePoolPyramid(_ image: Variable, levels: Int) -> [Variable] {
  let (_, _, h, w) = image.shape.nchw
  let factor = 1 << (levels - 1)
  precondition(
    levels >= 1 && h % factor == 0 && w % factor == 0,
    "averagePoolPyramid: \(h)x\(w) is not divisible by 2^\(levels - 1)")
  var pyramid = [image]
  for _ in 1..<levels { pyramid.append(averagePool2x2(pyramid[pyramid.count - 1])) }
  return pyramid.reversed()
}
