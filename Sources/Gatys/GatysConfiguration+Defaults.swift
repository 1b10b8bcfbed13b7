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
    /// The optimiser (neural-style's).
    public static let optimizerKind = OptimizerConfiguration.Kind.lbfgs
    /// L-BFGS as neural-style runs it: step length 1 (torch's `lr`), history 100 (torch's
    /// default; neural-style's `-lbfgs_num_correction 0`), no line search, and both tolerances 0,
    /// so only an exactly zero gradient stops it before `iterations` (torch's other defaults).
    public static let lbfgs = LBFGSConfiguration(
      learningRate: 1, historySize: 100, toleranceGrad: 0, toleranceChange: 0, lineSearch: .none)
    /// Adam with learning rate 0.02 and Kingma and Ba's β₁ 0.9, β₂ 0.999, ε 1e-8.
    public static let adam = AdamConfiguration(learningRate: 0.02)
    /// Progress line, intermediate image and checkpoint intervals, in iterations.
    public static let printEvery = 10
    public static let saveEvery = 100
    public static let checkpointEvery = 100
    /// The experiment's seed.
    public static let seed: UInt64 = 0
    /// Where runs go by default: `results/gatys/<UTC time>`.
    public static let outputRoot = "results/gatys"

    /// The optimiser `kind` with its defaults (`lbfgs` or `adam`), at `learningRate` when given.
    public static func optimizer(
      _ kind: OptimizerConfiguration.Kind, learningRate: Double? = nil
    ) -> OptimizerConfiguration {
      switch kind {
      case .lbfgs:
        var settings = lbfgs
        settings.learningRate = learningRate ?? settings.learningRate
        return .lbfgs(settings)
      case .adam:
        var settings = adam
        settings.learningRate = learningRate ?? settings.learningRate
        return .adam(settings)
      }
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
      padding: .zero, pooling: .max, iterations: Defaults.iterations,
      optimizer: Defaults.optimizer(Defaults.optimizerKind),
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
