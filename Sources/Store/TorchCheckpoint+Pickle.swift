/// What a torch checkpoint's pickle may build: dicts, tensors and storages, nothing else.
///
/// Whitelist: `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` (and the older
/// `_rebuild_tensor`, and `_rebuild_parameter`), and the storage classes `torch.FloatStorage`
/// etc. Storages arrive as persistent ids: `('storage', StorageClass, key, location, numel)` in
/// zip files, plus a sixth element `view_metadata` (None or `(view_key, offset, size)`) in legacy
/// files. Storages with the same key are one object.
/// - Reference: PyTorch `torch/serialization.py` (`_legacy_load`, `_load`) and `torch/_utils.py`.
final class TorchPickleResolver: PickleResolver {
  /// Every storage the pickle referenced, by key, in first-reference order.
  private(set) var storages: [String: TorchStorage] = [:]
  private(set) var storageOrder: [String] = []
  private var views: [String: TorchStorageSlice] = [:]

  private static let tensorBuilders: Set<String> = [
    "_rebuild_tensor_v2", "_rebuild_tensor", "_rebuild_parameter",
  ]

  func resolveGlobal(module: String, name: String) throws -> PickleValue {
    switch (module, name) {
    case ("collections", "OrderedDict"):
      return .global(module: module, name: name)
    case ("torch._utils", let builder) where Self.tensorBuilders.contains(builder):
      return .global(module: module, name: name)
    case ("torch", let storageClass) where TorchDataType(storageClassName: storageClass) != nil:
      return .global(module: module, name: name)
    default:
      throw PickleFailure(
        "unexpected global \(module).\(name); a torch state dict only uses "
          + "collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.<Type>Storage "
          + "(save the model's state_dict(), not the model object)")
    }
  }

  func reduce(_ callable: PickleValue, arguments: [PickleValue]) throws -> PickleValue {
    guard case .global(let module, let name) = callable else {
      throw PickleFailure("REDUCE on \(callable.summary), which is not a whitelisted global")
    }
    switch (module, name) {
    case ("collections", "OrderedDict"):
      return try makeOrderedDictionary(arguments)
    case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
      return .object(try makeTensor(arguments, builder: name))
    case ("torch._utils", "_rebuild_parameter"):
      guard let data = arguments.first, case .object(let tensor) = data,
        tensor is TorchTensorReference
      else { throw PickleFailure("_rebuild_parameter needs a tensor as its first argument") }
      return data
    default:
      throw PickleFailure("\(module).\(name) cannot be called; it names a type")
    }
  }

  func build(_ object: PickleValue, state: PickleValue) throws {
    // torch sets `_metadata` (module versions) on state dicts; keep it as attributes.
    guard case .dictionary(let dictionary) = object, case .dictionary(let attributes) = state else {
      throw PickleFailure("BUILD of \(object.summary) with \(state.summary) is not supported")
    }
    for (key, value) in attributes.entries {
      dictionary.attributes[key.string ?? key.summary] = value
    }
  }

  func persistentLoad(_ identifier: PickleValue) throws -> PickleValue {
    guard case .tuple(let parts) = identifier, parts.first?.string == "storage" else {
      throw PickleFailure(
        "persistent id \(identifier.summary) is not a storage ('storage', type, key, location, "
          + "numel); the file stores something other than tensors")
    }
    guard parts.count == 5 || parts.count == 6,
      case .global("torch", let className) = parts[1],
      let dataType = TorchDataType(storageClassName: className),
      let key = parts[2].string, parts[3].string != nil,
      let numel = parts[4].integer, numel >= 0, numel < 1 << 40
    else {
      throw PickleFailure(
        "malformed storage id (\(parts.map(\.summary).joined(separator: ", "))); expected "
          + "('storage', torch.<Type>Storage, key, location, numel[, view])")
    }
    let storage = try storage(key: key, dataType: dataType, elementCount: Int(numel))
    let root = TorchStorageSlice(
      storage: storage, elementOffset: 0, elementCount: storage.elementCount)
    guard parts.count == 6, case .tuple(let view) = parts[5] else { return .object(root) }
    return .object(try viewSlice(view, of: root))
  }

  // MARK: - Builders

  private func storage(key: String, dataType: TorchDataType, elementCount: Int) throws
    -> TorchStorage
  {
    if let existing = storages[key] {
      guard existing.dataType == dataType, existing.elementCount == elementCount else {
        throw PickleFailure(
          "storage '\(key)' appears as \(existing.elementCount) × \(existing.dataType) and as "
            + "\(elementCount) × \(dataType)")
      }
      return existing
    }
    let storage = TorchStorage(key: key, dataType: dataType, elementCount: elementCount)
    storages[key] = storage
    storageOrder.append(key)
    return storage
  }

  /// Legacy view metadata `(view_key, offset, size)`: part of a root storage, in elements.
  private func viewSlice(_ view: [PickleValue], of root: TorchStorageSlice) throws
    -> TorchStorageSlice
  {
    guard view.count == 3, let key = view[0].string, let offset = view[1].integer,
      let size = view[2].integer, offset >= 0, size >= 0,
      offset <= Int64(root.elementCount), size <= Int64(root.elementCount) - offset
    else {
      throw PickleFailure(
        "malformed storage view \(view.map(\.summary)) of storage '\(root.storage.key)'")
    }
    if let existing = views[key] { return existing }
    let slice = TorchStorageSlice(
      storage: root.storage, elementOffset: Int(offset), elementCount: Int(size))
    views[key] = slice
    return slice
  }

  private func makeOrderedDictionary(_ arguments: [PickleValue]) throws -> PickleValue {
    let dictionary = PickleDictionary()
    guard let pairs = arguments.first else { return .dictionary(dictionary) }
    guard arguments.count == 1, let items = pairs.elements else {
      throw PickleFailure(
        "OrderedDict expects no argument or a list of pairs, got \(arguments.count)")
    }
    for item in items {
      guard let pair = item.elements, pair.count == 2 else {
        throw PickleFailure("OrderedDict item \(item.summary) is not a (key, value) pair")
      }
      dictionary.set(pair[0], pair[1])
    }
    return .dictionary(dictionary)
  }

  /// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
  private func makeTensor(_ arguments: [PickleValue], builder: String) throws
    -> TorchTensorReference
  {
    guard arguments.count >= 4, case .object(let object) = arguments[0],
      let slice = object as? TorchStorageSlice,
      let offset = arguments[1].integer, offset >= 0,
      let sizes = integers(arguments[2]), let strides = integers(arguments[3]),
      sizes.count == strides.count
    else {
      throw PickleFailure(
        "\(builder) arguments (\(arguments.map(\.summary).joined(separator: ", "))) are not "
          + "(storage, offset, size, stride, ...)")
    }
    // Reject sizes whose element count or reach would overflow before anything is allocated.
    var count = 1
    var reach = Int(offset)
    for (size, stride) in zip(sizes, strides) {
      guard size >= 0, stride >= 0 else {
        throw PickleFailure("\(builder): negative size or stride in \(sizes) / \(strides)")
      }
      let (product, productOverflow) = count.multipliedReportingOverflow(by: size)
      let (step, stepOverflow) = max(size - 1, 0).multipliedReportingOverflow(by: stride)
      let (sum, sumOverflow) = reach.addingReportingOverflow(step)
      guard !productOverflow, !stepOverflow, !sumOverflow, product < 1 << 40 else {
        throw PickleFailure("\(builder): size \(sizes) with stride \(strides) is too large")
      }
      count = product
      reach = sum
    }
    return TorchTensorReference(slice: slice, offset: Int(offset), sizes: sizes, strides: strides)
  }

  private func integers(_ value: PickleValue) -> [Int]? {
    if let single = value.integer { return [Int(single)] }
    guard let items = value.elements else { return nil }
    let values = items.compactMap(\.integer)
    return values.count == items.count ? values.map { Int($0) } : nil
  }
}
