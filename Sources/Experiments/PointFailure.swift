import Foundation

/// Why a point failed (`<point>/failed.json`): a bad input, a diverged training, a failed child
/// process. The runner writes it and goes on with the other points; a rerun of the point removes
/// it first and tries again (a diverged training fails again at once, from its summary).
/// Ctrl-C, SIGTERM, a Slurm time limit or preemption never mark a point failed: the rerun resumes.
public struct PointFailure: Codable, Equatable, Sendable {
  /// The file name in the point folder.
  public static let fileName = "failed.json"

  /// The point's folder name.
  public var point: String
  /// The error, one message naming the file and the problem.
  public var message: String
  /// When (ISO 8601, UTC).
  public var failed: String
  /// The host it ran on.
  public var host: String
  /// The Slurm array task (`<array job>_<index>`) when it ran as one.
  public var slurmJob: String?

  /// A failure of `point` now, on this host, in the Slurm task named by `environment` (if any).
  public init(
    point: String, message: String,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.point = point
    self.message = message
    failed = ISO8601DateFormatter().string(from: Date())
    host = ProcessInfo.processInfo.hostName
    if let job = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"] {
      slurmJob = "\(job)_\(task)"
    } else {
      slurmJob = environment["SLURM_JOB_ID"]
    }
  }

  /// Writes the failure into `folder` (created if needed), atomically.
  func write(into folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(self)
    try data.write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
  }

  /// The failure recorded in `folder`, if any.
  static func read(from folder: URL) -> PointFailure? {
    guard let data = FileManager.default.contents(
      atPath: folder.appendingPathComponent(fileName).path)
    else { return nil }
    return try? JSONDecoder().decode(PointFailure.self, from: data)
  }
}
