import Foundation

/// One submission of a sweep to Slurm, appended to `<results>/slurm/submissions.json` (a JSON
/// array, oldest first): which points went to which array job, the report job, the options and
/// the exact sbatch command lines. `harness status` reads it to map points to Slurm jobs.
public struct SlurmSubmission: Codable, Equatable, Sendable {
  /// A submitted point: its index in the sweep (the array task's index) and its folder name.
  public struct Point: Codable, Equatable, Sendable {
    /// The index in the sweep, 0-based: the array task is `<arrayJob>_<index>`.
    public var index: Int
    /// The point's folder name.
    public var name: String
  }

  /// The file name under `<results>/slurm/`.
  public static let fileName = "submissions.json"

  /// When (ISO 8601, UTC).
  public var submitted: String
  /// The experiment file (absolute).
  public var experimentFile: String
  /// Every point of the sweep, in order (the folder names).
  public var sweep: [String]
  /// The points submitted (the unfinished ones not already queued).
  public var points: [Point]
  /// The array job's id.
  public var arrayJob: String
  /// The dependent report job's id.
  public var reportJob: String?
  /// The resources.
  public var options: SlurmOptions
  /// The sbatch command line of the array.
  public var sweepCommand: [String]
  /// The sbatch command line of the report.
  public var reportCommand: [String]?

  /// The array task of the point with sweep index `index` in this submission, if it was in it.
  public func task(ofIndex index: Int) -> String? {
    points.contains { $0.index == index } ? "\(arrayJob)_\(index)" : nil
  }

  /// The submissions recorded under `root` (`<root>/slurm/submissions.json`), oldest first;
  /// empty when there are none.
  public static func all(in root: URL) -> [SlurmSubmission] {
    let url = root.appendingPathComponent("slurm").appendingPathComponent(fileName)
    guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
    return (try? JSONDecoder().decode([SlurmSubmission].self, from: data)) ?? []
  }

  /// Appends `self` to the record under `root`, atomically.
  func append(in root: URL) throws {
    let url = root.appendingPathComponent("slurm").appendingPathComponent(Self.fileName)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(Self.all(in: root) + [self]).write(to: url, options: .atomic)
  }
}
