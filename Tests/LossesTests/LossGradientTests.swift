import Autodiff
import Losses
import TensorCore
import Testing
import _TestSupport

/// Finite-difference checks of loss pullbacks beyond `RegistryCoverageTests` (which checks every
/// registered loss once): each Gram normalisation and the gradient-normalised objective. See
/// `checkGradients` for the tolerance.
@Suite struct LossGradientTests {
  static let tolerance = 1e-2

  func features(_ shape: Shape, _ name: String) -> Tensor {
    var random = RandomStream(seed: 21, name: name)
    return random.uniformTensor(shape, low: 0, high: 1)
  }

  @Test(arguments: GramLoss.Normalization.allCases)
  func gram(_ normalization: GramLoss.Normalization) {
    let loss = GramLoss(options: .init(normalization: normalization))
    let target = loss.target(from: features([1, 3, 4, 5], "gram target"))
    let results = checkGradients(names: ["features"], at: [features([2, 3, 4, 5], "gram")]) { v in
      var context = LossContext(random: RandomStream(seed: 1, name: "losses"))
      // Scale up: the raw values are ~1e-3 and the check's weights are O(1).
      return 1000 * loss(v[0], target: target, context: &context)
    }
    for r in results { #expect(r.relativeError < Self.tolerance, "gram \(normalization): \(r)") }
  }

  @Test func objectiveWithGradientNormalisation() {
    // With normalisation the pullback is w · g / ‖g‖₁ by design; check it against that.
    let loss = ContentLoss()
    let target = Tensor(zeros: [1, 2, 2, 2])
    let objective = Objective(featureTerms: [
      FeatureLossTerm(loss, layers: [.relu1_1], weight: 3, normalizeGradients: true)
    ])
    let x = Tensor(shape: [1, 2, 2, 2], scalars: [1, -2, 3, -4, 5, -6, 7, -8])
    let f = Variable(x, requiresGradient: true)
    var context = LossContext(random: RandomStream(seed: 1, name: "losses"))
    let evaluation = objective.evaluate(
      image: f, features: [.relu1_1: f], targets: .init(values: [[target]]), context: &context)
    let g = gradients(of: evaluation.total, with: [f])[0].scalars
    let l1 = x.scalars.map(abs).reduce(0, +)
    for (a, v) in zip(g, x.scalars) { #expect(abs(a - 3 * v / l1) < 1e-6) }
    #expect(abs(Double(evaluation.total.value.scalar) - 3 * 204.0 / 8) < 1e-4)
  }
}
