import Foundation
import TensorCore

/// A fresh directory for one test's files, removed when the value is released.
public final class TemporaryDirectory {
  /// The directory's path.
  public let path: String

  /// A new directory under the system's temporary folder, named after `label` and a random tag.
  public init(_ label: String = #function) throws {
    let name = "harness-tests-\(label.filter(\.isLetter))-\(UUID().uuidString.prefix(8))"
    path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// The directory as a file URL.
  public var url: URL { URL(fileURLWithPath: path) }

  /// The path of `name` in the directory.
  public func file(_ name: String) -> String { "\(path)/\(name)" }

  /// Writes `text` to `name` and returns its path.
  @discardableResult
  public func writeText(_ text: String, to name: String) throws -> String {
    try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    return file(name)
  }

  /// Every file name in the directory (hidden ones too), sorted.
  public func contents() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
  }
}

/// A tensor of `shape` (`[3, h, w]` or any other) with values `offset + step · i`.
public func rampTensor(_ shape: Shape, offset: Float = 0, step: Float = 0.01) -> Tensor {
  Tensor(shape: shape, scalars: (0..<shape.count).map { offset + step * Float($0) })
}
