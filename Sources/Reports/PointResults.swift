import Experiments
import Foundation
import Runs
import Training

/// What one point folder of an experiment holds (`results/<experiment>/<point>/`, see
/// `ExperimentRunner`): its resolved experiment (`point.json`), provenance, summary (once the
/// point finished) and the paths of its stores and images. Nothing is recomputed.
public struct PointResults: Sendable {
  /// The folder name (`levels=5`).
  public var name: String
  /// The point folder.
  public var folder: URL
  /// `point.json`, decoded (nil when absent or unreadable).
  public var experiment: Experiment?
  /// `provenance.json` (nil when absent or unreadable).
  public var provenance: Provenance?
  /// `summary.json`: present once every stage of the point finished.
  public var summary: PointSummary?

  /// Reads the point folder `folder`.
  public init(folder: URL) {
    self.folder = folder
    name = folder.lastPathComponent
    experiment = Self.decode(Experiment.self, folder.appendingPathComponent("point.json"))
    provenance = Self.decode(Provenance.self, folder.appendingPathComponent("provenance.json"))
    summary = Self.decode(PointSummary.self, folder.appendingPathComponent("summary.json"))
  }

  /// The file `relative` in the point folder.
  public func file(_ relative: String) -> URL { folder.appendingPathComponent(relative) }

  /// The training store (`training/store.h5`: `/metrics/iterations`).
  public var trainingStore: URL { file("training/store.h5") }

  /// The folder of the Gatys run of `comparison` (its optimiser and size), as the runner named
  /// it (`GatysSettings.runFolder`; without a readable point.json, `gatys/<optimizer>`).
  public func gatysFolder(_ comparison: GatysComparison) -> URL {
    gatysFolder(comparison.optimizer, size: comparison.size)
  }

  /// The folder of the Gatys run of `optimizer` (`lbfgs`, `adam`) at `size`.
  public func gatysFolder(_ optimizer: String, size: Int) -> URL {
    file(experiment?.gatys.runFolder(optimizer: optimizer, size: size) ?? "gatys/\(optimizer)")
  }

  /// The store of a Gatys run (`store.h5`: loss against wall time).
  public func gatysStore(_ comparison: GatysComparison) -> URL {
    gatysFolder(comparison).appendingPathComponent("store.h5")
  }

  /// The Gatys result of a run (the image when it reached the loss, or its last).
  public func gatysImage(_ comparison: GatysComparison) -> URL {
    gatysFolder(comparison).appendingPathComponent("final.png")
  }

  /// The evaluation samples at `size`, in order (`evaluation/size-S/sample-NNNN.png`).
  public func samples(size: Int) -> [URL] {
    let directory = file("evaluation/size-\(size)")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasPrefix("sample-") && $0.hasSuffix(".png") }.sorted()
      .map { directory.appendingPathComponent($0) }
  }

  /// What an unfinished point got through, from the files on disk: `trained (250 iterations),
  /// evaluated at 64, Gatys lbfgs not finished`.
  public var progress: String {
    guard let experiment else { return "no readable point.json" }
    if let failure = Self.decode(PointFailure.self, file(PointFailure.fileName)) {
      return "failed at \(failure.failed): \(failure.message)"
    }
    var parts: [String] = []
    if let training = Self.decode(TrainingSummary.self, file("training/summary.json")) {
      parts.append("training \(training.stopReason.rawValue) (\(training.iterations) iterations)")
    } else if let rows = try? StoredTable(file: trainingStore.path).rows.count {
      parts.append("training stopped at \(rows) of \(experiment.training.iterations) iterations")
    } else {
      return "not started"
    }
    for size in experiment.evaluation.sizes {
      let scored = FileManager.default.fileExists(
        atPath: file("evaluation/size-\(size)/scores.json").path)
      parts.append(scored ? "evaluated at \(size)" : "not evaluated at \(size)")
    }
    for size in experiment.gatys.sizes {
      for optimizer in experiment.gatys.optimizers.map(\.kind.rawValue) {
        let image = gatysFolder(optimizer, size: size).appendingPathComponent("final.png")
        let done = FileManager.default.fileExists(atPath: image.path)
        let at = experiment.gatys.sizes.count > 1 ? " at \(size)" : ""
        parts.append("Gatys \(optimizer)\(at) \(done ? "run" : "not finished")")
      }
    }
    return parts.joined(separator: ", ")
  }

  static func decode<Value: Decodable>(_ type: Value.Type, _ url: URL) -> Value? {
    guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
    return try? JSONDecoder().decode(type, from: data)
  }
}
