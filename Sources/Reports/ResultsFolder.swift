import Experiments
import Foundation

/// A results folder of `harness run` (`results/<experiment>/`), read from disk: its point
/// folders in sweep order, the experiment file they came from when it can be found, and which
/// of the experiment's points have not finished.
public struct ResultsFolder: Sendable {
  /// The folder.
  public var url: URL
  /// The experiment's name: the experiment file's, else the folder's.
  public var name: String
  /// The experiment file, when given or found (`ExperimentSource.locate`).
  public var source: ExperimentSource?
  /// The point folders on disk (those holding `point.json`), in sweep order; folders the sweep
  /// does not name come last.
  public var points: [PointResults]
  /// Problems that did not stop the report (an experiment file that could not be read).
  public var warnings: [String] = []

  /// Reads `url`. `experimentFile` names the experiment file; without it, it is looked for.
  ///
  /// - Throws: `ReportError`: no such folder, no point folder in it, or an unreadable
  ///   `experimentFile`.
  public init(
    url: URL, experimentFile: String? = nil,
    currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  ) throws(ReportError) {
    self.url = url
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else { throw .noResults(url.path) }
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
      .filter {
        FileManager.default.fileExists(
          atPath: url.appendingPathComponent($0).appendingPathComponent("point.json").path)
      }
      .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    guard !names.isEmpty else { throw .noPoints(url.path) }
    var points = names.map { PointResults(folder: url.appendingPathComponent($0)) }
    if let experimentFile {
      source = try ExperimentSource(path: experimentFile)
    } else if let found = ExperimentSource.locate(
      results: url, points: points, currentDirectory: currentDirectory)
    {
      do {
        source = try ExperimentSource(path: found)
      } catch {
        warnings.append("\(error) (the report lists only the point folders on disk)")
      }
    }
    if let order = source?.pointNames {
      points.sort { a, b in
        (order.firstIndex(of: a.name) ?? order.count)
          < (order.firstIndex(of: b.name) ?? order.count)
      }
    }
    self.points = points
    name = source?.name ?? url.lastPathComponent
  }

  /// The points whose every stage finished (`summary.json`), in sweep order.
  public var finished: [PointResults] { points.filter { $0.summary != nil } }

  /// The experiment's points that have not finished: those of the sweep with no folder yet
  /// (`not started`) and the folders without `summary.json`, with what they got through.
  public var unfinished: [(name: String, progress: String)] {
    var result: [(name: String, progress: String)] = []
    let onDisk = Set(points.map(\.name))
    for name in source?.pointNames ?? [] where !onDisk.contains(name) {
      result.append((name, "not started"))
    }
    for point in points where point.summary == nil { result.append((point.name, point.progress)) }
    let order = source?.pointNames ?? points.map(\.name)
    return result.sorted { a, b in
      (order.firstIndex(of: a.name) ?? order.count) < (order.firstIndex(of: b.name) ?? order.count)
    }
  }
}
