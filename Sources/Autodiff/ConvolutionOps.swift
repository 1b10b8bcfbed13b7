import TensorCore

/// 2-D convolution (cross-correlation) with trainable weights: `[N, I, H, W]` ⊛ `weight`
/// `[O, I, k, k]` + `bias` `[O]`, then `activation`. `[N, O, Ho, Wo]`.
///
/// The weight gradient is computed only when `weight` or `bias` needs one, and only then is the
/// input kept for the backward pass. `accumulateInDouble` (stride 1, no fused activation) sums
/// the forward pass in Double (`convolutionForwardAccumulatingInDouble`): the generator's training
/// pass, where a LeakyReLU's derivative is taken from the sign of the normalised result.
public func conv2d(
  _ x: Variable, weight: Variable, bias: Variable?, geometry: ConvolutionGeometry,
  activation: FusedActivation = .identity, accumulateInDouble: Bool = false
) -> Variable {
  precondition(
    !accumulateInDouble || (geometry.stride == 1 && activation == .identity),
    "conv2d: Double accumulation needs stride 1 and no fused activation")
  return convolution(
    x, filter: ConvolutionFilter(weight.value), weight: weight, bias: bias, biasValue: bias?.value,
    geometry: geometry, activation: activation, accumulateInDouble: accumulateInDouble)
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

/// `slot += gradient` (or `slot = gradient` when empty).
func addInto(_ slot: inout Tensor?, _ gradient: Tensor) {
  if var existing = slot {
    slot = nil
    existing.add(gradient)
    slot = existing
  } else {
    slot = gradient
  }
}

private func convolution(
  _ x: Variable, filter: ConvolutionFilter, weight: Variable?, bias: Variable?, biasValue: Tensor?,
  geometry: ConvolutionGeometry, activation: FusedActivation, accumulateInDouble: Bool = false
) -> Variable {
  let y =
    accumulateInDouble
    ? convolutionForwardAccumulatingInDouble(x.value, filter: filter, bias: biasValue, geometry: geometry)
    : convolutionForward(
      x.value, filter: filter, bias: biasValue, geometry: geometry, activation: activation)
  let needsInput = x.requiresGradient
  let needsWeight = weight?.requiresGradient ?? false
  let needsBias = bias?.requiresGradient ?? false
  guard needsInput || needsWeight || needsBias else { return Variable(y) }
  // y > 0 exactly where the pre-activation is > 0 for a slope ≥ 0 (ReLU, LeakyReLU).
  let slope = activation.negativeSlope
  precondition(
    (slope ?? 0) >= 0, "conv2d: the gradient of a fused activation with negative slope \(slope ?? 0)")
  let mask = slope == nil ? nil : BitMask(positive: y)
  let savedInput = needsWeight || needsBias ? x.value : nil
  let inputShape = x.shape
  var inputs = [x]
  if let weight { inputs.append(weight) }
  if let bias { inputs.append(bias) }
  let weightSlot = weight == nil ? nil : 1
  let biasSlot = bias == nil ? nil : (weight == nil ? 1 : 2)
  return Variable(y, inputs: inputs) { dy, slots in
    if let mask { mask.apply(to: &dy, otherwise: slope ?? 0) }
    if needsInput {
      // Written straight into the input's accumulated gradient when it has one.
      slots[0] = convolutionBackwardInput(
        dy, filter: filter, inputShape: inputShape, geometry: geometry,
        accumulatingInto: slots[0].take())
    }
    if let savedInput {
      let gradients = convolutionBackwardFilter(
        dy, input: savedInput, filterShape: filter.shape, geometry: geometry)
      if needsWeight, let weightSlot { addInto(&slots[weightSlot], gradients.filter) }
      if needsBias, let biasSlot { addInto(&slots[biasSlot], gradients.bias) }
    }
  }
}
