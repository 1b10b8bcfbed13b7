import TensorCore

/// 2-D convolution (cross-correlation) with trainable weights: `[N, I, H, W]` ⊛ `weight`
/// `[O, I, k, k]` + `bias` `[O]`, then `activation`. `[N, O, Ho, Wo]`.
///
/// The weight gradient is computed only when `weight` or `bias` needs one, and only then is the
/// input kept for the backward pass.
public func conv2d(
  _ x: Variable, weight: Variable, bias: Variable?, geometry: ConvolutionGeometry,
  activation: FusedActivation = .identity
) -> Variable {
  convolution(
    x, filter: ConvolutionFilter(weight.value), weight: weight, bias: bias, biasValue: bias?.value,
    geometry: geometry, activation: activation)
}

/// 2-D convolution with a frozen, prepared filter (the VGG-19 descriptor): no weight gradient is
/// ever computed. `[N, I, H, W]` → `[N, O, Ho, Wo]`.
public func conv2d(
  _ x: Variable, frozen filter: ConvolutionFilter, bias: Tensor?, geometry: ConvolutionGeometry,
  activation: FusedActivation = .identity
) -> Variable {
  convolution(
    x, filter: filter, weight: nil, bias: nil, biasValue: bias, geometry: geometry,
    activation: activation)
}

private func convolution(
  _ x: Variable, filter: ConvolutionFilter, weight: Variable?, bias: Variable?, biasValue: Tensor?,
  geometry: ConvolutionGeometry, activation: FusedActivation
) -> Variable {
  let y = convolutionForward(
    x.value, filter: filter, bias: biasValue, geometry: geometry, activation: activation)
  let needsInput = x.requiresGradient
  let needsWeight = weight?.requiresGradient ?? false
  let needsBias = bias?.requiresGradient ?? false
  guard needsInput || needsWeight || needsBias else { return Variable(y) }
  let mask = activation == .relu ? BitMask(positive: y) : nil
  let savedInput = needsWeight || needsBias ? x.value : nil
  let inputShape = x.shape
  var inputs = [x]
  if let weight { inputs.append(weight) }
  if let bias { inputs.append(bias) }
  return Variable(y, inputs: inputs) { dy in
    if let mask { mask.apply(to: &dy) }
    let dx =
      needsInput
      ? convolutionBackwardInput(dy, filter: filter, inputShape: inputShape, geometry: geometry)
      : nil
    var result: [Tensor?] = [dx]
    if weight != nil || bias != nil {
      var dWeight: Tensor?
      var dBias: Tensor?
      if let savedInput {
        let filterGradients = convolutionBackwardFilter(
          dy, input: savedInput, filterShape: filter.shape, geometry: geometry)
        dWeight = needsWeight ? filterGradients.filter : nil
        dBias = needsBias ? filterGradients.bias : nil
      }
      if weight != nil { result.append(dWeight) }
      if bias != nil { result.append(dBias) }
    }
    return result
  }
}
