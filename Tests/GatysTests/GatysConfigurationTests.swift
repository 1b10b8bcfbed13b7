import Foundation
import Gatys
import Losses
import NN
import Optimizers
import Testing

@Suite struct GatysConfigurationTests {
  @Test func theDefaultsAreGatysAndNeuralStyles() {
    let texture = GatysConfiguration(styles: ["s.png"], weights: "w.h5")
    #expect(texture.problems().isEmpty)
    #expect(texture.featureTerms.count == 1)
    #expect(texture.featureTerms[0].kind == "gram")
    #expect(texture.featureTerms[0].layers == [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1])
    #expect(texture.featureTerms[0].weight == 1e3)
    #expect(texture.initialization == .random(distribution: .uniform, scale: 1))
    #expect(texture.size == 256 && texture.styleBlendWeights == [1])
    #expect(texture.iterations == 1000)
    #expect(texture.optimizer == .lbfgs(LBFGSConfiguration(
      learningRate: 1, historySize: 100, toleranceGrad: 0, toleranceChange: 0, lineSearch: .none)))
    #expect(texture.deepestLayer == .relu5_1)

    let transfer = GatysConfiguration(styles: ["a.png", "b.png"], content: "c.png", weights: "w.h5")
    #expect(transfer.problems().isEmpty)
    #expect(transfer.featureTerms.map(\.target) == [.style, .content])
    #expect(transfer.featureTerms[1].layers == [.relu4_2] && transfer.featureTerms[1].weight == 1)
    #expect(transfer.initialization == .content)
    #expect(transfer.styleBlendWeights == [1, 1])
    #expect(GatysConfiguration.Defaults.optimizer(.adam) == .adam(AdamConfiguration(
      learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)))
    #expect(GatysConfiguration.Defaults.optimizer(.lbfgs, learningRate: 0.5).learningRate == 0.5)
  }

  @Test func theDefaultOutputFolderIsTimestampedUnderResults() {
    let date = Date(timeIntervalSince1970: 0)
    #expect(GatysConfiguration.Defaults.outputDirectory(at: date).path.hasSuffix("/results/gatys/19700101T000000Z"))
  }

  @Test func problemsListsEveryProblemByKey() {
    var configuration = GatysConfiguration(styles: [], content: nil, weights: "w.h5")
    configuration.featureTerms.append(FeatureLossTerm(ContentLoss(), layers: [.relu4_2], weight: -1))
    configuration.styleBlendWeights = [1]
    configuration.initialization = .content
    configuration.originalColors = true
    configuration.size = 4
    configuration.styleScale = 0
    configuration.imageTerms = [ImageLossTerm(TotalVariationLoss(), weight: .nan)]
    var lbfgs = GatysConfiguration.Defaults.lbfgs
    lbfgs.learningRate = 0
    lbfgs.historySize = 0
    configuration.optimizer = .lbfgs(lbfgs)
    configuration.saveEvery = -1
    configuration.checkpointEvery = -1
    configuration.stopAtLoss = .infinity
    let keys = configuration.problems().map { String($0.prefix { $0 != ":" }) }
    #expect(
      keys == [
        "styles", "styleBlendWeights", "content", "initialization", "originalColors", "size",
        "styleScale", "featureTerms[1].weight", "imageTerms[0].weight", "optimizer.learningRate",
        "optimizer.historySize", "saveEvery", "checkpointEvery", "stopAtLoss",
      ])
  }

  @Test(arguments: [
    ([Float](), 1, true), ([1, 1], 2, false), ([2, 0], 2, false), ([1], 2, true), ([-1, 2], 2, true),
    ([0, 0], 2, true), ([Float.nan, 1], 2, true), ([Float.infinity, 1], 2, true),
  ])
  func blendWeightsAreCheckedOnce(_ c: ([Float], Int, Bool)) {
    var configuration = GatysConfiguration(
      styles: (0..<c.1).map { "s\($0).png" }, weights: "w.h5")
    configuration.styleBlendWeights = c.0
    let problems = configuration.problems().filter { $0.hasPrefix("styleBlendWeights:") }
    #expect(problems.isEmpty != c.2, "\(c.0): \(problems)")
    // The same rule as the objective's (the one check, `StyleBlend`).
    #expect((StyleBlend.problem(c.0, styleCount: c.1) != nil) == c.2)
  }

  @Test func codingRoundTripsEveryField() throws {
    var configuration = GatysConfiguration(styles: ["a.png", "b.h5:/x"], content: "c.jpg", weights: "w.h5")
    configuration.styleBlendWeights = [3, 1]
    configuration.initialization = .image("start.png")
    configuration.imageTerms = [ImageLossTerm(TotalVariationLoss(), weight: 0.5)]
    configuration.featureTerms[0] = FeatureLossTerm(
      SlicedWassersteinLoss(options: .init(projections: 8)), layers: [.relu1_1, .relu2_1], weight: 2,
      layerWeights: [1, 0.5], normalizeGradients: true)
    configuration.padding = .reflect
    configuration.pooling = .average
    configuration.iterations = 7
    configuration.optimizer = GatysConfiguration.Defaults.optimizer(.adam, learningRate: 0.1)
    configuration.originalColors = true
    configuration.seed = 99
    configuration.stopAtLoss = 1.5
    configuration.styleScale = 0.5
    let data = try JSONEncoder().encode(configuration)
    let decoded = try JSONDecoder().decode(GatysConfiguration.self, from: data)
    #expect(decoded == configuration)
    var random = configuration
    random.initialization = .random(distribution: .normal, scale: 0.25)
    #expect(try JSONDecoder().decode(GatysConfiguration.self, from: JSONEncoder().encode(random)) == random)
  }

  @Test func aDamagedFileSaysWhatIsWrong() {
    let text = #"{"styles": ["a.png"], "size": "large"}"#
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(GatysConfiguration.self, from: Data(text.utf8))
    }
  }
}
