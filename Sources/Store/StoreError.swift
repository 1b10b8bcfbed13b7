import TensorCore

/// An error from the HDF5 run store: every case names the file and, where there is one, the HDF5
/// path inside it (`/weights/conv1_1/weight`), so the message alone says where to look.
public enum StoreError: Error, Equatable, CustomStringConvertible {
  /// No file exists at `file`.
  case fileNotFound(file: String)
  /// `file` exists but does not start with the HDF5 signature (`reason` says what it is instead).
  case notHDF5(file: String, reason: String)
  /// An HDF5 call failed while doing `operation` on `path`; `detail` is HDF5's own error stack.
  case hdf5(file: String, path: String, operation: String, detail: String)
  /// Nothing is stored at `path`.
  case notFound(file: String, path: String)
  /// Something is already stored at `path` and the operation would not replace it.
  case alreadyExists(file: String, path: String)
  /// `path` holds a `found` (group, dataset, ...) where a `expected` was needed.
  case wrongKind(file: String, path: String, expected: String, found: String)
  /// The values at `path` are of element type `found`, which cannot be read as `expected`.
  case unsupportedType(file: String, path: String, found: String, expected: String)
  /// A metrics row or table at `path` does not match the table's columns.
  case badRow(file: String, path: String, message: String)
  /// Verified loading of the tensors under group `group` found `problems` (all of them, sorted).
  case verificationFailed(file: String, group: String, problems: [WeightProblem])
  /// A file-system step (temporary file, fsync, rename, remove) failed with `reason`.
  case fileSystem(file: String, operation: String, reason: String)
  /// A dataset declares more values than could ever be read here (a damaged file, or one not
  /// made for the harness): what it declares.
  case tooLarge(file: String, path: String, detail: String)
  /// The file's own structure is broken in a way that libhdf5 would not survive (see
  /// `HDF5GlobalHeapCheck`): where and how.
  case damaged(file: String, detail: String)

  /// `file: path: message`, e.g.
  /// `run.h5: /weights/conv1_1/weight: expected a dataset, found a group`.
  public var description: String {
    switch self {
    case .fileNotFound(let file):
      return "\(file): no such file"
    case .notHDF5(let file, let reason):
      return "\(file): not an HDF5 file (\(reason))"
    case .hdf5(let file, let path, let operation, let detail):
      let cause = detail.isEmpty ? "" : ": \(detail)"
      return "\(file): \(path): HDF5 failed \(operation)\(cause)"
    case .notFound(let file, let path):
      return "\(file): \(path): not found"
    case .alreadyExists(let file, let path):
      return "\(file): \(path): already exists"
    case .wrongKind(let file, let path, let expected, let found):
      return "\(file): \(path): expected \(expected), found \(found)"
    case .unsupportedType(let file, let path, let found, let expected):
      return "\(file): \(path): holds \(found) values, which cannot be read as \(expected)"
    case .badRow(let file, let path, let message):
      return "\(file): \(path): \(message)"
    case .verificationFailed(let file, let group, let problems):
      let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
      let lines = problems.map { "  \($0)" }.joined(separator: "\n")
      return "\(file): \(group): the stored tensors do not match the model (\(count)):\n\(lines)"
    case .fileSystem(let file, let operation, let reason):
      return "\(file): could not \(operation): \(reason)"
    case .tooLarge(let file, let path, let detail):
      return "\(file): \(path): declares \(detail); the file is damaged or not a harness store"
    case .damaged(let file, let detail):
      return "\(file): the file is damaged: \(detail)"
    }
  }
}

extension StoreError {
  /// The error with `temporary` (the file an atomic replacement was writing) replaced by
  /// `destination` (the file the user knows), and the operation saying so.
  func naming(_ destination: String, insteadOf temporary: String) -> StoreError {
    let note = " (its replacement, written beside it)"
    switch self {
    case .hdf5(let file, let path, let operation, let detail) where file == temporary:
      return .hdf5(file: destination, path: path, operation: operation + note, detail: detail)
    case .badRow(let file, let path, let message) where file == temporary:
      return .badRow(file: destination, path: path, message: message + note)
    case .fileSystem(let file, let operation, let reason) where file == temporary:
      return .fileSystem(file: destination, operation: operation + note, reason: reason)
    default:
      return self
    }
  }
}

/// One difference between the tensors a model expects and those stored in a group; see
/// `WeightStore.load(_:from:)`. Paths are relative to the group that was loaded.
public enum WeightProblem: Equatable, Comparable, Sendable, CustomStringConvertible {
  /// The model expects `path` with `expected` shape, and the group has no such dataset.
  case missing(path: String, expected: Shape)
  /// The group holds `path` (of shape `found`), which the model does not use.
  case unused(path: String, found: Shape)
  /// `path` exists but its shape differs from the model's.
  case shapeMismatch(path: String, expected: Shape, found: Shape)
  /// `path` exists but is not a numeric dataset (e.g. a group or strings).
  case notNumeric(path: String, found: String)

  /// The path the problem is about.
  public var path: String {
    switch self {
    case .missing(let path, _), .unused(let path, _), .shapeMismatch(let path, _, _),
      .notNumeric(let path, _):
      return path
    }
  }

  /// Problems sort by path, so a report reads in file order.
  public static func < (left: WeightProblem, right: WeightProblem) -> Bool {
    left.path == right.path ? left.description < right.description : left.path < right.path
  }

  /// One line, e.g.
  /// `conv1_1/weight: shape mismatch: model expects [64, 3, 3, 3], file has [64, 3, 5, 5]`.
  public var description: String {
    switch self {
    case .missing(let path, let expected):
      return "\(path): missing: model expects \(expected), file has no such dataset"
    case .unused(let path, let found):
      return "\(path): unused: file has \(found), model has no such parameter"
    case .shapeMismatch(let path, let expected, let found):
      return "\(path): shape mismatch: model expects \(expected), file has \(found)"
    case .notNumeric(let path, let found):
      return "\(path): not a numeric dataset: file has \(found)"
    }
  }
}
