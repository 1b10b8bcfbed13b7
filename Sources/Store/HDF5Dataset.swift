@preconcurrency import CHDF5
import Foundation
import TensorCore

/// The layout of a stored dataset, as `harness inspect` prints it.
public struct DatasetInfo: Equatable, Sendable {
  /// The current dimensions (`[]` for a scalar).
  public var shape: Shape
  /// The stored element type.
  public var elementType: ElementType
  /// The maximum dimensions; nil where a dimension is unlimited (extendable).
  public var maximumShape: [Int?]
  /// The chunk dimensions, or nil for contiguous storage.
  public var chunkShape: Shape?
  /// The filters applied to each chunk, in order: `shuffle`, `deflate(4)`, ...
  public var filters: [String]
}

/// A dataset of an open `HDF5File`: an n-dimensional array of one element type, with attributes.
public final class HDF5Dataset: HDF5Object {
  /// Opens the dataset at absolute `path`, with the raw-data chunk cache off when `uncached`.
  init(openingAbsolute path: String, in file: HDF5File, uncached: Bool = false) throws {
    try file.requireOpen()
    let where_ = HDF5Location(file: file.path, path: path)
    var access = HDF5Library.defaultList
    if uncached {
      access = try hdf5Check("creating a dataset-access list", at: where_) {
        H5Pcreate(chdf5_p_dataset_access())
      }
    }
    defer { if uncached { H5Pclose(access) } }
    if uncached {
      try hdf5Check("turning the chunk cache off", at: where_) {
        H5Pset_chunk_cache(access, 0, 0, 1)
      }
    }
    let id = try hdf5Check("opening the dataset", at: where_) { H5Dopen2(file.id, path, access) }
    super.init(id: id, path: path, file: file)
  }

  /// The current dimensions.
  public var shape: Shape {
    get throws { try info().shape }
  }

  /// Shape, element type, maximum shape, chunking and filters.
  public func info() throws -> DatasetInfo {
    try file.requireOpen()
    let type = try hdf5Check("reading the dataset's type", at: location) { H5Dget_type(id) }
    defer { H5Tclose(type) }
    let space = try hdf5Check("reading the dataset's shape", at: location) { H5Dget_space(id) }
    defer { H5Sclose(space) }
    let shape = try dimensions(ofSpace: space, at: location)
    var maximum = [hsize_t](repeating: 0, count: shape.rank)
    var current = maximum
    if shape.rank > 0 {
      try hdf5Check("reading the maximum shape", at: location) {
        H5Sget_simple_extent_dims(space, &current, &maximum)
      }
    }
    let creation = try hdf5Check("reading the creation list", at: location) {
      H5Dget_create_plist(id)
    }
    defer { H5Pclose(creation) }
    var chunkShape: Shape?
    if H5Pget_layout(creation) == H5D_CHUNKED {
      var chunk = [hsize_t](repeating: 0, count: shape.rank)
      try hdf5Check("reading the chunk shape", at: location) {
        H5Pget_chunk(creation, Int32(shape.rank), &chunk)
      }
      chunkShape = Shape(chunk.map { Int($0) })
    }
    return DatasetInfo(
      shape: shape, elementType: ElementType(hdf5Type: type),
      maximumShape: maximum.map { $0 == chdf5_unlimited() ? nil : Int($0) },
      chunkShape: chunkShape, filters: try filterNames(creation))
  }

  /// The values converted by HDF5 to `Scalar` (e.g. float64 goldens read as `Double`, int32
  /// indices as `Int64`); throws `unsupportedType` for strings and other non-numbers.
  public func read<Scalar: HDF5Scalar>(as type: Scalar.Type) throws -> ShapedArray<Scalar> {
    let shape = try requireNumeric(
      readingAs: "\(Scalar.elementType)", bytesPerElement: MemoryLayout<Scalar>.stride)
    let values = try [Scalar](unsafeUninitializedCapacity: shape.count) { buffer, initialized in
      try readAll(
        into: UnsafeMutableRawPointer(buffer.baseAddress), count: shape.count,
        type: Scalar.nativeType)
      initialized = shape.count
    }
    return ShapedArray(shape: shape, scalars: values)
  }

  /// The values as a float32 tensor of the dataset's shape (`[N, C, H, W]` for activations),
  /// converted from float64 or integers by HDF5 where needed.
  public func readTensor() throws -> Tensor {
    let shape = try requireNumeric(readingAs: "float32", bytesPerElement: 4)
    var tensor = Tensor(uninitialized: shape)
    try tensor.withUnsafeMutableBufferPointer { buffer in
      try readAll(
        into: UnsafeMutableRawPointer(buffer.baseAddress), count: shape.count,
        type: chdf5_native_float())
    }
    return tensor
  }

  /// The shape, after checking the element type converts to numbers and that the values, at
  /// `bytesPerElement` each, fit this machine's physical memory (a damaged file's shape must
  /// be one clear error, not an allocation that kills the process).
  private func requireNumeric(readingAs expected: String, bytesPerElement: Int) throws -> Shape {
    let info = try info()
    guard info.elementType.isNumeric else {
      throw StoreError.unsupportedType(
        file: file.path, path: path, found: "\(info.elementType)", expected: expected)
    }
    let (bytes, overflow) = info.shape.count.multipliedReportingOverflow(by: bytesPerElement)
    let memory = ProcessInfo.processInfo.physicalMemory
    if overflow || UInt64(bytes) > memory {
      let gibibytes = { (value: Double) in String(format: "%.3g GiB", value / 1_073_741_824) }
      throw StoreError.tooLarge(
        file: file.path, path: path,
        detail:
          "shape \(info.shape.dimensions) (\(gibibytes(Double(info.shape.count) * Double(bytesPerElement))) as \(expected)), more than this machine's \(gibibytes(Double(memory))) of memory"
      )
    }
    return info.shape
  }

  /// Reads every element into `buffer`, converting to memory type `type`.
  private func readAll(into buffer: UnsafeMutableRawPointer?, count: Int, type: hid_t) throws {
    guard let buffer, count > 0 else { return }
    try hdf5Check("reading the dataset", at: location) {
      H5Dread(id, type, chdf5_s_all(), chdf5_s_all(), HDF5Library.defaultList, buffer)
    }
  }

  /// The names of the filters in creation list `creation`.
  private func filterNames(_ creation: hid_t) throws -> [String] {
    let count = try hdf5Check("counting filters", at: location) { H5Pget_nfilters(creation) }
    return (0..<UInt32(count)).map { index in
      var flags: UInt32 = 0
      var valueCount = 4
      var values = [UInt32](repeating: 0, count: 4)
      var name = [CChar](repeating: 0, count: 64)
      let filter = H5Pget_filter2(
        creation, index, &flags, &valueCount, &values, name.count, &name, nil)
      switch filter {
      case H5Z_FILTER_DEFLATE: return "deflate(\(valueCount > 0 ? values[0] : 0))"
      case H5Z_FILTER_SHUFFLE: return "shuffle"
      case H5Z_FILTER_FLETCHER32: return "fletcher32"
      default:
        let text = string(fromNullTerminated: name)
        return text.isEmpty ? "filter \(filter)" : text
      }
    }
  }
}
