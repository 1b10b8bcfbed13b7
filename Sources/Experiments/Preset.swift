import Gatys
import Losses
import NN
import Optimizers
import Suggestions
import Training

/// A named, complete experiment that files start from (`"extends": "paper"`), citing where its
/// values come from. Every difference between two presets is its own field, so a file can take
/// one preset and change any single behaviour.
public struct Preset: Sendable {
  /// The name files use.
  public var name: String
  /// Where the values come from (paper section, code and file).
  public var source: String
  /// The complete experiment (its `notes` is `source`).
  public var experiment: Experiment

  /// Every preset, in the order `harness presets` lists them.
  public static let all: [Preset] = [paper, textureNetsV1, textureNetsV1Style, master]

  /// The preset called `name`, if any.
  public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

  /// `"NAME" is not a preset; did you mean "paper"? (known: ...)`.
  public static func unknownNameMessage(_ name: String) -> String {
    Suggestions.unknownNameMessage(name, isNot: "a preset", known: all.map(\.name))
  }

  /// The data folder of `Scripts/setup`, as experiment paths write it.
  public static let dataFolder = "$TEXTURE_NETS_DATA"

  /// The presets' Gatys L-BFGS: neural-style's settings with the curvature threshold 1e-20
  /// (see the paper preset's source: PyTorch's absolute 1e-10 stalls at this objective's scale).
  static let experimentLBFGS: OptimizerConfiguration = {
    guard case .lbfgs(var settings) = GatysConfiguration.Defaults.optimizer(.lbfgs) else {
      preconditionFailure("GatysConfiguration.Defaults.optimizer(.lbfgs) is not L-BFGS")
    }
    settings.curvatureThreshold = 1e-20
    return .lbfgs(settings)
  }()

  /// The paper's texture training: K = 5, 8 channels per level, 3 noise channels, LeakyReLU
  /// 0.01, batch norm, circular padding, batch 16, Adam α 0.1, 2000 iterations with ×0.7 at 1000
  /// then every 200, Gram `chw` on relu1_1 … relu5_1, 256²; evaluated with running statistics.
  public static let paper: Preset = {
    let source = """
      Ulyanov, Lebedev, Vedaldi and Lempitsky, "Texture Networks", ICML 2016, §3.1-3.2 and §4: \
      K = 5, LeakyReLU(0.01), batch norm, Adam learning rate 0.1, batch 16, 2000 iterations, \
      learning rate x0.7 at iteration 1000 and every 200 after, relu1_1 ... relu5_1 (style) and \
      relu4_2 (content), 256 x 256. Generator details the paper leaves open (8 channels, 3 \
      uniform noise channels, circular padding, a plain 1x1 RGB convolution, PyTorch \
      initialisation) are the official code's. Gram normalisation C*H*W (the PyTorch \
      reference's). Gatys et al. baseline: L-BFGS (neural-style's settings) from U[0, 1) noise, \
      capped at 1000 iterations, with one departure: a curvature threshold of 1e-20 instead of \
      PyTorch's 1e-10 on yᵀs. That threshold is absolute, and at this objective's scale (about \
      4e-3 from noise at 256², style weight 1, Gram normalised by C*H*W) every pair falls below \
      it, so L-BFGS takes bare gradient steps and stalls (measured at 256² on brick: 4.020e-3 \
      to 4.016e-3 in 40 iterations; with 1e-20, 2.4e-6, as with the loss scaled by 1e3).
      """
    let experiment = Experiment(
      extends: nil, notes: source, seed: 0,
      task: TaskSettings(styles: ["\(dataFolder)/textures/brick.png"]),
      generator: GeneratorConfiguration(
        levels: 5, channelsPerLevel: 8, noiseChannels: 3, noiseDistribution: .uniform,
        mode: .texture, normalization: .batch, samplingStatistics: .running,
        activation: .leakyReLU(slope: 0.01), padding: .circular, outputLayer: .convolution,
        initialization: .pytorch),
      objective: ObjectiveSettings(
        style: FeatureTermSettings(
          loss: LossFormulation(GramLoss(options: .init(normalization: .chw))),
          layers: VGGLayer.styleLayers, weight: 1),
        content: nil, totalVariationWeight: 0, padding: .zero, pooling: .max,
        weights: "\(dataFolder)/vgg19_normalised.h5"),
      training: TrainingSettings(
        optimizer: AdamConfiguration(learningRate: 0.1),
        schedule: .textureNetworksPaper, batchSize: 16, iterations: 2000, size: 256),
      evaluation: EvaluationSettings(
        sampleCount: 16, seed: 1, sizes: [256], batchNorm: .running, timingRuns: 10),
      gatys: GatysSettings(
        optimizers: [experimentLBFGS], iterations: 1000, size: 256,
        initialization: GatysConfiguration.Defaults.randomInitialization))
    return Preset(name: "paper", source: source, experiment: experiment)
  }()

  /// texture_nets v1 (the ICML code), texture training: 6 levels, 3 noise channels, per-layer L1
  /// gradient normalisation, ×0.8 every 300, 1500 iterations, batch 16, sampled with batch
  /// statistics, Torch7's initialisation.
  public static let textureNetsV1: Preset = {
    let source = """
      The official texture_nets code of the ICML paper (github.com/DmitryUlyanov/texture_nets, \
      v1, April 2016; train.lua and models/pyramid.lua): 6 levels, 3 noise channels, \
      -normalize_gradients, learning rate 0.1 x0.8 every 300 iterations, texture training 1500 \
      iterations at batch 16, samples drawn with batch statistics, Torch7's BatchNormalization \
      initialisation (gamma ~ U[0, 1)). Everything else as the paper preset.
      """
    var experiment = paper.experiment
    experiment.notes = source
    experiment.generator.levels = 6
    experiment.generator.samplingStatistics = .batch
    experiment.generator.initialization = .torch7
    experiment.objective.style.normalizeGradients = true
    experiment.training.schedule = .textureNetworksCode
    experiment.training.iterations = 1500
    experiment.evaluation.batchNorm = .batch
    return Preset(name: "texture_nets_v1", source: source, experiment: experiment)
  }()

  /// texture_nets v1's stylisation: the v1 preset in style mode, batch 4, content weight 0.6
  /// (its gradient not normalised: v1's descriptor_net.lua builds every ContentLoss with
  /// `norm = false`, so -normalize_gradients reaches the texture terms only), style weight 1e3,
  /// 3000 iterations, on the setup's content photos.
  public static let textureNetsV1Style: Preset = {
    let source = """
      texture_nets v1's stylisation (stylization_train.lua with a content set): as \
      texture_nets_v1, in style mode (the content image average-pooled to each scale beside its \
      noise), batch 4, content weight 0.6 on relu4_2, style weight 1e3, 3000 iterations, content \
      images randomly cropped from the setup's photos (data/content); evaluated and stylised by \
      Gatys on chelsea.png. The gradient normalisation is the style terms' only: v1's \
      src/descriptor_net.lua creates the content loss with norm = false whatever \
      -normalize_gradients says.
      """
    var experiment = textureNetsV1.experiment
    experiment.notes = source
    experiment.generator.mode = .style
    experiment.task.content = ContentSetConfiguration(
      paths: ["\(dataFolder)/content"], crop: .randomCrop)
    experiment.task.evaluationContent = "\(dataFolder)/content/chelsea.png"
    experiment.objective.style.weight = 1e3
    experiment.objective.content = FeatureTermSettings(
      loss: LossFormulation(ContentLoss()), layers: [VGGLayer.contentLayer], weight: 0.6,
      normalizeGradients: false)
    experiment.training.batchSize = 4
    experiment.training.iterations = 3000
    experiment.gatys.initialization = .content
    return Preset(name: "texture_nets_v1_style", source: source, experiment: experiment)
  }()

  /// The later texture_nets code (master, after Ulyanov et al. 2017's instance normalisation):
  /// stylisation with instance norm, ReLU and Adam α 1e-3.
  public static let master: Preset = {
    let source = """
      The later texture_nets code (master branch, after Ulyanov, Vedaldi and Lempitsky, \
      "Instance Normalization", 2016/2017): instance normalisation, ReLU, learning rate 1e-3. \
      Every other value is texture_nets_v1_style's (not checked field by field against master's \
      defaults).
      """
    var experiment = textureNetsV1Style.experiment
    experiment.notes = source
    experiment.generator.normalization = .instance
    experiment.generator.activation = .relu
    experiment.training.optimizer.learningRate = 1e-3
    return Preset(name: "master", source: source, experiment: experiment)
  }()
}
