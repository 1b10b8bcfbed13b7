@preconcurrency import CHDF5
import TensorCore

/// A group or dataset inside an open `HDF5File`: its absolute path, and its attributes
/// (see HDF5Attributes.swift). Keeps the file alive while it exists.
public class HDF5Object {
  /// The file this object lives in.
  public let file: HDF5File
  /// The absolute HDF5 path, e.g. `/weights/conv1_1/weight`.
  public let path: String
  let id: hid_t

  init(id: hid_t, path: String, file: HDF5File) {
    self.id = id
    self.path = path
    self.file = file
  }

  deinit { hdf5CloseQuietly(id, H5Oclose) }

  /// The file name and this object's path, for error messages.
  var location: HDF5Location { HDF5Location(file: file.path, path: path) }

  /// The location of `name` (a child or an attribute name) under this object, for errors.
  func location(of name: String, attribute: Bool = false) -> HDF5Location {
    let child = attribute ? "\(path)@\(name)" : joinPath(path, name)
    return HDF5Location(file: file.path, path: child)
  }

  /// The object's address in its file: the same for every path that leads to it, so a walk
  /// can tell a link back to a group it is inside (HDF5 allows such cycles) from a new group.
  public func address() throws -> UInt64 {
    var info = H5O_info_t()
    try hdf5Check("reading the object's address", at: location) {
      H5Oget_info2(id, &info, UInt32(H5O_INFO_BASIC))
    }
    return UInt64(info.addr)
  }

  /// The last path component (`weight` for `/weights/conv1_1/weight`; `/` for the root).
  public var name: String { path == "/" ? "/" : String(path.split(separator: "/").last ?? "/") }
}

/// What kind of object a path names.
public enum NodeKind: Sendable, Equatable, CustomStringConvertible {
  /// A group: a folder of named children.
  case group
  /// A dataset: an n-dimensional array of one element type.
  case dataset
  /// A committed datatype or anything else HDF5 can link to.
  case other

  /// `group`, `dataset` or `other object`.
  public var description: String {
    switch self {
    case .group: return "group"
    case .dataset: return "dataset"
    case .other: return "other object"
    }
  }

  /// The article-prefixed name used in error messages (`a group`).
  var withArticle: String {
    switch self {
    case .group: return "a group"
    case .dataset: return "a dataset"
    case .other: return "another kind of object"
    }
  }
}

/// The dimensions of the dataspace `space` (`[]` for a scalar, `[0]` for a null dataspace).
func dimensions(ofSpace space: hid_t, at location: HDF5Location) throws -> Shape {
  let rank = try hdf5Check("reading the rank", at: location) {
    H5Sget_simple_extent_ndims(space)
  }
  if H5Sget_simple_extent_type(space) == H5S_NULL { return Shape([0]) }
  var dims = [hsize_t](repeating: 0, count: Int(rank))
  try hdf5Check("reading the dimensions", at: location) {
    H5Sget_simple_extent_dims(space, &dims, nil)
  }
  var count = 1
  for dimension in dims {
    let (product, overflow) = count.multipliedReportingOverflow(by: Int(clamping: dimension))
    guard dimension <= UInt64(Int.max), !overflow else {
      throw StoreError.tooLarge(
        file: location.file, path: location.path,
        detail: "dimensions \(dims), whose element count does not fit a 64-bit integer")
    }
    count = product
  }
  return Shape(dims.map { Int($0) })
}
