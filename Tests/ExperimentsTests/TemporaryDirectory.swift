import Foundation
import Store
import TensorCore

/// A fresh directory for one test's files, removed when the value is released.
final class TemporaryDirectory {
  let path: String

  init(_ label: String = #function) throws {
    let name = "experiments-tests-\(label.filter(\.isLetter))-\(UUID().uuidString.prefix(8))"
    path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// The path of `name` in the directory.
  func file(_ name: String) -> String { "\(path)/\(name)" }

  /// Writes `text` to `name` and returns its path.
  @discardableResult
  func writeText(_ text: String, to name: String) throws -> String {
    try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    return file(name)
  }

  /// Every file name in the directory (hidden ones too), sorted.
  func contents() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
  }
}

/// `[3, h, w]` (or any shape) with values `offset + step · i`.
func rampTensor(_ shape: Shape, offset: Float = 0, step: Float = 0.01) -> Tensor {
  Tensor(shape: shape, scalars: (0..<shape.count).map { offset + step * Float($0) })
}
