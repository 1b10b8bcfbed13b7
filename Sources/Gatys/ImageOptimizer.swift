import Optimizers
import Store
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
      engine = .lbfgs(try LBFGS(parameters: start, configuration: Self.lbfgsConfiguration(settings)))
    case .adam:
      engine = .adam(
        try Adam(shapes: [start.shape], configuration: Self.adamConfiguration(settings)), image: start,
        evaluation: nil)
    }
  }

  /// L-BFGS as the Gatys baseline runs it: both tolerances 0 (only a zero gradient stops it).
  static func lbfgsConfiguration(_ settings: GatysOptimizer) -> LBFGSConfiguration {
    LBFGSConfiguration(
      learningRate: settings.learningRate, historySize: settings.historySize, toleranceGrad: 0,
      toleranceChange: 0, lineSearch: settings.lineSearch)
  }

  static func adamConfiguration(_ settings: GatysOptimizer) -> AdamConfiguration {
    AdamConfiguration(
      learningRate: settings.learningRate, beta1: settings.beta1, beta2: settings.beta2,
      epsilon: settings.epsilon)
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

extension ImageOptimizer {
  /// What a checkpoint keeps of the optimiser: L-BFGS's whole state, or Adam's image, moments
  /// and cached evaluation, plus the evaluation count.
  enum State {
    case lbfgs(LBFGSState)
    case adam(AdamState, image: Tensor, evaluation: Evaluation?, evaluations: Int)

    /// Writes the state into `group` (uncompressed datasets, scalars as attributes).
    func write(to group: HDF5Group) throws {
      func put(_ tensor: Tensor, _ name: String) throws {
        try group.write(tensor, to: name, compression: .none)
      }
      func putEvaluation(_ evaluation: Evaluation?) throws {
        guard let evaluation else { return }
        try group.setAttribute("evaluation_loss", .double(evaluation.loss))
        try put(evaluation.gradient, "evaluation_gradient")
      }
      switch self {
      case .lbfgs(let state):
        try group.setAttribute("kind", .string("lbfgs"))
        try group.setAttribute("iteration_count", .integer(Int64(state.iterationCount)))
        try group.setAttribute("evaluation_count", .integer(Int64(state.evaluationCount)))
        try group.setAttribute("step_length", .double(state.stepLength))
        try group.setAttribute("hessian_scale", .double(state.hessianScale))
        try group.setAttribute("inverse_curvatures", .doubles(state.inverseCurvatures))
        try group.setAttribute("pairs", .integer(Int64(state.steps.count)))
        try group.setAttribute("pending_loss_change_test", .integer(state.pendingLossChangeTest ? 1 : 0))
        try group.setAttribute("learning_rate", .double(state.learningRate))
        if let loss = state.previousLoss { try group.setAttribute("previous_loss", .double(loss)) }
        try put(state.parameters, "parameters")
        try put(state.direction, "direction")
        for (index, (step, change)) in zip(state.steps, state.gradientChanges).enumerated() {
          try put(step, "steps/\(index)")
          try put(change, "gradient_changes/\(index)")
        }
        if let gradient = state.previousGradient { try put(gradient, "previous_gradient") }
        try putEvaluation(state.currentEvaluation)
      case .adam(let state, let image, let evaluation, let evaluations):
        try group.setAttribute("kind", .string("adam"))
        try group.setAttribute("step_count", .integer(Int64(state.stepCount)))
        try group.setAttribute("evaluation_count", .integer(Int64(evaluations)))
        try put(image, "image")
        try put(state.firstMoments[0], "first_moment")
        try put(state.secondMoments[0], "second_moment")
        try putEvaluation(evaluation)
      }
    }

    /// Reads a state written by `write(to:)`; errors name `path`, the checkpoint file.
    static func read(from group: HDF5Group, path: String) throws -> State {
      func evaluation() throws -> Evaluation? {
        guard try group.hasAttribute("evaluation_loss") else { return nil }
        return Evaluation(
          loss: try group.double("evaluation_loss"), gradient: try group.readTensor("evaluation_gradient"))
      }
      switch try group.stringAttribute("kind") {
      case "lbfgs":
        let pairs = Int(try group.integerAttribute("pairs"))
        return .lbfgs(
          LBFGSState(
            iterationCount: Int(try group.integerAttribute("iteration_count")),
            evaluationCount: Int(try group.integerAttribute("evaluation_count")),
            parameters: try group.readTensor("parameters"), direction: try group.readTensor("direction"),
            stepLength: try group.double("step_length"), hessianScale: try group.double("hessian_scale"),
            steps: try (0..<pairs).map { try group.readTensor("steps/\($0)") },
            gradientChanges: try (0..<pairs).map { try group.readTensor("gradient_changes/\($0)") },
            inverseCurvatures: pairs == 0 ? [] : try group.doublesAttribute("inverse_curvatures"),
            previousGradient: try group.contains("previous_gradient")
              ? try group.readTensor("previous_gradient") : nil,
            previousLoss: try group.hasAttribute("previous_loss") ? try group.double("previous_loss") : nil,
            currentEvaluation: try evaluation(),
            pendingLossChangeTest: try group.integerAttribute("pending_loss_change_test") != 0,
            learningRate: try group.double("learning_rate")))
      case "adam":
        let image = try group.readTensor("image")
        return .adam(
          AdamState(
            stepCount: Int(try group.integerAttribute("step_count")),
            firstMoments: [try group.readTensor("first_moment")],
            secondMoments: [try group.readTensor("second_moment")]),
          image: image, evaluation: try evaluation(),
          evaluations: Int(try group.integerAttribute("evaluation_count")))
      case let kind:
        throw GatysError.badCheckpoint(path, reason: "unknown optimiser '\(kind)'")
      }
    }
  }

  /// The optimiser's state for a checkpoint (shares storage: no copy).
  var state: State {
    switch engine {
    case .lbfgs(let lbfgs): return .lbfgs(lbfgs.exportState())
    case .adam(let adam, let image, let evaluation):
      return .adam(adam.state, image: image, evaluation: evaluation, evaluations: evaluationCount)
    }
  }

  /// An optimiser continuing from `state` (read from the checkpoint at `checkpointPath`, which
  /// errors name) with `settings`.
  init(_ settings: GatysOptimizer, state: State, checkpointPath: String) throws {
    switch (settings.kind, state) {
    case (.lbfgs, .lbfgs(let lbfgsState)):
      let lbfgs = try LBFGS(state: lbfgsState, configuration: Self.lbfgsConfiguration(settings))
      engine = .lbfgs(lbfgs)
      evaluationCount = lbfgs.evaluationCount
    case (.adam, .adam(let adamState, let image, let evaluation, let evaluations)):
      engine = .adam(
        try Adam(state: adamState, configuration: Self.adamConfiguration(settings)), image: image,
        evaluation: evaluation)
      evaluationCount = evaluations
    default:
      throw GatysError.badCheckpoint(
        checkpointPath, reason: "its optimiser is not the configuration's \(settings.kind.rawValue)")
    }
  }
}
