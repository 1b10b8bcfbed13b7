import Autodiff
import Losses
import TensorCore
import Testing
import _TestSupport

/// One case per registered loss, keyed by `kind`: a finite-difference gradient check and a known
/// value computed by hand. The tests take their arguments from the registry, so a loss registered
/// in `Registry.swift` without an entry here fails (`everyRegisteredLossHasACase` and its own
/// `#require`). Each loss's own test file checks its options and edge cases beyond this.
@Suite struct RegistryCoverageTests {
  /// A feature loss's case: the loss, the factor that brings its values to O(1) for the gradient
  /// check, the finite-difference step, the exemplar's and the image's shapes there
  /// (statistics losses take an exemplar of another size), and a known value: `loss(features, target(from:
  /// exemplar)) = expected` within `tolerance`.
  struct FeatureCase: Sendable {
    var loss: any FeatureLoss
    var gradientScale: Float
    var step: Float = 1e-2
    var exemplarShape: Shape = [1, 3, 3, 4]
    var imageShape: Shape = [2, 3, 4, 4]
    var features: Tensor
    var exemplar: Tensor
    var expected: Float
    var tolerance: Float = 1e-5
  }

  /// An image loss's case: the loss, and `loss(image) = expected`.
  struct ImageCase: Sendable {
    var loss: any ImageLoss
    var image: Tensor
    var expected: Float
  }

  // F = [[1, 2], [3, 4]] as one image of C = 2, H = 1, W = 2: F Fᵀ = [[5, 11], [11, 25]].
  static let f = Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])

  static let featureCases: [String: FeatureCase] = [
    // chw: G = F Fᵀ / 4 against the zero Gram; mean(G²) = (25 + 121 + 121 + 625) / 16 / 4.
    "gram": FeatureCase(
      loss: GramLoss(), gradientScale: 1000, features: f, exemplar: Tensor(zeros: [1, 2, 1, 2]),
      expected: 892.0 / 64, tolerance: 1e-4),
    // mean((1, 2, 3, 4) − 1)² = mean(0, 1, 4, 9).
    "content": FeatureCase(
      loss: ContentLoss(), gradientScale: 1, exemplarShape: [1, 3, 4, 4], features: f,
      exemplar: Tensor(shape: [1, 2, 1, 2], repeating: 1), expected: 3.5),
    // Channels (1, 3) and (2, 2): μ (2, 2), σ (1, 0) against zeros: mean(4, 4) + mean(1, 0).
    "meanStd": FeatureCase(
      loss: MeanStdLoss(options: .init(epsilon: 0)), gradientScale: 10,
      features: Tensor(shape: [1, 2, 1, 2], scalars: [1, 3, 2, 2]),
      exemplar: Tensor(zeros: [1, 2, 1, 2]), expected: 4.5),
    // C = 1, every direction ±1: sorted (1, 2, 3) against (0, 10, 20): (1 + 64 + 289) / 3.
    "slicedWasserstein": FeatureCase(
      // Small images and step: the sort makes the loss piecewise smooth, and a larger step or
      // more points (closer projected values) could cross a tie.
      loss: SlicedWassersteinLoss(options: .init(projections: 4)), gradientScale: 10,
      step: 1e-3, exemplarShape: [1, 3, 2, 4], imageShape: [2, 3, 3, 3], features: Tensor(shape: [1, 1, 1, 3], scalars: [3, 1, 2]),
      exemplar: Tensor(shape: [1, 1, 1, 3], scalars: [20, 0, 10]), expected: 118, tolerance: 1e-4),
    // Kernel (xy + 1)², one point each, x = 1, t = 3: k(x,x) + k(t,t) − 2k(x,t) = 4 + 100 − 32.
    "mmd": FeatureCase(
      loss: MMDLoss(options: .init(kernel: .polynomial(degree: 2, offset: 1, scale: 1))),
      gradientScale: 10, features: Tensor(shape: [1, 1, 1, 1], scalars: [1]),
      exemplar: Tensor(shape: [1, 1, 1, 1], scalars: [3]), expected: 72),
  ]

  static let imageCases: [String: ImageCase] = [
    // [[1, 2], [4, 8]]: horizontal differences (1, 4)² mean 8.5, vertical (3, 6)² mean 22.5.
    "totalVariation": ImageCase(
      loss: TotalVariationLoss(), image: Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 4, 8]),
      expected: 31)
  ]

  static func random(_ shape: Shape, _ name: String) -> Tensor {
    var stream = RandomStream(seed: 31, name: name)
    return stream.uniformTensor(shape, low: 0, high: 1)
  }

  @Test func everyRegisteredLossHasACase() {
    let featureKinds = Set(featureLossTypes.map { $0.kind })
    let imageKinds = Set(imageLossTypes.map { $0.kind })
    #expect(
      featureKinds.subtracting(Self.featureCases.keys).isEmpty,
      "feature losses without a gradient check and a known value: \(featureKinds.subtracting(Self.featureCases.keys).sorted())")
    #expect(
      imageKinds.subtracting(Self.imageCases.keys).isEmpty,
      "image losses without a gradient check and a known value: \(imageKinds.subtracting(Self.imageCases.keys).sorted())")
    // And no case for a loss that is not registered (a renamed kind).
    #expect(Set(Self.featureCases.keys) == featureKinds)
    #expect(Set(Self.imageCases.keys) == imageKinds)
    for (kind, entry) in Self.featureCases { #expect(type(of: entry.loss).kind == kind) }
    for (kind, entry) in Self.imageCases { #expect(type(of: entry.loss).kind == kind) }
  }

  @Test(arguments: featureLossTypes.map { $0.kind })
  func featureLossGradient(_ kind: String) throws {
    let entry = try #require(Self.featureCases[kind], "no case for the feature loss \(kind)")
    let loss = entry.loss
    let target = loss.target(from: Self.random(entry.exemplarShape, "\(kind) exemplar"))
    let results = checkGradients(
      names: ["features"], at: [Self.random(entry.imageShape, kind)], step: entry.step
    ) { v in
      var context = LossContext(random: RandomStream(seed: 3, name: "losses"))
      return entry.gradientScale * loss(v[0], target: target, context: &context)
    }
    for r in results { #expect(r.relativeError < LossGradientTests.tolerance, "\(kind): \(r)") }
  }

  @Test(arguments: featureLossTypes.map { $0.kind })
  func featureLossKnownValue(_ kind: String) throws {
    let entry = try #require(Self.featureCases[kind], "no case for the feature loss \(kind)")
    var context = LossContext(random: RandomStream(seed: 1, name: "losses"))
    let target = entry.loss.target(from: entry.exemplar)
    let value = entry.loss(Variable(entry.features), target: target, context: &context).value.scalar
    #expect(abs(value - entry.expected) <= entry.tolerance, "\(kind): \(value), expected \(entry.expected)")
  }

  @Test(arguments: imageLossTypes.map { $0.kind })
  func imageLossGradientAndKnownValue(_ kind: String) throws {
    let entry = try #require(Self.imageCases[kind], "no case for the image loss \(kind)")
    let loss = entry.loss
    let results = checkGradients(names: ["image"], at: [Self.random([2, 3, 5, 4], kind)]) { v in
      loss(v[0])
    }
    for r in results { #expect(r.relativeError < LossGradientTests.tolerance, "\(kind): \(r)") }
    let value = loss(Variable(entry.image)).value.scalar
    #expect(value == entry.expected, "\(kind): \(value), expected \(entry.expected)")
  }
}
