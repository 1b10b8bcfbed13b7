import TensorCore

/// Named float32 tensors under one group (model weights, optimiser state): saving, and loading
/// that is verified against what the model expects.
///
/// Paths are relative to the group and use `/` between levels (`conv1_1/weight`,
/// `levels/0/join/batchNorm/runningMean`); they mirror the model's `parameters` paths.
/// Verification follows MLX's `verify` update: the file must hold exactly the expected paths with
/// exactly the expected shapes; every difference is reported at once.
public enum WeightStore {
  /// Writes each tensor at its path under `group` (groups on the way are created).
  public static func save(
    _ tensors: [String: Tensor], to group: HDF5Group, compression: Compression = .standard
  ) throws {
    for (path, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
      try group.write(tensor, to: path, compression: compression)
    }
  }

  /// Every difference between `expected` (path → shape) and the datasets under `group`:
  /// missing paths, unused paths, shape mismatches and non-numeric datasets, sorted by path.
  /// Paths in `optional` may be absent; when present they must have their shape, and they are
  /// not unused (a VGG-19 file's layers deeper than the descriptor needs).
  public static func problems(
    _ expected: [String: Shape], optional: [String: Shape] = [:], in group: HDF5Group
  ) throws -> [WeightProblem] {
    let stored = Set(try group.datasetPaths())
    var problems: [WeightProblem] = []
    let required = Dictionary(
      expected.map { (normalized($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    let candidates =
      required.map { ($0.key, $0.value, true) }
      + optional.map { (normalized($0.key), $0.value, false) }.filter { required[$0.0] == nil }
    for (key, shape, required) in candidates {
      guard stored.contains(key) else {
        if required { problems.append(.missing(path: key, expected: shape)) }
        continue
      }
      let info = try group.dataset(key).info()
      if !info.elementType.isNumeric {
        problems.append(.notNumeric(path: key, found: "\(info.elementType) \(info.shape)"))
      } else if info.shape != shape {
        problems.append(.shapeMismatch(path: key, expected: shape, found: info.shape))
      }
    }
    let known = Set(candidates.map(\.0))
    for path in stored.subtracting(known) {
      problems.append(.unused(path: path, found: try group.dataset(path).info().shape))
    }
    return problems.sorted()
  }

  /// The tensors at the `expected` paths under `group`, as float32 (float64 and integer datasets
  /// are converted); `optional` paths are verified as `problems` says but not read. Throws
  /// `StoreError.verificationFailed` naming the file, the group and every missing path, unused
  /// path and shape mismatch (with both shapes) when the group does not match.
  public static func load(
    _ expected: [String: Shape], optional: [String: Shape] = [:], from group: HDF5Group
  ) throws -> [String: Tensor] {
    let problems = try problems(expected, optional: optional, in: group)
    guard problems.isEmpty else {
      throw StoreError.verificationFailed(
        file: group.file.path, group: group.path, problems: problems)
    }
    var tensors: [String: Tensor] = [:]
    for path in expected.keys {
      tensors[path] = try group.readTensor(normalized(path))
    }
    return tensors
  }

  /// `path` without leading, trailing or doubled slashes.
  private static func normalized(_ path: String) -> String {
    path.split(separator: "/").joined(separator: "/")
  }
}
