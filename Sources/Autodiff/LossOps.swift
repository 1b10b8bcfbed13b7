import TensorCore

/// The Gram matrix of each image's features, `G[n] = F Fᵀ / normalizer`, F = x[n] as
/// `C × (H·W)`. `[N, C, H, W]` → `[N, C, C]`. The normalizer is a parameter because codebases
/// differ (C·H·W in texture_nets and neural-style, H·W in pystiche, 1 in Gatys et al.).
///
/// - Reference: Gatys, Ecker and Bethge 2015, eq. 1.
///
/// The backward pass writes the gradient over the saved features (they are needed by nothing
/// else by then), so it allocates no feature-sized buffer.
public func gram(_ x: Variable, normalizer: Float) -> Variable {
  let value = gramForward(x.value, normalizer: normalizer)
  guard x.requiresGradient else { return Variable(value) }
  let saved = SavedTensor(x.value)
  return Variable(value, inputs: [x]) { dG in
    var features = saved.take()
    gramBackward(dG, replacingFeatures: &features, normalizer: normalizer)
    return [features]
  }
}

/// A tensor a pullback takes back exactly once, so that it holds the only reference and can
/// overwrite it in place (pullbacks run once: a graph is differentiated once).
final class SavedTensor: @unchecked Sendable {
  private var tensor: Tensor?

  init(_ tensor: Tensor) { self.tensor = tensor }

  func take() -> Tensor {
    guard let tensor else { preconditionFailure("a saved tensor was taken twice: a graph is differentiated once") }
    self.tensor = nil
    return tensor
  }
}

/// `mean((x − target)²)` over every element: a scalar. The target is a constant.
public func meanSquaredError(_ x: Variable, target: Tensor) -> Variable {
  precondition(
    x.shape == target.shape,
    "meanSquaredError: input \(x.shape) and target \(target.shape) differ")
  let value = TensorCore.meanSquaredError(x.value, target)
  guard x.requiresGradient else { return Variable(Tensor(scalar: Float(value))) }
  let saved = SavedTensor(x.value)
  let scale = 2 / Float(max(x.value.count, 1))
  return Variable(Tensor(scalar: Float(value)), inputs: [x]) { dy in
    // 2 (x − target) / count, written over the saved input.
    var input = saved.take()
    let factor = scale * dy.scalar
    input.withUnsafeMutableBufferPointer { values in
      target.withUnsafeBufferPointer { targetValues in
        for i in values.indices { values[i] = factor * (values[i] - targetValues[i]) }
      }
    }
    return [input]
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
