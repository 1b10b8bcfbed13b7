// Batch and instance normalisation kernels, `[N, C, H, W]`.
//
//   x̂ = (x − μ_g) / √(σ²_g + ε),  y = γ[c] · x̂ + β[c]
//
// with the statistics μ_g, σ²_g (biased variance) taken per channel over (N, H, W) for batch norm
// (Ioffe and Szegedy 2015) and per (image, channel) over (H, W) for instance norm (Ulyanov et al.
// 2016, "Instance normalization"). Backward, per group of M elements:
//
//   dx = (1/√(σ²+ε)) · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂)),  dx̂ = γ · dy
//   dγ[c] = Σ dy ⊙ x̂,  dβ[c] = Σ dy

/// Which elements share normalisation statistics.
public enum NormalizationGrouping: Sendable {
  /// One group per channel, over (N, H, W): batch normalisation.
  case batch
  /// One group per (image, channel), over (H, W): instance normalisation.
  case instance
}

/// The statistics a training-mode normalisation computed, kept for its backward pass.
public struct NormalizationStatistics: Sendable {
  /// Per-group means (`[C]` for batch, `[N·C]` for instance).
  public var mean: [Float]
  /// Per-group biased variances.
  public var variance: [Float]
  /// Per-group `1 / √(σ² + ε)`.
  public var inverseStandardDeviation: [Float]
  /// Elements per group.
  public var groupSize: Int
  /// The means and `1 / √(σ² + ε)` unrounded, for the backward pass: with few values per group
  /// (the generator's coarse scales: 2 x 4 x 4 per channel) its result is a small residual of
  /// large terms, and float32 rounding of these would dominate it.
  var exactMean: [Double]
  var exactInverseStandardDeviation: [Double]
}

private func groups(_ shape: Shape, _ grouping: NormalizationGrouping) -> (count: Int, planes: (Int) -> [Int]) {
  let (n, c, _, _) = shape.nchw
  switch grouping {
  case .batch: return (c, { channel in (0..<n).map { $0 * c + channel } })
  case .instance: return (n * c, { [$0] })
  }
}

/// Normalises `x` with its own statistics, then applies the per-channel affine map (`gamma`,
/// `beta` `[C]`; nil means 1 and 0). Returns `[N, C, H, W]` and the statistics.
public func normalizationForward(
  _ x: Tensor, grouping: NormalizationGrouping, gamma: Tensor?, beta: Tensor?, epsilon: Float
) -> (output: Tensor, statistics: NormalizationStatistics) {
  let (_, c, h, w) = x.shape.nchw
  let plane = h * w
  let (groupCount, planesOf) = groups(x.shape, grouping)
  let gammas = gamma?.scalars ?? [Float](repeating: 1, count: c)
  let betas = beta?.scalars ?? [Float](repeating: 0, count: c)
  precondition(gammas.count == c && betas.count == c, "normalization: affine parameters must be [\(c)]")
  var exactMean = [Double](repeating: 0, count: groupCount)
  var exactVariance = [Double](repeating: 0, count: groupCount)
  let output = Tensor(uninitialized: x.shape)
  let destination = output.storage.pointer
  let groupSize = planesOf(0).count * plane
  x.withUnsafeBufferPointer { source in
    let base = source.baseAddress!
    exactMean.withUnsafeMutableBufferPointer { meanBuffer in
      exactVariance.withUnsafeMutableBufferPointer { varianceBuffer in
        Parallel.forEach(groupCount) { range in
          for group in range {
            let planes = planesOf(group)
            var total = 0.0
            for p in planes { total += sumRange(base, p * plane, (p + 1) * plane) }
            let mu = total / Double(groupSize)
            var squares = 0.0
            for p in planes {
              for i in (p * plane)..<((p + 1) * plane) {
                let d = Double(base[i]) - mu
                squares += d * d
              }
            }
            let sigma2 = squares / Double(groupSize)
            let invStd = 1 / (sigma2 + Double(epsilon)).squareRoot()
            meanBuffer[group] = mu
            varianceBuffer[group] = sigma2
            for p in planes {
              let channel = p % c
              // In Double: x − μ is a small residual when |μ| ≫ σ, and a LeakyReLU after the
              // norm takes its derivative from the sign of the result.
              let a = invStd * Double(gammas[channel])
              let b = Double(betas[channel]) - mu * a
              for i in (p * plane)..<((p + 1) * plane) { destination[i] = Float(Double(base[i]) * a + b) }
            }
          }
        }
      }
    }
  }
  let exactInverse = exactVariance.map { 1 / ($0 + Double(epsilon)).squareRoot() }
  return (
    output,
    NormalizationStatistics(
      mean: exactMean.map { Float($0) }, variance: exactVariance.map { Float($0) },
      inverseStandardDeviation: exactInverse.map { Float($0) }, groupSize: groupSize,
      exactMean: exactMean, exactInverseStandardDeviation: exactInverse)
  )
}

/// The gradients of `normalizationForward` with respect to `x`, `gamma` and `beta` (the latter two
/// `[C]`, computed only when asked).
public func normalizationBackward(
  _ outputGradient: Tensor, input x: Tensor, statistics: NormalizationStatistics,
  grouping: NormalizationGrouping, gamma: Tensor?, wantInput: Bool = true,
  wantAffine: Bool = true
) -> (input: Tensor?, gamma: Tensor?, beta: Tensor?) {
  let (_, c, h, w) = x.shape.nchw
  let plane = h * w
  let (groupCount, planesOf) = groups(x.shape, grouping)
  let gammas = gamma?.scalars ?? [Float](repeating: 1, count: c)
  let inputGradient = wantInput ? Tensor(uninitialized: x.shape) : nil
  // Per-plane Σ dy and Σ dy·x̂, reduced to channels (affine) or groups (input) below.
  let (n, _, _, _) = x.shape.nchw
  var planeSumDy = [Double](repeating: 0, count: n * c)
  var planeSumDyXhat = [Double](repeating: 0, count: n * c)
  outputGradient.withUnsafeBufferPointer { gradientBuffer in
    x.withUnsafeBufferPointer { inputBuffer in
      let dy = gradientBuffer.baseAddress!
      let input = inputBuffer.baseAddress!
      planeSumDy.withUnsafeMutableBufferPointer { sumDy in
        planeSumDyXhat.withUnsafeMutableBufferPointer { sumDyXhat in
          Parallel.forEach(groupCount) { range in
            for group in range {
              let mu = statistics.exactMean[group]
              let invStd = statistics.exactInverseStandardDeviation[group]
              for p in planesOf(group) {
                var a = 0.0
                var b = 0.0
                for i in (p * plane)..<((p + 1) * plane) {
                  let g = Double(dy[i])
                  a += g
                  b += g * ((Double(input[i]) - mu) * invStd)
                }
                sumDy[p] = a
                sumDyXhat[p] = b
              }
            }
          }
          if let inputGradient {
            let dx = inputGradient.storage.pointer
            Parallel.forEach(groupCount) { range in
              for group in range {
                let planes = planesOf(group)
                let mu = statistics.exactMean[group]
                let invStd = statistics.exactInverseStandardDeviation[group]
                let count = Double(statistics.groupSize)
                // Σ over the group of dx̂ and dx̂·x̂, with dx̂ = γ[c]·dy.
                var meanDxhat = 0.0
                var meanDxhatXhat = 0.0
                for p in planes {
                  meanDxhat += Double(gammas[p % c]) * sumDy[p]
                  meanDxhatXhat += Double(gammas[p % c]) * sumDyXhat[p]
                }
                let m1 = meanDxhat / count
                let m2 = meanDxhatXhat / count
                // In Double: dx is a small residual of these terms when dy is nearly affine
                // in x̂ (a loss gradient after the next layers' normalisations).
                for p in planes {
                  let g = Double(gammas[p % c])
                  for i in (p * plane)..<((p + 1) * plane) {
                    let xhat = (Double(input[i]) - mu) * invStd
                    dx[i] = Float(invStd * (g * Double(dy[i]) - m1 - xhat * m2))
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  guard wantAffine else { return (inputGradient, nil, nil) }
  var dGamma = [Float](repeating: 0, count: c)
  var dBeta = [Float](repeating: 0, count: c)
  for channel in 0..<c {
    var a = 0.0
    var b = 0.0
    for image in 0..<n {
      a += planeSumDyXhat[image * c + channel]
      b += planeSumDy[image * c + channel]
    }
    dGamma[channel] = Float(a)
    dBeta[channel] = Float(b)
  }
  return (inputGradient, Tensor(shape: [c], scalars: dGamma), Tensor(shape: [c], scalars: dBeta))
}

/// Updates running statistics as PyTorch's BatchNorm2d does:
/// `r ← (1 − momentum) · r + momentum · s`, with the unbiased variance `σ² · M / (M − 1)`.
public func updateRunningStatistics(
  mean runningMean: inout Tensor, variance runningVariance: inout Tensor,
  with statistics: NormalizationStatistics, momentum: Float
) {
  let m = Float(statistics.groupSize)
  let correction = m > 1 ? m / (m - 1) : 1
  runningMean.withUnsafeMutableBufferPointer { values in
    for i in values.indices { values[i] = (1 - momentum) * values[i] + momentum * statistics.mean[i] }
  }
  runningVariance.withUnsafeMutableBufferPointer { values in
    for i in values.indices {
      values[i] = (1 - momentum) * values[i] + momentum * statistics.variance[i] * correction
    }
  }
}
