import TensorCore
import Testing
import _TestSupport

@testable import Optimizers

@Suite("L-BFGS")
struct LBFGSTests {
  /// Tolerances 0 as in the Gatys runs: only an exactly zero gradient or step stops early.
  static func configuration(
    _ lineSearch: LineSearch, learningRate: Double = 1, historySize: Int = 100
  ) -> LBFGSConfiguration {
    LBFGSConfiguration(
      learningRate: learningRate, historySize: historySize, toleranceGrad: 0, toleranceChange: 0,
      lineSearch: lineSearch)
  }

  @Test("reaches the minimum of a convex quadratic", arguments: LineSearch.allCases)
  func quadraticMinimum(lineSearch: LineSearch) throws {
    let optimizer = try LBFGS(
      parameters: Tensor(zeros: [16]), configuration: Self.configuration(lineSearch))
    try optimizer.minimize(TestFunctions.quadratic, iterations: 200)
    let error = TestFunctions.maximumDifference(
      optimizer.parameters.scalars, TestFunctions.quadraticMinimum(16))
    #expect(error < 1e-6, "max |x − x*| = \(error) after \(optimizer.iterationCount) iterations")
  }

  @Test("strong Wolfe reaches (1, …, 1) on Rosenbrock", arguments: [2, 10])
  func rosenbrockMinimum(dimension: Int) throws {
    let start = Tensor(shape: [dimension], scalars: (0..<dimension).map { $0 % 2 == 0 ? -1.2 : 1 })
    let optimizer = try LBFGS(parameters: start, configuration: Self.configuration(.strongWolfe))
    try optimizer.minimize(TestFunctions.rosenbrock, iterations: 500)
    let ones = [Double](repeating: 1, count: dimension)
    let error = TestFunctions.maximumDifference(optimizer.parameters.scalars, ones)
    #expect(error < 1e-5, "max |x − 1| = \(error) after \(optimizer.iterationCount) iterations")
  }

  @Test("no line search: exactly one evaluation per iteration")
  func oneEvaluationPerIteration() throws {
    let optimizer = try LBFGS(
      parameters: Tensor(zeros: [8]), configuration: Self.configuration(.none))
    for k in 1...30 {
      let iteration = try optimizer.step(TestFunctions.quadratic)
      #expect(iteration.evaluations == 1)
      #expect(iteration.totalEvaluations == k)
      #expect(iteration.iteration == k && iteration.moved && iteration.lossAfter == nil)
    }
    #expect(optimizer.evaluationCount == 30)
    #expect(optimizer.currentEvaluation == nil, "the last iterate is evaluated only on demand")
  }

  @Test("no line search: evaluating each iterate for logging still costs one per iteration")
  func evaluationsReusedByNextStep() throws {
    let optimizer = try LBFGS(
      parameters: Tensor(zeros: [8]), configuration: Self.configuration(.none))
    try optimizer.evaluate(TestFunctions.quadratic)
    for k in 1...20 {
      let iteration = try optimizer.step(TestFunctions.quadratic)
      #expect(iteration.evaluations == 1)
      let after = try optimizer.evaluate(TestFunctions.quadratic)
      #expect(optimizer.evaluationCount == k + 1)
      #expect(after.loss == TestFunctions.quadratic(optimizer.parameters).loss)
    }
  }

  @Test("strong Wolfe: every iteration's evaluations are counted and add up")
  func strongWolfeEvaluationCounts() throws {
    let start = Tensor(shape: [2], scalars: [-1.2, 1])
    let optimizer = try LBFGS(parameters: start, configuration: Self.configuration(.strongWolfe))
    var counted = 0
    var calls = 0
    let objective: ObjectiveFunction = { x in
      calls += 1
      return TestFunctions.rosenbrock(x)
    }
    for k in 1...25 {
      let iteration = try optimizer.step(objective)
      #expect(iteration.evaluations >= (k == 1 ? 2 : 1), "iteration \(k)")
      #expect(iteration.lossAfter != nil)
      counted += iteration.evaluations
    }
    #expect(counted == optimizer.evaluationCount && calls == counted)
    #expect(counted > 25, "some line search needed more than one trial")
  }

  @Test("a curvature pair with yᵀs ≤ 1e-10 is not kept")
  func curvatureThreshold() throws {
    // f = 1e-12 · quadratic: yᵀs ~ 1e-24, far below the threshold, so L-BFGS stays gradient
    // descent with step lr (the reference README's style_w = 1 case, in miniature).
    let scale = 1e-12
    let objective: ObjectiveFunction = { TestFunctions.scaledQuadratic($0, scale: scale) }
    let optimizer = try LBFGS(
      parameters: Tensor(zeros: [4]), configuration: Self.configuration(.none))
    var expected = [Float](repeating: 0, count: 4)
    for _ in 1...10 {
      let gradient = try objective(Tensor(shape: [4], scalars: expected)).gradient.scalars
      let iteration = try optimizer.step(objective)
      #expect(iteration.historyCount == 0)
      // With no pair, d = −g; t = lr = 1 (also in the first iteration: ‖g‖₁ < 1).
      expected = zip(expected, gradient).map { $0 + 1 * -$1 }
      #expect(optimizer.parameters.scalars == expected)
    }
    // Control: at scale 1 the same run keeps a pair from the second iteration on.
    let control = try LBFGS(
      parameters: Tensor(zeros: [4]), configuration: Self.configuration(.none))
    _ = try control.step(TestFunctions.quadratic)
    #expect(try control.step(TestFunctions.quadratic).historyCount == 1)
  }

  @Test("the first step is min(1, 1/‖g‖₁) · lr along −g", arguments: [0.5, 1.0])
  func firstStepScaling(learningRate: Double) throws {
    // f = ½ Σ aᵢ xᵢ² − Σ xᵢ at x = (3, −4): g = (2, −9), ‖g‖₁ = 11, t = lr / 11.
    let start = Tensor(shape: [2], scalars: [3, -4])
    let optimizer = try LBFGS(
      parameters: start,
      configuration: Self.configuration(.none, learningRate: learningRate))
    let iteration = try optimizer.step(TestFunctions.quadratic)
    let t = learningRate / 11
    #expect(iteration.stepLength == t)
    let expected: [Float] = [3 + Float(t) * -2, -4 + Float(t) * 9]
    #expect(optimizer.parameters.scalars == expected)
    // The second step is lr long: the two-loop direction with one pair, H₀ = sᵀy / yᵀy.
    #expect(try optimizer.step(TestFunctions.quadratic).stepLength == learningRate)
  }

  @Test("a small gradient is not scaled up in the first step")
  func firstStepSmallGradient() throws {
    // At x = (0.6, 0.4): g = (−0.4, −0.2), ‖g‖₁ = 0.6 < 1, so t = lr.
    let optimizer = try LBFGS(
      parameters: Tensor(shape: [2], scalars: [0.6, 0.4]),
      configuration: Self.configuration(.none, learningRate: 0.25))
    #expect(try optimizer.step(TestFunctions.quadratic).stepLength == 0.25)
  }

  @Test("history is a ring of at most m pairs")
  func historyRing() throws {
    let optimizer = try LBFGS(
      parameters: Tensor(zeros: [12]), configuration: Self.configuration(.none, historySize: 3))
    var counts: [Int] = []
    for _ in 1...8 { counts.append(try optimizer.step(TestFunctions.quadratic).historyCount) }
    #expect(counts == [0, 1, 2, 3, 3, 3, 3, 3])
    #expect(optimizer.history.steps.count <= 4, "at most m + 1 slots are ever allocated")
  }

  @Test("an objective that throws leaves the iterate unchanged and the step can be retried")
  func throwingObjective() throws {
    struct Failure: Error {}
    let optimizer = try LBFGS(
      parameters: Tensor(shape: [2], scalars: [-1.2, 1]),
      configuration: Self.configuration(.strongWolfe))
    let reference = try LBFGS(
      parameters: Tensor(shape: [2], scalars: [-1.2, 1]),
      configuration: Self.configuration(.strongWolfe))
    for _ in 1...3 {
      _ = try optimizer.step(TestFunctions.rosenbrock)
      _ = try reference.step(TestFunctions.rosenbrock)
    }
    let before = optimizer.parameters.scalars
    var calls = 0
    #expect(throws: Failure.self) {
      _ = try optimizer.step { x in
        calls += 1
        if calls == 1 { throw Failure() }
        return TestFunctions.rosenbrock(x)
      }
    }
    #expect(optimizer.parameters.scalars == before)
    for _ in 1...5 {
      _ = try optimizer.step(TestFunctions.rosenbrock)
      _ = try reference.step(TestFunctions.rosenbrock)
    }
    #expect(optimizer.parameters.scalars == reference.parameters.scalars)
  }

  @Test("an exactly zero gradient stops without moving")
  func zeroGradientStops() throws {
    let optimizer = try LBFGS(
      parameters: Tensor(shape: [2], scalars: [1, 0.5]), configuration: Self.configuration(.none))
    let iteration = try optimizer.step(TestFunctions.quadratic)
    #expect(iteration.stop == .gradientTolerance && !iteration.moved)
    #expect(optimizer.parameters.scalars == [1, 0.5])
  }

  @Test("default tolerances stop a converged run")
  func defaultTolerancesStop() throws {
    let optimizer = try LBFGS(
      parameters: Tensor(zeros: [4]), configuration: LBFGSConfiguration(lineSearch: .strongWolfe))
    let last = try optimizer.minimize(TestFunctions.quadratic, iterations: 1000)
    #expect(last?.stop != nil)
    #expect(optimizer.iterationCount < 100)
  }

  @Test("invalid settings are rejected, naming the optimiser, the setting and the value")
  func invalidConfiguration() {
    #expect(
      errorText {
        _ = try LBFGS(parameters: Tensor(zeros: [2]), configuration: .init(historySize: 0))
      } == "L-BFGS: invalid configuration: historySize: must be at least 1, got 0")
    #expect(
      errorText {
        _ = try LBFGS(
          parameters: Tensor(zeros: [2]),
          configuration: .init(toleranceGrad: -1, sufficientDecrease: 0.95))
      } == "L-BFGS: invalid configuration: toleranceGrad: must be finite and non-negative, got "
        + "-1.0; sufficientDecrease, curvatureCondition: need 0 < sufficientDecrease < "
        + "curvatureCondition < 1, got 0.95, 0.9")
  }
}
