import Foundation
import Gatys
import Losses
import Optimizers
import Runs
import Store
import TensorCore
import Testing
import _TestSupport

/// `harness gatys` maps its flags onto `GatysConfiguration`'s defaults and runs a configuration
/// file as it is; on a tiny random VGG prefix, so no weights or fixtures are needed.
@Suite struct GatysConfigurationCommandTests {
  func files() throws -> TinyDescriptorFiles {
    try TinyDescriptorFiles(
      "gatys-command", seed: 3, stream: "gatys-command", images: [("style", [3, 12, 9]), ("content", [3, 9, 12])])
  }

  @Test func theFlagsDefaultsAreTheConfigurations() throws {
    let setup = try files()
    let out = setup.directory.file("run")
    let result = try HarnessProcess.run([
      "gatys", "--style", "\(setup.images):/style", "--content", "\(setup.images):/content",
      "--style-layers", "relu1_1,relu1_2", "--content-layers", "relu1_2", "--size", "16",
      "--iterations", "2", "--weights", setup.weights, "--out", out, "--quiet",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    var expected = GatysConfiguration(
      styles: ["\(setup.images):/style"], content: "\(setup.images):/content", weights: setup.weights)
    expected.featureTerms[0].layers = [.relu1_1, .relu1_2]
    expected.featureTerms[0].layerWeights = [1, 1]
    expected.featureTerms[1].layers = [.relu1_2]
    expected.size = 16
    expected.iterations = 2
    let written = try RunFolder.open(URL(fileURLWithPath: out))
      .readJSON(GatysConfiguration.self, from: "configuration.json")
    #expect(written == expected)
  }

  @Test func aConfigurationFileRunsAsItIs() throws {
    let setup = try files()
    var configuration = GatysConfiguration(styles: ["\(setup.images):/style"], weights: setup.weights)
    configuration.featureTerms = [FeatureLossTerm(MeanStdLoss(), layers: [.relu1_1], weight: 10)]
    configuration.size = 16
    configuration.iterations = 3
    configuration.optimizer = GatysConfiguration.Defaults.optimizer(.adam)
    configuration.saveEvery = 0
    configuration.seed = 17
    let file = setup.directory.file("configuration.json")
    try JSONEncoder().encode(configuration).write(to: URL(fileURLWithPath: file))
    let out = setup.directory.file("run")
    let result = try HarnessProcess.run([
      "gatys", "--configuration", file, "--out", out, "--quiet", "--threads", "1",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(result.standardOutput.hasPrefix("completed: 3 iterations, 4 evaluations"), "\(result.standardOutput)")
    let folder = try RunFolder.open(URL(fileURLWithPath: out))
    #expect(try folder.readJSON(GatysConfiguration.self, from: "configuration.json") == configuration)
    #expect(try folder.readJSON(Provenance.self, from: "provenance.json").seed == 17)

    let bad = try setup.directory.writeText("{\"size\": 3}", to: "bad.json")
    let refused = try HarnessProcess.run(["gatys", "--configuration", bad, "--out", setup.directory.file("x")])
    #expect(refused.status != 0)
    #expect(refused.standardError.contains("--configuration \(bad): not a configuration.json"), "\(refused.standardError)")
  }
}
