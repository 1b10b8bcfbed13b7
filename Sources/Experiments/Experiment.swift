import Gatys
import NN
import Optimizers
import Training

/// One point of an experiment, resolved: its preset merged with the file's overrides and one
/// sweep point's values. Every setting that affects a result is a field; the trainer's and the
/// Gatys baseline's configurations are made from it (`trainingConfiguration()`,
/// `gatysConfiguration(stopAtLoss:)`), with one objective for both so their losses compare.
///
/// In a file, JSON keys are the property names. A file may give only some fields when it says
/// `"extends": "PRESET"` (`Preset`); `"sweep"` (`Sweep`) varies dotted keys. A point's
/// `point.json` is this value, encoded, and loads again as an experiment file as it is.
///
/// - Reference: Ulyanov et al., "Texture Networks", ICML 2016 (the generator, its training and
///   the comparison with Gatys et al. on loss, speed and memory, §4).
public struct Experiment: Codable, Equatable, Sendable {
  /// The preset this experiment started from (recorded; a complete experiment ignores it).
  public var extends: String?
  /// Free text: what the experiment asks, where its values come from (JSON has no comments).
  public var notes: String
  /// The seed of every random stream of training (initialisation, noise, data order, losses) and
  /// of the Gatys baseline's starting noise.
  public var seed: UInt64
  /// What is synthesised: the exemplar(s) and, for stylisation, the content.
  public var task: TaskSettings
  /// The generator, every field (`mode` texture or style must match the task).
  public var generator: GeneratorConfiguration
  /// The loss both methods minimise.
  public var objective: ObjectiveSettings
  /// The generator's training.
  public var training: TrainingSettings
  /// How trained generators are scored and timed.
  public var evaluation: EvaluationSettings
  /// The Gatys et al. baseline run on the same objective.
  public var gatys: GatysSettings

  /// An experiment with every field given.
  public init(
    extends: String? = nil, notes: String, seed: UInt64, task: TaskSettings,
    generator: GeneratorConfiguration, objective: ObjectiveSettings, training: TrainingSettings,
    evaluation: EvaluationSettings, gatys: GatysSettings
  ) {
    self.extends = extends
    self.notes = notes
    self.seed = seed
    self.task = task
    self.generator = generator
    self.objective = objective
    self.training = training
    self.evaluation = evaluation
    self.gatys = gatys
  }

  /// The sections, in file order: each is decoded (and its problems reported) on its own.
  public static let sectionNames = [
    "extends", "notes", "seed", "task", "generator", "objective", "training", "evaluation", "gatys",
  ]
}

/// What is synthesised. Paths are image arguments (PNG, JPEG or `FILE.h5:/dataset`), relative to
/// the experiment file, or under `$TEXTURE_NETS_DATA/` (the data folder of `Scripts/setup`).
public struct TaskSettings: Codable, Equatable, Sendable {
  /// The texture exemplar, or the style images.
  public var styles: [String]
  /// One blend weight per style (normalised to sum 1); nil: equal weights.
  public var styleBlendWeights: [Float]?
  /// Style images are brought to `styleScale · size` (training: square, centre-cropped; Gatys:
  /// the longest side).
  public var styleScale: Double
  /// The content set the generator is trained on (style mode only).
  public var content: ContentSetConfiguration?
  /// The content image that evaluation samples are made from and that the Gatys baseline
  /// stylises (style mode only).
  public var evaluationContent: String?

  /// A task with every field given.
  public init(
    styles: [String], styleBlendWeights: [Float]? = nil, styleScale: Double = 1,
    content: ContentSetConfiguration? = nil, evaluationContent: String? = nil
  ) {
    self.styles = styles
    self.styleBlendWeights = styleBlendWeights
    self.styleScale = styleScale
    self.content = content
    self.evaluationContent = evaluationContent
  }
}

/// The training settings of the generator: Adam, the schedule, batch, iterations, size, and the
/// cadence of progress lines, samples and checkpoints.
public struct TrainingSettings: Codable, Equatable, Sendable {
  /// Adam (`learningRate` is α₀ of the schedule).
  public var optimizer: AdamConfiguration
  /// The learning-rate schedule (flat `kind`).
  public var schedule: LearningRateSchedule
  /// Samples per iteration.
  public var batchSize: Int
  /// Adam updates.
  public var iterations: Int
  /// The side of the square training samples (a multiple of 2^(K−1)).
  public var size: Int
  /// A progress line every this many iterations (when not on a terminal).
  public var printEvery: Int
  /// Progress samples every this many iterations (0: only at the end).
  public var sampleEvery: Int
  /// Progress samples per image.
  public var sampleCount: Int
  /// `checkpoint.h5` every this many iterations (0: only on Ctrl-C or SIGTERM).
  public var checkpointEvery: Int

  /// Settings with every field given.
  public init(
    optimizer: AdamConfiguration, schedule: LearningRateSchedule, batchSize: Int, iterations: Int,
    size: Int, printEvery: Int = 10, sampleEvery: Int = 100, sampleCount: Int = 4,
    checkpointEvery: Int = 100
  ) {
    self.optimizer = optimizer
    self.schedule = schedule
    self.batchSize = batchSize
    self.iterations = iterations
    self.size = size
    self.printEvery = printEvery
    self.sampleEvery = sampleEvery
    self.sampleCount = sampleCount
    self.checkpointEvery = checkpointEvery
  }
}

/// How a trained generator is scored and timed.
///
/// For every size in `sizes`, `sampleCount` samples are drawn from fresh noise (the streams of
/// `seed`, not the training's) and each is scored with the training objective; the mean and the
/// spread go to the summary. The time per sample is measured in a fresh `harness generate`
/// process at batch 1, the median of `timingRuns` samples after one warm-up.
public struct EvaluationSettings: Codable, Equatable, Sendable {
  /// S, samples per size.
  public var sampleCount: Int
  /// The seed of the evaluation noise (fresh: it should differ from the experiment's seed).
  public var seed: UInt64
  /// The sample sides in pixels (each a multiple of 2^(K−1)).
  public var sizes: [Int]
  /// Batch-norm statistics when sampling (`batch`: as texture_nets v1 sampled; `running`).
  public var batchNorm: BatchNormStatistics
  /// Samples drawn one at a time for the time per sample (the median is reported).
  public var timingRuns: Int

  /// Settings with every field given.
  public init(
    sampleCount: Int, seed: UInt64, sizes: [Int], batchNorm: BatchNormStatistics, timingRuns: Int
  ) {
    self.sampleCount = sampleCount
    self.seed = seed
    self.sizes = sizes
    self.batchNorm = batchNorm
    self.timingRuns = timingRuns
  }
}

/// The Gatys et al. baseline on the experiment's objective: from `initialization`, at `size`
/// (one of the evaluation sizes) and at each of `additionalSizes`, with each optimiser in
/// `optimizers`, until the loss reaches the generator's mean sample loss at that size or
/// `iterations` run out.
public struct GatysSettings: Codable, Equatable, Sendable {
  /// The optimisers to run, one Gatys run each (L-BFGS, and Adam if asked).
  public var optimizers: [OptimizerConfiguration]
  /// The iteration cap of each run.
  public var iterations: Int
  /// The output side in pixels (must be one of `evaluation.sizes`): the comparison the summary
  /// table, the sweep figures and the break-even count use.
  public var size: Int
  /// More sides Gatys also runs at, each one of `evaluation.sizes` (the reproduction's 512²
  /// row); each gets its own comparison in `summary.json`. Absent (nil, not written to JSON, so
  /// point folders made before the field existed stay valid) or empty: `size` only.
  public var additionalSizes: [Int]?
  /// How the image starts (texture synthesis: noise).
  public var initialization: GatysInitialization
  /// Keep the content's colours (style mode only).
  public var originalColors: Bool
  /// A progress line every this many iterations (when not on a terminal).
  public var printEvery: Int
  /// An intermediate image every this many iterations (0: only the final image).
  public var saveEvery: Int
  /// `checkpoint.h5` every this many iterations (0: only on Ctrl-C).
  public var checkpointEvery: Int

  /// Settings with every field given.
  public init(
    optimizers: [OptimizerConfiguration], iterations: Int, size: Int,
    additionalSizes: [Int]? = nil, initialization: GatysInitialization,
    originalColors: Bool = false, printEvery: Int = 10, saveEvery: Int = 0,
    checkpointEvery: Int = 100
  ) {
    self.optimizers = optimizers
    self.iterations = iterations
    self.size = size
    self.additionalSizes = additionalSizes
    self.initialization = initialization
    self.originalColors = originalColors
    self.printEvery = printEvery
    self.saveEvery = saveEvery
    self.checkpointEvery = checkpointEvery
  }
}

extension GatysSettings {
  /// The folder of the Gatys run of `optimizer` (`lbfgs`) at `side`, relative to its point
  /// folder: `gatys/<optimizer>` at `size`, `gatys/<optimizer>-<side>` at each additional size.
  public func runFolder(optimizer: String, size side: Int) -> String {
    side == size ? "gatys/\(optimizer)" : "gatys/\(optimizer)-\(side)"
  }

  /// Every side Gatys runs at: `size`, then `additionalSizes` in their order (duplicates dropped).
  public var sizes: [Int] {
    var result = [size]
    for side in additionalSizes ?? [] where !result.contains(side) { result.append(side) }
    return result
  }
}
