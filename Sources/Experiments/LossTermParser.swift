import Foundation
import Losses
import NN

/// Builds loss terms from command-line pieces (`--style-loss KIND`, `--style-loss-option
/// key=value`, layers, weights) through the terms' own JSON decoding, so every registered
/// formulation and its options work from the command line without extra code. Option values are
/// read as JSON numbers or booleans when they parse as such, else as strings. A key the
/// formulation does not know is an error with a did-you-mean.
public enum LossTermParser {
  /// The term of `kind` with `options` (`key=value`) on `layers`.
  ///
  /// The Gram loss's `normalization` defaults to `chw` here (the reference's); every other
  /// option a formulation requires must be given.
  public static func term(
    kind: String, options: [String], layers: [VGGLayer], layerWeights: [Float]?, weight: Float,
    target: TargetImage, normalizeGradients: Bool
  ) throws(LossTermError) -> FeatureLossTerm {
    guard featureLossType(kind: kind) != nil else {
      let known = featureLossTypes.map { $0.kind }
      let hint = closestName(to: kind, among: known).map { "; did you mean \"\($0)\"?" } ?? ""
      throw LossTermError(
        message: "\"\(kind)\" is not a loss formulation\(hint) (known: \(known.joined(separator: ", ")))")
    }
    var object: [String: Any] = [
      "kind": kind, "layers": layers.map(\.rawValue), "weight": Double(weight),
      "target": target.rawValue, "normalizeGradients": normalizeGradients,
    ]
    if let layerWeights { object["layerWeights"] = layerWeights.map(Double.init) }
    var given: [String] = []
    for option in options {
      let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty else {
        throw LossTermError(message: "loss option '\(option)' is not key=value")
      }
      guard !FeatureLossTerm.termKeys.contains(parts[0]) else {
        throw LossTermError(message: "'\(parts[0])' is set by its own command-line option, not as a loss option")
      }
      object[parts[0]] = jsonValue(parts[1])
      given.append(parts[0])
    }
    if kind == GramLoss.kind && object["normalization"] == nil {
      object["normalization"] = GramLoss.Normalization.chw.rawValue
    }
    let term: FeatureLossTerm
    do {
      let data = try JSONSerialization.data(withJSONObject: object)
      term = try JSONDecoder().decode(FeatureLossTerm.self, from: data)
    } catch let error as DecodingError {
      throw LossTermError(message: "\(kind) loss: \(describe(error))")
    } catch {
      throw LossTermError(message: "\(kind) loss: \(error)")
    }
    // Keys the decoder ignored are typos: compare with what the term encodes back.
    let known = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(term))) as? [String: Any] ?? [:]
    for key in given where known[key] == nil {
      let hint = closestName(to: key, among: Array(known.keys)).map { "; did you mean '\($0)'?" } ?? ""
      throw LossTermError(message: "the \(kind) loss has no option '\(key)'\(hint)")
    }
    return term
  }

  static func jsonValue(_ text: String) -> Any {
    if let integer = Int(text) { return integer }
    if let number = Double(text) { return number }
    if text == "true" { return true }
    if text == "false" { return false }
    return text
  }

  /// A decoding error in one line: what is missing or wrong, by key.
  public static func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, _):
      return "missing option '\(key.stringValue)'"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return "option '\(path)': \(context.debugDescription)"
    case .dataCorrupted(let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return path.isEmpty ? context.debugDescription : "option '\(path)': \(context.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }
}

/// A loss term that cannot be built from the given options.
public struct LossTermError: Error, CustomStringConvertible {
  /// What is wrong.
  public var message: String
  /// The message.
  public var description: String { message }
}
