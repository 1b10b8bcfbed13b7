import Foundation
import TensorCore
import Testing

@testable import Optimizers

/// `Fixtures/torch_optim_reference.json`, written by `Scripts/make_lbfgs_fixture.py`.
struct TorchReference: Decodable {
  struct Row: Decodable {
    var x: [Double]
    var loss: Double?
    var t: Double?
    var history: Int?
    var evaluations: Int?
  }
  struct Case: Decodable {
    var name: String
    var function: String
    var start: [Double]
    var iterations: Int
    var learningRate: Double
    var historySize: Int
    var lineSearch: LineSearch
    var float32: [Row]
    var float64: [Row]
    var roundingEnvelope: [Double]
  }
  struct AdamCase: Decodable {
    var name: String
    var function: String
    var start: [Double]
    var steps: Int
    var learningRate: Double
    var float32: [Row]
    var float64: [Row]
  }
  var torch: String
  var cases: [Case]
  var adam: [AdamCase]

  static let url = Bundle.module.url(
    forResource: "torch_optim_reference", withExtension: "json", subdirectory: "Fixtures")

  static func load() throws -> TorchReference {
    let url = try #require(url, "Fixtures/torch_optim_reference.json is missing")
    return try JSONDecoder().decode(TorchReference.self, from: Data(contentsOf: url))
  }

  static func objective(_ name: String) -> ObjectiveFunction {
    name == "rosenbrock" ? TestFunctions.rosenbrock : TestFunctions.quadratic
  }

  static func caseNames() -> [String] {
    (try? load().cases.map(\.name)) ?? []
  }

  /// max_{j ≤ i} ‖x32_j − x64_j‖∞: how far rounding has moved torch's own float32 trajectory from
  /// its float64 one by iteration i.
  static func roundingGaps(_ float32: [Row], _ float64: [Row]) -> [Double] {
    var largest = 0.0
    return zip(float32, float64).map { a, b in
      largest = max(largest, zip(a.x, b.x).map { abs($0 - $1) }.max() ?? 0)
      return largest
    }
  }
}

@Suite(
  "L-BFGS and Adam against torch.optim",
  .enabled(
    if: TorchReference.url != nil,
    "Fixtures/torch_optim_reference.json is absent: run Scripts/make_lbfgs_fixture.py"))
struct TorchReferenceTests {
  /// Our float32 iterates are compared with torch's float64 ones. Rosenbrock trajectories amplify
  /// rounding from ~1e-7 to ~1e-1 in 30 iterations, so the tolerance follows the fixture's
  /// `roundingEnvelope`: how far 32 float64 runs, each with half-ulp float32 noise on every
  /// gradient and iterate, strayed from the clean run by iteration i. Ours (float32 iterates,
  /// Double dot products and objective) is one more such rounding pattern; the tolerance is
  /// 3 envelope_i + 2e-6 (the envelope is a maximum over 32 samples, not a bound; 2e-6 is ~16
  /// float32 ulps at |x| ~ 1). While that is below 1e-4 the path is the same in every discrete
  /// choice, so the evaluation and pair counts must equal torch's and t agree to 1%.
  @Test("the iterates follow torch.optim.LBFGS", arguments: TorchReference.caseNames())
  func lbfgsTrajectory(name: String) throws {
    let reference = try TorchReference.load()
    let torchCase = try #require(reference.cases.first { $0.name == name })
    let configuration = LBFGSConfiguration(
      learningRate: torchCase.learningRate, historySize: torchCase.historySize, toleranceGrad: 0,
      toleranceChange: 0, lineSearch: torchCase.lineSearch, maximumLineSearchIterations: 25)
    let optimizer = try LBFGS(
      parameters: Tensor(shape: [torchCase.start.count], scalars: torchCase.start.map(Float.init)),
      configuration: configuration)
    let objective = TorchReference.objective(torchCase.function)
    for (i, torchRow) in torchCase.float64.enumerated() {
      let iteration = try optimizer.step(objective)
      let tolerance = 3 * torchCase.roundingEnvelope[i] + 2e-6
      let error = TestFunctions.maximumDifference(optimizer.parameters.scalars, torchRow.x)
      #expect(
        error <= tolerance, "\(name) iteration \(i + 1): |x − x_torch| = \(error) > \(tolerance)")
      guard tolerance < 1e-4 else { continue }
      // torch counts the first evaluation in its first step; the fixture's rows hold the line
      // search's evaluations only (or the one evaluation of a fixed step).
      let searchEvaluations =
        torchCase.lineSearch == .strongWolfe && i == 0
        ? iteration.evaluations - 1 : iteration.evaluations
      #expect(searchEvaluations == torchRow.evaluations, "\(name) iteration \(i + 1)")
      #expect(iteration.historyCount == torchRow.history, "\(name) iteration \(i + 1)")
      if iteration.moved, let t = torchRow.t {
        #expect(
          abs(iteration.stepLength - t) <= 1e-2 * max(1, abs(t)), "\(name) iteration \(i + 1)")
      }
    }
  }

  /// Adam does not amplify rounding much (torch's float32 and float64 runs stay within 3e-7), so
  /// the tolerance is 10 times that gap, plus 2e-6.
  @Test("the iterates follow torch.optim.Adam")
  func adamTrajectory() throws {
    let reference = try TorchReference.load()
    for torchCase in reference.adam {
      var adam = try Adam(
        shapes: [[torchCase.start.count]],
        configuration: .init(learningRate: torchCase.learningRate))
      var x = Tensor(shape: [torchCase.start.count], scalars: torchCase.start.map(Float.init))
      let objective = TorchReference.objective(torchCase.function)
      let gaps = TorchReference.roundingGaps(torchCase.float32, torchCase.float64)
      for (i, torchRow) in torchCase.float64.enumerated() {
        adam.step(&x, gradient: try objective(x).gradient)
        let tolerance = 10 * gaps[i] + 2e-6
        let error = TestFunctions.maximumDifference(x.scalars, torchRow.x)
        #expect(error <= tolerance, "\(torchCase.name) step \(i + 1): \(error) > \(tolerance)")
      }
    }
  }
}
