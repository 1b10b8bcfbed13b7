/// A float32 tensor with contiguous row-major storage, usually `[N, C, H, W]` (see Shape.swift).
///
/// A value type: copies share storage until one of them is mutated (copy on write). Kernels reach
/// the memory through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct Tensor: @unchecked Sendable {
  /// The dimensions, outermost first.
  public private(set) var shape: Shape
  @usableFromInline var storage: TensorStorage

  /// A tensor of `shape` whose values are undefined; for kernels that write every element.
  public init(uninitialized shape: Shape) {
    self.shape = shape
    storage = TensorStorage(count: shape.count)
  }

  /// A tensor of `shape` filled with `value`.
  public init(shape: Shape, repeating value: Float) {
    self.init(uninitialized: shape)
    storage.pointer.initialize(repeating: value, count: shape.count)
  }

  /// A tensor of `shape` filled with zeros.
  public init(zeros shape: Shape) { self.init(shape: shape, repeating: 0) }

  /// A tensor of `shape` holding `scalars` in row-major order; the counts must agree.
  public init(shape: Shape, scalars: [Float]) {
    precondition(
      scalars.count == shape.count,
      "Tensor: \(scalars.count) values do not fill shape \(shape) (\(shape.count) elements)")
    self.init(uninitialized: shape)
    scalars.withUnsafeBufferPointer { source in
      guard let base = source.baseAddress else { return }
      storage.pointer.update(from: base, count: shape.count)
    }
  }

  /// A rank-0 tensor holding `value`.
  public init(scalar value: Float) { self.init(shape: Shape([]), scalars: [value]) }

  /// The number of elements.
  @inlinable public var count: Int { storage.count }

  /// The values in row-major order.
  public var scalars: [Float] {
    [Float](UnsafeBufferPointer(start: storage.pointer, count: count))
  }

  /// The single value of a one-element tensor.
  public var scalar: Float {
    precondition(count == 1, "Tensor.scalar: shape \(shape) has \(count) elements, not 1")
    return storage.pointer[0]
  }

  /// Calls `body` with the values, read-only.
  @inlinable
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows
    -> R
  {
    try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
  }

  /// Calls `body` with the values, writable; copies the storage first if another tensor shares it.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    makeUnique()
    return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
  }

  /// Ensures no other tensor shares this tensor's storage.
  @inlinable
  public mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) {
      let copy = TensorStorage(count: storage.count)
      copy.pointer.update(from: storage.pointer, count: storage.count)
      storage = copy
    }
  }

  /// The same values with another shape of the same element count; shares storage.
  public func reshaped(_ newShape: Shape) -> Tensor {
    precondition(
      newShape.count == shape.count,
      "reshape: cannot view shape \(shape) (\(shape.count) elements) as \(newShape)")
    var result = self
    result.shape = newShape
    return result
  }

  /// The element at a multi-dimensional index (slow; for tests and small tensors).
  public subscript(index: Int...) -> Float {
    get { storage.pointer[offset(of: index)] }
    set {
      let position = offset(of: index)
      makeUnique()
      storage.pointer[position] = newValue
    }
  }

  private func offset(of index: [Int]) -> Int {
    precondition(index.count == shape.rank, "Tensor index \(index) does not match shape \(shape)")
    var offset = 0
    for (i, size) in zip(index, shape.dimensions) {
      precondition(i >= 0 && i < size, "Tensor index \(index) is outside shape \(shape)")
      offset = offset * size + i
    }
    return offset
  }
}

extension Tensor: CustomStringConvertible {
  /// The shape and the first values, e.g. `Tensor[1, 3, 2, 2](0.1, 0.2, ...)`.
  public var description: String {
    let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "Tensor\(shape)(\(shown)\(count > 8 ? ", ..." : ""))"
  }
}
