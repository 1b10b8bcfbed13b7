import Foundation
import Losses
import NN

/// The objective both methods minimise (Gatys et al.'s descriptor loss on VGG-19):
///
///     L = style.weight · Σ_l style.layerWeights[l] · style.loss(F_l(x), target_l)
///       + content.weight · Σ_l content.layerWeights[l] · mean((F_l(x) − F_l(c))²)
///       + totalVariationWeight · TV(x)
///
/// Each part is its own field so that each can be swept alone (`objective.style.layers`,
/// `objective.style.loss`, `objective.content.layers`, ...).
public struct ObjectiveSettings: Codable, Equatable, Sendable {
  /// The style (texture) term.
  public var style: FeatureTermSettings
  /// The content term (style mode only; nil for textures).
  public var content: FeatureTermSettings?
  /// The total-variation weight (0: no term).
  public var totalVariationWeight: Float
  /// The descriptor's padding.
  public var padding: VGG19.Padding
  /// The descriptor's pooling.
  public var pooling: VGG19.Pooling
  /// The VGG-19 weights (HDF5 from `harness import-weights`), a path as the task's.
  public var weights: String

  /// Settings with every field given.
  public init(
    style: FeatureTermSettings, content: FeatureTermSettings? = nil,
    totalVariationWeight: Float = 0, padding: VGG19.Padding = .zero, pooling: VGG19.Pooling = .max,
    weights: String
  ) {
    self.style = style
    self.content = content
    self.totalVariationWeight = totalVariationWeight
    self.padding = padding
    self.pooling = pooling
    self.weights = weights
  }

  /// The objective's terms as the trainer and the Gatys baseline take them.
  public var featureTerms: [FeatureLossTerm] {
    [style.term(target: .style)] + (content.map { [$0.term(target: .content)] } ?? [])
  }

  /// The image terms (total variation when its weight is positive).
  public var imageTerms: [ImageLossTerm] {
    totalVariationWeight > 0
      ? [ImageLossTerm(TotalVariationLoss(), weight: totalVariationWeight)] : []
  }
}

/// One feature-loss term: a formulation on some layers with a weight.
///
/// JSON: `{"loss": {"kind": "gram", "normalization": "chw"}, "layers": ["relu1_1", ...],
/// "weight": 1, "normalizeGradients": false}`; `layerWeights` may be left out (1 per layer).
public struct FeatureTermSettings: Codable, Equatable, Sendable {
  /// The formulation and its options.
  public var loss: LossFormulation
  /// The layers read.
  public var layers: [VGGLayer]
  /// One weight per layer; nil: 1 for every layer.
  public var layerWeights: [Float]?
  /// The term's weight.
  public var weight: Float
  /// Divide each layer's gradient by its L1 norm (texture_nets v1's `-normalize_gradients`).
  public var normalizeGradients: Bool

  /// A term with every field given.
  public init(
    loss: LossFormulation, layers: [VGGLayer], layerWeights: [Float]? = nil, weight: Float,
    normalizeGradients: Bool = false
  ) {
    self.loss = loss
    self.layers = layers
    self.layerWeights = layerWeights
    self.weight = weight
    self.normalizeGradients = normalizeGradients
  }

  /// The term as the objective takes it, its targets from `target`.
  /// - Precondition: `layerWeights` is nil or has one weight per layer (`problems()`).
  public func term(target: TargetImage) -> FeatureLossTerm {
    FeatureLossTerm(
      loss.loss, layers: layers, weight: weight, layerWeights: layerWeights, target: target,
      normalizeGradients: normalizeGradients)
  }

  /// Every problem, as `key: message`.
  public func problems() -> [String] {
    var problems: [String] = []
    if layers.isEmpty { problems.append("layers: no layers") }
    if let layerWeights {
      if layerWeights.count != layers.count {
        problems.append("layerWeights: \(layerWeights.count) weights for \(layers.count) layers")
      }
      if layerWeights.contains(where: { !($0.isFinite && $0 >= 0) }) {
        problems.append("layerWeights: must be non-negative, got \(layerWeights)")
      }
    }
    if !(weight.isFinite && weight >= 0) {
      problems.append("weight: must be non-negative, got \(weight)")
    }
    return problems
  }
}

/// A loss formulation (any registered `FeatureLoss`) with its options, flat in JSON:
/// `{"kind": "slicedWasserstein", "projections": 64}`. An unknown kind is an error with a
/// did-you-mean; the options are the formulation's own (all required).
public struct LossFormulation: Codable, Equatable, Sendable {
  /// The formulation.
  public let loss: any FeatureLoss

  /// A formulation wrapping `loss`.
  public init(_ loss: any FeatureLoss) { self.loss = loss }

  /// The registered kind.
  public var kind: String { type(of: loss).kind }

  private enum CodingKeys: String, CodingKey { case kind }

  /// Decodes `kind`, then that formulation's options from the same object.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let type = try container.decodeName(
      forKey: .kind, isNot: "a feature loss", known: featureLossTypes.map { $0.kind },
      lookup: featureLossType(kind:))
    loss = try Self.decode(type, from: decoder)
  }

  private static func decode<L: FeatureLoss>(_ type: L.Type, from decoder: any Decoder) throws -> L
  {
    L(options: try L.Options(from: decoder))
  }

  /// Encodes `kind` and the options side by side.
  public func encode(to encoder: any Encoder) throws {
    try Self.encodeOptions(loss, to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
  }

  private static func encodeOptions<L: FeatureLoss>(_ loss: L, to encoder: any Encoder) throws {
    try loss.options.encode(to: encoder)
  }

  /// Formulations are equal when their kinds and encoded options are.
  public static func == (a: LossFormulation, b: LossFormulation) -> Bool {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return (try? encoder.encode(a)) == (try? encoder.encode(b))
  }
}
