import Autodiff
import ImageArguments
import Losses
import NN
import TensorCore

/// A training configuration's objective, ready to evaluate generator outputs: the descriptor
/// (VGG-19 up to the deepest layer read, loaded once), the `Objective` of the configuration's
/// terms (the Gatys baseline's), and the style targets, computed once from the exemplars at
/// `styleSize` (blended with `styleBlendWeights`). Content targets come with each batch.
///
///   L(x) = Σ_t w_t Σ_l λ_{t,l} loss_t(F_l(x), target_{t,l}) + Σ_i w_i loss_i(x),
/// each feature loss averaged over the batch `[N, 3, H, W]`.
public struct TrainingObjective {
  /// The descriptor.
  public let network: VGG19
  /// The terms.
  public let objective: Objective
  /// The style targets (content terms hold placeholders until `targets(content:)`).
  public let styleTargets: Objective.Targets
  /// The exemplars at their working size, `[1, 3, S, S]` each.
  public let styles: [Tensor]

  /// The objective of `configuration` with its exemplars `styles` (as loaded, any size: each is
  /// brought to `styleSize` by `ImageResizing.centreCrop`) on `network`.
  public init(configuration: TrainingConfiguration, styles loaded: [Tensor], network: VGG19) throws {
    self.network = network
    objective = Objective(featureTerms: configuration.featureTerms, imageTerms: configuration.imageTerms)
    let resizing = ImageResizing(size: configuration.styleSize, mode: .centreCrop)
    let styles = loaded.map { image in
      let (_, _, h, w) = image.shape.nchw
      return h == resizing.size && w == resizing.size ? image : resizing.apply(image)
    }
    self.styles = styles
    let styleLayers = objective.layers(targeting: .style)
    let contentLayers = objective.layers(targeting: .content)
    // Content terms get a placeholder target (the style exemplar's features) that every batch
    // replaces; only their layers are read here.
    styleTargets = try objective.targets(
      styleCount: styles.count,
      styleFeatures: { network(Variable(styles[$0]), taps: styleLayers).mapValues(\.value) },
      styleWeights: configuration.styleBlendWeights,
      contentFeatures: contentLayers.isEmpty
        ? nil : { network(Variable(styles[0]), taps: contentLayers).mapValues(\.value) })
  }

  /// The targets for a batch whose content images are `content` `[N, 3, H, W]` (nil in texture
  /// mode): relu4_2 (the content layers) of the batch, computed without a tape.
  public func targets(content: Tensor?) throws -> Objective.Targets {
    guard let content else { return styleTargets }
    let layers = objective.layers(targeting: .content)
    guard !layers.isEmpty else { return styleTargets }
    let features = network(Variable(content), taps: layers).mapValues(\.value)
    return try objective.replacingContentTargets(styleTargets, content: features)
  }

  /// The objective at `output` (differentiable when `output` is), against `targets`.
  public func evaluate(
    _ output: Variable, targets: Objective.Targets, context: inout LossContext
  ) -> Objective.Evaluation {
    let features = network(output, taps: objective.taps)
    return objective.evaluate(image: output, features: features, targets: targets, context: &context)
  }

  /// The loss of each image of `images` `[N, 3, H, W]` alone (batch 1 each, no tape), with the
  /// content image of each in `content` (style mode): how samples are scored.
  public func score(
    _ images: Tensor, content: Tensor? = nil, context: inout LossContext
  ) throws -> [Double] {
    let n = images.shape[0]
    var losses: [Double] = []
    for index in 0..<n {
      let image = images.batchSlice(index..<(index + 1))
      let targets = try targets(content: content?.batchSlice(index..<(index + 1)))
      losses.append(Double(evaluate(Variable(image), targets: targets, context: &context).total.value.scalar))
    }
    return losses
  }
}
