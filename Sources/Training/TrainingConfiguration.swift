import Losses
import NN
import Optimizers

/// Everything that determines a training of the Texture Networks generator (`harness train`),
/// resolved: every default filled in. Stored with every result (`configuration.json` and the run
/// store's `configuration` attribute) and reloadable as is. JSON keys are the property names.
///
/// The objective is the Gatys baseline's (`featureTerms`, `imageTerms`, the same `Objective`), so
/// that a generator's loss and an optimised image's loss compare.
///
/// - Reference: Ulyanov, Lebedev, Vedaldi and Lempitsky, "Texture Networks", ICML 2016, §3–4
///   (Adam, learning rate 0.1, batch 16, 2000 iterations, ×0.7 at 1000 then every 200, 256²);
///   the official texture_nets code (`train.lua`: batch 4 for stylisation, ×0.8 every 300).
public struct TrainingConfiguration: Codable, Equatable, Sendable {
  /// Style or texture exemplars, as image arguments (a PNG/JPEG path or `FILE.h5:/dataset`).
  public var styles: [String]
  /// One blend weight per style (normalised to sum 1).
  public var styleBlendWeights: [Float]
  /// Style images are brought to `round(styleScale · size)` square by `ImageResizing.centreCrop`
  /// (scale the shorter side, take the centre), as the PyTorch reference prepares exemplars.
  public var styleScale: Double
  /// The content set of style mode (nil in texture mode).
  public var content: ContentSetConfiguration?
  /// The generator, every field (its `mode` must be `style` exactly when `content` is given).
  public var generator: GeneratorConfiguration
  /// The feature-loss terms (style and content), as the Gatys baseline's.
  public var featureTerms: [FeatureLossTerm]
  /// The image-loss terms (total variation) on the generator's output.
  public var imageTerms: [ImageLossTerm]
  /// The descriptor's padding.
  public var padding: VGG19.Padding
  /// The descriptor's pooling.
  public var pooling: VGG19.Pooling
  /// Adam's settings (`learningRate` is α₀ of the schedule).
  public var optimizer: AdamConfiguration
  /// The learning-rate schedule.
  public var schedule: LearningRateSchedule
  /// Samples per training iteration (the paper: 16; the official stylisation: 4).
  public var batchSize: Int
  /// Training iterations (Adam updates).
  public var iterations: Int
  /// The side of the square training samples in pixels (a multiple of 2^(K−1)).
  public var size: Int
  /// The experiment's seed; streams `generator initialisation`, `training noise`, `content
  /// order`, `losses` and `sample noise` are drawn from it.
  public var seed: UInt64
  /// Print a progress line every this many iterations (when not on a terminal).
  public var printEvery: Int
  /// Write the progress samples every this many iterations (0: only at the end).
  public var sampleEvery: Int
  /// Progress samples per image (drawn once from `sample noise`, so their progress can be watched).
  public var sampleCount: Int
  /// Write `checkpoint.h5` every this many iterations (0: only on Ctrl-C or SIGTERM).
  public var checkpointEvery: Int
  /// The VGG-19 weights file (HDF5, from `harness import-weights`).
  public var weights: String

  /// A configuration with every field given.
  public init(
    styles: [String], styleBlendWeights: [Float], styleScale: Double,
    content: ContentSetConfiguration?, generator: GeneratorConfiguration,
    featureTerms: [FeatureLossTerm], imageTerms: [ImageLossTerm], padding: VGG19.Padding,
    pooling: VGG19.Pooling, optimizer: AdamConfiguration, schedule: LearningRateSchedule,
    batchSize: Int, iterations: Int, size: Int, seed: UInt64, printEvery: Int, sampleEvery: Int,
    sampleCount: Int, checkpointEvery: Int, weights: String
  ) {
    self.styles = styles
    self.styleBlendWeights = styleBlendWeights
    self.styleScale = styleScale
    self.content = content
    self.generator = generator
    self.featureTerms = featureTerms
    self.imageTerms = imageTerms
    self.padding = padding
    self.pooling = pooling
    self.optimizer = optimizer
    self.schedule = schedule
    self.batchSize = batchSize
    self.iterations = iterations
    self.size = size
    self.seed = seed
    self.printEvery = printEvery
    self.sampleEvery = sampleEvery
    self.sampleCount = sampleCount
    self.checkpointEvery = checkpointEvery
    self.weights = weights
  }

  /// The feature layers the objective reads.
  public var taps: Set<VGGLayer> { Set(featureTerms.flatMap(\.layers)) }

  /// The deepest layer the objective reads (relu5_1 when it reads none).
  public var deepestLayer: VGGLayer { taps.max() ?? .relu5_1 }

  /// The side the style images are brought to.
  public var styleSize: Int { max(1, Int((styleScale * Double(size)).rounded())) }

  /// Every problem with this configuration, as `key: message` (empty when it is valid).
  public func problems() -> [String] {
    var problems: [String] = []
    if featureTerms.contains(where: { $0.target == .style }) && styles.isEmpty {
      problems.append("styles: the style loss needs at least one style image (--style)")
    }
    if let problem = StyleBlend.problem(styleBlendWeights, styleCount: styles.count) {
      problems.append("styleBlendWeights: \(problem)")
    }
    let needsContent = featureTerms.contains { $0.target == .content }
    switch (generator.mode, content) {
    case (.texture, .some):
      problems.append("content: a texture generator (generator.mode texture) takes no content set; use generator.mode style")
    case (.style, nil):
      problems.append("content: a style generator (generator.mode style) needs a content set (--content DIR)")
    default:
      break
    }
    if needsContent && content == nil {
      problems.append("featureTerms: the content loss needs a content set (--content DIR), or set its weight to 0")
    }
    if let content { problems += content.problems().map { "content.\($0)" } }
    do { try generator.validate() } catch {
      if case .invalidConfiguration(let field, let message) = error {
        problems.append("generator.\(field): \(message)")
      } else {
        problems.append("generator: \(error)")
      }
    }
    if size < 16 { problems.append("size: must be at least 16 pixels, got \(size)") }
    if (1...8).contains(generator.levels), size % generator.sizeMultiple != 0 {
      let multiple = generator.sizeMultiple
      let below = max(multiple, size / multiple * multiple)
      problems.append(
        "size: \(size) is not a multiple of 2^(K-1) = \(multiple) for K = \(generator.levels) levels (nearest: \(below) or \(below + multiple))")
    }
    if !(styleScale.isFinite && styleScale > 0) {
      problems.append("styleScale: must be positive, got \(styleScale)")
    }
    problems += FeatureLossTerm.problems(featureTerms: featureTerms, imageTerms: imageTerms)
    if featureTerms.isEmpty && imageTerms.isEmpty { problems.append("featureTerms: the objective has no terms") }
    problems += optimizer.problems().map { "optimizer.\($0)" }
    problems += schedule.problems().map { "schedule.\($0)" }
    if batchSize < 1 { problems.append("batchSize: must be at least 1, got \(batchSize)") }
    if iterations < 0 { problems.append("iterations: must be non-negative, got \(iterations)") }
    if printEvery < 1 { problems.append("printEvery: must be at least 1, got \(printEvery)") }
    if sampleEvery < 0 { problems.append("sampleEvery: must be 0 (only at the end) or positive, got \(sampleEvery)") }
    if sampleCount < 1 { problems.append("sampleCount: must be at least 1, got \(sampleCount)") }
    if checkpointEvery < 0 {
      problems.append("checkpointEvery: must be 0 (only on Ctrl-C) or positive, got \(checkpointEvery)")
    }
    return problems
  }
}

/// The content images of style-mode training: files and folders, each image brought to the
/// training size by `crop`.
public struct ContentSetConfiguration: Codable, Equatable, Sendable {
  /// How a content image becomes a `size × size` training image.
  public enum Crop: String, Codable, CaseIterable, Sendable {
    /// Resized to `size × size`, ignoring its aspect ratio (torch's `image.scale(img, size, size)`).
    case resize
    /// Scaled so the shorter side is `size`, then the centred square (`scaleShorterSideAndCentreCrop`).
    case centreCrop
    /// Scaled so the shorter side is `size`, then a square at a random offset along the longer
    /// side, drawn from the `content order` stream (data augmentation, as texture_nets' loader).
    case randomCrop
  }

  /// Image files (PNG, JPEG, `FILE.h5:/dataset`) and folders (every PNG and JPEG directly in
  /// them, sorted by name), in this order.
  public var paths: [String]
  /// The crop.
  public var crop: Crop

  /// A content set of `paths` brought to size by `crop`.
  public init(paths: [String], crop: Crop = .randomCrop) {
    self.paths = paths
    self.crop = crop
  }

  /// Every problem, as `key: message`.
  public func problems() -> [String] {
    paths.isEmpty ? ["paths: no content image or folder given"] : []
  }
}
