import Experiments
import Foundation

/// The experiment file a results folder was made from, read as written (not resolved against its
/// preset, no paths checked, so it reads on a machine without the data): its preset, its
/// deviations from it, its notes and its sweep, expanded to the point names the runner gives.
public struct ExperimentSource: Sendable {
  /// The file.
  public var path: String
  /// The experiment's name: the file's name without `.json`.
  public var name: String
  /// The preset it extends (`extends`), if any.
  public var preset: String?
  /// Its `notes`.
  public var notes: String?
  /// Every setting the file gives other than `extends`, `notes` and `sweep`, in file order:
  /// the deviations from the preset, as dotted keys and JSON text (`training.size`, `64`).
  public var deviations: [(key: String, value: String)]
  /// The sweep (empty without one).
  public var sweep: Sweep
  /// The point folder names of the sweep, in sweep order (`Sweep.pointName`).
  public var pointNames: [String]

  /// Reads `path`.
  ///
  /// - Throws: `ReportError.unreadableExperiment` naming the file and the problem.
  public init(path: String) throws(ReportError) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .unreadableExperiment(path, reason: "no such file")
    }
    let tree: JSONValue
    do {
      tree = try JSONValue(parsing: data)
    } catch {
      throw .unreadableExperiment(path, reason: "not valid JSON: \(error)")
    }
    guard case .object = tree else {
      throw .unreadableExperiment(path, reason: "not a JSON object")
    }
    self.path = path
    let file = URL(fileURLWithPath: path).lastPathComponent
    name = file.hasSuffix(".json") ? String(file.dropLast(5)) : file
    if case .string(let preset)? = tree["extends"] { self.preset = preset }
    if case .string(let notes)? = tree["notes"] { self.notes = notes }
    deviations = Self.leaves(tree.removing("extends").removing("notes").removing("sweep"))
    if let value = tree["sweep"] {
      let parsed = Sweep.parse(value)
      guard parsed.problems.isEmpty else {
        let problems = parsed.problems.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
        throw .unreadableExperiment(path, reason: problems)
      }
      sweep = parsed.sweep
    } else {
      sweep = Sweep()
    }
    pointNames = sweep.points.map(sweep.pointName)
  }

  /// The leaves of `tree` (scalars and arrays; objects are entered), as dotted keys.
  static func leaves(_ tree: JSONValue, prefix: String = "") -> [(key: String, value: String)] {
    guard case .object(let members) = tree else { return [(prefix, tree.text)] }
    return members.flatMap { member in
      leaves(member.value, prefix: prefix.isEmpty ? member.key : prefix + "." + member.key)
    }
  }

  /// The experiment file of the results folder `results`, when one can be found: each `.json`
  /// argument of the points' command lines (`harness exp/ablation-K.json`), then
  /// `experiments/<results folder name>.json`, each relative to `currentDirectory` and to the
  /// folder two levels above `results` (the checkout, for `results/<experiment>`).
  public static func locate(
    results: URL, points: [PointResults], currentDirectory: URL
  ) -> String? {
    let bases = [
      currentDirectory,
      results.standardizedFileURL.deletingLastPathComponent()
        .deletingLastPathComponent(),
    ]
    var relative: [String] = []
    for point in points {
      for argument in (point.provenance?.arguments ?? []).dropFirst()
      where argument.hasSuffix(".json") && !relative.contains(argument) {
        relative.append(argument)
      }
    }
    relative.append("experiments/\(results.lastPathComponent).json")
    for path in relative {
      if path.hasPrefix("/") {
        if FileManager.default.fileExists(atPath: path) { return path }
        continue
      }
      for (index, base) in bases.enumerated() {
        let url = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { continue }
        // Found from this process's folder: kept as written, as the command line had it.
        let here =
          currentDirectory.standardizedFileURL.path
          == URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        return index == 0 && here ? path : url.path
      }
    }
    return nil
  }
}
