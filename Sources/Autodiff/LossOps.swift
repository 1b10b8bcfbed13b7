import TensorCore

/// The Gram matrix of each image's features, `G[n] = F Fᵀ / normalizer`, F = x[n] as
/// `C × (H·W)`. `[N, C, H, W]` → `[N, C, C]`. The normalizer is a parameter because codebases
/// differ (C·H·W in texture_nets and neural-style, H·W in pystiche, 1 in Gatys et al.).
///
/// - Reference: Gatys, Ecker and Bethge 2015, eq. 1.
public func gram(_ x: Variable, normalizer: Float) -> Variable {
  let features = x.value
  return Variable(gramForward(features, normalizer: normalizer), inputs: [x]) { dG in
    [gramBackward(dG, features: features, normalizer: normalizer)]
  }
}

/// `mean((x − target)²)` over every element: a scalar. The target is a constant.
public func meanSquaredError(_ x: Variable, target: Tensor) -> Variable {
  precondition(
    x.shape == target.shape,
    "meanSquaredError: input \(x.shape) and target \(target.shape) differ")
  let input = x.value
  let value = TensorCore.meanSquaredError(input, target)
  let scale = 2 / Float(max(input.count, 1))
  return Variable(Tensor(scalar: Float(value)), inputs: [x]) { dy in
    let factor = scale * dy.scalar
    return [input.zipMap(target) { factor * ($0 - $1) }]
  }
}

/// Identity on the forward pass; on the backward pass divides the incoming gradient by its L1
/// norm and multiplies by `scale`: `dx = scale · dy / (‖dy‖₁ + 10⁻⁸)`. Any shape.
///
/// A loss term of weight w applied to `normalizingGradientL1(F, scale: w)` therefore sends back
/// `w · g / ‖g‖₁` (g the unweighted loss's gradient), as neural-style's loss modules do: they
/// normalise their own gradient, then multiply by their strength.
///
/// - Reference: neural-style's and texture_nets' `-normalize_gradients` (Johnson 2015;
///   Ulyanov et al. 2016 code), applied per loss layer.
public func normalizingGradientL1(_ x: Variable, scale: Float = 1) -> Variable {
  Variable(x.value, inputs: [x]) { dy in
    let norm = dy.withUnsafeBufferPointer { values in
      var total = 0.0
      for value in values { total += Double(abs(value)) }
      return total
    }
    return [Float(Double(scale) / (norm + 1e-8)) * dy]
  }
}
