@preconcurrency import CHDF5
import TensorCore

/// How a dataset's chunks are compressed.
public enum Compression: Sendable, Equatable {
  /// Stored as is.
  case none
  /// Byte shuffle, then zlib deflate at `level` (1 fastest ... 9 smallest); h5py reads it
  /// without plugins.
  case deflate(level: Int)

  /// The default for tensors: shuffle + deflate level 4.
  public static let standard = Compression.deflate(level: 4)
}

extension HDF5Group {
  /// Writes `tensor` as a float32 dataset at `path` whose dataset shape is the tensor's shape,
  /// chunked (chunks of at most ~1 MiB, split along the outermost dimensions) and compressed.
  /// Creates missing groups on the way. Throws `alreadyExists` unless `replacing` is true.
  @discardableResult
  public func write(
    _ tensor: Tensor, to path: String, compression: Compression = .standard,
    replacing: Bool = false
  ) throws -> HDF5Dataset {
    let dataset = try createDataset(
      path, type: chdf5_native_float(), shape: tensor.shape, compression: compression,
      replacing: replacing)
    try tensor.withUnsafeBufferPointer { buffer in
      try dataset.writeAll(
        UnsafeRawPointer(buffer.baseAddress), count: buffer.count, type: chdf5_native_float())
    }
    return dataset
  }

  /// Writes `array` as a dataset of `Scalar`'s element type (float64 metrics, int32/int64
  /// indices, uint8 pixels) at `path`, chunked and compressed like `write(_:to:)` for tensors.
  @discardableResult
  public func write<Scalar: HDF5Scalar>(
    _ array: ShapedArray<Scalar>, to path: String, compression: Compression = .standard,
    replacing: Bool = false
  ) throws -> HDF5Dataset {
    let dataset = try createDataset(
      path, type: Scalar.nativeType, shape: array.shape, compression: compression,
      replacing: replacing)
    try array.scalars.withUnsafeBufferPointer { buffer in
      try dataset.writeAll(
        UnsafeRawPointer(buffer.baseAddress), count: buffer.count, type: Scalar.nativeType)
    }
    return dataset
  }

  /// The dataset at `path` as a float32 tensor (float64 and integer datasets are converted).
  public func readTensor(_ path: String) throws -> Tensor { try dataset(path).readTensor() }

  /// The dataset at `path` converted to `Scalar`, with its shape.
  public func read<Scalar: HDF5Scalar>(_ path: String, as type: Scalar.Type) throws
    -> ShapedArray<Scalar>
  {
    try dataset(path).read(as: type)
  }

  /// Creates an empty dataset at `path`: fixed `shape`, chunked and filtered unless it is a
  /// scalar or has no elements (HDF5 cannot chunk those; they are stored contiguously).
  func createDataset(
    _ path: String, type: hid_t, shape: Shape, compression: Compression, replacing: Bool
  ) throws -> HDF5Dataset {
    let absolute = joinPath(self.path, path)
    let where_ = HDF5Location(file: file.path, path: absolute)
    try file.requireWritable(absolute)
    if try linkExists(absolute) {
      guard replacing else { throw StoreError.alreadyExists(file: file.path, path: absolute) }
      try remove(absolute)
    }
    var dims = shape.dimensions.map { hsize_t($0) }
    let space = try hdf5Check("creating the dataspace", at: where_) {
      shape.rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.rank), &dims, nil)
    }
    defer { H5Sclose(space) }
    let creation = try hdf5Check("creating a dataset-creation list", at: where_) {
      H5Pcreate(chdf5_p_dataset_create())
    }
    defer { H5Pclose(creation) }
    if shape.rank > 0 && shape.count > 0 {
      var chunk = chunkDimensions(shape, elementSize: H5Tget_size(type)).map { hsize_t($0) }
      try hdf5Check("setting the chunk shape", at: where_) {
        H5Pset_chunk(creation, Int32(chunk.count), &chunk)
      }
      try applyCompression(compression, to: creation, at: where_)
    }
    try HDF5Layout.keepAttributesCompact(creation, at: where_)
    try createMissingGroups(through: parentPath(of: absolute))
    let id = try hdf5Check("creating the dataset", at: where_) {
      H5Dcreate2(
        file.id, absolute, type, space, HDF5Library.defaultList, creation, HDF5Library.defaultList)
    }
    H5Dclose(id)
    return try HDF5Dataset(openingAbsolute: absolute, in: file)
  }

  /// Adds shuffle + deflate to `creation` when `compression` asks for it.
  func applyCompression(
    _ compression: Compression, to creation: hid_t, at where_: HDF5Location
  ) throws {
    guard case .deflate(let level) = compression else { return }
    precondition((0...9).contains(level), "Compression.deflate: level \(level) is not in 0...9")
    try hdf5Check("adding the shuffle filter", at: where_) { H5Pset_shuffle(creation) }
    try hdf5Check("adding the deflate filter", at: where_) {
      H5Pset_deflate(creation, UInt32(level))
    }
  }
}

extension HDF5Dataset {
  /// Writes `count` elements of memory type `type` from `buffer` over the whole dataset.
  func writeAll(_ buffer: UnsafeRawPointer?, count: Int, type: hid_t) throws {
    guard let buffer, count > 0 else { return }
    try hdf5Check("writing the dataset", at: location) {
      H5Dwrite(id, type, chdf5_s_all(), chdf5_s_all(), HDF5Library.defaultList, buffer)
    }
  }
}

/// Chunk dimensions for `shape`: the whole array if it fits in 1 MiB, else the outermost
/// dimensions halved (rounding up) until a chunk fits, so a chunk is a run of whole inner rows.
/// Every dimension must be positive.
func chunkDimensions(_ shape: Shape, elementSize: Int, limitBytes: Int = 1 << 20) -> [Int] {
  var chunk = shape.dimensions
  var axis = 0
  while chunk.reduce(elementSize, *) > limitBytes && axis < chunk.count {
    if chunk[axis] == 1 {
      axis += 1
    } else {
      chunk[axis] = (chunk[axis] + 1) / 2
    }
  }
  return chunk
}
