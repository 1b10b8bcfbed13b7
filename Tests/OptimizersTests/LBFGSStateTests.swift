import TensorCore
import Testing
import _TestSupport

@testable import Optimizers

@Suite("L-BFGS state export and import")
struct LBFGSStateTests {
  /// A deep copy, as a checkpoint written to disk and read back would give.
  static func deepCopy(_ state: LBFGSState) -> LBFGSState {
    func copy(_ t: Tensor) -> Tensor { Tensor(shape: t.shape, scalars: t.scalars) }
    var result = state
    result.parameters = copy(state.parameters)
    result.direction = copy(state.direction)
    result.steps = state.steps.map(copy)
    result.gradientChanges = state.gradientChanges.map(copy)
    result.previousGradient = state.previousGradient.map(copy)
    result.currentEvaluation = state.currentEvaluation.map {
      Evaluation(loss: $0.loss, gradient: copy($0.gradient))
    }
    return result
  }

  @Test("a resumed optimiser continues identically", arguments: LineSearch.allCases, [2, 5])
  func identicalContinuation(lineSearch: LineSearch, historySize: Int) throws {
    let configuration = LBFGSConfiguration(
      historySize: historySize, toleranceGrad: 0, toleranceChange: 0, lineSearch: lineSearch)
    let start = Tensor(shape: [6], scalars: [-1.2, 1, -1.2, 1, 0, 0.5])
    let original = try LBFGS(parameters: start, configuration: configuration)
    for _ in 1...7 { _ = try original.step(TestFunctions.rosenbrock) }
    let saved = Self.deepCopy(original.exportState())
    let resumed = try LBFGS(state: saved, configuration: configuration)
    #expect(resumed.historyCount == original.historyCount)
    for _ in 1...15 {
      let a = try original.step(TestFunctions.rosenbrock)
      let b = try resumed.step(TestFunctions.rosenbrock)
      #expect(a.loss == b.loss && a.stepLength == b.stepLength && a.evaluations == b.evaluations)
      #expect(original.parameters.scalars == resumed.parameters.scalars)
    }
    #expect(original.evaluationCount == resumed.evaluationCount)
  }

  @Test("a state that does not fit is rejected with the reason")
  func mismatchedState() throws {
    let optimizer = try LBFGS(parameters: Tensor(zeros: [4]), configuration: .init(historySize: 5))
    for _ in 1...4 { _ = try optimizer.step(TestFunctions.quadratic) }
    var state = optimizer.exportState()
    #expect(state.steps.count == 3)
    #expect(
      throws: OptimizerError.stateMismatch(
        optimizer: "L-BFGS", reason: "3 curvature pairs exceed historySize 2")
    ) {
      _ = try LBFGS(state: state, configuration: .init(historySize: 2))
    }
    state.steps[1] = Tensor(zeros: [3])
    #expect(
      throws: OptimizerError.stateMismatch(
        optimizer: "L-BFGS", reason: "steps[1] has 3 values, the parameters 4")
    ) {
      _ = try LBFGS(state: state, configuration: .init(historySize: 5))
    }
    #expect(
      errorText { _ = try LBFGS(state: state, configuration: .init(historySize: 5)) }
        == "L-BFGS: saved state does not fit: steps[1] has 3 values, the parameters 4")
  }
}
