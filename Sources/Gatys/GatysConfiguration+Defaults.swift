import Foundation
import Losses
import NN
import Optimizers
import Runs

extension GatysConfiguration {
  /// The scientific defaults of a Gatys run: Gatys et al.'s layers (style relu1_1 ... relu5_1,
  /// content relu4_2), neural-style's weights (style 1e3, content 1) and optimiser (L-BFGS, step
  /// 1, history 100, no line search, 1000 iterations), Adam's usual β and ε with learning rate
  /// 0.02, a 256-pixel output. The command line (`harness gatys`) shows these as its defaults.
  public enum Defaults {
    /// The style layers (Gatys et al. 2015/2016).
    public static let styleLayers: [VGGLayer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1]
    /// The content layer (Gatys et al. 2016).
    public static let contentLayers: [VGGLayer] = [.relu4_2]
    /// The style term's weight (neural-style's `-style_weight` for this normalisation).
    public static let styleWeight: Float = 1e3
    /// The content term's weight.
    public static let contentWeight: Float = 1
    /// The total-variation weight (0: no term).
    public static let totalVariationWeight: Float = 0
    /// The output's longest side in pixels.
    public static let size = 256
    /// Style images' longest side relative to `size`.
    public static let styleScale = 1.0
    /// Random starting images: U[0, 1), the PyTorch reference's `torch.rand`.
    public static let randomInitialization = GatysInitialization.random(distribution: .uniform, scale: 1)
    /// Iterations of the optimiser.
    public static let iterations = 1000
    /// The optimiser.
    public static let optimizerKind = GatysOptimizer.Kind.lbfgs
    /// L-BFGS's history (torch's default; neural-style's `-lbfgs_num_correction 0`).
    public static let historySize = 100
    /// Adam's β₁, β₂ and ε (Kingma and Ba 2015).
    public static let beta1 = 0.9
    public static let beta2 = 0.999
    public static let epsilon = 1e-8
    /// Progress line, intermediate image and checkpoint intervals, in iterations.
    public static let printEvery = 10
    public static let saveEvery = 100
    public static let checkpointEvery = 100
    /// The experiment's seed.
    public static let seed: UInt64 = 0
    /// Where runs go by default: `results/gatys/<UTC time>`.
    public static let outputRoot = "results/gatys"

    /// The step length: L-BFGS 1 (torch's `lr`, neural-style's), Adam 0.02.
    public static func learningRate(for kind: GatysOptimizer.Kind) -> Double {
      kind == .lbfgs ? 1 : 0.02
    }

    /// A new run's output folder, `results/gatys/yyyyMMddTHHmmssZ` (UTC).
    public static func outputDirectory(at date: Date = Date()) -> URL {
      RunFolder.timestamped(under: outputRoot, at: date)
    }
  }

  /// The configuration with every default for `styles` and `content` (nil: texture synthesis):
  /// a Gram style term (`chw`) on the default style layers, a content term on relu4_2 when there
  /// is a content image, equal blend weights, the image starting from the content (else from
  /// U[0, 1) noise), L-BFGS.
  public init(styles: [String], content: String? = nil, weights: String) {
    var featureTerms = [
      FeatureLossTerm(GramLoss(), layers: Defaults.styleLayers, weight: Defaults.styleWeight)
    ]
    if content != nil {
      featureTerms.append(
        FeatureLossTerm(ContentLoss(), layers: Defaults.contentLayers, weight: Defaults.contentWeight))
    }
    self.init(
      styles: styles, styleBlendWeights: styles.map { _ in 1 }, content: content,
      initialization: content == nil ? Defaults.randomInitialization : .content, size: Defaults.size,
      styleScale: Defaults.styleScale, featureTerms: featureTerms, imageTerms: [],
      padding: .zero, pooling: .max, optimizer: GatysOptimizer(kind: Defaults.optimizerKind),
      originalColors: false, seed: Defaults.seed, printEvery: Defaults.printEvery,
      saveEvery: Defaults.saveEvery, checkpointEvery: Defaults.checkpointEvery, stopAtLoss: nil,
      weights: weights)
  }

  /// The deepest layer the objective reads (relu5_1 when it reads none).
  public var deepestLayer: VGGLayer { taps.max() ?? .relu5_1 }

  /// The descriptor this configuration needs, loaded from `weights` (default: the
  /// configuration's) with its padding and pooling, up to the deepest layer read: the one place a
  /// Gatys run loads VGG-19.
  public func loadNetwork(weights: String? = nil) throws -> VGG19 {
    try VGG19.load(
      from: weights ?? self.weights, padding: padding, pooling: pooling, deepestLayer: deepestLayer)
  }
}

extension GatysOptimizer {
  /// `kind` with the defaults: 1000 iterations, its learning rate (L-BFGS 1, Adam 0.02), no line
  /// search, history 100, Adam's β₁ 0.9, β₂ 0.999, ε 1e-8.
  public init(kind: Kind, iterations: Int? = nil, learningRate: Double? = nil) {
    typealias Defaults = GatysConfiguration.Defaults
    self.init(
      kind: kind, iterations: iterations ?? Defaults.iterations,
      learningRate: learningRate ?? Defaults.learningRate(for: kind), lineSearch: .none,
      historySize: Defaults.historySize, beta1: Defaults.beta1, beta2: Defaults.beta2,
      epsilon: Defaults.epsilon)
  }
}
