import Autodiff
import Losses
import NN
import Store
import TensorCore
import Testing
import _TestSupport

/// Style and content losses and the input gradient against the PyTorch reference's float64
/// goldens (../shared/reference/fixtures/vgg19_reference.h5), image A generated, image B the
/// target. Budgets: losses 1e-4 relative; the gradient 1e-3 relative L2 with average pooling and
/// 1e-2 with max pooling (a near-tie in one pool1 window flips between float32 and float64; see
/// the reference README).
@Suite(
  .enabled(
    if: TestData.available(TestData.weightsPath, TestData.vggFixturePath),
    Comment(rawValue: TestData.skipReason("VGG-19 weights or the PyTorch fixtures"))))
struct DescriptorLossFixtureTests {
  @Test(arguments: [("max", VGG19.Pooling.max, 1e-2), ("avg", VGG19.Pooling.average, 1e-3)])
  func lossesAndInputGradientMatchPyTorch(_ c: (name: String, pooling: VGG19.Pooling, gradientBudget: Double)) throws {
    let fixture = try HDF5File.open(TestData.vggFixturePath)
    let root = try fixture.root
    let group = "vgg/zero_\(c.name)"
    let network = try VGG19.load(from: TestData.weightsPath, pooling: c.pooling)
    let objective = Objective(featureTerms: [
      FeatureLossTerm(GramLoss(), layers: VGGLayer.styleLayers, weight: 1),
      FeatureLossTerm(ContentLoss(), layers: [.relu4_2], weight: 1),
    ])
    let a = try root.readTensor("inputs/image_a").reshaped([1, 3, 64, 64])
    let b = try root.readTensor("inputs/image_b").reshaped([1, 3, 64, 64])
    let bFeatures = network(Variable(b), taps: objective.taps).mapValues(\.value)
    let targets = try objective.targets(styles: [bFeatures], content: bFeatures)
    let x = Variable(a, requiresGradient: true)
    var context = LossContext(random: RandomStream(seed: 0, name: "losses"))
    let evaluation = objective.evaluate(
      image: x, features: network(x, taps: objective.taps), targets: targets, context: &context)

    let perLayer = try root.readTensor("\(group)/style_loss_per_layer").scalars.map(Double.init)
    // Five style layers then one content layer, one term each; the fixture has the five style ones.
    try #require(evaluation.terms.count == 6, "\(evaluation.terms.map(\.name))")
    try #require(perLayer.count == 5, "\(group)/style_loss_per_layer has \(perLayer.count) values")
    #expect(evaluation.terms.prefix(5).map(\.name).allSatisfy { $0.hasPrefix("style/") })
    for (term, expected) in zip(evaluation.terms.prefix(5), perLayer) {
      let error = abs(term.value - expected) / abs(expected)
      #expect(error < 1e-4, "\(group) \(term.name): \(term.value) vs \(expected) (relative \(error))")
    }
    for (name, value) in [
      ("style_loss", evaluation.terms.prefix(5).map(\.value).reduce(0, +)),
      ("content_loss", evaluation.terms[5].value),
      ("total_loss", Double(evaluation.total.value.scalar)),
    ] {
      let expected = Double(try root.readTensor("\(group)/\(name)").scalar)
      let error = abs(value - expected) / abs(expected)
      #expect(error < 1e-4, "\(group)/\(name): \(value) vs \(expected) (relative \(error))")
    }
    let gradient = gradients(of: evaluation.total, with: [x])[0]
    let expected = try root.readTensor("\(group)/grad_a")
    let d = difference(gradient.reshaped([3, 64, 64]), expected)
    #expect(d.relativeL2 < c.gradientBudget, "\(group)/grad_a: \(d)")

    let tv = TotalVariationLoss()(Variable(a)).value.scalar
    let expectedTV = try root.readTensor("\(group)/tv_loss_a").scalar
    #expect(abs(tv - expectedTV) / expectedTV < 1e-4, "tv_loss_a: \(tv) vs \(expectedTV)")
  }
}
