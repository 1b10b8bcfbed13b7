import Foundation

/// A fresh directory for one test's HDF5 files, removed when the value is released.
final class HDF5TestDirectory {
  let path: String

  init(_ label: String = #function) throws {
    let name = "store-tests-\(label.filter(\.isLetter))-\(UUID().uuidString.prefix(8))"
    path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// The path of file `name` in the directory.
  func file(_ name: String) -> String { "\(path)/\(name)" }
}
