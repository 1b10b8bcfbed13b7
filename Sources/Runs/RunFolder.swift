import Foundation
import Store

/// The folder a long command (a Gatys run, later training and experiment runs) writes its
/// outputs to, and the discipline every file in it follows:
///
/// - a run starts in a folder that is new or empty, never in one holding anything (a run never
///   overwrites another): `RunFolder.create(at:)`;
/// - a continued run opens its folder and checks the files it needs: `RunFolder.open(_:requiring:)`;
/// - JSON files (`configuration.json`, `provenance.json`) and checkpoints are replaced atomically
///   (`Store.AtomicFile`: a temporary file beside the destination, synced, renamed over it), so a
///   crash leaves the old file or the new one, never half of one.
public struct RunFolder: Sendable {
  /// The folder.
  public let url: URL

  /// The folder's path.
  public var path: String { url.path }

  private init(url: URL) { self.url = url }

  /// Creates the folder at `url` (with its parents), or takes it when it exists and is empty.
  ///
  /// - Throws: `RunFolderError.outputNotADirectory` (a file is there), `.outputExists` (the
  ///   folder holds files already, hidden ones too), `.cannotCreateOutput`.
  public static func create(at url: URL) throws(RunFolderError) -> RunFolder {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw .outputNotADirectory(url.path) }
      let contents: [String]
      do {
        contents = try manager.contentsOfDirectory(atPath: url.path)
      } catch {
        throw .cannotCreateOutput(url.path, reason: error.localizedDescription)
      }
      guard contents.isEmpty else { throw .outputExists(url.path) }
    }
    do {
      try manager.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw .cannotCreateOutput(url.path, reason: error.localizedDescription)
    }
    return RunFolder(url: url)
  }

  /// The existing run folder at `url`, holding every file in `required`.
  ///
  /// - Throws: `RunFolderError.missingFile` naming the first file that is not there (or
  ///   `.outputNotADirectory`).
  public static func open(_ url: URL, requiring required: [String] = []) throws(RunFolderError)
    -> RunFolder
  {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      throw .outputNotADirectory(url.path)
    }
    let folder = RunFolder(url: url)
    if let missing = required.first(where: { !folder.contains($0) }) {
      throw .missingFile(url.path, name: missing)
    }
    return folder
  }

  /// The lock file a run holds while it writes its folder (see `lockForWriting`).
  public static let lockFileName = "run.lock"

  /// Takes the folder's write lock, `run.lock` in it (a `FolderLock`: freed by the kernel when
  /// the holder dies, SIGKILL included), so that two processes never write one run folder (two
  /// `harness train --resume DIR` at once). Hold the returned lock until the run ends.
  ///
  /// - Throws: `RunFolderError.inUse` naming the holder when another process has it,
  ///   `.cannotLock` when the lock file cannot be used.
  public func lockForWriting() throws(RunFolderError) -> FolderLock {
    let lockPath = path(of: Self.lockFileName)
    let attempt: FolderLock.Attempt
    do {
      attempt = try FolderLock.tryAcquire(lockPath)
    } catch {
      throw .cannotLock(lockPath, reason: error.description)
    }
    switch attempt {
    case .acquired(let lock): return lock
    case .busy(let holder): throw .inUse(path, holder: holder?.description)
    }
  }

  /// A folder under `root` named after the UTC time `date`, `root/yyyyMMddTHHmmssZ` (e.g.
  /// `results/gatys/20261201T091500Z`): the default output folder of a run.
  public static func timestamped(under root: String, at date: Date = Date()) -> URL {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    formatter.timeZone = TimeZone(identifier: "UTC")
    return URL(fileURLWithPath: root).appendingPathComponent(formatter.string(from: date))
  }

  /// The file or folder `name` (a relative path) in the run folder.
  public func url(of name: String) -> URL { url.appendingPathComponent(name) }

  /// The path of `name` in the run folder.
  public func path(of name: String) -> String { url(of: name).path }

  /// Whether `name` exists in the run folder.
  public func contains(_ name: String) -> Bool {
    FileManager.default.fileExists(atPath: path(of: name))
  }

  /// Writes `value` as pretty-printed JSON with sorted keys to `name`, atomically.
  public func writeJSON<Value: Encodable>(_ value: Value, to name: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    try replaceAtomically(name) { temporary in
      try data.write(to: URL(fileURLWithPath: temporary))
    }
  }

  /// Reads `name` as JSON of type `Value`.
  ///
  /// - Throws: `RunFolderError.missingFile`, or `.unreadableJSON` with the decoder's reason.
  public func readJSON<Value: Decodable>(_ type: Value.Type, from name: String)
    throws(RunFolderError) -> Value
  {
    let data: Data
    do {
      data = try Data(contentsOf: url(of: name))
    } catch {
      throw .missingFile(path, name: name)
    }
    do {
      return try JSONDecoder().decode(type, from: data)
    } catch {
      throw .unreadableJSON(path(of: name), reason: "\(error)")
    }
  }

  /// Replaces `name` atomically: `write` gets the path of a fresh temporary file beside it; when
  /// `write` returns, that file is synced and renamed over `name` (a crash before leaves the old
  /// file and a `.NAME.partial-*` beside it). The checkpoint discipline.
  @discardableResult
  public func replaceAtomically<Result>(
    _ name: String, _ write: (_ temporaryPath: String) throws -> Result
  ) throws -> Result {
    try AtomicFile.replace(path(of: name), write)
  }

  /// Replaces the HDF5 file `name` atomically (as `replaceAtomically`), `body` filling it.
  @discardableResult
  public func writeHDF5Atomically<Result>(_ name: String, _ body: (HDF5File) throws -> Result)
    throws -> Result
  {
    try HDF5File.writeAtomically(path(of: name), body)
  }

  /// Creates the folder holding `name` (a relative path such as `iterations/x.png`) if needed;
  /// returns the URL of `name`.
  public func preparingParent(of name: String) throws -> URL {
    let file = url(of: name)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    return file
  }
}

/// A run folder that cannot be used.
public enum RunFolderError: Error, Equatable, CustomStringConvertible {
  /// The output folder holds files already.
  case outputExists(String)
  /// The output path is a file.
  case outputNotADirectory(String)
  /// The output folder cannot be created.
  case cannotCreateOutput(String, reason: String)
  /// A file a run folder needs is missing (folder, file name).
  case missingFile(String, name: String)
  /// A JSON file does not decode.
  case unreadableJSON(String, reason: String)
  /// Another process holds the folder's write lock (folder, the holder when known).
  case inUse(String, holder: String?)
  /// The folder's lock file cannot be used (lock file, reason).
  case cannotLock(String, reason: String)

  /// One message naming the path and the problem.
  public var description: String {
    switch self {
    case .outputExists(let path):
      return "\(path): the output directory holds files already; choose another output directory (a run never overwrites another)"
    case .outputNotADirectory(let path):
      return "\(path): the output path is a file, not a directory"
    case .cannotCreateOutput(let path, let reason):
      return "\(path): cannot create the output directory: \(reason)"
    case .missingFile(let path, let name):
      return "\(path): no \(name)"
    case .unreadableJSON(let path, let reason):
      return "\(path): not readable JSON of this harness: \(reason)"
    case .inUse(let path, let holder):
      return
        "\(path): another process is writing this run folder (\(holder ?? "its lock file names no holder yet")); wait for it to end or stop it, then resume"
    case .cannotLock(let path, let reason):
      return "\(path): cannot lock the run folder: \(reason)"
    }
  }
}
