import Foundation
import Losses
import NN
import Optimizers
import Runs

extension TrainingConfiguration {
  /// The scientific defaults of `harness train`: the paper's texture training (K = 5, batch 16,
  /// 256², Adam α 0.1, 2000 iterations, ×0.7 at 1000 then every 200) with the PyTorch reference's
  /// objective (Gram `chw` on relu1_1 … relu5_1, weight 1; content relu4_2, weight 1); style mode
  /// takes the official stylisation model (K = 6) and batch 4.
  public enum Defaults {
    /// The style layers (Gatys et al.; Texture Networks §4).
    public static let styleLayers: [VGGLayer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1]
    /// The content layer (Texture Networks §4).
    public static let contentLayers: [VGGLayer] = [.relu4_2]
    /// The style term's weight (the reference `train_step`'s `style_w`).
    public static let styleWeight: Float = 1
    /// The content term's weight (the reference's `content_w`).
    public static let contentWeight: Float = 1
    /// Levels K: 5 for textures (the paper), 6 for stylisation (the official model).
    public static func levels(_ mode: GeneratorConfiguration.Mode) -> Int { mode == .texture ? 5 : 6 }
    /// Batch: 16 for textures (the paper), 4 for stylisation (the official code).
    public static func batchSize(_ mode: GeneratorConfiguration.Mode) -> Int { mode == .texture ? 16 : 4 }
    /// Training iterations (the paper).
    public static let iterations = 2000
    /// The training size (the paper's M = 256).
    public static let size = 256
    /// Adam with α 0.1 (the paper and the official code), Kingma and Ba's β and ε.
    public static let optimizer = AdamConfiguration(learningRate: 0.1)
    /// The paper's schedule.
    public static let schedule = LearningRateSchedule.textureNetworksPaper
    /// Progress line, samples and checkpoint intervals, in iterations; samples per image.
    public static let printEvery = 10
    public static let sampleEvery = 100
    public static let sampleCount = 4
    public static let checkpointEvery = 100
    /// The experiment's seed.
    public static let seed: UInt64 = 0
    /// The content crop.
    public static let crop = ContentSetConfiguration.Crop.randomCrop
    /// Where runs go by default: `results/train/<UTC time>`.
    public static let outputRoot = "results/train"

    /// A new run's output folder, `results/train/yyyyMMddTHHmmssZ` (UTC).
    public static func outputDirectory(at date: Date = Date()) -> URL {
      RunFolder.timestamped(under: outputRoot, at: date)
    }
  }

  /// The configuration with every default for `styles` and `content` (nil: texture training):
  /// a Gram style term on the default layers, a content term on relu4_2 with a content set, the
  /// official generator for the mode (`GeneratorConfiguration.textureNets`), equal blend weights.
  public init(styles: [String], content: ContentSetConfiguration? = nil, weights: String) {
    let mode: GeneratorConfiguration.Mode = content == nil ? .texture : .style
    var featureTerms = [
      FeatureLossTerm(GramLoss(), layers: Defaults.styleLayers, weight: Defaults.styleWeight)
    ]
    if content != nil {
      featureTerms.append(
        FeatureLossTerm(ContentLoss(), layers: Defaults.contentLayers, weight: Defaults.contentWeight))
    }
    self.init(
      styles: styles, styleBlendWeights: styles.map { _ in 1 }, styleScale: 1, content: content,
      generator: .textureNets(levels: Defaults.levels(mode), mode: mode), featureTerms: featureTerms,
      imageTerms: [], padding: .zero, pooling: .max, optimizer: Defaults.optimizer,
      schedule: Defaults.schedule, batchSize: Defaults.batchSize(mode), iterations: Defaults.iterations,
      size: Defaults.size, seed: Defaults.seed, printEvery: Defaults.printEvery,
      sampleEvery: Defaults.sampleEvery, sampleCount: Defaults.sampleCount,
      checkpointEvery: Defaults.checkpointEvery, weights: weights)
  }

  /// The descriptor this configuration needs, loaded from `weights` (default: the
  /// configuration's) with its padding and pooling, up to the deepest layer read.
  public func loadNetwork(weights: String? = nil) throws -> VGG19 {
    try VGG19.load(
      from: weights ?? self.weights, padding: padding, pooling: pooling, deepestLayer: deepestLayer)
  }
}
