/// How a convolution sees the image beyond its border.
///
/// - `zero`: zeros (Caffe VGG, Gatys et al.; the descriptor's default).
/// - `reflect`: the mirror image without repeating the edge, as numpy `reflect` and PyTorch
///   `ReflectionPad2d` (`x[-1] = x[1]`); AdaIN's VGG.
/// - `replicate`: the edge value repeated (`x[-1] = x[0]`).
/// - `circular`: wrap-around (`x[-1] = x[W-1]`); the "circular convolution" of Ulyanov et al. 2016
///   and the official texture_nets default for the generator.
public enum PaddingMode: String, Codable, CaseIterable, Sendable {
  case zero, reflect, replicate, circular

  /// The source index that padded position `index` (which may be negative or `>= size`) reads, or
  /// nil when it reads a zero.
  @inlinable
  public func sourceIndex(_ index: Int, size: Int) -> Int? {
    if index >= 0 && index < size { return index }
    switch self {
    case .zero:
      return nil
    case .replicate:
      return index < 0 ? 0 : size - 1
    case .circular:
      return ((index % size) + size) % size
    case .reflect:
      if size == 1 { return 0 }
      let period = 2 * (size - 1)
      var folded = ((index % period) + period) % period
      if folded >= size { folded = period - folded }
      return folded
    }
  }
}

/// The amount of padding on each side of a `[N, C, H, W]` tensor's spatial dimensions.
public struct PaddingAmount: Equatable, Sendable {
  /// Rows added above and below.
  public var vertical: Int
  /// Columns added left and right.
  public var horizontal: Int

  /// `amount` rows and columns on every side.
  public init(_ amount: Int) { self.init(vertical: amount, horizontal: amount) }

  /// `vertical` rows above and below, `horizontal` columns left and right.
  public init(vertical: Int, horizontal: Int) {
    precondition(vertical >= 0 && horizontal >= 0, "padding must be non-negative")
    self.vertical = vertical
    self.horizontal = horizontal
  }
}

/// Pads `input` `[N, C, H, W]` to `[N, C, H + 2p, W + 2q]` with `mode`.
///
/// `reflect` needs `p < H` and `q < W`; `circular` needs `p <= H` and `q <= W`.
public func pad(_ input: Tensor, _ amount: PaddingAmount, mode: PaddingMode) -> Tensor {
  let (n, c, h, w) = input.shape.nchw
  let output = Tensor(uninitialized: [n, c, h + 2 * amount.vertical, w + 2 * amount.horizontal])
  input.withUnsafeBufferPointer { source in
    padPlanes(
      source.baseAddress!, planes: n * c, height: h, width: w, amount: amount, mode: mode,
      into: output.storage.pointer)
  }
  return output
}

/// Pads `planes` planes of `height × width` into `destination`, planes of
/// `(height + 2p) × (width + 2q)`; the kernel behind `pad`, usable on workspaces.
public func padPlanes(
  _ source: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
  amount: PaddingAmount, mode: PaddingMode, into destination: UnsafeMutablePointer<Float>
) {
  let paddedHeight = h + 2 * amount.vertical
  Parallel.forEach(planes, minimumChunk: max(1, 65536 / max(1, h * w))) { range in
    padBand(
      source + range.lowerBound * h * w, planes: range.count, height: h, width: w,
      amount: amount, mode: mode, firstRow: 0, rowCount: paddedHeight,
      into: destination + range.lowerBound * paddedHeight * (w + 2 * amount.horizontal))
  }
}

/// Rows `firstRow ..< firstRow + rowCount` of the padded planes (padded coordinates: row 0 is the
/// first padding row), written as `planes` bands of `rowCount × (width + 2q)` into `destination`.
/// Single-threaded: the convolution kernels call it per tile from their own workers.
public func padBand(
  _ source: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
  amount: PaddingAmount, mode: PaddingMode, firstRow: Int, rowCount: Int,
  into destination: UnsafeMutablePointer<Float>
) {
  let p = amount.vertical
  let q = amount.horizontal
  checkPadding(mode, p: p, q: q, h: h, w: w)
  let paddedWidth = w + 2 * q
  var left = [Int](repeating: -1, count: q)
  var right = [Int](repeating: -1, count: q)
  for x in 0..<q {
    left[x] = mode.sourceIndex(x - q, size: w) ?? -1
    right[x] = mode.sourceIndex(w + x, size: w) ?? -1
  }
  for plane in 0..<planes {
    let input = source + plane * h * w
    let output = destination + plane * rowCount * paddedWidth
    for r in 0..<rowCount {
      let row = output + r * paddedWidth
      guard let sourceRow = mode.sourceIndex(firstRow + r - p, size: h) else {
        row.update(repeating: 0, count: paddedWidth)
        continue
      }
      let inputRow = input + sourceRow * w
      (row + q).update(from: inputRow, count: w)
      for x in 0..<q {
        row[x] = left[x] < 0 ? 0 : inputRow[left[x]]
        row[q + w + x] = right[x] < 0 ? 0 : inputRow[right[x]]
      }
    }
  }
}

/// The adjoint of `pad`: folds the gradient of a padded `[N, C, H + 2p, W + 2q]` tensor back onto
/// `[N, C, H, W]`, adding each padded position's gradient to the position it copied.
public func padAdjoint(_ paddedGradient: Tensor, _ amount: PaddingAmount, mode: PaddingMode)
  -> Tensor
{
  let (n, c, paddedHeight, paddedWidth) = paddedGradient.shape.nchw
  let h = paddedHeight - 2 * amount.vertical
  let w = paddedWidth - 2 * amount.horizontal
  checkPadding(mode, p: amount.vertical, q: amount.horizontal, h: h, w: w)
  let output = Tensor(zeros: [n, c, h, w])
  let columnSource = (0..<paddedWidth).map {
    mode.sourceIndex($0 - amount.horizontal, size: w) ?? -1
  }
  let rowSource = (0..<paddedHeight).map { mode.sourceIndex($0 - amount.vertical, size: h) ?? -1 }
  let destination = output.storage.pointer
  paddedGradient.withUnsafeBufferPointer { gradient in
    let source = gradient.baseAddress!
    Parallel.forEach(n * c, minimumChunk: max(1, 65536 / max(1, h * w))) { range in
      for plane in range {
        let input = source + plane * paddedHeight * paddedWidth
        let result = destination + plane * h * w
        for y in 0..<paddedHeight where rowSource[y] >= 0 {
          let target = result + rowSource[y] * w
          let row = input + y * paddedWidth
          for x in 0..<paddedWidth where columnSource[x] >= 0 {
            target[columnSource[x]] += row[x]
          }
        }
      }
    }
  }
  return output
}

private func checkPadding(_ mode: PaddingMode, p: Int, q: Int, h: Int, w: Int) {
  switch mode {
  case .reflect:
    precondition(
      p < h && q < w, "reflect padding of (\(p), \(q)) needs an image larger than \(h)x\(w)")
  case .circular:
    precondition(
      p <= h && q <= w, "circular padding of (\(p), \(q)) needs an image of at least \(p)x\(q)")
  case .zero, .replicate:
    break
  }
}
