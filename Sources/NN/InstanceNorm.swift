import Autodiff
import TensorCore

/// Instance normalisation with an affine map (Ulyanov, Vedaldi and Lempitsky 2016), as PyTorch's
/// `InstanceNorm2d(affine=True)`: `y = γ[c] · (x − μ[n, c]) / √(σ²[n, c] + ε) + β[c]` for `x`
/// `[N, C, H, W]`, statistics per (image, channel) over (H, W), σ² biased, ε = 1e-5. The same in
/// both modes (no running statistics).
///
/// Paths: `weight` (γ), `bias` (β).
/// - Reference: D. Ulyanov, A. Vedaldi and V. Lempitsky, "Instance Normalization: The Missing
///   Ingredient for Fast Stylization", 2016.
public struct InstanceNorm: Layer, Sendable {
  /// γ `[C]`.
  public private(set) var scale: Variable
  /// β `[C]`.
  public private(set) var shift: Variable
  /// ε, added to the variance.
  public let epsilon: Float

  /// An instance norm over `channels` channels: γ = 1 (or `scale` when given), β = 0.
  public init(channels: Int, scale: Tensor? = nil, epsilon: Float = 1e-5) {
    let gamma = scale ?? Tensor(shape: [channels], repeating: 1)
    precondition(
      gamma.shape == [channels], "InstanceNorm: scale \(gamma.shape) for \(channels) channels")
    self.scale = Variable(gamma, requiresGradient: true)
    shift = Variable(Tensor(zeros: [channels]), requiresGradient: true)
    self.epsilon = epsilon
  }

  /// The number of channels C.
  public var channels: Int { scale.shape[0] }

  /// The normalised `x` `[N, C, H, W]`.
  public func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable {
    precondition(
      x.shape.nchw.c == channels, "InstanceNorm: input \(x.shape) for \(channels) channels")
    return instanceNorm(
      x, gamma: parameter(scale, in: mode), beta: parameter(shift, in: mode), epsilon: epsilon)
  }

  /// `weight` (γ), `bias` (β).
  public var parameters: [(path: String, value: Variable)] { [("weight", scale), ("bias", shift)] }

  /// Replaces `weight` or `bias`.
  public mutating func setTensor(_ value: Tensor, at path: String) {
    switch path {
    case "weight": scale = leaf(value, replacing: scale, path: path)
    case "bias": shift = leaf(value, replacing: shift, path: path)
    default: preconditionFailure("InstanceNorm has no tensor \(path)")
    }
  }
}
