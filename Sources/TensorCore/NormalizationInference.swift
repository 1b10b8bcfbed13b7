// Normalisation for sampling (inference, no tape), `[N, C, H, W]`: the statistics alone, and the
// per-plane affine map `y = a[n, c] · x + b[n, c]` (then an activation) applied in place or while
// copying (and upsampling) into channels of a larger tensor, so that a generator needs no
// intermediate per normalisation, activation, upsampling or concatenation.

/// The statistics of each normalisation group of `x` `[N, C, H, W]` (`batch`: per channel over
/// (N, H, W), `C` groups; `instance`: per (image, channel) over (H, W), `N·C` groups): the mean
/// μ = Σ x / M and the biased variance σ² = Σ (x − μ)² / M, both summed in Double (two passes,
/// as `normalizationForward`).
public func normalizationStatistics(_ x: Tensor, grouping: NormalizationGrouping)
  -> (mean: [Double], variance: [Double])
{
  let (n, c, h, w) = x.shape.nchw
  let plane = h * w
  let groupCount = grouping == .batch ? c : n * c
  let planesPerGroup = grouping == .batch ? n : 1
  var mean = [Double](repeating: 0, count: groupCount)
  var variance = [Double](repeating: 0, count: groupCount)
  x.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    mean.withUnsafeMutableBufferPointer { means in
      variance.withUnsafeMutableBufferPointer { variances in
        Parallel.forEach(groupCount) { groups in
          for group in groups {
            // Batch: channel `group` of every image; instance: plane `group`.
            let planes = (0..<planesPerGroup).map { grouping == .batch ? $0 * c + group : group }
            var total = 0.0
            for p in planes {
              let values = base + p * plane
              for i in 0..<plane { total += Double(values[i]) }
            }
            let mu = total / Double(planesPerGroup * plane)
            var squares = 0.0
            for p in planes {
              let values = base + p * plane
              for i in 0..<plane {
                let d = Double(values[i]) - mu
                squares += d * d
              }
            }
            means[group] = mu
            variances[group] = squares / Double(planesPerGroup * plane)
          }
        }
      }
    }
  }
  return (mean, variance)
}

/// `x[n, c, ·] ← activation(scale[n·C + c] · x[n, c, ·] + shift[n·C + c])` in place
/// (`scale`, `shift` hold one value per plane, `N·C`); no copy when `x`'s storage is not shared.
public func applyPlaneAffine(
  _ x: inout Tensor, scale: [Float], shift: [Float], activation: FusedActivation
) {
  let (n, c, h, w) = x.shape.nchw
  let plane = h * w
  precondition(
    scale.count == n * c && shift.count == n * c,
    "applyPlaneAffine: \(scale.count) scales and \(shift.count) shifts for \(n * c) planes")
  x.withUnsafeMutableBufferPointer { values in
    let base = values.baseAddress!
    Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(plane, 1))) { planes in
      for p in planes {
        let row = base + p * plane
        let a = scale[p]
        let b = shift[p]
        switch activation {
        case .identity: for i in 0..<plane { row[i] = a * row[i] + b }
        case .relu: for i in 0..<plane { row[i] = max(a * row[i] + b, 0) }
        case .leakyReLU(let slope):
          for i in 0..<plane {
            let v = a * row[i] + b
            row[i] = v > 0 ? v : slope * v
          }
        }
      }
    }
  }
}

/// Writes `scale[n·C + c] · x[n, c, ·] + shift[n·C + c]` into channels
/// `firstChannel ..< firstChannel + C` of `destination` `[N, D, H', W']`, nearest-upsampled by 2
/// when `upsampled` (H' = 2H, W' = 2W; else H' = H, W' = W): the per-channel affine map commutes
/// with nearest upsampling, and the statistics of a ×2 nearest upsampling equal its input's.
public func writePlaneAffine(
  _ x: Tensor, scale: [Float], shift: [Float], upsampled: Bool,
  into destination: inout Tensor, firstChannel: Int
) {
  let (n, c, h, w) = x.shape.nchw
  let (dn, d, dh, dw) = destination.shape.nchw
  let factor = upsampled ? 2 : 1
  precondition(
    dn == n && dh == factor * h && dw == factor * w && firstChannel >= 0 && firstChannel + c <= d,
    "writePlaneAffine: \(x.shape) does not fit channels from \(firstChannel) of \(destination.shape)")
  precondition(
    scale.count == n * c && shift.count == n * c,
    "writePlaneAffine: \(scale.count) scales and \(shift.count) shifts for \(n * c) planes")
  destination.withUnsafeMutableBufferPointer { target in
    let output = target.baseAddress!
    x.withUnsafeBufferPointer { source in
      let input = source.baseAddress!
      Parallel.forEach(n * c, minimumChunk: max(1, elementwiseChunk / max(dh * dw, 1))) { planes in
        for p in planes {
          let (image, channel) = p.quotientAndRemainder(dividingBy: c)
          let from = input + p * h * w
          let to = output + (image * d + firstChannel + channel) * dh * dw
          let a = scale[p]
          let b = shift[p]
          if !upsampled {
            for i in 0..<(h * w) { to[i] = a * from[i] + b }
            continue
          }
          for i in 0..<h {
            let row = to + 2 * i * dw
            for j in 0..<w {
              let value = a * from[i * w + j] + b
              row[2 * j] = value
              row[2 * j + 1] = value
            }
            (row + dw).update(from: row, count: dw)
          }
        }
      }
    }
  }
}
