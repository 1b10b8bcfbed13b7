import Autodiff
import TensorCore

/// Either normalisation the generator can use, as one layer type: `batch` (`BatchNorm`, with
/// running statistics) or `instance` (`InstanceNorm`). Paths are those of the wrapped layer.
public enum NormalizationLayer: Layer, Sendable {
  /// Batch normalisation.
  case batch(BatchNorm)
  /// Instance normalisation.
  case instance(InstanceNorm)

  /// A normalisation of `kind` over `channels` channels, γ drawn from `random` as U[0, 1) when
  /// `uniformScale` (Torch7's initialisation), else 1; β = 0.
  public init(
    _ kind: GeneratorConfiguration.Normalization, channels: Int, uniformScale: Bool,
    inferenceStatistics: BatchNormStatistics, random: inout RandomStream
  ) {
    let scale = uniformScale ? random.uniformTensor([channels]) : nil
    switch kind {
    case .batch:
      self = .batch(
        BatchNorm(channels: channels, scale: scale, inferenceStatistics: inferenceStatistics))
    case .instance:
      self = .instance(InstanceNorm(channels: channels, scale: scale))
    }
  }

  /// The normalised `x` `[N, C, H, W]`.
  public mutating func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable {
    switch self {
    case .batch(var layer):
      let y = layer(x, mode: mode)
      self = .batch(layer)
      return y
    case .instance(let layer):
      return layer(x, mode: mode)
    }
  }

  /// The wrapped layer's parameters.
  public var parameters: [(path: String, value: Variable)] {
    switch self {
    case .batch(let layer): return layer.parameters
    case .instance(let layer): return layer.parameters
    }
  }

  /// The running statistics of a batch norm; none for an instance norm.
  public var buffers: [(path: String, value: Tensor)] {
    switch self {
    case .batch(let layer): return layer.buffers
    case .instance: return []
    }
  }

  /// Batch norm's statistics in inference mode (no effect on an instance norm).
  public var inferenceStatistics: BatchNormStatistics? {
    get {
      if case .batch(let layer) = self { return layer.inferenceStatistics }
      return nil
    }
    set {
      guard case .batch(var layer) = self, let newValue else { return }
      layer.inferenceStatistics = newValue
      self = .batch(layer)
    }
  }

  /// Replaces a tensor of the wrapped layer.
  public mutating func setTensor(_ value: Tensor, at path: String) {
    switch self {
    case .batch(var layer):
      layer.setTensor(value, at: path)
      self = .batch(layer)
    case .instance(var layer):
      layer.setTensor(value, at: path)
      self = .instance(layer)
    }
  }
}
