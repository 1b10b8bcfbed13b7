import Optimizers
import TensorCore

/// Test objectives with known minima, computed in Double from the float32 point.
enum TestFunctions {
  /// Rosenbrock: f = Σᵢ 100 (x_{i+1} − xᵢ²)² + (1 − xᵢ)², minimum 0 at (1, …, 1).
  static func rosenbrock(_ x: Tensor) -> Evaluation {
    let v = x.scalars.map(Double.init)
    var loss = 0.0
    var gradient = [Double](repeating: 0, count: v.count)
    for i in 0..<(v.count - 1) {
      let valley = v[i + 1] - v[i] * v[i]
      let offset = 1 - v[i]
      loss += 100 * valley * valley + offset * offset
      gradient[i] += -400 * v[i] * valley - 2 * offset
      gradient[i + 1] += 200 * valley
    }
    return Evaluation(
      loss: loss, gradient: Tensor(shape: x.shape, scalars: gradient.map(Float.init)))
  }

  /// The convex quadratic f = ½ Σᵢ aᵢ xᵢ² − Σᵢ xᵢ with aᵢ = 1 + i, minimum at xᵢ = 1 / aᵢ.
  static func quadratic(_ x: Tensor) -> Evaluation {
    scaledQuadratic(x, scale: 1)
  }

  /// `scale` · (½ Σᵢ aᵢ xᵢ² − Σᵢ xᵢ), aᵢ = 1 + i: the same minimiser, curvature scaled by `scale`.
  static func scaledQuadratic(_ x: Tensor, scale: Double) -> Evaluation {
    let v = x.scalars.map(Double.init)
    var loss = 0.0
    var gradient = [Float](repeating: 0, count: v.count)
    for (i, value) in v.enumerated() {
      let a = Double(i + 1)
      loss += scale * (0.5 * a * value * value - value)
      gradient[i] = Float(scale * (a * value - 1))
    }
    return Evaluation(loss: loss, gradient: Tensor(shape: x.shape, scalars: gradient))
  }

  /// The minimiser of `quadratic` in `count` dimensions: xᵢ = 1 / (1 + i).
  static func quadraticMinimum(_ count: Int) -> [Double] {
    (0..<count).map { 1 / Double($0 + 1) }
  }

  /// maxᵢ |aᵢ − bᵢ|.
  static func maximumDifference(_ a: [Float], _ b: [Double]) -> Double {
    zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
  }
}
