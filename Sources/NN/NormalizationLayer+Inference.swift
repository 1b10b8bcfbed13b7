import TensorCore

extension NormalizationLayer {
  /// The inference-mode map when it does not depend on the input: a batch norm with running
  /// statistics is `y = a[c] · x + s[c]`, a = γ / √(σ²_running + ε), s = β − μ_running · a
  /// (`[C]` each, as `batchNormInference` computes them). nil for batch statistics and instance
  /// norm.
  var fixedAffine: (scale: [Float], shift: [Float])? {
    guard case .batch(let layer) = self, layer.inferenceStatistics == .running else { return nil }
    let gammas = layer.scale.value.scalars
    let betas = layer.shift.value.scalars
    let means = layer.runningMean.scalars
    let variances = layer.runningVariance.scalars
    let scale = (0..<layer.channels).map { gammas[$0] / (variances[$0] + layer.epsilon).squareRoot() }
    let shift = (0..<layer.channels).map { betas[$0] - means[$0] * scale[$0] }
    return (scale, shift)
  }

  /// The inference-mode map of this normalisation on `x` `[N, C, H, W]` as one affine map per
  /// plane (`N·C` values, image-major): `y[n, c] = a[n, c] · x[n, c] + s[n, c]` with
  /// a = γ[c] / √(σ² + ε), s = β[c] − μ · a, the statistics μ, σ² (biased) being the batch's
  /// per channel (batch norm, `batch` statistics), the plane's (instance norm) or the running
  /// averages.
  func planeAffine(for x: Tensor) -> (scale: [Float], shift: [Float]) {
    let (n, c, _, _) = x.shape.nchw
    let gammas: [Float]
    let betas: [Float]
    let epsilon: Float
    let grouping: NormalizationGrouping
    switch self {
    case .batch(let layer):
      if let (scale, shift) = fixedAffine {
        return ((0..<n).flatMap { _ in scale }, (0..<n).flatMap { _ in shift })
      }
      (gammas, betas, epsilon, grouping) =
        (layer.scale.value.scalars, layer.shift.value.scalars, layer.epsilon, .batch)
    case .instance(let layer):
      (gammas, betas, epsilon, grouping) =
        (layer.scale.value.scalars, layer.shift.value.scalars, layer.epsilon, .instance)
    }
    let (mean, variance) = normalizationStatistics(x, grouping: grouping)
    var scale = [Float](repeating: 0, count: n * c)
    var shift = [Float](repeating: 0, count: n * c)
    for image in 0..<n {
      for channel in 0..<c {
        let group = grouping == .batch ? channel : image * c + channel
        let a = Float(1 / (variance[group] + Double(epsilon)).squareRoot()) * gammas[channel]
        scale[image * c + channel] = a
        shift[image * c + channel] = betas[channel] - Float(mean[group]) * a
      }
    }
    return (scale, shift)
  }
}
