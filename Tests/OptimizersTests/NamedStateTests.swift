import TensorCore
import Testing
import _TestSupport

@testable import Optimizers

/// Optimiser state as named tensors: Adam over many named parameter tensors and L-BFGS save and
/// restore through the same `OptimizerState`, continue identically, and reject a state with a
/// missing, extra, misspelt or mis-shaped entry.
@Suite("optimiser state as named tensors")
struct NamedStateTests {
  /// A deep copy, as a checkpoint written to disk and read back would give.
  static func deepCopy(_ state: OptimizerState) -> OptimizerState {
    OptimizerState(
      tensors: state.tensors.mapValues { Tensor(shape: $0.shape, scalars: $0.scalars) },
      scalars: state.scalars)
  }

  static let parameters: [(path: String, shape: Shape)] = [
    ("levels/0/conv/weight", [2, 1, 1, 1]), ("levels/0/conv/bias", [2]), ("toRGB/weight", [3]),
  ]

  /// A quadratic over three tensors: f = Σ (x − 1)², ∇f = 2 (x − 1).
  static func gradients(_ x: [Tensor]) -> [Tensor] {
    x.map { Tensor(shape: $0.shape, scalars: $0.scalars.map { 2 * ($0 - 1) }) }
  }

  @Test("Adam over named parameter tensors: step, m/<path>, v/<path>; continues identically")
  func adamRoundTrip() throws {
    let configuration = AdamConfiguration(learningRate: 0.05)
    var original = try Adam(parameters: Self.parameters, configuration: configuration)
    var random = RandomStream(seed: 3, name: "named state")
    var x = Self.parameters.map { random.uniformTensor($0.shape) }
    for _ in 1...5 { original.step(&x, gradients: Self.gradients(x)) }
    let named = original.state.namedState
    #expect(named.scalars == ["step": 5])
    #expect(
      Set(named.tensors.keys) == [
        "m/levels/0/conv/weight", "v/levels/0/conv/weight", "m/levels/0/conv/bias",
        "v/levels/0/conv/bias", "m/toRGB/weight", "v/toRGB/weight",
      ])
    #expect(named.tensors["v/toRGB/weight"]?.shape == [3])
    let restored = try AdamState(namedState: Self.deepCopy(named), parameters: Self.parameters)
    #expect(restored.paths == Self.parameters.map(\.path))
    var resumed = try Adam(state: restored, configuration: configuration)
    var y = x.map { Tensor(shape: $0.shape, scalars: $0.scalars) }
    for _ in 1...5 {
      original.step(&x, gradients: Self.gradients(x))
      resumed.step(&y, gradients: Self.gradients(y))
    }
    #expect(x.map(\.scalars) == y.map(\.scalars))
    #expect(resumed.state.stepCount == 10)
  }

  @Test("an Adam state with a missing, misspelt or mis-shaped entry names each")
  func adamMismatch() throws {
    var named = try Adam(parameters: Self.parameters).state.namedState
    named.tensors["m/toRGB/weigth"] = named.tensors.removeValue(forKey: "m/toRGB/weight")
    named.tensors["v/levels/0/conv/bias"] = Tensor(zeros: [3])
    named.scalars["step"] = 1.5
    #expect(
      errorText { _ = try AdamState(namedState: named, parameters: Self.parameters) }
        == "Adam: saved state does not fit: scalar 'step' must be a non-negative integer, got "
        + "1.5; second moment 'v/levels/0/conv/bias' has shape [3], the parameter [2]; missing "
        + "tensor 'm/toRGB/weight'; unused tensor 'm/toRGB/weigth'")
  }

  @Test("L-BFGS saves as named tensors and continues identically", arguments: LineSearch.allCases)
  func lbfgsRoundTrip(lineSearch: LineSearch) throws {
    let configuration = LBFGSConfiguration(
      historySize: 3, toleranceGrad: 0, toleranceChange: 0, lineSearch: lineSearch)
    let start = Tensor(shape: [6], scalars: [-1.2, 1, -1.2, 1, 0, 0.5])
    let original = try LBFGS(parameters: start, configuration: configuration)
    for _ in 1...6 { _ = try original.step(TestFunctions.rosenbrock) }
    let named = original.exportState().namedState
    #expect(named.tensors["pairs/2/step"] != nil && named.tensors["pairs/3/step"] == nil)
    #expect(named.scalars["pairs/2/inverseCurvature"] != nil)
    #expect(named.scalars["iterationCount"] == 6)
    let resumed = try LBFGS(
      state: try LBFGSState(namedState: Self.deepCopy(named)), configuration: configuration)
    for _ in 1...10 {
      let a = try original.step(TestFunctions.rosenbrock)
      let b = try resumed.step(TestFunctions.rosenbrock)
      #expect(a.loss == b.loss && a.stepLength == b.stepLength)
      #expect(original.parameters.scalars == resumed.parameters.scalars)
    }
  }

  @Test("an L-BFGS state with an extra or missing entry names each")
  func lbfgsMismatch() throws {
    let optimizer = try LBFGS(parameters: Tensor(zeros: [4]))
    for _ in 1...3 { _ = try optimizer.step(TestFunctions.quadratic) }
    var named = optimizer.exportState().namedState
    named.tensors["directon"] = named.tensors.removeValue(forKey: "direction")
    named.scalars["pairs/0/inverseCurvature"] = nil
    #expect(
      errorText { _ = try LBFGSState(namedState: named) }
        == "L-BFGS: saved state does not fit: missing tensor 'direction'; missing scalar "
        + "'pairs/0/inverseCurvature'; unused tensor 'directon'")
  }
}
