import Autodiff
import TensorCore

/// The multi-scale generator of Texture Networks, built from a `GeneratorConfiguration`.
///
/// K scales, k = 0 the coarsest (M / 2^(K−1)) to k = K−1 the finest (M). The input of scale k is
/// z_k, `[N, noiseChannels, H / 2^(K−1−k), W / 2^(K−1−k)]` (texture mode), or
/// `cat(avgpool(content, 2^(K−1−k)), z_k)` along channels (style mode, the content first). Then
///
///   x_0 = branch_0(input_0)
///   x_k = join_k(cat(bn_coarse_k(up2(x_{k−1})), bn_fine_k(branch_k(input_k))))   k = 1 … K−1
///   out = to_rgb(x_{K−1})     (1x1 convolution to 3 channels, no nonlinearity)
///
/// where every branch and join is a `ConvolutionBlock` (8 channels for a branch, 8·(k+1) for
/// join k) and up2 is nearest upsampling. Output `[N, 3, H, W]`, RGB in the descriptor's [0, 1]
/// space (unclamped). H and W must be multiples of 2^(K−1); any batch N ≥ 1.
///
/// Parameters and buffers carry the reference's `state_dict` names (`branch.{k}.conv0.weight`,
/// `bn_coarse.{k}.running_mean`, `join.{k}.bn2.bias`, `to_rgb.weight`), so weights move between
/// this port and PyTorch by name.
///
/// - Reference: Ulyanov, Lebedev, Vedaldi and Lempitsky, "Texture Networks", ICML 2016, §3.1–3.2,
///   Fig. 2; texture_nets `models/pyramid.lua`; the PyTorch reference `TextureNet`.
/// - Note: Deviation from the paper's text, following the official code: LeakyReLU(0.01) instead
///   of ReLU, and the coarse branch is batch-normalised after (not before) the upsampling. The
///   paper reports "~65K" parameters for K = 5; this network (as the code) has 71,659.
public struct Generator: Sendable {
  /// The configuration the network was built from.
  public internal(set) var configuration: GeneratorConfiguration
  /// branch.{k}, k = 0 … K−1.
  public internal(set) var branches: [ConvolutionBlock]
  /// bn_coarse.{k}, k = 1 … K−1 (index k − 1).
  public internal(set) var coarseNormalizations: [NormalizationLayer]
  /// bn_fine.{k}, k = 1 … K−1 (index k − 1).
  public internal(set) var fineNormalizations: [NormalizationLayer]
  /// join.{k}, k = 1 … K−1 (index k − 1).
  public internal(set) var joins: [ConvolutionBlock]
  /// to_rgb: the 1x1 output convolution.
  public internal(set) var toRGB: Conv2D
  /// to_rgb_norm: the output normalisation of `OutputLayer.convolutionNormActivation`.
  public internal(set) var outputNormalization: NormalizationLayer?

  /// A freshly initialised generator (see `GeneratorConfiguration.Initialization`), drawing
  /// from `random` (use its own named stream, e.g. `RandomStream(seed: s, name: "generator
  /// initialisation")`) in `parameters` order: each convolution's weight then bias, and, for
  /// the `torch7` initialisation, each normalisation's γ.
  public init(
    _ configuration: GeneratorConfiguration, random: inout RandomStream
  ) throws(GeneratorError) {
    try configuration.validate()
    self.configuration = configuration
    let k = configuration.levels
    let width = configuration.channelsPerLevel
    var branches: [ConvolutionBlock] = []
    for _ in 0..<k {
      branches.append(
        ConvolutionBlock(
          inputChannels: configuration.branchInputChannels, outputChannels: width,
          configuration: configuration, random: &random))
    }
    func normalization(_ channels: Int) -> NormalizationLayer {
      NormalizationLayer(
        configuration.normalization, channels: channels,
        uniformScale: configuration.initialization == .torch7,
        inferenceStatistics: configuration.samplingStatistics, random: &random)
    }
    let coarse = (1..<max(k, 1)).map { normalization(width * $0) }
    let fine = (1..<max(k, 1)).map { _ in normalization(width) }
    var joins: [ConvolutionBlock] = []
    for level in 1..<max(k, 1) {
      joins.append(
        ConvolutionBlock(
          inputChannels: width * (level + 1), outputChannels: width * (level + 1),
          configuration: configuration, random: &random))
    }
    self.branches = branches
    coarseNormalizations = coarse
    fineNormalizations = fine
    self.joins = joins
    toRGB = Conv2D(
      inputChannels: width * k, outputChannels: 3, kernelSize: 1, padding: configuration.padding,
      random: &random)
    outputNormalization =
      configuration.outputLayer == .convolutionNormActivation ? normalization(3) : nil
  }

  /// Batch normalisation's statistics at sampling time (inference mode); setting it changes the
  /// configuration and every batch norm (e.g. to sample a model trained with `batch` using its
  /// running averages).
  public var samplingStatistics: BatchNormStatistics {
    get { configuration.samplingStatistics }
    set {
      configuration.samplingStatistics = newValue
      for i in branches.indices { branches[i].setInferenceStatistics(newValue) }
      for i in joins.indices { joins[i].setInferenceStatistics(newValue) }
      for i in coarseNormalizations.indices {
        coarseNormalizations[i].inferenceStatistics = newValue
        fineNormalizations[i].inferenceStatistics = newValue
      }
      outputNormalization?.inferenceStatistics = newValue
    }
  }

  /// The output `[N, 3, H, W]` for `noise` (K tensors, coarsest first, `noiseShapes`) and, in
  /// style mode, `content` `[N, 3, H, W]`. In training mode the batch norms update their running
  /// averages and the result is differentiable with respect to the parameters (and to the noise
  /// and content when they need gradients); in inference mode nothing is recorded.
  /// `observe`, when given, receives each block's output as it is made (`branch0` … and
  /// `join1` …, as the reference's trace names them).
  /// Shapes must fit (`checkInputs` throws a clear error for user input; here a mismatch stops).
  public mutating func callAsFunction(
    noise: [Variable], content: Variable? = nil, mode: LayerMode,
    observe: ((_ block: String, _ output: Variable) -> Void)? = nil
  ) -> Variable {
    do {
      try checkInputs(noiseShapes: noise.map(\.shape), contentShape: content?.shape)
    } catch {
      preconditionFailure("Generator: \(error)")
    }
    var inputs = noise
    if configuration.mode == .style, let content {
      let pyramid = averagePoolPyramid(content, levels: configuration.levels)
      inputs = zip(pyramid, noise).map { image, z in
        configuration.noiseChannels == 0 ? image : concatenateChannels([image, z])
      }
    }
    var current = branches[0](inputs[0], mode: mode)
    observe?("branch0", current)
    for k in 1..<max(configuration.levels, 1) {
      let fine = branches[k](inputs[k], mode: mode)
      observe?("branch\(k)", fine)
      let joined = joinInput(k, coarse: current, fine: fine, mode: mode)
      current = joins[k - 1].applied(to: consume joined, mode: mode)
      observe?("join\(k)", current)
    }
    var output = toRGB(current, mode: mode)
    if var normalization = outputNormalization {
      output = configuration.activation(normalization(output, mode: mode), mode: mode)
      outputNormalization = normalization
    }
    return output
  }

  /// `cat(bn_coarse_k(up2(coarse)), bn_fine_k(fine))`: the input of join k. Its own function so
  /// that the two normalised halves are freed once concatenated.
  private mutating func joinInput(_ k: Int, coarse: Variable, fine: Variable, mode: LayerMode)
    -> Variable
  {
    let upsampled = coarseNormalizations[k - 1](upsampleNearest2x(coarse), mode: mode)
    return concatenateChannels([upsampled, fineNormalizations[k - 1](fine, mode: mode)])
  }

  /// Samples in inference mode (no tape; each activation freed once used): the output
  /// `[N, 3, H, W]` for `noise` (K tensors, coarsest first) and, in style mode, `content`; the
  /// same function as `callAsFunction(mode: .inference)`, computed with fused normalisations
  /// (Generator+Inference.swift). Wrong shapes throw `GeneratorError` naming the tensor, its
  /// shape and the expected one.
  public func sample(noise: [Tensor], content: Tensor? = nil) throws(GeneratorError) -> Tensor {
    try checkInputs(noiseShapes: noise.map(\.shape), contentShape: content?.shape)
    return inferenceOutput(noise: noise, content: content)
  }
}
