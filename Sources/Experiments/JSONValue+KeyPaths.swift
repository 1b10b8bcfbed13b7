/// One step of a key path: an object member or an array element.
public enum KeyPathComponent: Equatable, Hashable, Sendable {
  case key(String)
  case index(Int)
}

extension Array where Element == KeyPathComponent {
  /// `a.b[2].c`.
  public var dotted: String {
    var text = ""
    for component in self {
      switch component {
      case .key(let key): text += text.isEmpty ? key : "." + key
      case .index(let index): text += "[\(index)]"
      }
    }
    return text
  }
}

extension JSONValue {
  /// Every key path in the tree (objects' members and arrays' elements, recursively), parents
  /// before their children, in order.
  public func keyPaths(prefix: [KeyPathComponent] = []) -> [[KeyPathComponent]] {
    switch self {
    case .object(let members):
      return members.flatMap { member -> [[KeyPathComponent]] in
        let path = prefix + [.key(member.key)]
        return [path] + member.value.keyPaths(prefix: path)
      }
    case .array(let values):
      return values.enumerated().flatMap { index, value -> [[KeyPathComponent]] in
        let path = prefix + [.index(index)]
        return [path] + value.keyPaths(prefix: path)
      }
    default:
      return []
    }
  }

  /// The value at `path`, if there is one.
  public func value(at path: [KeyPathComponent]) -> JSONValue? {
    var current = self
    for component in path {
      switch (component, current) {
      case (.key(let key), .object):
        guard let next = current[key] else { return nil }
        current = next
      case (.index(let index), .array(let values)):
        guard values.indices.contains(index) else { return nil }
        current = values[index]
      default:
        return nil
      }
    }
    return current
  }

  /// The value at the dotted key `key` (`generator.levels`; keys only, no indices).
  public func value(atDotted key: String) -> JSONValue? {
    value(at: key.split(separator: ".", omittingEmptySubsequences: false).map { .key(String($0)) })
  }

  /// The tree with the dotted key `key` set to `value`; nil when a parent of it is not an object.
  public func setting(dotted key: String, to value: JSONValue) -> JSONValue? {
    let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    return setting(parts[...], to: value)
  }

  private func setting(_ parts: ArraySlice<String>, to value: JSONValue) -> JSONValue? {
    guard case .object = self, let first = parts.first else { return nil }
    if parts.count == 1 { return setting(first, to: value) }
    guard let child = self[first], let updated = child.setting(parts.dropFirst(), to: value) else {
      return nil
    }
    return setting(first, to: updated)
  }
}
