import Autodiff
import Foundation
import Losses
import TensorCore
import Testing
import _TestSupport

/// `meanStd`: known values, gradient, identities, options coding.
@Suite struct MeanStdLossTests {
  var context = LossContext(random: RandomStream(seed: 1, name: "losses"))

  func features(_ shape: Shape, _ name: String) -> Tensor {
    var random = RandomStream(seed: 5, name: name)
    return random.uniformTensor(shape, low: 0, high: 1)
  }

  // Channel 0 = (1, 3): μ 2, var 1; channel 1 = (2, 2): μ 2, var 0.
  let f = Tensor(shape: [1, 2, 1, 2], scalars: [1, 3, 2, 2])

  @Test mutating func knownValues() {
    let exact = MeanStdLoss(options: .init(epsilon: 0))
    #expect(exact.target(from: f).scalars == [2, 2, 1, 0])
    // Against zeros: mean(2², 2²) + mean(1², 0²) = 4.5
    let zero = Tensor(zeros: [1, 2, 2])
    #expect(exact(Variable(f), target: zero, context: &context).value.scalar == 4.5)
    // ε = 1: σ = (√2, 1): 4 + mean(2, 1) = 5.5
    let smoothed = MeanStdLoss(options: .init(epsilon: 1))
    #expect(abs(smoothed(Variable(f), target: zero, context: &context).value.scalar - 5.5) < 1e-6)
    // Its own statistics: 0.
    #expect(exact(Variable(f), target: exact.target(from: f), context: &context).value.scalar == 0)
  }

  @Test func gradient() {
    let loss = MeanStdLoss(options: .init(epsilon: 1e-5))
    // The target comes from a map of another size: only statistics are compared.
    let target = loss.target(from: features([1, 3, 6, 2], "meanStd target"))
    let results = checkGradients(names: ["features"], at: [features([2, 3, 4, 5], "meanStd")]) {
      v in
      var context = LossContext(random: RandomStream(seed: 1, name: "losses"))
      return 10 * loss(v[0], target: target, context: &context)
    }
    for r in results { #expect(r.relativeError < LossGradientTests.tolerance, "meanStd: \(r)") }
  }

  @Test func constantChannelsHaveAFiniteGradient() {
    // σ = 0 with ε = 0: the σ term's gradient is taken as 0 there (x − μ = 0 everywhere).
    let loss = MeanStdLoss(options: .init(epsilon: 0))
    let x = Variable(Tensor(shape: [1, 1, 1, 3], scalars: [2, 2, 2]), requiresGradient: true)
    var context = LossContext(random: RandomStream(seed: 1, name: "losses"))
    let value = loss(x, target: Tensor(shape: [1, 2, 1], scalars: [1, 1]), context: &context)
    #expect(value.value.scalar == 2)
    // dL/dx = 2 (μ − 1) / 3 per element
    for g in gradients(of: value, with: [x])[0].scalars { #expect(abs(g - 2.0 / 3) < 1e-6) }
  }

  @Test mutating func spatialArrangementIsIgnored() {
    let loss = MeanStdLoss()
    let x = features([1, 4, 5, 6], "meanStd arrangement")
    let target = loss.target(from: 3 * features([1, 4, 3, 3], "meanStd arrangement target"))
    // The same permutation of the 30 positions in every channel.
    var random = RandomStream(seed: 9, name: "permutation")
    let permutation = Array(0..<30).shuffled(using: &random)
    let values = x.scalars
    var moved = values
    for channel in 0..<4 {
      for (to, from) in permutation.enumerated() {
        moved[channel * 30 + to] = values[channel * 30 + from]
      }
    }
    let a = loss(Variable(x), target: target, context: &context).value.scalar
    let b = loss(
      Variable(Tensor(shape: x.shape, scalars: moved)), target: target, context: &context
    ).value.scalar
    #expect(a > 0.01 && abs(a - b) <= 1e-6 * a)
  }

  @Test mutating func batchesAverageOverImages() {
    let loss = MeanStdLoss()
    let target = loss.target(from: f)
    let single = loss(Variable(Tensor(zeros: [1, 2, 1, 2])), target: target, context: &context)
      .value.scalar
    let batch = Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 2, 2, 0, 0, 0, 0])
    #expect(
      abs(loss(Variable(batch), target: target, context: &context).value.scalar - single / 2) < 1e-6
    )
  }

  @Test func blendingAveragesTheStatistics() {
    let loss = MeanStdLoss(options: .init(epsilon: 0))
    let a = loss.target(from: Tensor(shape: [1, 1, 1, 2], scalars: [0, 2]))  // μ 1, σ 1
    let b = loss.target(from: Tensor(shape: [1, 1, 1, 2], scalars: [5, 5]))  // μ 5, σ 0
    #expect(loss.blend([a, b], weights: [0.75, 0.25]).scalars == [2, 0.75])
  }

  @Test func optionsCoding() throws {
    let json =
      #"{"kind": "meanStd", "layers": ["relu1_1", "relu2_1"], "weight": 2, "epsilon": 0.001}"#
    let term = try JSONDecoder().decode(FeatureLossTerm.self, from: Data(json.utf8))
    #expect((term.loss as? MeanStdLoss)?.options == .init(epsilon: 0.001))
    let again = try JSONDecoder().decode(FeatureLossTerm.self, from: try JSONEncoder().encode(term))
    #expect(again == term)
    // ε changes every value, so files must give it; a negative one is rejected.
    for bad in [#""weight": 1"#, #""weight": 1, "epsilon": -1"#] {
      #expect(throws: DecodingError.self) {
        _ = try JSONDecoder().decode(
          FeatureLossTerm.self,
          from: Data(#"{"kind": "meanStd", "layers": ["relu1_1"], \#(bad)}"#.utf8))
      }
    }
  }
}
