import TensorCore
import Testing

@testable import Optimizers

@Suite("Strong-Wolfe line search")
struct StrongWolfeTests {
  @Test("the cubic through two points of a cubic has that cubic's minimiser")
  func cubicInterpolationExact() {
    // φ(t) = t³ − 3t: φ′ = 3t² − 3, local minimum at t = 1.
    func phi(_ t: Double) -> (Double, Double) { (t * t * t - 3 * t, 3 * t * t - 3) }
    let (f1, g1) = phi(0)
    let (f2, g2) = phi(2)
    let minimum = StrongWolfeLineSearch.cubicMinimum(0, f1, g1, 2, f2, g2, bounds: nil)
    #expect(abs(minimum - 1) < 1e-12)
    // The same points given in the other order.
    let swapped = StrongWolfeLineSearch.cubicMinimum(2, f2, g2, 0, f1, g1, bounds: nil)
    #expect(abs(swapped - 1) < 1e-12)
  }

  @Test("the interpolated step is clamped to the bounds; no real minimiser gives the midpoint")
  func cubicInterpolationBounds() {
    // φ(t) = (t − 5)²: from (0, 25, −10) and (1, 16, −8) the minimiser 5 is clamped to [1.01, 3].
    let clamped = StrongWolfeLineSearch.cubicMinimum(0, 25, -10, 1, 16, -8, bounds: (1.01, 3))
    #expect(clamped == 3)
    // (0, 0, 3) and (1, 2, 3): d₁ = 3 + 3 − 3 (0 − 2) / (0 − 1) = 0, d₁² − g₁g₂ = −9 < 0.
    let midpoint = StrongWolfeLineSearch.cubicMinimum(0, 0, 3, 1, 2, 3, bounds: (0, 1))
    #expect(midpoint == 0.5)
  }

  /// φ(t) = f(x + t d) for f(x) = ½ Σ aᵢ xᵢ² − Σ xᵢ along d = −g from x = 0.
  static func linePoint(_ t: Double) -> LinePoint {
    let a: [Double] = [1, 4, 9]
    var loss = 0.0
    var slope = 0.0
    for ai in a {
      let x = t * 1  // d = −g(0) = (1, 1, 1)
      loss += 0.5 * ai * x * x - x
      slope += ai * x - 1
    }
    return LinePoint(step: t, loss: loss, gradient: Tensor(zeros: [3]), derivative: slope)
  }

  @Test("the accepted step satisfies the strong Wolfe conditions", arguments: [0.01, 1, 10, 100])
  func acceptedStepSatisfiesWolfe(initialStep: Double) throws {
    let search = StrongWolfeLineSearch()
    let origin = Self.linePoint(0)
    let result = try search.search(from: origin, initialStep: initialStep, directionMaximum: 1) {
      Self.linePoint($0)
    }
    let point = result.point
    #expect(point.loss <= origin.loss + 1e-4 * point.step * origin.derivative)
    #expect(abs(point.derivative) <= -0.9 * origin.derivative)
    #expect(result.evaluations >= 1 && result.evaluations <= 25)
  }

  @Test("a step that already satisfies the conditions costs one evaluation")
  func acceptedAtOnce() throws {
    // The exact minimiser of φ is t = 3 / 14; a trial of 0.2 satisfies both conditions.
    let result = try StrongWolfeLineSearch().search(
      from: Self.linePoint(0), initialStep: 0.2, directionMaximum: 1
    ) { Self.linePoint($0) }
    #expect(result.evaluations == 1 && result.point.step == 0.2)
  }

  @Test("the iteration budget is respected: at most max_ls + 1 evaluations")
  func budget() throws {
    // From t = 1e-6 every trial is too short (|φ′| > 0.9 |φ′(0)|) and the next is at most 10x
    // longer, so the budget runs out: 1 + 2 evaluations, and the best point is returned.
    let search = StrongWolfeLineSearch(maximumIterations: 2)
    var calls = 0
    let result = try search.search(
      from: Self.linePoint(0), initialStep: 1e-6, directionMaximum: 1
    ) { t in
      calls += 1
      return Self.linePoint(t)
    }
    #expect(calls == 3 && result.evaluations == 3)
    #expect(result.point.loss <= Self.linePoint(0).loss)
  }
}
