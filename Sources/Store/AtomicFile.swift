import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Replacing a file so that a crash at any moment leaves either the old file or the new one,
/// never a half-written one: write a temporary file in the same directory, sync it to disk, and
/// `rename(2)` it over the destination (atomic within one file system), then sync the directory.
///
/// Checkpoints use it: the previous checkpoint survives a crash in the middle of writing the next.
/// A crash before the rename leaves a `.NAME.partial-*` file beside the destination, which is safe
/// to delete.
public enum AtomicFile {
  /// Calls `write` with the path of a fresh temporary file beside `destination` (not yet
  /// created), then makes it durable and renames it over `destination`. If `write` or any step
  /// throws, the temporary file is removed and `destination` is left as it was.
  @discardableResult
  public static func replace<Result>(
    _ destination: String, _ write: (_ temporaryPath: String) throws -> Result
  ) throws -> Result {
    let temporary = temporaryPath(beside: destination)
    do {
      let result = try write(temporary)
      try syncFile(temporary, reportingAs: destination)
      guard rename(temporary, destination) == 0 else {
        throw StoreError.fileSystem(
          file: destination, operation: "rename \(temporary) over it", reason: lastErrorText())
      }
      try syncFile(directory(of: destination), reportingAs: destination)
      return result
    } catch let error as StoreError {
      unlink(temporary)
      throw error.naming(destination, insteadOf: temporary)
    } catch {
      unlink(temporary)
      throw error
    }
  }

  /// Whether the file name `name` is the temporary file of a replacement that a crash
  /// interrupted (`.NAME.partial-*`): never a result, safe to delete.
  public static func isLeftover(_ name: String) -> Bool {
    name.hasPrefix(".") && name.contains(".partial-")
  }

  /// Deletes the leftovers (`isLeftover`) directly in `directory`, if it exists.
  public static func removeLeftovers(in directory: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    for name in names where isLeftover(name) { unlink(directory + "/" + name) }
  }

  /// `dir/.name.partial-<pid>-<random>` for `dir/name`.
  static func temporaryPath(beside destination: String) -> String {
    let directory = directory(of: destination)
    let name = destination.split(separator: "/").last.map(String.init) ?? destination
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    let prefix = directory == "." && !destination.hasPrefix("./") ? "" : directory + "/"
    return "\(prefix).\(name).partial-\(getpid())-\(tag)"
  }

  /// The directory part of `path` (`.` when there is none).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// `fsync(2)` on the file or directory at `path`.
  private static func syncFile(_ path: String, reportingAs destination: String) throws {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw StoreError.fileSystem(
        file: destination, operation: "open \(path) to sync it", reason: lastErrorText())
    }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else {
      throw StoreError.fileSystem(
        file: destination, operation: "sync \(path)", reason: lastErrorText())
    }
  }

  private static func lastErrorText() -> String { String(cString: strerror(errno)) }
}

extension HDF5File {
  /// Writes a new HDF5 file at `destination` atomically (see `AtomicFile`): `body` fills a
  /// fresh file, which is closed, synced and renamed over `destination` only if `body` returns.
  @discardableResult
  public static func writeAtomically<Result>(
    _ destination: String, _ body: (HDF5File) throws -> Result
  ) throws -> Result {
    try AtomicFile.replace(destination) { temporary in
      let file = try HDF5File.create(temporary)
      do {
        let result = try body(file)
        try file.close()
        return result
      } catch {
        try? file.close()
        throw error
      }
    }
  }
}
