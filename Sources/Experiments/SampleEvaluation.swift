import Foundation
import ImageArguments
import Losses
import Runs
import TensorCore
import Training

/// The scores of a trained generator's samples at one size: `sampleCount` samples drawn from
/// fresh noise (`evaluation.seed`'s per-sample streams) at batch 1 (as timed), each scored alone
/// with the training objective, its style targets computed at this size (`styleScale · size`).
///
/// - Note: In style mode every sample stylises `task.evaluationContent`, brought to size × size
///   as `harness generate` does (cover, centre crop); the Gatys baseline resizes the same image
///   by its longest side (neural-style's `-image_size`), so for non-square content the two
///   outputs differ in shape. Textures are square on both sides.
enum SampleEvaluation {
  /// Draws and scores the samples, writing them (`samples.h5`, PNGs, `sampling.json`) and
  /// `scores.json` to `folder`. Returns the losses in sample order.
  static func run(
    _ experiment: Experiment, model: String, size: Int, folder: RunFolder, provenance: Provenance
  ) throws -> [Double] {
    let evaluation = experiment.evaluation
    let sampler = try Sampler(
      SamplingConfiguration(
        model: model, height: size, width: size, count: evaluation.sampleCount, batch: 1,
        seed: evaluation.seed, content: experiment.task.evaluationContent,
        batchNorm: evaluation.batchNorm))
    let drawn = sampler.draw()
    try sampler.write(
      samples: drawn.samples, noise: drawn.noise, measurement: drawn.measurement, to: folder,
      provenance: provenance)
    var configuration = experiment.trainingConfiguration()
    configuration.size = size
    let styles = try configuration.styles.map { try ImageArgument(parsing: $0).load().image }
    let objective = try TrainingObjective(
      configuration: configuration, styles: styles, network: try configuration.loadNetwork())
    var context = LossContext(random: RandomStream(seed: evaluation.seed, name: "losses"))
    var losses: [Double] = []
    for index in 0..<drawn.samples.shape[0] {
      let sample = drawn.samples.batchSlice(index..<(index + 1))
      losses += try objective.score(sample, content: sampler.content, context: &context)
    }
    try folder.writeJSON(Scores(size: size, losses: losses), to: "scores.json")
    return losses
  }

  /// `scores.json`.
  struct Scores: Codable {
    var size: Int
    var losses: [Double]
  }
}
