import Foundation

/// A JSON document as a tree that keeps the order of object keys as written (Foundation's
/// parsers do not), so that a sweep's keys, and the folder names made from them, follow the file.
///
/// Numbers keep their text (`1e-3` stays `1e-3`, a 64-bit seed loses no digits). The tree is what
/// experiment files are merged (`extends`), swept (dotted keys) and checked for unknown keys in;
/// `JSONDecoder` then decodes its text into the schema.
public indirect enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  /// A number, as written.
  case number(String)
  case string(String)
  case array([JSONValue])
  /// An object, its members in the order written (a repeated key keeps its last value).
  case object([(key: String, value: JSONValue)])

  /// Objects are equal when they hold the same members, whatever their order.
  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)):
      return x == y || (Double(x) != nil && Double(x) == Double(y))
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      guard x.count == y.count else { return false }
      return x.allSatisfy { member in
        y.contains { $0.key == member.key && $0.value == member.value }
      }
    default: return false
    }
  }

  /// The member `key` of an object (nil for other values and missing keys).
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.last { $0.key == key }?.value
  }

  /// The object's keys in order (empty for other values).
  public var keys: [String] {
    guard case .object(let members) = self else { return [] }
    return members.map(\.key)
  }

  /// The object without `key`.
  public func removing(_ key: String) -> JSONValue {
    guard case .object(let members) = self else { return self }
    return .object(members.filter { $0.key != key })
  }

  /// The object with `key` set to `value` (replacing it in place, or appended).
  public func setting(_ key: String, to value: JSONValue) -> JSONValue {
    guard case .object(var members) = self else { return .object([(key, value)]) }
    if let index = members.firstIndex(where: { $0.key == key }) {
      members[index].value = value
    } else {
      members.append((key, value))
    }
    return .object(members)
  }

  /// `overrides` laid over this value: objects merge member by member (recursively); any other
  /// value in `overrides` (a number, a string, an array, null) replaces what is here. An object
  /// whose `kind` differs from this one's (another loss, optimiser or schedule) replaces it
  /// whole, since its other keys belong to its own kind.
  public func merging(_ overrides: JSONValue) -> JSONValue {
    guard case .object = self, case .object(let over) = overrides else { return overrides }
    if let kind = overrides["kind"], kind != self["kind"] { return overrides }
    var result = self
    for (key, value) in over {
      result = result.setting(key, to: result[key].map { $0.merging(value) } ?? value)
    }
    return result
  }

  /// What the value is, in messages: `a number`, `an object`, ...
  public var typeDescription: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .number: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }

  /// Compact JSON text (members in order).
  public var text: String {
    switch self {
    case .null: return "null"
    case .bool(let value): return value ? "true" : "false"
    case .number(let value): return value
    case .string(let value): return Self.quoted(value)
    case .array(let values): return "[" + values.map(\.text).joined(separator: ", ") + "]"
    case .object(let members):
      return "{"
        + members.map { Self.quoted($0.key) + ": " + $0.value.text }.joined(separator: ", ") + "}"
    }
  }

  /// The text as UTF-8, for `JSONDecoder`.
  public var data: Data { Data(text.utf8) }

  /// `value` encoded by `JSONEncoder` and read back as a tree.
  public static func encoding<Value: Encodable>(_ value: Value) throws -> JSONValue {
    try JSONValue(parsing: JSONEncoder().encode(value))
  }

  static func quoted(_ string: String) -> String {
    var result = "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
