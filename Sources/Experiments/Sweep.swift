import Suggestions

/// The points of an experiment: `grid` (every combination of its keys' values, the last key
/// varying fastest) times `zip` (its keys stepping together, all with the same number of values).
///
///     "sweep": {"grid": {"generator.levels": [1, 2, 3, 4, 5, 6, 7]}}
///     "sweep": {"zip": {"generator.levels": [4, 5], "training.size": [128, 256]}}
///
/// Keys are dotted key paths of the experiment (`objective.style.layers`); a value replaces
/// what the key holds (an object too: `"objective.style.loss": [{"kind": "gram", ...}, ...]`).
/// Each point runs in its own folder named by its values (`pointName`).
public struct Sweep: Equatable, Sendable {
  /// One swept key and its values, in file order.
  public struct Axis: Equatable, Sendable {
    /// The dotted key.
    public var key: String
    /// Its values.
    public var values: [JSONValue]

    /// An axis over `key`.
    public init(key: String, values: [JSONValue]) {
      self.key = key
      self.values = values
    }
  }

  /// The keys whose values combine in a product.
  public var grid: [Axis]
  /// The keys whose values step together.
  public var zip: [Axis]

  /// A sweep of `grid` and `zip`.
  public init(grid: [Axis] = [], zip: [Axis] = []) {
    self.grid = grid
    self.zip = zip
  }

  /// Every axis, grid first.
  public var axes: [Axis] { grid + zip }

  /// The sweep in `value` (the file's `sweep` object), or the problems with it as
  /// `(key path, message)` (key paths under `sweep`).
  public static func parse(_ value: JSONValue) -> (sweep: Sweep, problems: [(String, String)]) {
    var problems: [(String, String)] = []
    var sweep = Sweep()
    guard case .object(let members) = value else {
      return (
        sweep,
        [("sweep", "expected an object with \"grid\" and/or \"zip\", got \(value.typeDescription)")]
      )
    }
    for (name, axes) in members {
      guard name == "grid" || name == "zip" else {
        problems.append(
          (
            "sweep.\(name)",
            "unknown key" + didYouMean(closestName(to: name, among: ["grid", "zip"]))
              + " (known: grid, zip)"
          ))
        continue
      }
      guard case .object(let entries) = axes else {
        problems.append(
          (
            "sweep.\(name)",
            "expected an object of dotted keys and their values, got \(axes.typeDescription)"
          ))
        continue
      }
      for (key, values) in entries {
        guard case .array(let list) = values, !list.isEmpty else {
          problems.append(
            (
              "sweep.\(name).\(key)",
              "expected a non-empty array of values, got \(values.typeDescription)"
            ))
          continue
        }
        if sweep.axes.contains(where: { $0.key == key }) {
          problems.append(("sweep.\(name).\(key)", "swept twice (in grid and zip)"))
          continue
        }
        let axis = Axis(key: key, values: list)
        if name == "grid" { sweep.grid.append(axis) } else { sweep.zip.append(axis) }
      }
    }
    if let first = sweep.zip.first,
      let other = sweep.zip.first(where: { $0.values.count != first.values.count })
    {
      problems.append(
        (
          "sweep.zip",
          "every key steps together, so each needs the same number of values: \(first.key) has \(first.values.count), \(other.key) has \(other.values.count)"
        ))
    }
    return (sweep, problems)
  }

  /// The points: for each, the swept keys with their values (grid keys first, in file order).
  public var points: [[(key: String, value: JSONValue)]] {
    var combinations: [[(key: String, value: JSONValue)]] = [[]]
    for axis in grid {
      combinations = combinations.flatMap { prefix in axis.values.map { prefix + [(axis.key, $0)] }
      }
    }
    guard let steps = zip.first?.values.count else { return combinations }
    return combinations.flatMap { prefix in
      (0..<steps).map { step in prefix + zip.map { ($0.key, $0.values[step]) } }
    }
  }

  /// The folder name of a point: `key=value` for each swept key joined by `,` (`levels=5`,
  /// `levels=5,size=128`), the key shortened to its last component unless two swept keys share
  /// it. Values: numbers and strings as written, arrays joined by `+` (`relu1_1+relu2_1`),
  /// objects by their `kind` (or their members). Characters other than letters, digits and
  /// `._=+,-` become `_`, so the name is one safe path component. No sweep: `base`.
  public func pointName(_ values: [(key: String, value: JSONValue)]) -> String {
    guard !values.isEmpty else { return "base" }
    let lastComponents = axes.map { $0.key.split(separator: ".").last.map(String.init) ?? $0.key }
    let name = values.map { key, value in
      let short = key.split(separator: ".").last.map(String.init) ?? key
      let label = lastComponents.filter { $0 == short }.count > 1 ? key : short
      return "\(label)=\(Self.label(value))"
    }.joined(separator: ",")
    return Self.safe(name)
  }

  /// The short text of a swept value in a folder name.
  static func label(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .number(let text): return text
    case .string(let text): return text
    case .array(let values):
      return values.isEmpty ? "none" : values.map(label).joined(separator: "+")
    case .object(let members):
      if case .string(let kind)? = value["kind"] { return kind }
      return members.map { "\($0.key)-\(label($0.value))" }.joined(separator: "+")
    }
  }

  /// `name` with every character outside `[A-Za-z0-9._=+,-]` replaced by `_`, not starting with
  /// `.` and at most 200 characters.
  static func safe(_ name: String) -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=+,-")
    var result = String(name.map { allowed.contains($0) ? $0 : "_" })
    if result.hasPrefix(".") { result = "_" + result.dropFirst() }
    return String(result.prefix(200))
  }
}
