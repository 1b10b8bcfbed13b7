@preconcurrency import CHDF5
import TensorCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The C side of attributes: open, read and write with HDF5's conversions.
extension HDF5Object {
  /// Opens attribute `name` with its file type and dataspace, runs `body`, closes them.
  func withAttribute<Result>(
    _ name: String, _ body: (hid_t, hid_t, hid_t, HDF5Location) throws -> Result
  ) throws -> Result {
    let where_ = location(of: name, attribute: true)
    guard try hasAttribute(name) else {
      throw StoreError.notFound(file: file.path, path: where_.path)
    }
    let attribute = try hdf5Check("opening the attribute", at: where_) {
      H5Aopen(id, name, HDF5Library.defaultList)
    }
    defer { H5Aclose(attribute) }
    let type = try hdf5Check("reading the attribute's type", at: where_) { H5Aget_type(attribute) }
    defer { H5Tclose(type) }
    let space = try hdf5Check("reading the attribute's shape", at: where_) {
      H5Aget_space(attribute)
    }
    defer { H5Sclose(space) }
    return try body(attribute, type, space, where_)
  }

  /// Reads `count` numbers of attribute `attribute`, converted by HDF5 to `Scalar`.
  func readNumbers<Scalar: HDF5Scalar & Numeric>(
    _ attribute: hid_t, as: Scalar.Type, count: Int, at where_: HDF5Location
  ) throws -> [Scalar] {
    var values = [Scalar](repeating: 0, count: max(count, 1))
    if count > 0 {
      try hdf5Check("reading the attribute", at: where_) {
        values.withUnsafeMutableBufferPointer {
          H5Aread(attribute, Scalar.nativeType, $0.baseAddress)
        }
      }
    }
    return Array(values.prefix(count))
  }

  /// Reads `count` strings, fixed or variable length, ASCII or UTF-8.
  func readStrings(
    _ attribute: hid_t, fileType: hid_t, count: Int, at where_: HDF5Location
  ) throws -> [String] {
    guard count > 0 else { return [] }
    let memoryType = try hdf5Check("copying the string type", at: where_) { H5Tcopy(chdf5_c_s1()) }
    defer { H5Tclose(memoryType) }
    try hdf5Check("setting the character set", at: where_) {
      H5Tset_cset(memoryType, H5Tget_cset(fileType))
    }
    if H5Tis_variable_str(fileType) > 0 {
      try hdf5Check("sizing the string type", at: where_) {
        H5Tset_size(memoryType, chdf5_variable())
      }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      try hdf5Check("reading the strings", at: where_) { H5Aread(attribute, memoryType, &pointers) }
      defer { for pointer in pointers where pointer != nil { H5free_memory(pointer) } }
      return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }
    let size = H5Tget_size(fileType)
    try hdf5Check("sizing the string type", at: where_) { H5Tset_size(memoryType, size) }
    try hdf5Check("setting the padding", at: where_) { H5Tset_strpad(memoryType, H5T_STR_NULLPAD) }
    var bytes = [UInt8](repeating: 0, count: size * count)
    try hdf5Check("reading the strings", at: where_) { H5Aread(attribute, memoryType, &bytes) }
    return (0..<count).map { index in
      let slice = bytes[index * size..<(index + 1) * size].prefix { $0 != 0 }
      return String(decoding: slice, as: UTF8.self)
    }
  }

  /// Creates attribute `name` of element type `type` over a scalar or `[values.count]` space.
  private func createAttribute(
    _ name: String, type: hid_t, count: Int, scalar: Bool, at where_: HDF5Location
  ) throws -> hid_t {
    var dims = [hsize_t(count)]
    let space = try hdf5Check("creating the attribute's dataspace", at: where_) {
      scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
    }
    defer { H5Sclose(space) }
    return try hdf5Check("creating the attribute", at: where_) {
      H5Acreate2(id, name, type, space, HDF5Library.defaultList, HDF5Library.defaultList)
    }
  }

  /// Writes `values` as a new numeric attribute `name` (int64 or float64).
  func writeNumbers<Scalar: HDF5Scalar>(
    _ values: [Scalar], scalar: Bool, name: String, at where_: HDF5Location
  ) throws {
    let attribute = try createAttribute(
      name, type: Scalar.nativeType, count: values.count, scalar: scalar, at: where_)
    defer { H5Aclose(attribute) }
    guard !values.isEmpty else { return }
    try hdf5Check("writing the attribute", at: where_) {
      values.withUnsafeBufferPointer { H5Awrite(attribute, Scalar.nativeType, $0.baseAddress) }
    }
  }

  /// Writes `texts` as a new variable-length UTF-8 string attribute `name`.
  func writeStrings(_ texts: [String], scalar: Bool, name: String, at where_: HDF5Location) throws {
    let type = try hdf5Check("copying the string type", at: where_) { H5Tcopy(chdf5_c_s1()) }
    defer { H5Tclose(type) }
    try hdf5Check("sizing the string type", at: where_) { H5Tset_size(type, chdf5_variable()) }
    try hdf5Check("setting UTF-8", at: where_) { H5Tset_cset(type, H5T_CSET_UTF8) }
    let attribute = try createAttribute(
      name, type: type, count: texts.count, scalar: scalar, at: where_)
    defer { H5Aclose(attribute) }
    guard !texts.isEmpty else { return }
    let copies: [UnsafeMutablePointer<CChar>?] = texts.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    try hdf5Check("writing the attribute", at: where_) {
      copies.withUnsafeBufferPointer { H5Awrite(attribute, type, $0.baseAddress) }
    }
  }
}
