import TensorCore

// The finest join and the output layer of `Generator.sample`, computed in bands of rows.
//
// At the finest scale the join's input and each of its three convolutions' outputs are 8·K
// channels at full size (K = 5 at 256²: 10.5 MB each), and the output needs only 3. When every
// normalisation after the join's convolutions and the output convolution has fixed statistics
// (batch norm with running averages, folded into its convolution), every output row depends only
// on the join input's rows within 2 of it (3x3, 3x3, 1x1, then the 1x1 to_rgb), so the rows are
// computed a band at a time, one image at a time, and the full-size 8·K-channel tensors never
// exist:
//
//   for each band of output rows [r0, r1) of image n:
//     band = cat(bn_coarse(up2(coarse)), bn_fine(fine)) on image rows [lo, hi) ⊇ [r0 − 2, r1 + 2)
//     band = to_rgb(conv2(conv1(conv0(band))))   (each with its folded norm and activation)
//     out[n, :, r0 ..< r1, :] = the band's rows r0 ..< r1
//
// Exactness. Each convolution pads the band as it pads the whole image (the padding mode, on both
// axes); along the width that is the image's own padding. Along the height a band edge is either
//   * the image's top or bottom edge (zero, reflect, replicate; or a band holding the whole image):
//     the padding rule there reads only rows next to the edge (x[−1] is 0, x[1] or x[0]), which
//     the band holds, at every stage: these rows are the whole image's values; or
//   * an interior edge, 2 rows beyond the kept rows (image rows wrapped round for circular
//     padding, where every edge is interior unless the band is the whole image): the padding
//     there is wrong, but a 3x3 convolution spoils only the outermost row of its output, so after
//     conv0 (cropped by that row) and conv1 the kept rows are untouched.
// Every kept value is computed by the same kernel with the same inputs in the same order as on
// the whole image; GeneratorBandedSamplingTests holds the two paths (and the taped network) equal.
// Cost: conv0 runs on 4 more rows per band and conv1 on 2 (12.5% and 6% at 32 rows).

/// How `Generator.sample` computes the finest join and output layer when their normalisations
/// have fixed statistics (Generator+BandedInference.swift).
public enum SamplingBands {
  /// Output rows per band. nil (the default): `defaultRows`; 0: no bands (the full-size tensors).
  /// Task-local: `SamplingBands.$rows.withValue(8) { ... }`.
  @TaskLocal public static var rows: Int? = nil

  /// The floats of one band of the join's input the default aims at (1.25 MiB): 32 rows of 40
  /// channels at width 256, small enough for the L2 cache with the convolution's output band.
  public static let targetFloats = 327_680

  /// The default band height for `channels` channels of `width` columns: `targetFloats` over a
  /// row's floats, at least 16 rows (the 2-row halos on each side cost 4 / rows of conv0).
  public static func defaultRows(channels: Int, width: Int) -> Int {
    max(16, targetFloats / max(1, channels * width))
  }
}

extension Generator {
  /// The finest join's three convolutions and the output layer, each with its normalisation
  /// folded in, when every one of those normalisations has fixed statistics and bands are on
  /// (K ≥ 2); nil otherwise.
  func bandedTail() -> [InferenceConvolution]? {
    guard configuration.levels >= 2, SamplingBands.rows != 0, let join = joins.last else {
      return nil
    }
    var tail: [InferenceConvolution] = []
    for j in 0..<3 {
      guard let affine = join.normalizations[j].fixedAffine else { return nil }
      tail.append(
        InferenceConvolution(
          join.convolutions[j], folding: affine, activation: join.activation.fused))
    }
    guard let outputNormalization else {
      return tail + [InferenceConvolution(toRGB, folding: nil, activation: .identity)]
    }
    guard let affine = outputNormalization.fixedAffine else { return nil }
    return tail + [
      InferenceConvolution(toRGB, folding: affine, activation: configuration.activation.fused)
    ]
  }

  /// `tail(cat(bn_coarse(up2(coarse)), bn_fine(fine)))` band by band: coarse `[N, Cc, H/2, W/2]`
  /// and fine `[N, Cf, H, W]` → `[N, 3, H, W]`; `tail` from `bandedTail()`.
  func bandedOutput(coarse: Tensor, fine: Tensor, tail: [InferenceConvolution]) -> Tensor {
    let k = configuration.levels - 1
    let (n, coarseChannels, _, _) = coarse.shape.nchw
    let (_, fineChannels, h, w) = fine.shape.nchw
    let sources = JoinSources(
      coarse: coarse, coarseMap: coarseNormalizations[k - 1].planeAffine(for: coarse), fine: fine,
      fineMap: fineNormalizations[k - 1].planeAffine(for: fine))
    let rowsPerBand = max(
      1,
      SamplingBands.rows
        ?? SamplingBands.defaultRows(channels: coarseChannels + fineChannels, width: w))
    var output = Tensor(uninitialized: [n, 3, h, w])
    for image in 0..<n {
      for first in stride(from: 0, to: h, by: rowsPerBand) {
        let window = BandWindow(
          kept: first..<min(first + rowsPerBand, h), height: h, padding: configuration.padding)
        let joined = sources.band(image: image, rows: window.rows, padding: configuration.padding)
        var y = tail[0](joined)
        y = croppedRows(y, window.rowsAfterFirstConvolution.lowerBound - window.rows.lowerBound,
          count: window.rowsAfterFirstConvolution.count)
        for stage in tail.dropFirst() { y = stage(y) }
        copyRows(
          y, from: window.kept.lowerBound - window.rowsAfterFirstConvolution.lowerBound,
          count: window.kept.count, into: &output, image: image, at: window.kept.lowerBound)
      }
    }
    return output
  }
}

/// The rows of one band: the output rows it keeps and the image rows of the join input it reads
/// (image coordinates; below 0 or from H on only with circular padding, read wrapped round).
struct BandWindow {
  /// The output rows this band writes.
  let kept: Range<Int>
  /// The join input's rows the band holds.
  let rows: Range<Int>
  /// The rows of conv0's output that are exact (and that conv1 reads).
  let rowsAfterFirstConvolution: Range<Int>

  /// The band keeping `kept` of an image of `height` rows padded with `padding` (the halo of
  /// 3x3, 3x3 is 2 rows on each side).
  init(kept: Range<Int>, height: Int, padding: PaddingMode) {
    self.kept = kept
    let halo = 2
    if kept == 0..<height {
      rows = kept
    } else if padding == .circular {
      rows = (kept.lowerBound - halo)..<(kept.upperBound + halo)
    } else {
      rows = max(kept.lowerBound - halo, 0)..<min(kept.upperBound + halo, height)
    }
    // An edge of the band that is not the image's edge spoils one row of conv0's output.
    let topIsImageEdge = rows.lowerBound == 0 && (padding != .circular || rows == 0..<height)
    let bottomIsImageEdge =
      rows.upperBound == height && (padding != .circular || rows == 0..<height)
    rowsAfterFirstConvolution =
      (rows.lowerBound + (topIsImageEdge ? 0 : 1))..<(rows.upperBound - (bottomIsImageEdge ? 0 : 1))
  }
}

/// The two halves of the finest join's input before concatenation, with their normalisations'
/// per-plane affine maps (`N·C` values each, image-major).
struct JoinSources {
  /// `[N, Cc, H/2, W/2]`: the coarse branch, upsampled ×2 (nearest) into the join.
  let coarse: Tensor
  /// bn_coarse as `y = a · x + s` per plane.
  let coarseMap: (scale: [Float], shift: [Float])
  /// `[N, Cf, H, W]`: the fine branch.
  let fine: Tensor
  /// bn_fine as `y = a · x + s` per plane.
  let fineMap: (scale: [Float], shift: [Float])

  /// Rows `rows` (image rows, mapped into the image by `padding.sourceIndex`) of image `image` of
  /// `cat(a · up2(coarse) + s, a · fine + s)`: `[1, Cc + Cf, rows.count, W]`, each value computed
  /// as `writePlaneAffine` computes it.
  func band(image: Int, rows: Range<Int>, padding: PaddingMode) -> Tensor {
    let (_, coarseChannels, coarseHeight, coarseWidth) = coarse.shape.nchw
    let (_, fineChannels, h, w) = fine.shape.nchw
    // The rows are inside the image except for circular padding, which wraps them round.
    let sourceRows = rows.map { padding.sourceIndex($0, size: h)! }
    var band = Tensor(uninitialized: [1, coarseChannels + fineChannels, rows.count, w])
    band.withUnsafeMutableBufferPointer { target in
      let output = target.baseAddress!
      coarse.withUnsafeBufferPointer { source in
        for channel in 0..<coarseChannels {
          let plane = image * coarseChannels + channel
          let (a, s) = (coarseMap.scale[plane], coarseMap.shift[plane])
          let input = source.baseAddress! + plane * coarseHeight * coarseWidth
          for (r, y) in sourceRows.enumerated() {
            let from = input + (y / 2) * coarseWidth
            let to = output + (channel * rows.count + r) * w
            for x in 0..<coarseWidth {
              let value = a * from[x] + s
              to[2 * x] = value
              to[2 * x + 1] = value
            }
          }
        }
      }
      fine.withUnsafeBufferPointer { source in
        for channel in 0..<fineChannels {
          let plane = image * fineChannels + channel
          let (a, s) = (fineMap.scale[plane], fineMap.shift[plane])
          let input = source.baseAddress! + plane * h * w
          for (r, y) in sourceRows.enumerated() {
            let from = input + y * w
            let to = output + ((coarseChannels + channel) * rows.count + r) * w
            for x in 0..<w { to[x] = a * from[x] + s }
          }
        }
      }
    }
    return band
  }
}

/// Rows `first ..< first + count` of every plane of `x` `[1, C, R, W]`: `[1, C, count, W]` (`x`
/// itself when that is all of it).
private func croppedRows(_ x: Tensor, _ first: Int, count: Int) -> Tensor {
  let (n, c, rows, w) = x.shape.nchw
  precondition(n == 1 && first >= 0 && first + count <= rows, "croppedRows: \(first) + \(count) of \(x.shape)")
  if first == 0 && count == rows { return x }
  var result = Tensor(uninitialized: [1, c, count, w])
  x.withUnsafeBufferPointer { source in
    result.withUnsafeMutableBufferPointer { target in
      for channel in 0..<c {
        (target.baseAddress! + channel * count * w).update(
          from: source.baseAddress! + (channel * rows + first) * w, count: count * w)
      }
    }
  }
  return result
}

/// Writes rows `first ..< first + count` of every plane of `band` `[1, C, R, W]` into rows
/// `row ..< row + count` of image `image` of `output` `[N, C, H, W]`.
private func copyRows(
  _ band: Tensor, from first: Int, count: Int, into output: inout Tensor, image: Int, at row: Int
) {
  let (_, c, rows, w) = band.shape.nchw
  let h = output.shape.nchw.h
  band.withUnsafeBufferPointer { source in
    output.withUnsafeMutableBufferPointer { target in
      for channel in 0..<c {
        (target.baseAddress! + ((image * c + channel) * h + row) * w).update(
          from: source.baseAddress! + (channel * rows + first) * w, count: count * w)
      }
    }
  }
}
