import TensorCore

extension WeightStore {
  /// Writes a state of named values under `group` (an optimiser's `OptimizerState`: Adam's
  /// `step`, `m/<path>`, `v/<path>`; L-BFGS's `parameters`, `pairs/<i>/step`, ...): each tensor
  /// as a float32 dataset at its path, each scalar as a float64 dataset of shape `[]` at its
  /// path, so that counts and Double values (losses, step lengths) round-trip exactly.
  /// Uncompressed by default: a checkpoint is written often and read once.
  public static func saveState(
    tensors: [String: Tensor], scalars: [String: Double], to group: HDF5Group,
    compression: Compression = .none
  ) throws {
    try save(tensors, to: group, compression: compression)
    for (path, value) in scalars.sorted(by: { $0.key < $1.key }) {
      try group.write(ShapedArray(shape: [], scalars: [value]), to: path, compression: .none)
    }
  }

  /// Reads back what `saveState` wrote: every float32 dataset under `group` as a tensor and
  /// every float64 dataset of shape `[]` as a scalar, by path. Any other dataset is an error
  /// naming the file and the path (`StoreError.unsupportedType`). Whether the names fit is the
  /// optimiser's to check (`AdamState(namedState:parameters:)`, `LBFGSState(namedState:)`).
  public static func readState(from group: HDF5Group) throws
    -> (tensors: [String: Tensor], scalars: [String: Double])
  {
    var tensors: [String: Tensor] = [:]
    var scalars: [String: Double] = [:]
    for path in try group.datasetPaths() {
      let info = try group.dataset(path).info()
      if info.elementType == .float32 {
        tensors[path] = try group.readTensor(path)
      } else if info.elementType == .float64, info.shape == [] {
        scalars[path] = try group.read(path, as: Double.self).scalars[0]
      } else {
        throw StoreError.unsupportedType(
          file: group.file.path, path: joinPath(group.path, path),
          found: "\(info.elementType) \(info.shape)",
          expected: "a state value (float32 tensor or float64 scalar of shape [])")
      }
    }
    return (tensors, scalars)
  }
}
