import TensorCore

/// The settings of the multi-scale generator of Texture Networks, one field per behaviour so that
/// each can be ablated alone. JSON keys are the property names; every field is required.
///
/// - Reference: Ulyanov, Lebedev, Vedaldi and Lempitsky, "Texture Networks", ICML 2016, §3.1–3.2
///   and Fig. 2; the official texture_nets `models/pyramid.lua` (April 2016); the PyTorch
///   reference `TextureNet` (../shared/reference/texture_nets_torch.py).
public struct GeneratorConfiguration: Codable, Equatable, Sendable {
  /// What the network is conditioned on.
  public enum Mode: String, Codable, CaseIterable, Sendable {
    /// Noise only: texture synthesis.
    case texture
    /// The content image average-pooled to each scale, then that scale's noise: stylisation.
    case style
  }

  /// The distribution of the noise inputs.
  public enum NoiseDistribution: String, Codable, CaseIterable, Sendable {
    /// U[0, 1), as the official `NoiseFill` (`uniform()`).
    case uniform
    /// N(0, 1).
    case normal
  }

  /// The normalisation after every convolution and on both sides of every join.
  public enum Normalization: String, Codable, CaseIterable, Sendable {
    /// Batch normalisation (the paper and the official code).
    case batch
    /// Instance normalisation (Ulyanov et al.'s later finding for stylisation); its parameters
    /// keep the batch norms' names (`bn0.weight`, ...), without running statistics.
    case instance
  }

  /// What follows the finest join block.
  public enum OutputLayer: String, Codable, CaseIterable, Sendable {
    /// A 1x1 convolution to RGB, no nonlinearity (the official code and the reference):
    /// `to_rgb.weight`, `to_rgb.bias`.
    case convolution
    /// A 1x1 convolution, normalisation and activation (pystiche's reading of the paper's
    /// Fig. 2): adds `to_rgb_norm.weight`, `to_rgb_norm.bias` (and running statistics).
    case convolutionNormActivation
  }

  /// How parameters are initialised.
  public enum Initialization: String, Codable, CaseIterable, Sendable {
    /// PyTorch's defaults: convolution weights and biases U(±1/√fan_in) (the bound Torch7 also
    /// uses), normalisation γ = 1, β = 0.
    case pytorch
    /// As `pytorch` but γ ~ U[0, 1), as Torch7's BatchNormalization did in 2016
    /// (`weight:uniform()`).
    case torch7
  }

  /// K, the number of scales (1 to 8); scale 0 is the coarsest, M / 2^(K−1).
  public var levels: Int
  /// Channels of every branch block (8); the join at scale k has 8·(k+1).
  public var channelsPerLevel: Int
  /// Noise channels per scale (3); style mode may use 0 (content only).
  public var noiseChannels: Int
  /// The noise distribution.
  public var noiseDistribution: NoiseDistribution
  /// Texture or style.
  public var mode: Mode
  /// Batch or instance normalisation.
  public var normalization: Normalization
  /// Batch normalisation's statistics at sampling time (inference mode).
  public var samplingStatistics: BatchNormStatistics
  /// The activation after every normalisation.
  public var activation: Activation
  /// The padding of every convolution (circular in the paper and the official code).
  public var padding: PaddingMode
  /// The output layer.
  public var outputLayer: OutputLayer
  /// The initialisation.
  public var initialization: Initialization

  /// A configuration with every field given.
  public init(
    levels: Int, channelsPerLevel: Int, noiseChannels: Int, noiseDistribution: NoiseDistribution,
    mode: Mode, normalization: Normalization, samplingStatistics: BatchNormStatistics,
    activation: Activation, padding: PaddingMode, outputLayer: OutputLayer,
    initialization: Initialization
  ) {
    self.levels = levels
    self.channelsPerLevel = channelsPerLevel
    self.noiseChannels = noiseChannels
    self.noiseDistribution = noiseDistribution
    self.mode = mode
    self.normalization = normalization
    self.samplingStatistics = samplingStatistics
    self.activation = activation
    self.padding = padding
    self.outputLayer = outputLayer
    self.initialization = initialization
  }

  /// The official texture_nets generator (and the PyTorch reference): 8 channels per level,
  /// 3 channels of U[0, 1) noise, batch norm sampled with batch statistics (as v1 sampled),
  /// LeakyReLU(0.01), circular padding, a plain 1x1 output convolution, PyTorch initialisation.
  /// K = 5 for textures (the paper), 6 for stylisation (the official model).
  public static func textureNets(levels: Int = 5, mode: Mode = .texture) -> GeneratorConfiguration {
    GeneratorConfiguration(
      levels: levels, channelsPerLevel: 8, noiseChannels: 3, noiseDistribution: .uniform,
      mode: mode, normalization: .batch, samplingStatistics: .batch,
      activation: .leakyReLU(slope: 0.01), padding: .circular, outputLayer: .convolution,
      initialization: .pytorch)
  }

  /// Input channels of every branch: 3 content channels in style mode, then the noise.
  public var branchInputChannels: Int { noiseChannels + (mode == .style ? 3 : 0) }

  /// The factor 2^(K−1) that the sample height and width must be multiples of.
  public var sizeMultiple: Int { 1 << (levels - 1) }

  /// Throws `GeneratorError.invalidConfiguration` naming the first field out of range.
  public func validate() throws(GeneratorError) {
    func fail(_ field: String, _ message: String) -> GeneratorError {
      .invalidConfiguration(field: field, message: message)
    }
    guard (1...8).contains(levels) else { throw fail("levels", "must be 1 to 8, got \(levels)") }
    guard channelsPerLevel >= 1 else {
      throw fail("channelsPerLevel", "must be at least 1, got \(channelsPerLevel)")
    }
    guard noiseChannels >= 0 else {
      throw fail("noiseChannels", "must be at least 0, got \(noiseChannels)")
    }
    guard mode == .style || noiseChannels >= 1 else {
      throw fail("noiseChannels", "must be at least 1 in texture mode (the only input), got 0")
    }
    if case .leakyReLU(let slope) = activation, !slope.isFinite {
      throw fail("activation.slope", "must be finite, got \(slope)")
    }
  }
}
