import Foundation
import Gatys
import NN
import Optimizers
import Suggestions
import TensorCore

extension ExperimentLoader {
  /// The experiment in `tree` (one point), or nil with its problems recorded.
  mutating func decode(_ tree: JSONValue, sweep: Sweep) -> Experiment? {
    let extends = section(String?.self, "extends", in: tree, optional: true)
    let notes = section(String.self, "notes", in: tree)
    let seed = section(UInt64.self, "seed", in: tree)
    let task = section(TaskSettings.self, "task", in: tree)
    let generator = section(GeneratorConfiguration.self, "generator", in: tree)
    let objective = section(ObjectiveSettings.self, "objective", in: tree)
    let training = section(TrainingSettings.self, "training", in: tree)
    let evaluation = section(EvaluationSettings.self, "evaluation", in: tree)
    let gatys = section(GatysSettings.self, "gatys", in: tree)
    reportUnknownKeys(in: tree, sweep: sweep)
    knownTrees = [:]
    guard let notes, let seed, let task, let generator, let objective, let training, let evaluation,
      let gatys
    else { return nil }
    var experiment = Experiment(
      extends: extends ?? nil, notes: notes, seed: seed, task: task, generator: generator,
      objective: objective, training: training, evaluation: evaluation, gatys: gatys)
    resolvePaths(&experiment)
    for text in experiment.problems() {
      guard let separator = text.range(of: ": ") else {
        problem("", text)
        continue
      }
      problem(String(text[..<separator.lowerBound]), String(text[separator.upperBound...]))
    }
    return experiment
  }

  /// Decodes the section `name` of `tree` on its own, recording a problem with its key path.
  mutating func section<Value: Codable>(
    _ type: Value.Type, _ name: String, in tree: JSONValue, optional: Bool = false
  ) -> Value? {
    guard let value = tree[name] else {
      if optional { return nil }
      problem(
        name,
        "missing (every setting that affects a result is required; or say \"extends\": \"PRESET\" to start from a preset)"
      )
      return nil
    }
    do {
      // Wrapped in an array so that any value, not only an object, decodes at the top.
      let decoded = try JSONDecoder().decode([Value].self, from: JSONValue.array([value]).data)[0]
      if case .array(let encoded)? = try? JSONValue.encoding([decoded]) {
        knownTrees[name] = encoded.first
      }
      return decoded
    } catch let error as DecodingError {
      let (path, message) = Self.describe(error, in: value)
      problem(([KeyPathComponent.key(name)] + path).dotted, message)
    } catch {
      problem(name, "\(error)")
    }
    return nil
  }

  /// The key path (without the wrapping array's index) and message of a decoding error.
  static func describe(_ error: DecodingError, in value: JSONValue) -> ([KeyPathComponent], String)
  {
    func path(_ codingPath: [any CodingKey]) -> [KeyPathComponent] {
      Array(
        codingPath.dropFirst().map { key -> KeyPathComponent in
          key.intValue.map { .index($0) } ?? .key(key.stringValue)
        })
    }
    func found(_ components: [KeyPathComponent]) -> String {
      guard let found = value.value(at: components) else { return "nothing" }
      let text = found.text
      return found.typeDescription + (text.count <= 40 ? " " + text : "")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return (path(context.codingPath) + [.key(key.stringValue)], "missing (required)")
    case .typeMismatch(let type, let context):
      let components = path(context.codingPath)
      return (components, "expected \(typeName(type)), got \(found(components))")
    case .valueNotFound(let type, let context):
      let components = path(context.codingPath)
      return (components, "expected \(typeName(type)), got null")
    case .dataCorrupted(let context):
      let components = path(context.codingPath)
      return (components, message(context.debugDescription, found: value.value(at: components)))
    @unknown default:
      return ([], "\(error)")
    }
  }

  /// A decoder's message made readable: an invalid enumeration value gets the known values and
  /// a did-you-mean; a number that does not fit says which.
  static func message(_ description: String, found: JSONValue?) -> String {
    let pattern = "Cannot initialize "
    if description.hasPrefix(pattern), let from = description.range(of: " from invalid ") {
      let typeName = String(
        description[
          description.index(description.startIndex, offsetBy: pattern.count)..<from.lowerBound])
      if case .string(let given)? = found, let known = enumerationValues[typeName] {
        let what = typeName == "VGGLayer" ? "a VGG-19 layer" : "a valid \(typeName)"
        return unknownNameMessage(given, isNot: what, known: known)
      }
      if let found { return "\(found.text) is not a valid \(typeName)" }
    }
    // A number the field's integer type cannot hold (a negative seed, 1.5 iterations).
    if case .number(let text)? = found {
      return text.hasPrefix("-")
        ? "expected a non-negative integer, got \(text)" : "expected an integer, got \(text)"
    }
    return description
  }

  /// The values of the string enumerations the schema uses, by type name, for did-you-means.
  static let enumerationValues: [String: [String]] = {
    func names<Value: CaseIterable & RawRepresentable>(_ type: Value.Type) -> (String, [String])
    where Value.RawValue == String {
      (String(describing: type), type.allCases.map(\.rawValue))
    }
    return Dictionary(
      [
        names(VGGLayer.self), names(VGG19.Padding.self), names(VGG19.Pooling.self),
        names(PaddingMode.self), names(BatchNormStatistics.self),
        names(GeneratorConfiguration.Mode.self), names(GeneratorConfiguration.Normalization.self),
        names(GeneratorConfiguration.NoiseDistribution.self),
        names(GeneratorConfiguration.OutputLayer.self),
        names(GeneratorConfiguration.Initialization.self), names(LineSearch.self),
        names(NoiseDistribution.self),
      ], uniquingKeysWith: { first, _ in first })
  }()

  /// `an integer`, `a number`, `a string`, ... for a type the decoder expected.
  static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type, is UInt64.Type, is Int32.Type, is UInt.Type: return "an integer"
    case is Float.Type, is Double.Type: return "a number"
    case is String.Type: return "a string"
    case is Bool.Type: return "a boolean (true or false)"
    default:
      let name = String(describing: type)
      if name.hasPrefix("Array") { return "an array" }
      if name.hasPrefix("Dictionary") { return "an object" }
      return "an object (\(name))"
    }
  }
}
