import Autodiff
import Foundation
import Losses
import NN
import TensorCore
import Testing

/// Known values on inputs small enough to compute by hand.
@Suite struct LossValueTests {
  var context = LossContext(random: RandomStream(seed: 1, name: "losses"))

  // F = [[1, 2], [3, 4]] as one image of C = 2, H = 1, W = 2: F Fᵀ = [[5, 11], [11, 25]].
  let f = Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])

  @Test mutating func gramNormalisations() {
    let zero = Tensor(zeros: [1, 2, 2])
    // chw: G = F Fᵀ / 4; L = mean(G²) = (25 + 121 + 121 + 625) / 16 / 4
    let chw = GramLoss(options: .init(normalization: .chw))
    #expect(chw.target(from: f).scalars == [1.25, 2.75, 2.75, 6.25])
    #expect(abs(chw(Variable(f), target: zero, context: &context).value.scalar - 892.0 / 64) < 1e-4)
    // hw: G = F Fᵀ / 2; L = mean(G²) = 892 / 4 / 4
    let hw = GramLoss(options: .init(normalization: .hw))
    #expect(abs(hw(Variable(f), target: zero, context: &context).value.scalar - 892.0 / 16) < 1e-4)
    // gatys: L = Σ G² / (4 N² M²) = 892 / (4 · 4 · 4)
    let gatys = GramLoss(options: .init(normalization: .gatys))
    #expect(abs(gatys(Variable(f), target: zero, context: &context).value.scalar - 892.0 / 64) < 1e-4)
  }

  @Test mutating func contentAndTotalVariation() {
    let target = Tensor(shape: [1, 2, 1, 2], scalars: [1, 1, 1, 1])
    // mean of (0, 1, 4, 9) = 3.5
    #expect(ContentLoss()(Variable(f), target: target, context: &context).value.scalar == 3.5)
    // image 1x1x2x2 [[1, 2], [4, 8]]: horizontal (1, 16) mean 8.5, vertical (9, 36) mean 22.5
    let image = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 4, 8])
    #expect(TotalVariationLoss()(Variable(image)).value.scalar == 31)
  }

  @Test mutating func batchesAverageOverImages() {
    let loss = GramLoss()
    let target = loss.target(from: f)
    let batch = Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 3, 4, 0, 0, 0, 0])
    let single = loss(Variable(Tensor(zeros: [1, 2, 1, 2])), target: target, context: &context).value.scalar
    #expect(abs(loss(Variable(batch), target: target, context: &context).value.scalar - single / 2) < 1e-6)
  }

  @Test func blendingWeightsTheTargets() throws {
    let objective = Objective(featureTerms: [FeatureLossTerm(GramLoss(), layers: [.relu1_1], weight: 1)])
    let a = Tensor(shape: [1, 1, 1, 2], scalars: [1, 1])
    let b = Tensor(shape: [1, 1, 1, 2], scalars: [2, 2])
    let targets = try objective.targets(styles: [[.relu1_1: a], [.relu1_1: b]], styleWeights: [3, 1], content: nil)
    // Gram / (C·H·W): a → 1, b → 4; blended 0.75 · 1 + 0.25 · 4
    #expect(targets.values[0][0].scalars == [1.75])
    #expect(throws: ObjectiveError.badBlendWeights([1], styles: 2)) {
      try objective.targets(styles: [[.relu1_1: a], [.relu1_1: b]], styleWeights: [1], content: nil)
    }
    #expect(throws: ObjectiveError.missingLayer(.relu1_1, image: .style)) {
      try objective.targets(styles: [[.relu2_1: a]], content: nil)
    }
  }

  @Test func objectiveReportsEveryTermPerLayer() throws {
    let objective = Objective(
      featureTerms: [
        FeatureLossTerm(GramLoss(), layers: [.relu1_1, .relu2_1], weight: 10, layerWeights: [1, 0.5]),
        FeatureLossTerm(ContentLoss(), layers: [.relu4_2], weight: 2),
      ],
      imageTerms: [ImageLossTerm(TotalVariationLoss(), weight: 0.5)])
    #expect(objective.termNames == ["style/gram/relu1_1", "style/gram/relu2_1", "content/content/relu4_2", "image/totalVariation"])
    let x = Variable(Tensor(shape: [1, 1, 1, 2], scalars: [1, 3]))
    let targets = try objective.targets(
      styles: [[.relu1_1: Tensor(zeros: [1, 1, 1, 2]), .relu2_1: Tensor(zeros: [1, 1, 1, 2])]],
      content: [.relu4_2: Tensor(zeros: [1, 1, 1, 2])])
    var context = LossContext(random: RandomStream(seed: 1, name: "losses"))
    let evaluation = objective.evaluate(
      image: x, features: [.relu1_1: x, .relu2_1: x, .relu4_2: x], targets: targets, context: &context)
    // gram: G = 10 / 2 = 5, L = 25; content: mean(1, 9) = 5; tv: (3 − 1)² = 4
    #expect(evaluation.terms.map(\.value) == [25, 25, 5, 4])
    #expect(evaluation.terms.map(\.weight) == [10, 5, 2, 0.5])
    #expect(evaluation.total.value.scalar == 250 + 125 + 10 + 2)
  }
}
