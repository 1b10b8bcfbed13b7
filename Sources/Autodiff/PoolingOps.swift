import TensorCore

/// Max pooling, 2x2 windows, stride 2 (floor mode). `[N, C, H, W]` → `[N, C, H/2, W/2]`.
/// The backward pass keeps one byte per output (the argmax).
public func maxPool2x2(_ x: Variable) -> Variable {
  let (y, argmax) = maxPool2x2Forward(x.value)
  guard x.requiresGradient else { return Variable(y) }
  return Variable(y, inputs: [x]) { dy in [maxPool2x2Backward(dy, argmax: argmax)] }
}

/// Average pooling, 2x2 windows, stride 2 (floor mode). `[N, C, H, W]` → `[N, C, H/2, W/2]`.
public func averagePool2x2(_ x: Variable) -> Variable {
  let y = averagePool2x2Forward(x.value)
  let inputShape = x.shape
  return Variable(y, inputs: [x]) { dy in [averagePool2x2Backward(dy, inputShape: inputShape)] }
}

/// Nearest-neighbour 2x upsampling. `[N, C, H, W]` → `[N, C, 2H, 2W]`.
public func upsampleNearest2x(_ x: Variable) -> Variable {
  Variable(upsampleNearest2xForward(x.value), inputs: [x]) { dy in [upsampleNearest2xBackward(dy)] }
}

/// Concatenation along channels: `[N, C₁, H, W] ⧺ … → [N, ΣCᵢ, H, W]`.
public func concatenateChannels(_ parts: [Variable]) -> Variable {
  let sizes = parts.map { $0.shape[1] }
  let needed = parts.map(\.requiresGradient)
  return Variable(concatenateChannels(parts.map(\.value)), inputs: parts) { dy in
    zip(splitChannels(dy, sizes: sizes), needed).map { gradient, wanted in wanted ? gradient : nil }
  }
}
