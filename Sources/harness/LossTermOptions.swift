import ArgumentParser
import Gatys
import Losses
import Measurements
import NN

/// The defaults a command gives the loss-term options (`gatys` and `features` differ only in the
/// style weight).
protocol LossTermDefaults {
  /// The default `--style-weight`.
  static var styleWeight: Float { get }
}

/// `harness gatys`: Gatys et al.'s and neural-style's defaults (`GatysConfiguration.Defaults`).
enum GatysLossDefaults: LossTermDefaults {
  static var styleWeight: Float { GatysConfiguration.Defaults.styleWeight }
}

/// `harness features`: unit weights, so the stored terms are the plain losses.
enum FeaturesLossDefaults: LossTermDefaults {
  static var styleWeight: Float { FeatureExtractionConfiguration.defaultStyleWeight }
}

/// The loss-term options `harness gatys` and `harness features` share (one option group): the
/// style and content terms (kind, options, layers, per-layer weights, weights), total variation,
/// the style blend and the Gram normalisation. `featureTerms` turns them into `FeatureLossTerm`s
/// through `FeatureLossTerm(kind:optionsJSON:...)`, the same assembly experiment files use.
struct LossTermOptions<Defaults: LossTermDefaults>: ParsableArguments {
  @Option(help: "Weight of the style loss.")
  var styleWeight: Float = Defaults.styleWeight

  @Option(help: "Weight of the content loss.")
  var contentWeight: Float = GatysConfiguration.Defaults.contentWeight

  @Option(help: "Weight of the total-variation loss on the optimised (first) image (default: no term).")
  var tvWeight: Float?

  @Option(help: "Style layers, comma-separated.")
  var styleLayers = GatysConfiguration.Defaults.styleLayers.map(\.rawValue).joined(separator: ",")

  @Option(help: "Per-layer style weights, comma-separated (default 1 each).")
  var styleLayerWeights: String?

  @Option(help: "Content layers, comma-separated.")
  var contentLayers = GatysConfiguration.Defaults.contentLayers.map(\.rawValue).joined(separator: ",")

  @Option(help: "Per-layer content weights, comma-separated (default 1 each).")
  var contentLayerWeights: String?

  @Option(
    help: "The style loss formulation from the registry (\(featureLossTypes.map { $0.kind }.joined(separator: ", "))).")
  var styleLoss = GramLoss.kind

  @Option(help: "Options of the style loss as a JSON object, e.g. '{\"projections\": 64}'.")
  var styleLossOptions: String?

  @Option(help: "The Gram matrix normalisation: chw (G/(CHW), the reference), hw, or gatys (1/(4N^2M^2)).")
  var gramNormalization: GramLoss.Normalization = .chw

  @Flag(help: "Divide each layer's gradient by its L1 norm (neural-style's -normalize_gradients).")
  var normalizeGradients = false

  @Option(name: .customLong("style-blend"), help: "Blend weights of the style images, comma-separated (default: equal).")
  var styleBlend: String?

  /// `--style-blend` as numbers (nil when not given); the configuration checks that they fit.
  func styleBlendWeights() throws -> [Float]? {
    try styleBlend.map { try numberList($0, option: "--style-blend") }
  }

  /// The style term (when `style`) and the content term (when `content`), in that order.
  func featureTerms(style: Bool, content: Bool) throws -> [FeatureLossTerm] {
    var terms: [FeatureLossTerm] = []
    do {
      if style {
        terms.append(
          try FeatureLossTerm(
            kind: styleLoss, optionsJSON: styleLossOptions,
            layers: try layerList(styleLayers, option: "--style-layers"),
            layerWeights: try styleLayerWeights.map { try numberList($0, option: "--style-layer-weights") },
            weight: styleWeight, target: .style, normalizeGradients: normalizeGradients,
            gramNormalization: gramNormalization))
      }
      if content {
        terms.append(
          try FeatureLossTerm(
            kind: ContentLoss.kind, optionsJSON: nil,
            layers: try layerList(contentLayers, option: "--content-layers"),
            layerWeights: try contentLayerWeights.map { try numberList($0, option: "--content-layer-weights") },
            weight: contentWeight, target: .content, normalizeGradients: normalizeGradients))
      }
    } catch let error as LossArgumentError {
      throw ValidationError("--style-loss: \(error)")
    }
    return terms
  }

  /// The total-variation term when `--tv-weight` is given and not 0.
  var imageTerms: [ImageLossTerm] {
    guard let tvWeight, tvWeight != 0 else { return [] }
    return [ImageLossTerm(TotalVariationLoss(), weight: tvWeight)]
  }
}
