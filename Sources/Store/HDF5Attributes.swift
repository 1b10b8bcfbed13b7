@preconcurrency import CHDF5
import Foundation
import TensorCore

/// The value of an HDF5 attribute. Strings are written as variable-length UTF-8 (h5py reads them
/// as `str`), integers as int64 and reals as float64, as h5py writes Python values.
///
/// Reading accepts what h5py and the PyTorch fixtures write: fixed or variable-length strings,
/// any integer or float width; arrays of any rank come back flattened in row-major order
/// (`attributeInfo(_:)` gives their shape).
public enum AttributeValue: Equatable, Sendable, CustomStringConvertible {
  /// One string: JSON configs, provenance, notes.
  case string(String)
  /// An array of strings (e.g. `columns`, `param_names`).
  case strings([String])
  /// One integer.
  case integer(Int64)
  /// An array of integers (e.g. a shape).
  case integers([Int64])
  /// One real number.
  case double(Double)
  /// An array of real numbers.
  case doubles([Double])

  /// The value as Python would print it: `"text"`, `["a", "b"]`, `3`, `[1.5, 2.0]`.
  public var description: String {
    func quoted(_ text: String) -> String {
      "\""
        + text.replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
        + "\""
    }
    switch self {
    case .string(let text): return quoted(text)
    case .strings(let texts): return "[" + texts.map(quoted).joined(separator: ", ") + "]"
    case .integer(let value): return "\(value)"
    case .integers(let values): return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
    case .double(let value): return "\(value)"
    case .doubles(let values): return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
    }
  }
}

/// The element type and shape of a stored attribute (`[]` for a scalar).
public struct AttributeInfo: Equatable, Sendable {
  /// The stored element type.
  public var elementType: ElementType
  /// The stored dimensions; `[]` for a scalar.
  public var shape: Shape

  /// An attribute of `elementType` and `shape`.
  public init(elementType: ElementType, shape: Shape) {
    self.elementType = elementType
    self.shape = shape
  }
}

extension HDF5Object {
  /// The names of this object's attributes, in alphabetical order.
  public func attributeNames() throws -> [String] {
    try file.requireOpen()
    final class Names { var list: [String] = [] }
    let names = Names()
    var index: hsize_t = 0
    try hdf5Check("listing attributes", at: location) {
      H5Aiterate2(
        id, H5_INDEX_NAME, H5_ITER_INC, &index,
        { _, name, _, context in
          guard let name, let context else { return -1 }
          Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().list.append(
            String(cString: name))
          return 0
        }, Unmanaged.passUnretained(names).toOpaque())
    }
    return names.list
  }

  /// Whether an attribute called `name` exists.
  public func hasAttribute(_ name: String) throws -> Bool {
    try file.requireOpen()
    return try hdf5Check("looking up the attribute", at: location(of: name, attribute: true)) {
      H5Aexists(id, name)
    } > 0
  }

  /// The element type and shape of attribute `name`.
  public func attributeInfo(_ name: String) throws -> AttributeInfo {
    try withAttribute(name) { attribute, type, space, where_ in
      AttributeInfo(
        elementType: ElementType(hdf5Type: type), shape: try dimensions(ofSpace: space, at: where_))
    }
  }

  /// The value of attribute `name`; throws `notFound` if absent and `unsupportedType` for
  /// element types other than strings, integers and floats.
  public func attribute(_ name: String) throws -> AttributeValue {
    try withAttribute(name) { attribute, type, space, where_ in
      let shape = try dimensions(ofSpace: space, at: where_)
      let isScalar = shape.rank == 0
      switch ElementType(hdf5Type: type) {
      case .string:
        let texts = try readStrings(attribute, fileType: type, count: shape.count, at: where_)
        return isScalar && texts.count == 1 ? .string(texts[0]) : .strings(texts)
      case .signedInteger, .unsignedInteger:
        let values = try readNumbers(attribute, as: Int64.self, count: shape.count, at: where_)
        return isScalar && values.count == 1 ? .integer(values[0]) : .integers(values)
      case .float:
        let values = try readNumbers(attribute, as: Double.self, count: shape.count, at: where_)
        return isScalar && values.count == 1 ? .double(values[0]) : .doubles(values)
      case .other(let kind):
        throw StoreError.unsupportedType(
          file: file.path, path: where_.path, found: kind, expected: "a string or number")
      }
    }
  }

  /// Attribute `name` if it exists, nil otherwise.
  public func attributeIfPresent(_ name: String) throws -> AttributeValue? {
    try hasAttribute(name) ? try attribute(name) : nil
  }

  /// Attribute `name`, which must be one string.
  public func stringAttribute(_ name: String) throws -> String {
    guard case .string(let text) = try attribute(name) else {
      throw wrongAttributeKind(name, expected: "one string")
    }
    return text
  }

  /// Attribute `name`, which must be strings (one string reads as a one-element array).
  public func stringsAttribute(_ name: String) throws -> [String] {
    switch try attribute(name) {
    case .strings(let texts): return texts
    case .string(let text): return [text]
    default: throw wrongAttributeKind(name, expected: "strings")
    }
  }

  /// Attribute `name` as real numbers (integers convert; one number reads as a one-element array).
  public func doublesAttribute(_ name: String) throws -> [Double] {
    switch try attribute(name) {
    case .double(let value): return [value]
    case .doubles(let values): return values
    case .integer(let value): return [Double(value)]
    case .integers(let values): return values.map(Double.init)
    default: throw wrongAttributeKind(name, expected: "numbers")
    }
  }

  /// Attribute `name`, which must be one integer.
  public func integerAttribute(_ name: String) throws -> Int64 {
    guard case .integer(let value) = try attribute(name) else {
      throw wrongAttributeKind(name, expected: "one integer")
    }
    return value
  }

  /// Sets attribute `name` to `value`, replacing any attribute of that name.
  public func setAttribute(_ name: String, _ value: AttributeValue) throws {
    let where_ = location(of: name, attribute: true)
    try file.requireWritable(where_.path)
    if try hasAttribute(name) {
      try hdf5Check("removing the old attribute", at: where_) { H5Adelete(id, name) }
    }
    switch value {
    case .string(let text): try writeStrings([text], scalar: true, name: name, at: where_)
    case .strings(let texts): try writeStrings(texts, scalar: false, name: name, at: where_)
    case .integer(let value): try writeNumbers([value], scalar: true, name: name, at: where_)
    case .integers(let values): try writeNumbers(values, scalar: false, name: name, at: where_)
    case .double(let value): try writeNumbers([value], scalar: true, name: name, at: where_)
    case .doubles(let values): try writeNumbers(values, scalar: false, name: name, at: where_)
    }
  }

  /// Removes attribute `name`; throws `notFound` if it does not exist.
  public func removeAttribute(_ name: String) throws {
    let where_ = location(of: name, attribute: true)
    try file.requireWritable(where_.path)
    guard try hasAttribute(name) else {
      throw StoreError.notFound(file: file.path, path: where_.path)
    }
    try hdf5Check("removing the attribute", at: where_) { H5Adelete(id, name) }
  }

  /// Stores `value` as JSON text (sorted keys) in the string attribute `name`.
  public func setJSONAttribute<Value: Encodable>(_ name: String, _ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    try setAttribute(name, .string(String(decoding: data, as: UTF8.self)))
  }

  /// Decodes the JSON text in string attribute `name` as `type`.
  public func jsonAttribute<Value: Decodable>(_ type: Value.Type, _ name: String) throws -> Value {
    let text = try stringAttribute(name)
    return try JSONDecoder().decode(type, from: Data(text.utf8))
  }

  private func wrongAttributeKind(_ name: String, expected: String) -> StoreError {
    let found = (try? attributeInfo(name)).map { "\($0.elementType) of shape \($0.shape)" } ?? "?"
    return .wrongKind(
      file: file.path, path: location(of: name, attribute: true).path, expected: expected,
      found: found)
  }
}
