// 2x2 stride-2 pooling (floor mode: an odd last row or column is dropped, as PyTorch's default
// and the reference) and nearest-neighbour 2x upsampling, `[N, C, H, W]`.

/// Which element of each 2x2 window was the maximum (0 top-left, 1 top-right, 2 bottom-left,
/// 3 bottom-right); one byte per pooled output, kept by max pooling for its backward pass.
public struct PoolingArgmax: Sendable {
  let indices: [UInt8]
  /// The input shape the pooling read.
  public let inputShape: Shape
}

/// Max pooling, 2x2 windows, stride 2: `y[n, c, i, j] = max x[n, c, 2i + a, 2j + b]`.
/// `[N, C, H/2, W/2]` and the argmax of every window. Ties go to the first maximum in
/// row-major window order, as PyTorch's CPU kernel.
public func maxPool2x2Forward(_ x: Tensor) -> (output: Tensor, argmax: PoolingArgmax) {
  let (n, c, h, w) = x.shape.nchw
  let ho = h / 2
  let wo = w / 2
  let output = Tensor(uninitialized: [n, c, ho, wo])
  var indices = [UInt8](repeating: 0, count: n * c * ho * wo)
  let destination = output.storage.pointer
  x.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    indices.withUnsafeMutableBufferPointer { indexBuffer in
      let argmax = indexBuffer.baseAddress!
      Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(h * w, 1))) { planes in
        for plane in planes {
          let input = base + plane * h * w
          let out = destination + plane * ho * wo
          let arg = argmax + plane * ho * wo
          for i in 0..<ho {
            let top = input + 2 * i * w
            let bottom = top + w
            for j in 0..<wo {
              var best = top[2 * j]
              var index: UInt8 = 0
              if top[2 * j + 1] > best { best = top[2 * j + 1]; index = 1 }
              if bottom[2 * j] > best { best = bottom[2 * j]; index = 2 }
              if bottom[2 * j + 1] > best { best = bottom[2 * j + 1]; index = 3 }
              out[i * wo + j] = best
              arg[i * wo + j] = index
            }
          }
        }
      }
    }
  }
  return (output, PoolingArgmax(indices: indices, inputShape: x.shape))
}

/// The gradient of max pooling: each output gradient goes to its window's argmax. `[N, C, H, W]`.
public func maxPool2x2Backward(_ outputGradient: Tensor, argmax: PoolingArgmax) -> Tensor {
  let (n, c, h, w) = argmax.inputShape.nchw
  let ho = h / 2
  let wo = w / 2
  precondition(
    outputGradient.shape == [n, c, ho, wo],
    "maxPool2x2Backward: gradient \(outputGradient.shape) does not match pooled \(Shape([n, c, ho, wo]))")
  let result = Tensor(zeros: argmax.inputShape)
  let destination = result.storage.pointer
  outputGradient.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    argmax.indices.withUnsafeBufferPointer { indexBuffer in
      let indices = indexBuffer.baseAddress!
      Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(h * w, 1))) { planes in
        for plane in planes {
          let gradient = base + plane * ho * wo
          let arg = indices + plane * ho * wo
          let out = destination + plane * h * w
          for i in 0..<ho {
            for j in 0..<wo {
              let index = Int(arg[i * wo + j])
              out[(2 * i + index / 2) * w + 2 * j + index % 2] = gradient[i * wo + j]
            }
          }
        }
      }
    }
  }
  return result
}

/// Average pooling, 2x2 windows, stride 2: `y = ¼ Σ x[2i + a, 2j + b]`. `[N, C, H/2, W/2]`.
public func averagePool2x2Forward(_ x: Tensor) -> Tensor {
  let (n, c, h, w) = x.shape.nchw
  let ho = h / 2
  let wo = w / 2
  let output = Tensor(uninitialized: [n, c, ho, wo])
  let destination = output.storage.pointer
  x.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(h * w, 1))) { planes in
      for plane in planes {
        let input = base + plane * h * w
        let out = destination + plane * ho * wo
        for i in 0..<ho {
          let top = input + 2 * i * w
          let bottom = top + w
          for j in 0..<wo {
            out[i * wo + j] = 0.25 * ((top[2 * j] + top[2 * j + 1]) + (bottom[2 * j] + bottom[2 * j + 1]))
          }
        }
      }
    }
  }
  return output
}

/// The gradient of average pooling: a quarter of each output gradient to each window element
/// (zero for a dropped odd row or column). `inputShape` `[N, C, H, W]`.
public func averagePool2x2Backward(_ outputGradient: Tensor, inputShape: Shape) -> Tensor {
  let (n, c, h, w) = inputShape.nchw
  let ho = h / 2
  let wo = w / 2
  precondition(
    outputGradient.shape == [n, c, ho, wo],
    "averagePool2x2Backward: gradient \(outputGradient.shape) does not match \(Shape([n, c, ho, wo]))")
  let result = Tensor(zeros: inputShape)
  let destination = result.storage.pointer
  outputGradient.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(h * w, 1))) { planes in
      for plane in planes {
        let gradient = base + plane * ho * wo
        let out = destination + plane * h * w
        for i in 0..<ho {
          let top = out + 2 * i * w
          let bottom = top + w
          for j in 0..<wo {
            let g = 0.25 * gradient[i * wo + j]
            top[2 * j] = g
            top[2 * j + 1] = g
            bottom[2 * j] = g
            bottom[2 * j + 1] = g
          }
        }
      }
    }
  }
  return result
}

/// Nearest-neighbour 2x upsampling: `y[n, c, i, j] = x[n, c, i/2, j/2]`. `[N, C, 2H, 2W]`.
public func upsampleNearest2xForward(_ x: Tensor) -> Tensor {
  let (n, c, h, w) = x.shape.nchw
  let output = Tensor(uninitialized: [n, c, 2 * h, 2 * w])
  let destination = output.storage.pointer
  x.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(4 * h * w, 1))) { planes in
      for plane in planes {
        let input = base + plane * h * w
        let out = destination + plane * 4 * h * w
        for i in 0..<h {
          let row = out + 2 * i * 2 * w
          for j in 0..<w {
            row[2 * j] = input[i * w + j]
            row[2 * j + 1] = input[i * w + j]
          }
          (row + 2 * w).update(from: row, count: 2 * w)
        }
      }
    }
  }
  return output
}

/// The gradient of nearest 2x upsampling: the sum over each 2x2 block. `[N, C, H/2, W/2]`.
public func upsampleNearest2xBackward(_ outputGradient: Tensor) -> Tensor {
  let (n, c, h2, w2) = outputGradient.shape.nchw
  precondition(h2 % 2 == 0 && w2 % 2 == 0, "upsampleNearest2xBackward: odd gradient \(outputGradient.shape)")
  let h = h2 / 2
  let w = w2 / 2
  let result = Tensor(uninitialized: [n, c, h, w])
  let destination = result.storage.pointer
  outputGradient.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(h2 * w2, 1))) { planes in
      for plane in planes {
        let gradient = base + plane * h2 * w2
        let out = destination + plane * h * w
        for i in 0..<h {
          let top = gradient + 2 * i * w2
          let bottom = top + w2
          for j in 0..<w {
            out[i * w + j] = (top[2 * j] + top[2 * j + 1]) + (bottom[2 * j] + bottom[2 * j + 1])
          }
        }
      }
    }
  }
  return result
}

/// Concatenation along channels: `[N, C₁, H, W] ⧺ [N, C₂, H, W] ⧺ … = [N, ΣCᵢ, H, W]`.
public func concatenateChannels(_ parts: [Tensor]) -> Tensor {
  precondition(!parts.isEmpty, "concatenateChannels: nothing to concatenate")
  let (n, _, h, w) = parts[0].shape.nchw
  for part in parts {
    let (pn, _, ph, pw) = part.shape.nchw
    precondition(
      pn == n && ph == h && pw == w,
      "concatenateChannels: shapes \(parts.map(\.shape)) differ outside the channel dimension")
  }
  let channels = parts.map { $0.shape[1] }
  let total = channels.reduce(0, +)
  let output = Tensor(uninitialized: [n, total, h, w])
  let plane = h * w
  for image in 0..<n {
    var offset = 0
    for (part, c) in zip(parts, channels) {
      part.withUnsafeBufferPointer { source in
        (output.storage.pointer + (image * total + offset) * plane)
          .update(from: source.baseAddress! + image * c * plane, count: c * plane)
      }
      offset += c
    }
  }
  return output
}

/// The inverse of `concatenateChannels`: splits `[N, ΣCᵢ, H, W]` into `[N, Cᵢ, H, W]` parts.
public func splitChannels(_ x: Tensor, sizes: [Int]) -> [Tensor] {
  let (n, total, h, w) = x.shape.nchw
  precondition(
    sizes.reduce(0, +) == total, "splitChannels: sizes \(sizes) do not add up to \(total) channels")
  let plane = h * w
  var offset = 0
  var parts: [Tensor] = []
  x.withUnsafeBufferPointer { source in
    for c in sizes {
      let part = Tensor(uninitialized: [n, c, h, w])
      for image in 0..<n {
        (part.storage.pointer + image * c * plane)
          .update(from: source.baseAddress! + (image * total + offset) * plane, count: c * plane)
      }
      parts.append(part)
      offset += c
    }
  }
  return parts
}
