import Foundation
import NN
import Suggestions

/// Which image a feature-loss term's targets come from.
public enum TargetImage: String, Codable, Sendable {
  /// The style or texture exemplar(s) (blended when several).
  case style
  /// The content image.
  case content
}

/// One term of an objective: a loss formulation on some layers with a weight.
///
/// In JSON a term is flat, the loss's options beside the term's fields:
/// `{"kind": "gram", "layers": ["relu1_1", ...], "weight": 1000, "normalization": "chw"}`.
/// `layerWeights` (default all 1) multiplies each layer's value; `target` defaults to `style`
/// (`content` for the `content` kind); `normalizeGradients` (default false) divides each layer's
/// gradient by its L1 norm before weighting (neural-style's `-normalize_gradients`).
public struct FeatureLossTerm: Codable, Equatable, Sendable {
  /// The formulation, an instance of a registered `FeatureLoss` type.
  public let loss: any FeatureLoss
  /// The layers the term reads, each with its own value.
  public var layers: [VGGLayer]
  /// Per-layer weights (same count as `layers`).
  public var layerWeights: [Float]
  /// The term's weight.
  public var weight: Float
  /// The image the targets come from.
  public var target: TargetImage
  /// Whether each layer's gradient is L1-normalised (then multiplied by the weights).
  public var normalizeGradients: Bool

  /// A term of `loss` on `layers`.
  public init(
    _ loss: any FeatureLoss, layers: [VGGLayer], weight: Float, layerWeights: [Float]? = nil,
    target: TargetImage? = nil, normalizeGradients: Bool = false
  ) {
    precondition(
      layerWeights == nil || layerWeights?.count == layers.count,
      "FeatureLossTerm: one layer weight per layer")
    self.loss = loss
    self.layers = layers
    self.layerWeights = layerWeights ?? layers.map { _ in 1 }
    self.weight = weight
    self.target = target ?? (type(of: loss).kind == ContentLoss.kind ? .content : .style)
    self.normalizeGradients = normalizeGradients
  }

  /// The loss's `kind`.
  public var kind: String { type(of: loss).kind }

  enum CodingKeys: String, CodingKey {
    case kind, layers, layerWeights, weight, target, normalizeGradients
  }

  /// The term's own keys; everything else in the object belongs to the loss's options.
  public static let termKeys: Set<String> = Set(
    ["kind", "layers", "layerWeights", "weight", "target", "normalizeGradients"])

  /// Decodes the term's fields, then the loss's options from the same object.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let type = try container.decodeName(
      forKey: .kind, isNot: "a feature loss", known: featureLossTypes.map { $0.kind },
      lookup: featureLossType(kind:))
    let decodedLayers = try container.decode([VGGLayer].self, forKey: .layers)
    var decodedWeights = [Float](repeating: 1, count: decodedLayers.count)
    if let given = try container.decodeIfPresent([Float].self, forKey: .layerWeights) {
      decodedWeights = given
    }
    if decodedWeights.count != decodedLayers.count {
      throw DecodingError.dataCorruptedError(
        forKey: .layerWeights, in: container,
        debugDescription: "\(decodedWeights.count) layer weights for \(decodedLayers.count) layers")
    }
    loss = try type.decoded(from: decoder)
    layers = decodedLayers
    layerWeights = decodedWeights
    weight = try container.decode(Float.self, forKey: .weight)
    let defaultTarget: TargetImage = type.kind == ContentLoss.kind ? .content : .style
    target = try container.decodeIfPresent(TargetImage.self, forKey: .target) ?? defaultTarget
    let normalize = try container.decodeIfPresent(Bool.self, forKey: .normalizeGradients)
    normalizeGradients = normalize ?? false
  }

  /// Encodes the term's fields and the loss's options into one object.
  public func encode(to encoder: any Encoder) throws {
    try loss.encodeOptions(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(layers, forKey: .layers)
    try container.encode(layerWeights, forKey: .layerWeights)
    try container.encode(weight, forKey: .weight)
    try container.encode(target, forKey: .target)
    try container.encode(normalizeGradients, forKey: .normalizeGradients)
  }

  /// Terms are equal when their fields and their losses' kinds and options are.
  public static func == (a: FeatureLossTerm, b: FeatureLossTerm) -> Bool {
    a.layers == b.layers && a.layerWeights == b.layerWeights && a.weight == b.weight
      && a.target == b.target && a.normalizeGradients == b.normalizeGradients
      && a.kind == b.kind && optionsJSON(a.loss) == optionsJSON(b.loss)
  }
}

/// An image-loss term: a regulariser on the image with a weight, JSON
/// `{"kind": "totalVariation", "weight": 0.001}`.
public struct ImageLossTerm: Codable, Equatable, Sendable {
  /// The formulation, an instance of a registered `ImageLoss` type.
  public let loss: any ImageLoss
  /// The term's weight.
  public var weight: Float

  /// A term of `loss` with `weight`.
  public init(_ loss: any ImageLoss, weight: Float) {
    self.loss = loss
    self.weight = weight
  }

  /// The loss's `kind`.
  public var kind: String { type(of: loss).kind }

  enum CodingKeys: String, CodingKey { case kind, weight }

  /// Decodes the term's fields, then the loss's options from the same object.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let type = try container.decodeName(
      forKey: .kind, isNot: "an image loss", known: imageLossTypes.map { $0.kind },
      lookup: imageLossType(kind:))
    loss = try type.decoded(from: decoder)
    weight = try container.decode(Float.self, forKey: .weight)
  }

  /// Encodes the term's fields and the loss's options into one object.
  public func encode(to encoder: any Encoder) throws {
    try loss.encodeOptions(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(weight, forKey: .weight)
  }

  /// Terms are equal when their weights, kinds and options are.
  public static func == (a: ImageLossTerm, b: ImageLossTerm) -> Bool {
    a.weight == b.weight && a.kind == b.kind && optionsJSON(a.loss) == optionsJSON(b.loss)
  }
}

/// The options of a loss as canonical JSON (sorted keys), for equality and provenance.
func optionsJSON(_ loss: any FeatureLoss) -> Data? { loss.optionsJSON() }

func optionsJSON(_ loss: any ImageLoss) -> Data? { loss.optionsJSON() }

func sortedEncoder() -> JSONEncoder {
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys
  return encoder
}

extension FeatureLoss {
  /// An instance whose options are decoded from `decoder`.
  static func decoded(from decoder: any Decoder) throws -> any FeatureLoss {
    Self(options: try Options(from: decoder))
  }

  func encodeOptions(to encoder: any Encoder) throws { try options.encode(to: encoder) }

  func optionsJSON() -> Data? { try? sortedEncoder().encode(options) }
}

extension ImageLoss {
  /// An instance whose options are decoded from `decoder`.
  static func decoded(from decoder: any Decoder) throws -> any ImageLoss {
    Self(options: try Options(from: decoder))
  }

  func encodeOptions(to encoder: any Encoder) throws { try options.encode(to: encoder) }

  func optionsJSON() -> Data? { try? sortedEncoder().encode(options) }
}

extension FeatureLossTerm {
  /// Every problem with the weights and layers of `featureTerms` and `imageTerms`, as
  /// `featureTerms[i].weight: message` (weights and layer weights finite and non-negative, at
  /// least one layer per term): the one check the Gatys and training configurations share.
  public static func problems(featureTerms: [FeatureLossTerm], imageTerms: [ImageLossTerm]) -> [String] {
    var problems: [String] = []
    for (index, term) in featureTerms.enumerated() {
      if term.weight < 0 || !term.weight.isFinite {
        problems.append("featureTerms[\(index)].weight: must be non-negative, got \(term.weight)")
      }
      if term.layerWeights.contains(where: { $0 < 0 || !$0.isFinite }) {
        problems.append("featureTerms[\(index)].layerWeights: must be non-negative, got \(term.layerWeights)")
      }
      if term.layers.isEmpty { problems.append("featureTerms[\(index)].layers: no layers") }
    }
    for (index, term) in imageTerms.enumerated() where term.weight < 0 || !term.weight.isFinite {
      problems.append("imageTerms[\(index)].weight: must be non-negative, got \(term.weight)")
    }
    return problems
  }
}
