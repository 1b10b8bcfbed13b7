import TensorCore

/// Rectified linear unit, `max(x, 0)`; any shape. The backward pass keeps one bit per element.
public func relu(_ x: Variable) -> Variable {
  let y = reluForward(x.value)
  guard x.requiresGradient else { return Variable(y) }
  let mask = BitMask(positive: y)
  return Variable(y, inputs: [x]) { dy in
    mask.apply(to: &dy)
    return [dy]
  }
}

/// Leaky ReLU, `x > 0 ? x : slope · x` (texture_nets uses `nn.LeakyReLU()`, slope 0.01); any
/// shape. The backward pass keeps one bit per element.
public func leakyReLU(_ x: Variable, slope: Float) -> Variable {
  let y = leakyReLUForward(x.value, slope: slope)
  guard x.requiresGradient else { return Variable(y) }
  let mask = BitMask(positive: x.value)
  return Variable(y, inputs: [x]) { dy in
    mask.apply(to: &dy, otherwise: slope)
    return [dy]
  }
}
