import TensorCore

/// The contributions to each output position along one axis: output `i` is
/// `Σ_k weights[offsets[i] + k] · input[starts[i] + k]` for `k < offsets[i + 1] − offsets[i]`.
struct AxisFilter {
  var starts: [Int] = []
  var offsets: [Int] = [0]
  var weights: [Float] = []

  /// Appends an output position whose first input is `start`.
  mutating func append(start: Int, weights newWeights: [Float]) {
    starts.append(start)
    weights.append(contentsOf: newWeights)
    offsets.append(weights.count)
  }

  /// Resampling `input` positions to `output` positions: area averaging when shrinking, bilinear
  /// (half-pixel centres) when growing, the identity when equal (see `resizeImage`).
  init(input: Int, output: Int) {
    precondition(
      input > 0 && output > 0, "AxisFilter: sizes must be positive, got \(input) -> \(output)")
    if output == input {
      for i in 0..<output { append(start: i, weights: [1]) }
    } else if output < input {
      // Output i covers the input interval [i·input/output, (i+1)·input/output). Scaled by
      // `output`, input cell j covers [j·output, (j+1)·output): overlaps are exact integers.
      for i in 0..<output {
        let low = i * input
        let high = (i + 1) * input
        let first = low / output
        let last = (high - 1) / output
        let coverage = (first...last).map { j in
          Float(min(high, (j + 1) * output) - max(low, j * output)) / Float(input)
        }
        append(start: first, weights: coverage)
      }
    } else {
      // PyTorch's bilinear source index (align_corners=False): (i + 0.5)·scale − 0.5, clamped at 0.
      let scale = Double(input) / Double(output)
      for i in 0..<output {
        let source = max((Double(i) + 0.5) * scale - 0.5, 0)
        let lower = min(Int(source), input - 1)
        let fraction = Float(source - Double(lower))
        if lower + 1 < input {
          append(start: lower, weights: [1 - fraction, fraction])
        } else {
          append(start: lower, weights: [1])
        }
      }
    }
  }
}

/// Resizes images `[N, C, H, W]` to `[N, C, height, width]`, each axis on its own.
///
/// - Shrinking an axis: exact area averaging (a box filter with fractional coverage): output `i`
///   is the mean of the input over `[i · in/out, (i + 1) · in/out)`, partial pixels weighted by
///   their covered fraction. For integer ratios this is the block mean (PyTorch's
///   `interpolate(mode="area")`); for other ratios it is exact where PyTorch's adaptive pooling
///   rounds the windows to whole pixels.
/// - Growing an axis: bilinear with half-pixel centres, as PyTorch's
///   `interpolate(mode="bilinear", align_corners=False)`: source `s = (i + 0.5) · in/out − 0.5`,
///   clamped below at 0; neighbours `⌊s⌋` and `min(⌊s⌋ + 1, in − 1)`.
/// - An axis of unchanged size is copied exactly. One axis may shrink while the other grows.
public func resizeImage(_ image: Tensor, height: Int, width: Int) -> Tensor {
  let (n, c, h, w) = image.shape.nchw
  precondition(
    h > 0 && w > 0 && height > 0 && width > 0,
    "resizeImage: cannot resize \(image.shape) to \(height) x \(width)")
  if height == h && width == w { return image }
  let horizontal = AxisFilter(input: w, output: width)
  let vertical = AxisFilter(input: h, output: height)
  let planes = n * c

  // Pass 1: resample every row along x, [planes, h, w] -> [planes, h, width].
  var rows = Tensor(uninitialized: [n, c, h, width])
  image.withUnsafeBufferPointer { input in
    rows.withUnsafeMutableBufferPointer { output in
      for row in 0..<(planes * h) {
        let source = row * w
        let target = row * width
        for x in 0..<width {
          var sum: Float = 0
          let start = source + horizontal.starts[x]
          for k in horizontal.offsets[x]..<horizontal.offsets[x + 1] {
            sum += horizontal.weights[k] * input[start + k - horizontal.offsets[x]]
          }
          output[target + x] = sum
        }
      }
    }
  }
  // Pass 2: combine whole rows along y, [planes, h, width] -> [planes, height, width].
  var result = Tensor(zeros: [n, c, height, width])
  rows.withUnsafeBufferPointer { input in
    result.withUnsafeMutableBufferPointer { output in
      for plane in 0..<planes {
        for y in 0..<height {
          let target = (plane * height + y) * width
          for k in vertical.offsets[y]..<vertical.offsets[y + 1] {
            let weight = vertical.weights[k]
            let source = (plane * h + vertical.starts[y] + k - vertical.offsets[y]) * width
            for x in 0..<width { output[target + x] += weight * input[source + x] }
          }
        }
      }
    }
  }
  return result
}

/// The centred `height x width` window of images `[N, C, H, W]`, as `[N, C, height, width]`.
///
/// The window starts at row `⌊(H − height) / 2⌋` and column `⌊(W − width) / 2⌋`: when the excess is
/// odd, the extra row (column) is dropped at the bottom (right).
public func centreCrop(_ image: Tensor, height: Int, width: Int) -> Tensor {
  let (_, _, h, w) = image.shape.nchw
  precondition(
    height > 0 && width > 0 && height <= h && width <= w,
    "centreCrop: cannot take \(height) x \(width) from \(image.shape)")
  return crop(image, top: (h - height) / 2, left: (w - width) / 2, height: height, width: width)
}

/// The `height x width` window of images `[N, C, H, W]` whose top-left pixel is (`top`, `left`),
/// as `[N, C, height, width]`; the window must lie inside the image.
public func crop(_ image: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
  let (n, c, h, w) = image.shape.nchw
  precondition(
    height > 0 && width > 0 && top >= 0 && left >= 0 && top + height <= h && left + width <= w,
    "crop: cannot take \(height) x \(width) at (\(top), \(left)) from \(image.shape)")
  if height == h && width == w { return image }
  var result = Tensor(uninitialized: [n, c, height, width])
  image.withUnsafeBufferPointer { input in
    result.withUnsafeMutableBufferPointer { output in
      for plane in 0..<(n * c) {
        for y in 0..<height {
          let source = (plane * h + top + y) * w + left
          let target = (plane * height + y) * width
          for x in 0..<width { output[target + x] = input[source + x] }
        }
      }
    }
  }
  return result
}

/// Images `[N, C, H, W]` scaled so the shorter side is `side`, then centre-cropped to
/// `[N, C, side, side]`: the preprocessing of the harness's commands (`scaleToCoverAndCentreCrop`
/// with a square window).
///
/// The longer side becomes `⌊side · long / short⌋` (as torchvision's `Resize(side)`), scaled with
/// `resizeImage` (area averaging when shrinking, bilinear when growing), then `centreCrop` takes
/// the middle `side x side`. The aspect ratio is kept, so nothing is stretched.
public func scaleShorterSideAndCentreCrop(_ image: Tensor, side: Int) -> Tensor {
  scaleToCoverAndCentreCrop(image, height: side, width: side)
}

/// Images `[N, C, H, W]` scaled, keeping their aspect ratio, to the smallest size that covers a
/// `height x width` window, then centre-cropped to `[N, C, height, width]`.
///
/// When `height / H ≥ width / W` the height becomes `height` and the width `⌊height · W / H⌋`
/// (at least `width`); otherwise the width becomes `width` and the height `⌊width · H / W⌋`.
/// Scaled with `resizeImage`, then `centreCrop`. Nothing is stretched.
public func scaleToCoverAndCentreCrop(_ image: Tensor, height: Int, width: Int) -> Tensor {
  let (_, _, h, w) = image.shape.nchw
  precondition(
    height > 0 && width > 0 && h > 0 && w > 0,
    "scaleToCoverAndCentreCrop: window \(height) x \(width), image \(image.shape)")
  let heightBinds = height * w >= width * h
  let scaledHeight = heightBinds ? height : max(height, width * h / w)
  let scaledWidth = heightBinds ? max(width, height * w / h) : width
  let scaled = resizeImage(image, height: scaledHeight, width: scaledWidth)
  return centreCrop(scaled, height: height, width: width)
}
