import Gatys
import Losses
import Optimizers
import Training

extension Experiment {
  /// The trainer's configuration of this point: the task, the generator, the objective and the
  /// training settings as `TrainingConfiguration` takes them, with the experiment's seed.
  public func trainingConfiguration() -> TrainingConfiguration {
    TrainingConfiguration(
      styles: task.styles, styleBlendWeights: blendWeights, styleScale: task.styleScale,
      content: task.content, generator: generator, featureTerms: objective.featureTerms,
      imageTerms: objective.imageTerms, padding: objective.padding, pooling: objective.pooling,
      optimizer: training.optimizer, schedule: training.schedule, batchSize: training.batchSize,
      iterations: training.iterations, size: training.size, seed: seed,
      printEvery: training.printEvery, sampleEvery: training.sampleEvery,
      sampleCount: training.sampleCount, checkpointEvery: training.checkpointEvery,
      weights: objective.weights)
  }

  /// The Gatys baseline's configuration of this point with `optimizer`: the same objective, the
  /// same exemplars (and the evaluation content in style mode), at `size` (default
  /// `gatys.size`), stopping at `stopAtLoss` (the generator's mean sample loss at that size) or
  /// after `gatys.iterations`.
  ///
  /// - Note: The terms' `normalizeGradients` (texture_nets v1's per-layer gradient L1
  ///   normalisation, a training device of the generator) is off for Gatys: the loss is the same
  ///   function, but L-BFGS needs the true gradient of the loss it minimises (neural-style's
  ///   default, `-normalize_gradients` off).
  public func gatysConfiguration(
    optimizer: OptimizerConfiguration, stopAtLoss: Double?, size: Int? = nil
  ) -> GatysConfiguration {
    var featureTerms = objective.featureTerms
    for index in featureTerms.indices { featureTerms[index].normalizeGradients = false }
    return GatysConfiguration(
      styles: task.styles, styleBlendWeights: blendWeights, content: task.evaluationContent,
      initialization: gatys.initialization, size: size ?? gatys.size, styleScale: task.styleScale,
      featureTerms: featureTerms, imageTerms: objective.imageTerms,
      padding: objective.padding, pooling: objective.pooling, iterations: gatys.iterations,
      optimizer: optimizer, originalColors: gatys.originalColors, seed: seed,
      printEvery: gatys.printEvery, saveEvery: gatys.saveEvery,
      checkpointEvery: gatys.checkpointEvery, stopAtLoss: stopAtLoss, weights: objective.weights)
  }

  /// The blend weights (equal when not given).
  var blendWeights: [Float] { task.styleBlendWeights ?? task.styles.map { _ in 1 } }

  /// Every problem with this point, as `key.path: message` in the experiment's own keys: the
  /// sections' own checks, then the trainer's and the Gatys baseline's (`problems()`), whose keys
  /// are mapped back to the experiment's (`ConfigurationKeys`).
  public func problems() -> [String] {
    var problems: [String] = []
    problems += objective.style.problems().map { "objective.style.\($0)" }
    if let content = objective.content {
      problems += content.problems().map { "objective.content.\($0)" }
      if content.loss.kind != ContentLoss.kind {
        problems.append(
          "objective.content.loss.kind: the content term takes the \"\(ContentLoss.kind)\" loss, got \"\(content.loss.kind)\""
        )
      }
    }
    if !(objective.totalVariationWeight.isFinite && objective.totalVariationWeight >= 0) {
      problems.append(
        "objective.totalVariationWeight: must be non-negative, got \(objective.totalVariationWeight)"
      )
    }
    switch generator.mode {
    case .texture:
      if objective.content != nil {
        problems.append(
          "objective.content: a texture experiment (generator.mode texture) has no content term; remove it or use generator.mode style"
        )
      }
      if task.evaluationContent != nil {
        problems.append(
          "task.evaluationContent: a texture experiment (generator.mode texture) takes no content image"
        )
      }
    case .style:
      if task.evaluationContent == nil {
        problems.append(
          "task.evaluationContent: a style experiment needs the content image its samples and the Gatys baseline stylise"
        )
      }
    }
    problems += evaluationProblems()
    problems += gatysProblems()
    // The trainer's own checks, skipping the terms' (reported above in the file's keys).
    let styleIndependent = trainingConfiguration().problems().filter {
      !$0.hasPrefix("featureTerms[") && !$0.hasPrefix("imageTerms[")
    }
    problems += styleIndependent.map(ConfigurationKeys.training)
    if let optimizer = gatys.optimizers.first {
      let gatysOnly = gatysConfiguration(optimizer: optimizer, stopAtLoss: nil).problems().filter {
        !$0.hasPrefix("featureTerms[") && !$0.hasPrefix("imageTerms[") && !$0.hasPrefix("styles")
          && !$0.hasPrefix("content") && !$0.hasPrefix("optimizer") && !$0.hasPrefix("size")
          && !$0.hasPrefix("styleScale")
      }
      problems += gatysOnly.map(ConfigurationKeys.gatys)
    }
    for (index, optimizer) in gatys.optimizers.enumerated() {
      problems += optimizer.problems().map { "gatys.optimizers[\(index)].\($0)" }
    }
    var seen: Set<String> = []
    return problems.filter { seen.insert($0).inserted }
  }

  private func evaluationProblems() -> [String] {
    var problems: [String] = []
    if evaluation.sampleCount < 1 {
      problems.append("evaluation.sampleCount: must be at least 1, got \(evaluation.sampleCount)")
    }
    if evaluation.timingRuns < 1 {
      problems.append("evaluation.timingRuns: must be at least 1, got \(evaluation.timingRuns)")
    }
    if evaluation.sizes.isEmpty { problems.append("evaluation.sizes: no sizes") }
    if (1...8).contains(generator.levels) {
      let multiple = generator.sizeMultiple
      for (index, size) in evaluation.sizes.enumerated()
      where size < multiple || size % multiple != 0 {
        let below = max(multiple, size / multiple * multiple)
        problems.append(
          "evaluation.sizes[\(index)]: \(size) is not a multiple of 2^(K-1) = \(multiple) for K = \(generator.levels) levels (nearest: \(below) or \(below + multiple))"
        )
      }
    }
    if evaluation.seed == seed {
      problems.append(
        "evaluation.seed: must differ from the experiment's seed (\(seed)), so that evaluation noise is fresh"
      )
    }
    return problems
  }

  private func gatysProblems() -> [String] {
    var problems: [String] = []
    if gatys.optimizers.isEmpty {
      problems.append("gatys.optimizers: no optimiser (give at least lbfgs)")
    }
    if gatys.iterations < 1 {
      problems.append("gatys.iterations: must be at least 1, got \(gatys.iterations)")
    }
    if !evaluation.sizes.contains(gatys.size) {
      problems.append(
        "gatys.size: \(gatys.size) is not one of evaluation.sizes \(evaluation.sizes) (the baseline stops at the generator's mean sample loss at its size)"
      )
    }
    for (index, side) in (gatys.additionalSizes ?? []).enumerated()
    where !evaluation.sizes.contains(side) {
      problems.append(
        "gatys.additionalSizes[\(index)]: \(side) is not one of evaluation.sizes \(evaluation.sizes) (the baseline stops at the generator's mean sample loss at its size)"
      )
    }
    if gatys.originalColors && generator.mode == .texture {
      problems.append(
        "gatys.originalColors: keeping the content's colours needs a style experiment")
    }
    if gatys.initialization == .content && generator.mode == .texture {
      problems.append("gatys.initialization: 'content' needs a style experiment")
    }
    return problems
  }
}

/// The trainer's and the Gatys baseline's configuration keys in the experiment's keys, so that
/// their checks (`problems()`) name the field of the file.
enum ConfigurationKeys {
  /// `TrainingConfiguration` key → experiment key (the longest matching prefix wins).
  static let trainingPrefixes: [(String, String)] = [
    ("styles", "task.styles"), ("styleBlendWeights", "task.styleBlendWeights"),
    ("styleScale", "task.styleScale"), ("content.", "task.content."), ("content", "task.content"),
    ("generator", "generator"), ("featureTerms", "objective"), ("optimizer", "training.optimizer"),
    ("schedule", "training.schedule"), ("batchSize", "training.batchSize"),
    ("iterations", "training.iterations"), ("size", "training.size"),
    ("printEvery", "training.printEvery"), ("sampleEvery", "training.sampleEvery"),
    ("sampleCount", "training.sampleCount"), ("checkpointEvery", "training.checkpointEvery"),
  ]

  /// `GatysConfiguration` key → experiment key.
  static let gatysPrefixes: [(String, String)] = [
    ("initialization", "gatys.initialization"), ("originalColors", "gatys.originalColors"),
    ("iterations", "gatys.iterations"), ("printEvery", "gatys.printEvery"),
    ("saveEvery", "gatys.saveEvery"), ("checkpointEvery", "gatys.checkpointEvery"),
    ("stopAtLoss", "gatys.stopAtLoss"),
  ]

  static func training(_ problem: String) -> String { map(problem, trainingPrefixes) }

  static func gatys(_ problem: String) -> String { map(problem, gatysPrefixes) }

  private static func map(_ problem: String, _ prefixes: [(String, String)]) -> String {
    let matches = prefixes.filter { problem.hasPrefix($0.0) }
    guard let (from, to) = matches.max(by: { $0.0.count < $1.0.count }) else { return problem }
    return to + problem.dropFirst(from.count)
  }
}
