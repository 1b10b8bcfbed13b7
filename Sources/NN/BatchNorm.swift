import Autodiff
import TensorCore

/// Which statistics batch normalisation uses outside training.
public enum BatchNormStatistics: String, Codable, CaseIterable, Sendable {
  /// The batch's own statistics, as in training (the official texture_nets v1 sampled with its
  /// networks left in training mode); the running averages are not updated.
  case batch
  /// The running averages accumulated in training (PyTorch's `eval()`).
  case running
}

/// Batch normalisation with an affine map (Ioffe and Szegedy 2015), as PyTorch's `BatchNorm2d`:
/// `y = γ[c] · (x − μ[c]) / √(σ²[c] + ε) + β[c]` for `x` `[N, C, H, W]`, ε = 1e-5.
///
/// - Training: μ, σ² are the batch's, per channel over (N, H, W), σ² biased; the running
///   averages are updated, `r ← (1 − m) r + m s` with momentum m = 0.1 and the unbiased variance
///   `σ² · M / (M − 1)` (M = N·H·W), as PyTorch does.
/// - Inference: the running averages, or the batch's statistics when `inferenceStatistics` is
///   `batch` (the running averages are then left alone).
///
/// The statistics and the reductions of the backward pass are summed in Double.
/// Paths: `weight` (γ), `bias` (β); buffers `running_mean`, `running_var`.
public struct BatchNorm: Layer, Sendable {
  /// γ `[C]`.
  public private(set) var scale: Variable
  /// β `[C]`.
  public private(set) var shift: Variable
  /// The running mean `[C]`.
  public private(set) var runningMean: Tensor
  /// The running (unbiased) variance `[C]`.
  public private(set) var runningVariance: Tensor
  /// The statistics used in inference mode.
  public var inferenceStatistics: BatchNormStatistics
  /// ε, added to the variance.
  public let epsilon: Float
  /// The weight of the newest batch in the running averages.
  public let momentum: Float

  /// A batch norm over `channels` channels with PyTorch's initial state: γ = 1 (or
  /// `scale` when given), β = 0, running mean 0, running variance 1.
  public init(
    channels: Int, scale: Tensor? = nil, inferenceStatistics: BatchNormStatistics = .running,
    epsilon: Float = 1e-5, momentum: Float = 0.1
  ) {
    let gamma = scale ?? Tensor(shape: [channels], repeating: 1)
    precondition(gamma.shape == [channels], "BatchNorm: scale \(gamma.shape) for \(channels) channels")
    self.scale = Variable(gamma, requiresGradient: true)
    shift = Variable(Tensor(zeros: [channels]), requiresGradient: true)
    runningMean = Tensor(zeros: [channels])
    runningVariance = Tensor(shape: [channels], repeating: 1)
    self.inferenceStatistics = inferenceStatistics
    self.epsilon = epsilon
    self.momentum = momentum
  }

  /// The number of channels C.
  public var channels: Int { runningMean.count }

  /// The normalised `x` `[N, C, H, W]`; in training mode the running averages are updated.
  public mutating func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable {
    precondition(
      x.shape.nchw.c == channels, "BatchNorm: input \(x.shape) for \(channels) channels")
    let gamma = parameter(scale, in: mode)
    let beta = parameter(shift, in: mode)
    switch (mode, inferenceStatistics) {
    case (.training, _):
      let (output, statistics) = batchNormTraining(x, gamma: gamma, beta: beta, epsilon: epsilon)
      updateRunningStatistics(
        mean: &runningMean, variance: &runningVariance, with: statistics, momentum: momentum)
      return output
    case (.inference, .batch):
      return batchNormTraining(x, gamma: gamma, beta: beta, epsilon: epsilon).output
    case (.inference, .running):
      return batchNormInference(
        x, gamma: gamma, beta: beta, mean: runningMean, variance: runningVariance,
        epsilon: epsilon)
    }
  }

  /// `weight` (γ), `bias` (β).
  public var parameters: [(path: String, value: Variable)] { [("weight", scale), ("bias", shift)] }

  /// `running_mean`, `running_var`.
  public var buffers: [(path: String, value: Tensor)] {
    [("running_mean", runningMean), ("running_var", runningVariance)]
  }

  /// Replaces `weight`, `bias`, `running_mean` or `running_var`.
  public mutating func setTensor(_ value: Tensor, at path: String) {
    switch path {
    case "weight": scale = leaf(value, replacing: scale, path: path)
    case "bias": shift = leaf(value, replacing: shift, path: path)
    case "running_mean":
      checkShape(value, runningMean.shape, path: path)
      runningMean = value
    case "running_var":
      checkShape(value, runningVariance.shape, path: path)
      runningVariance = value
    default: preconditionFailure("BatchNorm has no tensor \(path)")
    }
  }
}
