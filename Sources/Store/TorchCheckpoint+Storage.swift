/// One storage of a checkpoint: a flat array of elements that tensors view with offset and strides.
///
/// The pickle names it by key; its bytes come later (after the pickle in the legacy format, from
/// `<archive>/data/<key>` in the zip format).
final class TorchStorage {
  let key: String
  let dataType: TorchDataType
  let elementCount: Int
  /// The little-endian element bytes, `elementCount * dataType.byteWidth` of them, once read.
  var data: ArraySlice<UInt8>?

  init(key: String, dataType: TorchDataType, elementCount: Int) {
    self.key = key
    self.dataType = dataType
    self.elementCount = elementCount
  }
}

/// A storage as a tensor sees it: the whole storage, or (legacy format) a view of part of it.
final class TorchStorageSlice: PickleObject {
  let storage: TorchStorage
  let elementOffset: Int
  let elementCount: Int

  init(storage: TorchStorage, elementOffset: Int, elementCount: Int) {
    self.storage = storage
    self.elementOffset = elementOffset
    self.elementCount = elementCount
  }

  var summary: String { "torch.\(storage.dataType.storageClassName) '\(storage.key)'" }
}

/// A tensor as the pickle describes it (`torch._utils._rebuild_tensor_v2`): a strided view
/// `element(i) = storage[offset + Σ i_d · stride_d]` of a storage.
final class TorchTensorReference: PickleObject {
  let slice: TorchStorageSlice
  let offset: Int
  let sizes: [Int]
  let strides: [Int]

  init(slice: TorchStorageSlice, offset: Int, sizes: [Int], strides: [Int]) {
    self.slice = slice
    self.offset = offset
    self.sizes = sizes
    self.strides = strides
  }

  var summary: String { "tensor of size \(sizes) on \(slice.summary)" }

  /// The tensor's elements gathered into row-major order; `name` and `file` label errors.
  func materialise(name: String, file: String) throws -> CheckpointTensor {
    let dataType = slice.storage.dataType
    let width = dataType.byteWidth
    guard let data = slice.storage.data else {
      throw CheckpointError.content(
        file: file,
        message: "tensor '\(name)': storage '\(slice.storage.key)' has no data in the file")
    }
    let count = sizes.reduce(1, *)
    // The largest element index the view reaches must lie inside the storage (view).
    let reach = zip(sizes, strides).reduce(offset) { $0 + ($1.0 - 1) * $1.1 }
    if count > 0 && (offset < 0 || reach >= slice.elementCount) {
      throw CheckpointError.content(
        file: file,
        message: "tensor '\(name)' (size \(sizes), stride \(strides), offset \(offset)) reaches "
          + "element \(reach) of storage '\(slice.storage.key)', which has \(slice.elementCount)")
    }
    // Stride-0 (expanded) views may repeat elements; cap them so a hostile size cannot
    // allocate more than a few times the file.
    if count > slice.elementCount && count > 1 << 24 {
      throw CheckpointError.content(
        file: file,
        message: "tensor '\(name)' expands \(slice.elementCount) stored elements to \(count); "
          + "expanded tensors over 2^24 elements are not supported")
    }
    let base = data.startIndex + slice.elementOffset * width
    var bytes = [UInt8](repeating: 0, count: count * width)
    if count > 0 {
      if isRowMajor {
        let start = base + offset * width
        bytes.withUnsafeMutableBytes { $0.copyBytes(from: data[start..<start + count * width]) }
      } else {
        gather(from: data, base: base, width: width, into: &bytes)
      }
    }
    return CheckpointTensor(dataType: dataType, shape: sizes, bytes: bytes)
  }

  /// Whether the strides are those of a contiguous row-major tensor (size-1 dimensions ignored).
  private var isRowMajor: Bool {
    var expected = 1
    for (size, stride) in zip(sizes, strides).reversed() where size != 1 {
      if stride != expected { return false }
      expected *= size
    }
    return true
  }

  /// Copies element by element in row-major order of the view, counting like an odometer.
  private func gather(
    from data: ArraySlice<UInt8>, base: Int, width: Int, into bytes: inout [UInt8]
  ) {
    let rank = sizes.count
    var index = [Int](repeating: 0, count: rank)
    var source = offset
    var target = 0
    let total = bytes.count / width
    for _ in 0..<total {
      let from = base + source * width
      for byte in 0..<width { bytes[target + byte] = data[from + byte] }
      target += width
      // Step the last dimension; carry into earlier ones when a dimension wraps.
      var dimension = rank - 1
      while dimension >= 0 {
        index[dimension] += 1
        source += strides[dimension]
        if index[dimension] < sizes[dimension] { break }
        source -= strides[dimension] * sizes[dimension]
        index[dimension] = 0
        dimension -= 1
      }
    }
  }
}
