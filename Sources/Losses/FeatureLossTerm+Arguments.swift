import Foundation
import NN
import Suggestions

extension FeatureLossTerm {
  /// A feature-loss term of registered `kind` on `layers` with `weight`, targeting `target`, from
  /// plain values (what a command line or a form gives): `optionsJSON` is a JSON object of the
  /// loss's options (`{"projections": 64}`), read through the same flat JSON as experiment files,
  /// so every front end accepts exactly the same kinds and options. For `gram`, `normalization`
  /// defaults to `gramNormalization` when the object does not set it.
  ///
  /// - Throws: `LossArgumentError`: unknown kind (with a did-you-mean), options that are not a
  ///   JSON object, unknown option keys, or options the loss rejects.
  public init(
    kind: String, optionsJSON: String?, layers: [VGGLayer], layerWeights: [Float]? = nil,
    weight: Float, target: TargetImage, normalizeGradients: Bool = false,
    gramNormalization: GramLoss.Normalization = .chw
  ) throws(LossArgumentError) {
    guard featureLossType(kind: kind) != nil else {
      let known = featureLossTypes.map { $0.kind }
      throw .unknownKind(kind, suggestion: closestName(to: kind, among: known), known: known)
    }
    var object: [String: Any] = [:]
    if let optionsJSON {
      guard let data = optionsJSON.data(using: .utf8),
        let parsed = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
      else { throw .notAnObject(kind: kind, text: optionsJSON) }
      object = parsed
    }
    let termKeys = FeatureLossTerm.termKeys.intersection(object.keys)
    if !termKeys.isEmpty {
      throw .reservedKeys(kind: kind, keys: termKeys.sorted())
    }
    let optionKeys = Set(object.keys)
    if kind == GramLoss.kind && object["normalization"] == nil {
      object["normalization"] = gramNormalization.rawValue
    }
    object["kind"] = kind
    object["layers"] = layers.map(\.rawValue)
    object["weight"] = Double(weight)
    object["target"] = target.rawValue
    object["normalizeGradients"] = normalizeGradients
    if let layerWeights { object["layerWeights"] = layerWeights.map(Double.init) }
    let term: FeatureLossTerm
    do {
      let data = try JSONSerialization.data(withJSONObject: object)
      term = try JSONDecoder().decode(FeatureLossTerm.self, from: data)
      // Keys lost in a decode-encode round trip are options the loss does not have.
      let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(term))
      let understood = Set((encoded as? [String: Any])?.keys.map { $0 } ?? [])
      let unknown = optionKeys.subtracting(understood).sorted()
      if !unknown.isEmpty {
        let known = understood.subtracting(FeatureLossTerm.termKeys).sorted()
        throw LossArgumentError.unknownOptions(kind: kind, keys: unknown, known: known)
      }
    } catch let error as LossArgumentError {
      throw error
    } catch let error as DecodingError {
      throw .rejectedOptions(kind: kind, reason: LossArgumentError.reason(error))
    } catch {
      throw .rejectedOptions(kind: kind, reason: "\(error)")
    }
    self = term
  }
}

extension LossArgumentError {
  /// A short reason from a decoding error: the key path and what was wrong.
  static func reason(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
      let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
      return keys.isEmpty ? "" : "\(keys): "
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "\(path(context))missing option \"\(key.stringValue)\""
    case .typeMismatch(_, let context), .valueNotFound(_, let context),
      .dataCorrupted(let context):
      return path(context) + context.debugDescription
    @unknown default:
      return "\(error)"
    }
  }
}

/// A loss named by kind and options (on the command line, in a file) that cannot be built.
public enum LossArgumentError: Error, Equatable, CustomStringConvertible {
  /// No registered loss has this kind.
  case unknownKind(String, suggestion: String?, known: [String])
  /// The options text is not a JSON object.
  case notAnObject(kind: String, text: String)
  /// The options set the term's own fields (kind, layers, weight, ...).
  case reservedKeys(kind: String, keys: [String])
  /// Options the loss does not have.
  case unknownOptions(kind: String, keys: [String], known: [String])
  /// The loss's decoder refused the options.
  case rejectedOptions(kind: String, reason: String)

  /// One line naming the loss and the problem.
  public var description: String {
    switch self {
    case .unknownKind(let kind, let suggestion, let known):
      let hint = suggestion.map { "; did you mean \"\($0)\"?" } ?? ""
      return "\"\(kind)\" is not a feature loss\(hint) (known: \(known.joined(separator: ", ")))"
    case .notAnObject(let kind, let text):
      return "options of the \(kind) loss: '\(text)' is not a JSON object like {\"key\": value}"
    case .reservedKeys(let kind, let keys):
      return "options of the \(kind) loss: \(keys.joined(separator: ", ")) are set by the "
        + "command's own options (layers, weights), not by loss options"
    case .unknownOptions(let kind, let keys, let known):
      let list = known.isEmpty ? "it has none" : "it has: \(known.joined(separator: ", "))"
      return "options of the \(kind) loss: unknown \(keys.joined(separator: ", ")) (\(list))"
    case .rejectedOptions(let kind, let reason):
      return "options of the \(kind) loss: \(reason)"
    }
  }
}
