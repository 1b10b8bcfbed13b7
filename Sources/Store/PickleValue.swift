/// A Python object as rebuilt by `PickleMachine`: the subset that torch checkpoints use.
///
/// Lists and dictionaries are reference types because pickle mutates them after they are
/// memoised (`EMPTY_DICT, BINPUT, MARK, ..., SETITEMS`): memo and stack must see one object.
enum PickleValue {
  case none
  case bool(Bool)
  case integer(Int64)
  /// An integer too wide for `Int64`: little-endian two's complement bytes, as `LONG1` stores them.
  case largeInteger([UInt8])
  case float(Double)
  case string(String)
  case bytes([UInt8])
  case tuple([PickleValue])
  case list(PickleList)
  case dictionary(PickleDictionary)
  /// A class or function named by `GLOBAL`; only the resolver's whitelist gets this far.
  case global(module: String, name: String)
  /// An object made by the resolver (a torch storage or tensor).
  case object(any PickleObject)

  /// The integer value, if this is an integer that fits `Int64`.
  var integer: Int64? {
    if case .integer(let value) = self { return value }
    return nil
  }

  /// The string value, if this is a string.
  var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The elements, if this is a tuple or a list.
  var elements: [PickleValue]? {
    switch self {
    case .tuple(let items): return items
    case .list(let list): return list.items
    default: return nil
    }
  }

  /// A short description for error messages: the Python type and, for scalars, the value.
  var summary: String {
    switch self {
    case .none: return "None"
    case .bool(let value): return value ? "True" : "False"
    case .integer(let value): return "int \(value)"
    case .largeInteger(let bytes): return "int of \(bytes.count) bytes"
    case .float(let value): return "float \(value)"
    case .string(let value): return "str '\(value.prefix(60))'"
    case .bytes(let value): return "bytes of length \(value.count)"
    case .tuple(let items): return "tuple of \(items.count)"
    case .list(let list): return "list of \(list.items.count)"
    case .dictionary(let dictionary): return "dict of \(dictionary.entries.count)"
    case .global(let module, let name): return "\(module).\(name)"
    case .object(let object): return object.summary
    }
  }
}

/// A Python list under construction by the pickle machine.
final class PickleList {
  var items: [PickleValue]
  init(_ items: [PickleValue] = []) { self.items = items }
}

/// A Python dict (or `collections.OrderedDict`), keeping insertion order.
final class PickleDictionary {
  /// The entries in insertion order; a repeated key replaces the earlier value in place.
  private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
  /// Instance attributes set by `BUILD` (torch sets `_metadata` on state dicts); kept, unused.
  var attributes: [String: PickleValue] = [:]

  /// Sets `key` to `value`. Keys compare equal when both are the same string or integer.
  func set(_ key: PickleValue, _ value: PickleValue) {
    if let index = entries.firstIndex(where: { Self.sameKey($0.key, key) }) {
      entries[index].value = value
    } else {
      entries.append((key, value))
    }
  }

  /// The value stored under the string `key`, if any.
  subscript(key: String) -> PickleValue? {
    entries.first { $0.key.string == key }?.value
  }

  private static func sameKey(_ left: PickleValue, _ right: PickleValue) -> Bool {
    switch (left, right) {
    case (.string(let a), .string(let b)): return a == b
    case (.integer(let a), .integer(let b)): return a == b
    default: return false
    }
  }
}

/// An object built by a `PickleResolver` from a whitelisted global or a persistent id.
protocol PickleObject: AnyObject {
  /// A short description for error messages.
  var summary: String { get }
}

/// Decides what the pickle machine may build: which globals exist, what calling them returns,
/// and what persistent ids stand for. Throw `PickleFailure` to reject something.
protocol PickleResolver: AnyObject {
  /// The value for `GLOBAL module name`; throws if the global is not whitelisted.
  func resolveGlobal(module: String, name: String) throws -> PickleValue
  /// The result of `REDUCE`: `callable(*arguments)`.
  func reduce(_ callable: PickleValue, arguments: [PickleValue]) throws -> PickleValue
  /// The result of `BUILD`: `object.__setstate__(state)`; the object is updated in place.
  func build(_ object: PickleValue, state: PickleValue) throws
  /// The object a `BINPERSID` id stands for.
  func persistentLoad(_ identifier: PickleValue) throws -> PickleValue
}

/// A rejection raised inside the pickle machine or a resolver; the machine adds file and offset.
struct PickleFailure: Error {
  let message: String
  init(_ message: String) { self.message = message }
}
