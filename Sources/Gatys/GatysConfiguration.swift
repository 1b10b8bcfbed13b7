import Losses
import NN
import Optimizers

/// Everything that determines a Gatys et al. optimisation (`harness gatys`), resolved: every
/// default filled in. Stored with every result (`configuration.json` and the store's
/// `configuration` attribute) and reloadable as is.
///
/// - Reference: Gatys, Ecker and Bethge, "Texture synthesis using convolutional neural networks"
///   (NeurIPS 2015) and "Image style transfer using convolutional neural networks" (CVPR 2016);
///   option names follow neural-style (Johnson 2015).
public struct GatysConfiguration: Codable, Equatable, Sendable {
  /// Style or texture exemplars, as image arguments (a PNG/JPEG path or `FILE.h5:/dataset`).
  public var styles: [String]
  /// One blend weight per style (normalised to sum 1), neural-style's `-style_blend_weights`.
  public var styleBlendWeights: [Float]
  /// The content image, for style transfer; nil for texture synthesis.
  public var content: String?
  /// How the optimised image starts.
  public var initialization: GatysInitialization
  /// The output's longest side in pixels (texture synthesis: the output is size × size). The
  /// content image is resized to it, keeping its aspect ratio (neural-style's `-image_size`).
  public var size: Int
  /// Style images are resized so their longest side is `styleScale · size` (neural-style's
  /// `-style_scale`).
  public var styleScale: Double
  /// The feature-loss terms (style and content).
  public var featureTerms: [FeatureLossTerm]
  /// The image-loss terms (total variation).
  public var imageTerms: [ImageLossTerm]
  /// The descriptor's padding.
  public var padding: VGG19.Padding
  /// The descriptor's pooling.
  public var pooling: VGG19.Pooling
  /// Iterations of the optimiser (L-BFGS iterations or Adam steps): the loop's length, not an
  /// optimiser setting (`--resume --iterations N` changes it).
  public var iterations: Int
  /// The optimiser and its settings (JSON: a flat `{"kind": "lbfgs", ...}` object, see
  /// `OptimizerConfiguration`).
  public var optimizer: OptimizerConfiguration
  /// Keep the content's colours: transfer luminance only (neural-style's `-original_colors`).
  public var originalColors: Bool
  /// The experiment's seed; streams `initialisation` and `losses` are drawn from it.
  public var seed: UInt64
  /// Print a progress line every this many iterations (when not on a terminal).
  public var printEvery: Int
  /// Save an intermediate image every this many iterations (0: only the final image).
  public var saveEvery: Int
  /// Write `checkpoint.h5` every this many iterations (0: only on Ctrl-C), for `--resume`.
  public var checkpointEvery: Int
  /// Stop as soon as the total loss falls below this, recording when (time-to-equal-loss).
  public var stopAtLoss: Double?
  /// The VGG-19 weights file (HDF5, from `harness import-weights`).
  public var weights: String

  /// A configuration with every field given.
  public init(
    styles: [String], styleBlendWeights: [Float], content: String?,
    initialization: GatysInitialization, size: Int, styleScale: Double,
    featureTerms: [FeatureLossTerm], imageTerms: [ImageLossTerm], padding: VGG19.Padding,
    pooling: VGG19.Pooling, iterations: Int, optimizer: OptimizerConfiguration,
    originalColors: Bool, seed: UInt64,
    printEvery: Int, saveEvery: Int, checkpointEvery: Int, stopAtLoss: Double?, weights: String
  ) {
    self.styles = styles
    self.styleBlendWeights = styleBlendWeights
    self.content = content
    self.initialization = initialization
    self.size = size
    self.styleScale = styleScale
    self.featureTerms = featureTerms
    self.imageTerms = imageTerms
    self.padding = padding
    self.pooling = pooling
    self.iterations = iterations
    self.optimizer = optimizer
    self.originalColors = originalColors
    self.seed = seed
    self.printEvery = printEvery
    self.saveEvery = saveEvery
    self.checkpointEvery = checkpointEvery
    self.stopAtLoss = stopAtLoss
    self.weights = weights
  }

  /// The feature layers the objective reads.
  public var taps: Set<VGGLayer> { Set(featureTerms.flatMap(\.layers)) }

  /// Every problem with this configuration, as `key: message` (empty when it is valid).
  public func problems() -> [String] {
    var problems: [String] = []
    let needsStyle = featureTerms.contains { $0.target == .style }
    let needsContent = featureTerms.contains { $0.target == .content }
    if needsStyle && styles.isEmpty {
      problems.append("styles: the style loss needs at least one style image (--style)")
    }
    if let problem = StyleBlend.problem(styleBlendWeights, styleCount: styles.count) {
      problems.append("styleBlendWeights: \(problem)")
    }
    if needsContent && content == nil {
      problems.append("content: the content loss needs a content image (--content), or set its weight to 0")
    }
    if initialization == .content && content == nil {
      problems.append("initialization: 'content' needs a content image (--content)")
    }
    if originalColors && content == nil {
      problems.append("originalColors: keeping the original colours needs a content image (--content)")
    }
    if size < 16 { problems.append("size: must be at least 16 pixels, got \(size)") }
    if !(styleScale > 0) { problems.append("styleScale: must be positive, got \(styleScale)") }
    problems += FeatureLossTerm.problems(featureTerms: featureTerms, imageTerms: imageTerms)
    if case .random(_, let scale) = initialization, !(scale > 0) {
      problems.append("initialization: the random scale must be positive, got \(scale)")
    }
    if iterations < 0 { problems.append("iterations: must be non-negative, got \(iterations)") }
    problems += optimizer.problems().map { "optimizer.\($0)" }
    if printEvery < 1 { problems.append("printEvery: must be at least 1, got \(printEvery)") }
    if saveEvery < 0 { problems.append("saveEvery: must be 0 (final image only) or positive, got \(saveEvery)") }
    if checkpointEvery < 0 {
      problems.append("checkpointEvery: must be 0 (only on Ctrl-C) or positive, got \(checkpointEvery)")
    }
    if let stopAtLoss, !stopAtLoss.isFinite {
      problems.append("stopAtLoss: must be a finite number, got \(stopAtLoss)")
    }
    return problems
  }
}

/// How the optimised image starts.
public enum GatysInitialization: Codable, Equatable, Sendable {
  /// Noise from the experiment's `initialisation` stream: `uniform` is U[0, scale) (the PyTorch
  /// reference's `torch.rand`, scale 1), `normal` is 0.5 + scale · N(0, 1).
  case random(distribution: NoiseDistribution, scale: Float)
  /// The content image (neural-style's `-init image`).
  case content
  /// Another image (an image argument), resized to the output size.
  case image(String)
}

/// The distribution of random initial images.
public enum NoiseDistribution: String, Codable, CaseIterable, Sendable {
  case uniform, normal
}
