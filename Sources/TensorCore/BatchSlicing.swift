/// Concatenation along the batch: `[N₁, …] ⧺ [N₂, …] ⧺ … = [ΣNᵢ, …]`; every part must have the
/// same shape after its first dimension (any rank ≥ 1).
public func concatenateBatch(_ parts: [Tensor]) -> Tensor {
  precondition(!parts.isEmpty, "concatenateBatch: nothing to concatenate")
  let inner = Array(parts[0].shape.dimensions.dropFirst())
  for part in parts {
    precondition(
      part.shape.rank >= 1 && Array(part.shape.dimensions.dropFirst()) == inner,
      "concatenateBatch: shapes \(parts.map(\.shape)) differ after the batch dimension")
  }
  let total = parts.reduce(0) { $0 + $1.shape[0] }
  let output = Tensor(uninitialized: Shape([total] + inner))
  var offset = 0
  for part in parts {
    part.withUnsafeBufferPointer { source in
      guard let base = source.baseAddress else { return }
      (output.storage.pointer + offset).update(from: base, count: source.count)
    }
    offset += part.count
  }
  return output
}

extension Tensor {
  /// Items `range` of the batch: `[N, …]` → `[range.count, …]` (a copy).
  public func batchSlice(_ range: Range<Int>) -> Tensor {
    precondition(
      shape.rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0] && !range.isEmpty,
      "batchSlice: items \(range) of a tensor of shape \(shape)")
    let inner = shape.count / shape[0]
    let output = Tensor(uninitialized: Shape([range.count] + shape.dimensions.dropFirst()))
    withUnsafeBufferPointer { source in
      output.storage.pointer.update(
        from: source.baseAddress! + range.lowerBound * inner, count: range.count * inner)
    }
    return output
  }

  /// `[1, …]` repeated `count` times along the batch: `[count, …]`.
  public func repeatedAlongBatch(_ count: Int) -> Tensor {
    precondition(shape.rank >= 1 && shape[0] == 1 && count >= 1,
      "repeatedAlongBatch: \(count) copies of a tensor of shape \(shape) (needs [1, …])")
    return count == 1 ? self : concatenateBatch(Array(repeating: self, count: count))
  }
}
