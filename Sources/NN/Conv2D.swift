import Autodiff
import TensorCore

/// A trainable 2-D convolution (cross-correlation, as PyTorch's `nn.Conv2d`), stride 1, "same"
/// size: `y[n, o] = bias[o] + Σ_i weight[o, i] ⋆ pad(x[n, i])`, `[N, I, H, W]` → `[N, O, H, W]`,
/// with `weight` `[O, I, k, k]` (k odd: 1 or 3 in the generator), `bias` `[O]`, and k/2 rows and
/// columns of padding filled by `padding` (circular in the texture networks).
///
/// Paths: `weight`, `bias`.
/// - Reference: Ulyanov et al. 2016, §3.1 ("circular convolution"); PyTorch `nn.Conv2d` with
///   `padding_mode`.
public struct Conv2D: Layer, Sendable {
  /// `[O, I, k, k]`.
  public private(set) var weight: Variable
  /// `[O]`.
  public private(set) var bias: Variable
  /// How the image is extended beyond its border.
  public let padding: PaddingMode

  /// A convolution with the given weight `[O, I, k, k]` (k odd) and bias `[O]`.
  public init(weight: Tensor, bias: Tensor, padding: PaddingMode) {
    let dims = weight.shape.dimensions
    precondition(
      dims.count == 4 && dims[2] == dims[3] && dims[2] % 2 == 1,
      "Conv2D: the weight must be [O, I, k, k] with k odd, got \(weight.shape)")
    precondition(bias.shape == [dims[0]], "Conv2D: bias \(bias.shape) for weight \(weight.shape)")
    self.weight = Variable(weight, requiresGradient: true)
    self.bias = Variable(bias, requiresGradient: true)
    self.padding = padding
  }

  /// A convolution from `inputChannels` to `outputChannels` with a `kernelSize` kernel,
  /// initialised as PyTorch (and Torch7) do by default: weight and bias each uniform on
  /// ±1/√fan_in, fan_in = I·k·k (PyTorch's `kaiming_uniform_(a=√5)` has this bound). Draws the
  /// weight (row-major), then the bias, from `random`.
  public init(
    inputChannels: Int, outputChannels: Int, kernelSize: Int, padding: PaddingMode,
    random: inout RandomStream
  ) {
    let bound = 1 / Float(inputChannels * kernelSize * kernelSize).squareRoot()
    let weight = random.uniformTensor(
      [outputChannels, inputChannels, kernelSize, kernelSize], low: -bound, high: bound)
    let bias = random.uniformTensor([outputChannels], low: -bound, high: bound)
    self.init(weight: weight, bias: bias, padding: padding)
  }

  /// The kernel size k.
  public var kernelSize: Int { weight.shape[2] }

  /// The convolution of `x` `[N, I, H, W]`: `[N, O, H, W]`.
  public func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable {
    let geometry = ConvolutionGeometry(kernelSize: kernelSize, paddingMode: padding)
    // Training sums in Double unless a scope says otherwise: see `ConvolutionPrecision`.
    return conv2d(
      x, weight: parameter(weight, in: mode), bias: parameter(bias, in: mode), geometry: geometry,
      accumulateInDouble: mode == .training && ConvolutionPrecision.sumsTrainingForwardInDouble)
  }

  /// `weight`, `bias`.
  public var parameters: [(path: String, value: Variable)] { [("weight", weight), ("bias", bias)] }

  /// Replaces `weight` or `bias`.
  public mutating func setTensor(_ value: Tensor, at path: String) {
    switch path {
    case "weight": weight = leaf(value, replacing: weight, path: path)
    case "bias": bias = leaf(value, replacing: bias, path: path)
    default: preconditionFailure("Conv2D has no tensor \(path)")
    }
  }
}
