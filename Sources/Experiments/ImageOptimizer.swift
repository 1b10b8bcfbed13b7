import Optimizers
import TensorCore

/// L-BFGS or Adam over an image, behind one interface: evaluate at the current image (once per
/// iterate; cached), then step to the next. Both log the loss of each iterate: L-BFGS evaluates
/// the new iterate at the start of its next iteration anyway (torch's structure), and Adam's next
/// gradient is taken there too, so logging costs no extra evaluation except at the very end.
struct ImageOptimizer {
  private enum Engine {
    case lbfgs(LBFGS)
    case adam(Adam, image: Tensor, evaluation: Evaluation?)
  }

  private var engine: Engine
  /// Evaluations made.
  private(set) var evaluationCount = 0

  init(_ settings: GatysOptimizer, start: Tensor) throws {
    switch settings.kind {
    case .lbfgs:
      let configuration = LBFGSConfiguration(
        learningRate: settings.learningRate, historySize: settings.historySize, toleranceGrad: 0,
        toleranceChange: 0, lineSearch: settings.lineSearch)
      engine = .lbfgs(try LBFGS(parameters: start, configuration: configuration))
    case .adam:
      let configuration = AdamConfiguration(
        learningRate: settings.learningRate, beta1: settings.beta1, beta2: settings.beta2,
        epsilon: settings.epsilon)
      engine = .adam(try Adam(shapes: [start.shape], configuration: configuration), image: start, evaluation: nil)
    }
  }

  /// The current image.
  var image: Tensor {
    switch engine {
    case .lbfgs(let lbfgs): return lbfgs.parameters
    case .adam(_, let image, _): return image
    }
  }

  /// The loss and gradient at the current image (evaluated once, then cached).
  mutating func evaluate(_ objective: ObjectiveFunction) throws -> Evaluation {
    switch engine {
    case .lbfgs(let lbfgs):
      let evaluation = try lbfgs.evaluate(objective)
      evaluationCount = lbfgs.evaluationCount
      return evaluation
    case .adam(let adam, let image, let cached):
      if let cached { return cached }
      let evaluation = try objective(image)
      evaluationCount += 1
      engine = .adam(adam, image: image, evaluation: evaluation)
      return evaluation
    }
  }

  /// One iteration; false when L-BFGS stopped without moving (a termination test fired).
  mutating func step(_ objective: ObjectiveFunction) throws -> Bool {
    switch engine {
    case .lbfgs(let lbfgs):
      let report = try lbfgs.step(objective)
      evaluationCount = lbfgs.evaluationCount
      return report.moved
    case .adam(var adam, var image, _):
      let evaluation = try evaluate(objective)
      adam.step(&image, gradient: evaluation.gradient)
      engine = .adam(adam, image: image, evaluation: nil)
      return true
    }
  }
}
