import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Optimizers

@Suite("one configuration per optimiser, with a flat kind")
struct OptimizerConfigurationTests {
  static func json(_ configuration: OptimizerConfiguration) throws -> [String: Any] {
    let data = try JSONEncoder().encode(configuration)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test("the JSON is flat: kind beside the optimiser's own settings")
  func flatJSON() throws {
    let adam = OptimizerConfiguration.adam(AdamConfiguration(learningRate: 0.1))
    let object = try Self.json(adam)
    #expect(object["kind"] as? String == "adam")
    #expect(Set(object.keys) == ["kind", "learningRate", "beta1", "beta2", "epsilon"])
    #expect(object["learningRate"] as? Double == 0.1)
    let lbfgs = OptimizerConfiguration.lbfgs(LBFGSConfiguration(historySize: 7))
    let lbfgsObject = try Self.json(lbfgs)
    #expect(lbfgsObject["kind"] as? String == "lbfgs")
    #expect(lbfgsObject["historySize"] as? Int == 7)
    #expect(lbfgsObject.count == 11)
    for configuration in [adam, lbfgs] {
      let decoded = try JSONDecoder().decode(
        OptimizerConfiguration.self, from: try JSONEncoder().encode(configuration))
      #expect(decoded == configuration)
    }
    let text = #"{"kind": "adam", "learningRate": 0.1, "beta1": 0.5, "beta2": 0.99, "epsilon": 1e-8}"#
    let parsed = try JSONDecoder().decode(OptimizerConfiguration.self, from: Data(text.utf8))
    #expect(parsed == .adam(AdamConfiguration(learningRate: 0.1, beta1: 0.5, beta2: 0.99)))
    #expect(parsed.kind == .adam && parsed.optimizerName == "Adam" && parsed.learningRate == 0.1)
  }

  @Test("an unknown kind gets a did-you-mean; a missing setting is an error")
  func decodingErrors() {
    let misspelt = #"{"kind": "lbgfs", "learningRate": 1}"#
    do {
      _ = try JSONDecoder().decode(OptimizerConfiguration.self, from: Data(misspelt.utf8))
      Issue.record("expected an error")
    } catch DecodingError.dataCorrupted(let context) {
      #expect(
        context.debugDescription
          == "\"lbgfs\" is not an optimizer; did you mean \"lbfgs\"? (known: adam, lbfgs)")
    } catch {
      Issue.record("unexpected \(error)")
    }
    let incomplete = #"{"kind": "adam", "learningRate": 0.1}"#
    #expect(throws: DecodingError.self) {
      _ = try JSONDecoder().decode(OptimizerConfiguration.self, from: Data(incomplete.utf8))
    }
  }

  @Test("each optimiser validates its settings once, listing every problem")
  func validation() {
    let adam = OptimizerConfiguration.adam(AdamConfiguration(learningRate: 0, beta2: 1))
    #expect(
      adam.problems() == [
        "learningRate: must be finite and positive, got 0.0", "beta2: must lie in [0, 1), got 1.0",
      ])
    #expect(throws: OptimizerError.invalidConfiguration(optimizer: "Adam", problems: adam.problems())) {
      try adam.validate()
    }
    let lbfgs = OptimizerConfiguration.lbfgs(
      LBFGSConfiguration(historySize: 0, maximumLineSearchIterations: -1))
    #expect(
      lbfgs.problems() == [
        "historySize: must be at least 1, got 0",
        "maximumLineSearchIterations: must be non-negative, got -1",
      ])
    #expect(
      errorText { try lbfgs.validate() }
        == "L-BFGS: invalid configuration: historySize: must be at least 1, got 0; "
        + "maximumLineSearchIterations: must be non-negative, got -1")
    #expect(OptimizerConfiguration.adam(AdamConfiguration()).problems().isEmpty)
    // The Gatys baseline's L-BFGS: both tolerances 0 are valid.
    #expect(
      OptimizerConfiguration.lbfgs(LBFGSConfiguration(toleranceGrad: 0, toleranceChange: 0))
        .problems().isEmpty)
  }
}
