import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Optimizers

@Suite("Adam")
struct AdamTests {
  /// Kingma & Ba Algorithm 1 in Double, written as in the paper: m̂ = m / (1 − β₁ᵗ),
  /// v̂ = v / (1 − β₂ᵗ), x ← x − α m̂ / (√v̂ + ε).
  struct PaperAdam {
    var m: [Double]
    var v: [Double]
    var t = 0
    let alpha: Double, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    init(count: Int, alpha: Double) {
      m = .init(repeating: 0, count: count)
      v = .init(repeating: 0, count: count)
      self.alpha = alpha
    }

    mutating func step(_ x: inout [Double], _ g: [Double]) {
      t += 1
      for i in x.indices {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
        let mHat = m[i] / (1 - pow(beta1, Double(t)))
        let vHat = v[i] / (1 - pow(beta2, Double(t)))
        x[i] -= alpha * mHat / (vHat.squareRoot() + epsilon)
      }
    }
  }

  @Test("the first steps match hand-computed values with bias correction")
  func firstStepsByHand() throws {
    var adam = try Adam(shapes: [[2]], configuration: .init(learningRate: 0.1))
    var x = Tensor(shape: [2], scalars: [1, -2])
    // Step 1: m̂ = g and v̂ = g², so the step is α g / (|g| + ε) ≈ α sign(g) whatever |g| is.
    adam.step(&x, gradient: Tensor(shape: [2], scalars: [0.5, -0.25]))
    #expect(abs(x[0] - 0.9) < 1e-6 && abs(x[1] - -1.9) < 1e-6)
    #expect(adam.state.stepCount == 1)
    #expect(abs(adam.state.firstMoments[0][0] - 0.05) < 1e-8)
    #expect(abs(adam.state.secondMoments[0][0] - 0.00025) < 1e-10)
    // Step 2 with g = (1, 0): m = (0.145, −0.0225), v = (0.00124975, 0.0000624375),
    // 1 − β₁² = 0.19, 1 − β₂² = 0.001999:
    // x₀ = 0.9 − 0.1 · (0.145 / 0.19) / (√(0.00124975 / 0.001999) + 1e-8) = 0.80348...
    adam.step(&x, gradient: Tensor(shape: [2], scalars: [1, 0]))
    let expected0 = 0.9 - 0.1 * (0.145 / 0.19) / ((0.00124975 / 0.001999).squareRoot() + 1e-8)
    let expected1 = -1.9 - 0.1 * (-0.0225 / 0.19) / ((0.0000624375 / 0.001999).squareRoot() + 1e-8)
    #expect(abs(Double(x[0]) - expected0) < 1e-6, "\(x[0]) against \(expected0)")
    #expect(abs(Double(x[1]) - expected1) < 1e-6, "\(x[1]) against \(expected1)")
  }

  @Test("matches Algorithm 1 of the paper over many steps on Rosenbrock")
  func matchesPaper() throws {
    var adam = try Adam(shapes: [[2]], configuration: .init(learningRate: 0.02))
    var paper = PaperAdam(count: 2, alpha: 0.02)
    var x = Tensor(shape: [2], scalars: [-1.2, 1])
    var reference: [Double] = [-1.2, 1]
    for _ in 1...200 {
      let gradient = TestFunctions.rosenbrock(
        Tensor(shape: [2], scalars: reference.map(Float.init)))
      adam.step(&x, gradient: gradient.gradient)
      paper.step(&reference, gradient.gradient.scalars.map(Double.init))
      reference = reference.map { Double(Float($0)) }  // the same float32 iterate as ours
    }
    #expect(TestFunctions.maximumDifference(x.scalars, reference) < 1e-5)
  }

  @Test("gets close to the Rosenbrock minimum with a suitable learning rate")
  func rosenbrockMinimum() throws {
    var adam = try Adam(shapes: [[2]], configuration: .init(learningRate: 0.01))
    var x = Tensor(shape: [2], scalars: [-1.2, 1])
    for _ in 1...20_000 {
      adam.step(&x, gradient: TestFunctions.rosenbrock(x).gradient)
    }
    let error = TestFunctions.maximumDifference(x.scalars, [1, 1])
    #expect(error < 1e-2, "max |x − 1| = \(error)")
  }

  @Test("reaches the minimum of a convex quadratic")
  func quadraticMinimum() throws {
    var adam = try Adam(shapes: [[8]], configuration: .init(learningRate: 0.01))
    var x = Tensor(zeros: [8])
    for step in 1...5000 {
      adam.learningRate = LearningRateSchedule.stepDecay(factor: 0.5, start: 2000, interval: 1000)
        .learningRate(base: 0.01, atIteration: step)
      adam.step(&x, gradient: TestFunctions.quadratic(x).gradient)
    }
    let error = TestFunctions.maximumDifference(x.scalars, TestFunctions.quadraticMinimum(8))
    #expect(error < 1e-4, "max |x − x*| = \(error)")
  }

  @Test("several parameter tensors are updated independently")
  func severalTensors() throws {
    var together = try Adam(shapes: [[2], [3]], configuration: .init(learningRate: 0.1))
    var first = try Adam(shapes: [[2]], configuration: .init(learningRate: 0.1))
    var second = try Adam(shapes: [[3]], configuration: .init(learningRate: 0.1))
    var parameters = [
      Tensor(shape: [2], scalars: [1, 2]), Tensor(shape: [3], scalars: [3, 4, 5]),
    ]
    var a = parameters[0]
    var b = parameters[1]
    for k in 1...5 {
      let ga = Tensor(shape: [2], scalars: [Float(k), -1])
      let gb = Tensor(shape: [3], scalars: [0.5, Float(-k), 2])
      together.step(&parameters, gradients: [ga, gb])
      first.step(&a, gradient: ga)
      second.step(&b, gradient: gb)
    }
    #expect(parameters[0].scalars == a.scalars && parameters[1].scalars == b.scalars)
  }

  @Test("a saved and restored state continues identically")
  func stateRoundTrip() throws {
    let configuration = AdamConfiguration(learningRate: 0.05)
    var original = try Adam(shapes: [[2]], configuration: configuration)
    var x = Tensor(shape: [2], scalars: [-1.2, 1])
    for _ in 1...10 { original.step(&x, gradient: TestFunctions.rosenbrock(x).gradient) }
    // A deep copy, as a checkpoint on disk would give.
    let saved = AdamState(
      stepCount: original.state.stepCount,
      firstMoments: original.state.firstMoments.map {
        Tensor(shape: $0.shape, scalars: $0.scalars)
      },
      secondMoments: original.state.secondMoments.map {
        Tensor(shape: $0.shape, scalars: $0.scalars)
      })
    var resumed = try Adam(state: saved, configuration: configuration)
    var y = Tensor(shape: x.shape, scalars: x.scalars)
    for _ in 1...20 {
      original.step(&x, gradient: TestFunctions.rosenbrock(x).gradient)
      resumed.step(&y, gradient: TestFunctions.rosenbrock(y).gradient)
    }
    #expect(x.scalars == y.scalars && resumed.state.stepCount == 30)
  }

  @Test("bad settings and states are rejected, naming the optimiser and the setting")
  func rejected() {
    #expect(
      throws: OptimizerError.invalidConfiguration(
        optimizer: "Adam", problems: ["beta1: must lie in [0, 1), got 1.0"])
    ) {
      _ = try Adam(shapes: [[1]], configuration: .init(beta1: 1))
    }
    #expect(
      errorText { _ = try Adam(shapes: [[1]], configuration: .init(learningRate: -1, epsilon: 0)) }
        == "Adam: invalid configuration: learningRate: must be finite and positive, got -1.0; "
        + "epsilon: must be finite and positive, got 0.0")
    let state = AdamState(stepCount: 3, firstMoments: [Tensor(zeros: [2])], secondMoments: [])
    #expect(
      throws: OptimizerError.stateMismatch(
        optimizer: "Adam", reason: "1 first moments but 0 second")
    ) {
      _ = try Adam(state: state, configuration: .init())
    }
    #expect(
      errorText { _ = try Adam(state: state, configuration: .init()) }
        == "Adam: saved state does not fit: 1 first moments but 0 second")
  }
}
