import Foundation
import Suggestions

/// One point of an experiment: its folder name, the swept keys' values, and the experiment
/// resolved for it (preset merged, values set, paths absolute, checked).
public struct ExperimentPoint: Sendable {
  /// The folder name (`levels=5`; `base` without a sweep).
  public var name: String
  /// The swept keys and their values.
  public var values: [(key: String, value: JSONValue)]
  /// The resolved experiment.
  public var experiment: Experiment
}

/// An experiment file, loaded: every point resolved and checked, or every problem found.
///
/// Loading: parse (keeping key order); lay the file over its preset (`extends`, deep merge);
/// expand the sweep; for each point set the swept keys, decode each section on its own (so one
/// bad section does not hide another's problems), reject keys the schema does not know (the
/// input's key paths against the decoded value's, re-encoded), resolve paths relative to the
/// file (`$TEXTURE_NETS_DATA/...` under the data folder) and check that they exist, and check
/// ranges (`Experiment.problems()`). All problems are reported at once, `file: key.path: message`.
public struct ExperimentFile: Sendable {
  /// The file as given.
  public var path: String
  /// The experiment's name: the file's name without `.json` (`ablation-K`).
  public var name: String
  /// The sweep (empty without one).
  public var sweep: Sweep
  /// The points, in sweep order.
  public var points: [ExperimentPoint]

  /// Loads and checks `path`. `environment` supplies `TEXTURE_NETS_DATA`; without it the data
  /// folder is `data` in `currentDirectory`.
  ///
  /// - Throws: `ExperimentError` with every problem found.
  public static func load(
    _ path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  ) throws(ExperimentError) -> ExperimentFile {
    var loader = ExperimentLoader(
      file: path, environment: environment, currentDirectory: currentDirectory)
    let file = loader.load()
    guard loader.problems.isEmpty, let file else { throw ExperimentError(loader.problems) }
    return file
  }

  /// The point names in a comma-separated `list` (`--points`): a name that itself holds commas
  /// (`levels=5,size=128`, a point of a sweep over two keys) is taken whole, the longest known
  /// name first; other pieces are returned as given (and refused by `points(named:)`).
  public func pointNames(inList list: String) -> [String] {
    let known = Set(points.map(\.name))
    let parts = list.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
    var names: [String] = []
    var start = 0
    while start < parts.count {
      let end = (start..<parts.count).last { known.contains(parts[start...$0].joined(separator: ",")) }
      names.append(parts[start...(end ?? start)].joined(separator: ","))
      start = (end ?? start) + 1
    }
    return names
  }

  /// The points named in `names` (all when nil), in sweep order.
  ///
  /// - Throws: `ExperimentError` naming each unknown point, with a did-you-mean.
  public func points(named names: [String]?) throws(ExperimentError) -> [ExperimentPoint] {
    guard let names else { return points }
    let known = points.map(\.name)
    let unknown = names.filter { !known.contains($0) }
    guard unknown.isEmpty else {
      throw ExperimentError(
        unknown.map {
          ExperimentProblem(
            file: path, keyPath: "",
            message: "--points: "
              + unknownNameMessage($0, isNot: "a point of this experiment", known: known))
        })
    }
    return points.filter { names.contains($0.name) }
  }
}

/// The steps of `ExperimentFile.load`, collecting problems.
struct ExperimentLoader {
  let file: String
  let environment: [String: String]
  let currentDirectory: URL
  var problems: [ExperimentProblem] = []
  /// The sections of the point being decoded, re-encoded: the keys the schema understood.
  var knownTrees: [String: JSONValue] = [:]

  init(file: String, environment: [String: String], currentDirectory: URL) {
    self.file = file
    self.environment = environment
    self.currentDirectory = currentDirectory
  }

  mutating func problem(_ keyPath: String, _ message: String) {
    let found = ExperimentProblem(file: file, keyPath: keyPath, message: message)
    if !problems.contains(found) { problems.append(found) }
  }

  var fileURL: URL { URL(fileURLWithPath: file, relativeTo: currentDirectory).standardizedFileURL }

  mutating func load() -> ExperimentFile? {
    guard let tree = readTree() else { return nil }
    let topLevel = Experiment.sectionNames + ["sweep"]
    for key in tree.keys where !topLevel.contains(key) {
      problem(key, "unknown key" + didYouMean(closestName(to: key, among: topLevel)))
    }
    let merged = base(of: tree).merging(tree.removing("sweep"))
    let extendsProblems = problems.contains { $0.keyPath == "extends" }
    var sweep = Sweep()
    if let value = tree["sweep"] {
      let parsed = Sweep.parse(value)
      sweep = parsed.sweep
      for (keyPath, message) in parsed.problems { problem(keyPath, message) }
      checkSweepKeys(sweep, in: merged)
    }
    // A bad preset or sweep would make every point's problems noise: stop at those.
    guard !extendsProblems && !problems.contains(where: { $0.keyPath.hasPrefix("sweep") }) else {
      return nil
    }
    var points: [ExperimentPoint] = []
    var folders: [String: Int] = [:]
    for (index, values) in sweep.points.enumerated() {
      var pointTree = merged
      for (key, value) in values {
        pointTree = pointTree.setting(dotted: key, to: value) ?? pointTree
      }
      let name = sweep.pointName(values)
      if let earlier = folders[name] {
        problem(
          "sweep", "points \(earlier + 1) and \(index + 1) have the same folder name \"\(name)\"")
      }
      folders[name] = index
      let before = problems.count
      guard let experiment = decode(pointTree, sweep: sweep) else { continue }
      if problems.count == before {
        points.append(ExperimentPoint(name: name, values: values, experiment: experiment))
      }
    }
    return ExperimentFile(path: file, name: experimentName, sweep: sweep, points: points)
  }

  var experimentName: String {
    let last = fileURL.lastPathComponent
    return last.hasSuffix(".json") ? String(last.dropLast(5)) : last
  }

  mutating func readTree() -> JSONValue? {
    guard let data = FileManager.default.contents(atPath: fileURL.path) else {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: fileURL.path, isDirectory: &isDirectory)
      problem(
        "",
        exists
          ? (isDirectory.boolValue ? "is a directory, not an experiment file" : "cannot be read")
          : "no such file")
      return nil
    }
    let tree: JSONValue
    do {
      tree = try JSONValue(parsing: data)
    } catch {
      problem("", "not valid JSON: \(error)")
      return nil
    }
    guard case .object = tree else {
      problem("", "expected a JSON object (the experiment), got \(tree.typeDescription)")
      return nil
    }
    return tree
  }

  /// The preset the file extends, as a tree (an empty object without `extends`).
  mutating func base(of tree: JSONValue) -> JSONValue {
    guard let value = tree["extends"] else { return .object([]) }
    switch value {
    case .null:
      return .object([])
    case .string(let name):
      guard let preset = Preset.named(name) else {
        problem("extends", Preset.unknownNameMessage(name))
        return .object([])
      }
      var experiment = preset.experiment
      experiment.extends = name
      return (try? JSONValue.encoding(experiment)) ?? .object([])
    default:
      problem("extends", "expected a preset name (a string), got \(value.typeDescription)")
      return .object([])
    }
  }

  /// Each swept key must name a setting of the experiment: a key of the merged tree, or a
  /// missing optional field beside existing ones.
  mutating func checkSweepKeys(_ sweep: Sweep, in merged: JSONValue) {
    let known = merged.keyPaths().filter {
      !$0.contains { if case .index = $0 { return true } else { return false } }
    }
    .map(\.dotted)
    for (name, axes) in [("grid", sweep.grid), ("zip", sweep.zip)] {
      for axis in axes {
        let parent = axis.key.split(separator: ".").dropLast().joined(separator: ".")
        let parentIsObject: Bool
        if parent.isEmpty {
          parentIsObject = false
        } else if case .object? = merged.value(atDotted: parent) {
          parentIsObject = true
        } else {
          parentIsObject = false
        }
        let exists = merged.value(atDotted: axis.key) != nil
        guard !exists && !parentIsObject else { continue }
        problem(
          "sweep.\(name).\(axis.key)",
          "not a key of the experiment" + didYouMean(closestName(to: axis.key, among: known)))
      }
    }
  }
}
