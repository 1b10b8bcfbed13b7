import TensorCore

/// `a + b`, same shapes.
public func + (a: Variable, b: Variable) -> Variable {
  Variable(a.value + b.value, inputs: [a, b]) { dy in [dy, dy] }
}

/// `a − b`, same shapes.
public func - (a: Variable, b: Variable) -> Variable {
  Variable(a.value - b.value, inputs: [a, b]) { dy in [dy, (-1) * dy] }
}

/// `a ⊙ b` (elementwise), same shapes.
public func * (a: Variable, b: Variable) -> Variable {
  let (x, y) = (a.value, b.value)
  let wantA = a.requiresGradient
  let wantB = b.requiresGradient
  return Variable(x * y, inputs: [a, b]) { dy in [wantA ? dy * y : nil, wantB ? dy * x : nil] }
}

/// `s · x`.
public func * (s: Float, x: Variable) -> Variable {
  Variable(s * x.value, inputs: [x]) { dy in [s * dy] }
}

/// `x + b[c]` for `x` `[N, C, H, W]` and `b` with C elements (`[C]` or `[1, C, 1, 1]`).
public func addingPerChannel(_ x: Variable, _ b: Variable) -> Variable {
  let biasShape = b.shape
  let y = channelAffine(x.value, scale: nil, shift: b.value.reshaped([b.value.count]))
  let wantB = b.requiresGradient
  return Variable(y, inputs: [x, b]) { dy in
    [dy, wantB ? sumPerChannel(dy).reshaped(biasShape) : nil]
  }
}

/// `x · s[c]` for `x` `[N, C, H, W]` and `s` with C elements (`[C]` or `[1, C, 1, 1]`).
public func multiplyingPerChannel(_ x: Variable, _ s: Variable) -> Variable {
  let scaleShape = s.shape
  let scale = s.value.reshaped([s.value.count])
  let y = channelAffine(x.value, scale: scale, shift: nil)
  let input = s.requiresGradient ? x.value : nil
  let wantX = x.requiresGradient
  return Variable(y, inputs: [x, s]) { dy in
    [
      wantX ? channelAffine(dy, scale: scale, shift: nil) : nil,
      input.map { sumPerChannel(dy, times: $0).reshaped(scaleShape) },
    ]
  }
}

/// `Σ x` over every element: a scalar `[]`.
public func sum(_ x: Variable) -> Variable {
  let shape = x.shape
  return Variable(Tensor(scalar: Float(TensorCore.sum(x.value))), inputs: [x]) { dy in
    [Tensor(shape: shape, repeating: dy.scalar)]
  }
}

/// `Σ x / count`: a scalar `[]`.
public func mean(_ x: Variable) -> Variable {
  let shape = x.shape
  let count = Float(max(x.value.count, 1))
  return Variable(Tensor(scalar: Float(TensorCore.mean(x.value))), inputs: [x]) { dy in
    [Tensor(shape: shape, repeating: dy.scalar / count)]
  }
}

/// `Σᵢ wᵢ · xᵢ` of scalars: how an objective combines its terms.
public func weightedSum(_ terms: [(weight: Float, value: Variable)]) -> Variable {
  var total = 0.0
  for term in terms { total += Double(term.weight) * Double(term.value.value.scalar) }
  let weights = terms.map(\.weight)
  return Variable(Tensor(scalar: Float(total)), inputs: terms.map(\.value)) { dy in
    weights.map { Tensor(scalar: $0 * dy.scalar) }
  }
}

/// The same values with another shape of the same element count.
public func reshape(_ x: Variable, _ shape: Shape) -> Variable {
  let original = x.shape
  return Variable(x.value.reshaped(shape), inputs: [x]) { dy in [dy.reshaped(original)] }
}

/// The matrix product `[M, K] · [K, N] = [M, N]`; `dA = dC · Bᵀ`, `dB = Aᵀ · dC`.
public func matmul(_ a: Variable, _ b: Variable) -> Variable {
  let (x, y) = (a.value, b.value)
  let wantA = a.requiresGradient
  let wantB = b.requiresGradient
  return Variable(matrixMultiply(x, y), inputs: [a, b]) { dc in
    [
      wantA ? matrixMultiply(dc, y, transposeB: true) : nil,
      wantB ? matrixMultiply(x, dc, transposeA: true) : nil,
    ]
  }
}
