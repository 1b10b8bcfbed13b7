import TensorCore

/// Batch normalisation with the batch's own statistics (training mode, Ioffe and Szegedy 2015):
/// `y = γ · (x − μ_c) / √(σ²_c + ε) + β`, statistics per channel over (N, H, W), biased variance.
/// `[N, C, H, W]`; `gamma`, `beta` `[C]` (nil: no affine map). Returns the statistics too, for the
/// layer to update its running averages (`updateRunningStatistics`).
public func batchNormTraining(
  _ x: Variable, gamma: Variable?, beta: Variable?, epsilon: Float
) -> (output: Variable, statistics: NormalizationStatistics) {
  normalization(x, grouping: .batch, gamma: gamma, beta: beta, epsilon: epsilon)
}

/// Instance normalisation (Ulyanov, Vedaldi and Lempitsky 2016): statistics per (image, channel)
/// over (H, W). `[N, C, H, W]`; `gamma`, `beta` `[C]` (nil: no affine map).
public func instanceNorm(_ x: Variable, gamma: Variable?, beta: Variable?, epsilon: Float)
  -> Variable
{
  normalization(x, grouping: .instance, gamma: gamma, beta: beta, epsilon: epsilon).output
}

private func normalization(
  _ x: Variable, grouping: NormalizationGrouping, gamma: Variable?, beta: Variable?,
  epsilon: Float
) -> (output: Variable, statistics: NormalizationStatistics) {
  let (y, statistics) = normalizationForward(
    x.value, grouping: grouping, gamma: gamma?.value, beta: beta?.value, epsilon: epsilon)
  var inputs = [x]
  if let gamma { inputs.append(gamma) }
  if let beta { inputs.append(beta) }
  guard inputs.contains(where: \.requiresGradient) else { return (Variable(y), statistics) }
  let input = x.value
  let gammaValue = gamma?.value
  let wantInput = x.requiresGradient
  let wantAffine = (gamma?.requiresGradient ?? false) || (beta?.requiresGradient ?? false)
  let output = Variable(y, inputs: inputs) { dy in
    let gradients = normalizationBackward(
      dy, input: input, statistics: statistics, grouping: grouping, gamma: gammaValue,
      wantInput: wantInput, wantAffine: wantAffine)
    var result: [Tensor?] = [gradients.input]
    if gamma != nil { result.append(gradients.gamma) }
    if beta != nil { result.append(gradients.beta) }
    return result
  }
  return (output, statistics)
}

/// Batch normalisation with stored statistics (inference mode):
/// `y = γ · (x − mean_c) / √(variance_c + ε) + β`, a per-channel affine map. `[N, C, H, W]`.
public func batchNormInference(
  _ x: Variable, gamma: Variable?, beta: Variable?, mean: Tensor, variance: Tensor, epsilon: Float
) -> Variable {
  let c = x.shape[1]
  precondition(mean.count == c && variance.count == c, "batchNormInference: statistics must be [\(c)]")
  let inverse = variance.scalars.map { 1 / ($0 + epsilon).squareRoot() }
  let gammas = gamma?.value.scalars ?? [Float](repeating: 1, count: c)
  let betas = beta?.value.scalars ?? [Float](repeating: 0, count: c)
  let means = mean.scalars
  let scale = Tensor(shape: [c], scalars: (0..<c).map { gammas[$0] * inverse[$0] })
  let shift = Tensor(shape: [c], scalars: (0..<c).map { betas[$0] - means[$0] * gammas[$0] * inverse[$0] })
  let y = channelAffine(x.value, scale: scale, shift: shift)
  var inputs = [x]
  if let gamma { inputs.append(gamma) }
  if let beta { inputs.append(beta) }
  let input = (gamma?.requiresGradient ?? false) ? x.value : nil
  let wantInput = x.requiresGradient
  return Variable(y, inputs: inputs) { dy in
    var result: [Tensor?] = [wantInput ? channelAffine(dy, scale: scale, shift: nil) : nil]
    if let gamma {
      if gamma.requiresGradient, let input {
        // dγ = Σ dy · (x − mean) / √(var + ε) = inverse · (Σ dy·x − mean · Σ dy)
        let dyx = sumPerChannel(dy, times: input).scalars
        let dySum = sumPerChannel(dy).scalars
        result.append(
          Tensor(shape: [c], scalars: (0..<c).map { inverse[$0] * (dyx[$0] - means[$0] * dySum[$0]) }))
      } else {
        result.append(nil)
      }
    }
    if let beta { result.append(beta.requiresGradient ? sumPerChannel(dy) : nil) }
    return result
  }
}
