import Suggestions

// swift-format-ignore: AlwaysUseLowerCamelCase
/// A layer of VGG-19 by its paper name: `conv{b}_{i}`, `relu{b}_{i}` (blocks 1–5, layers 1–2 in
/// blocks 1–2 and 1–4 in blocks 3–5) and `pool{b}`. The names keep the paper's spelling so that
/// `relu4_2` can be grepped for.
///
/// - Reference: Simonyan and Zisserman 2015 (configuration E); Gatys et al. 2015 use relu1_1 …
///   relu5_1 for textures and relu4_2 for content.
public enum VGGLayer: String, Codable, CaseIterable, Comparable, Sendable {
  case conv1_1, relu1_1, conv1_2, relu1_2, pool1
  case conv2_1, relu2_1, conv2_2, relu2_2, pool2
  case conv3_1, relu3_1, conv3_2, relu3_2, conv3_3, relu3_3, conv3_4, relu3_4, pool3
  case conv4_1, relu4_1, conv4_2, relu4_2, conv4_3, relu4_3, conv4_4, relu4_4, pool4
  case conv5_1, relu5_1, conv5_2, relu5_2, conv5_3, relu5_3, conv5_4, relu5_4, pool5

  /// The five texture/style layers of Gatys et al. 2015 and Ulyanov et al. 2016.
  public static let styleLayers: [VGGLayer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1]
  /// The content layer of Gatys et al. 2016 and Ulyanov et al. 2016.
  public static let contentLayer: VGGLayer = .relu4_2

  /// The position in the forward order (for "stop at the deepest requested layer").
  public var depth: Int { Self.allCases.firstIndex(of: self) ?? 0 }

  /// Layers are ordered by depth.
  public static func < (a: VGGLayer, b: VGGLayer) -> Bool { a.depth < b.depth }

  /// The convolution this layer belongs to (`conv3_2` for `relu3_2`), nil for pooling layers.
  public var convolutionName: String? {
    switch rawValue.prefix(4) {
    case "conv": return rawValue
    case "relu": return "conv" + rawValue.dropFirst(4)
    default: return nil
    }
  }

  /// Parses a paper name; an unknown one is an error with a did-you-mean suggestion.
  public init(named name: String) throws(VGGLayerError) {
    guard let layer = VGGLayer(rawValue: name) else {
      throw VGGLayerError(name: name, suggestion: closestName(to: name, among: Self.allCases.map(\.rawValue)))
    }
    self = layer
  }
}

/// A name that is not a VGG-19 layer.
public struct VGGLayerError: Error, CustomStringConvertible, Equatable {
  /// The name given.
  public var name: String
  /// The closest layer name, if any is close.
  public var suggestion: String?

  /// The error for `name`, suggesting `suggestion`.
  public init(name: String, suggestion: String?) {
    self.name = name
    self.suggestion = suggestion
  }

  /// `"relu6_1" is not a VGG-19 layer; did you mean "relu5_1"?`
  public var description: String {
    "\"\(name)\" is not a VGG-19 layer" + didYouMean(suggestion)
      + " (layers: conv1_1 … conv5_4, relu1_1 … relu5_4, pool1 … pool5)"
  }
}
