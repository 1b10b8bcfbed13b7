import TensorCore

/// Everything `LBFGS` needs to continue exactly where it was: a checkpoint of the optimiser.
///
/// Vectors are float32 tensors; `direction`, the pairs and `previousGradient` have shape `[K]`,
/// `parameters` the caller's shape. An exported state shares storage with the optimiser until
/// either side writes (copy on write), so exporting costs no copy.
public struct LBFGSState: Sendable {
  /// Completed iterations (decides whether the next one is the first: d = −g, scaled step).
  public var iterationCount: Int
  /// All objective evaluations made.
  public var evaluationCount: Int
  /// The current iterate x.
  public var parameters: Tensor
  /// d of the last iteration, `[K]` (undefined before the first iteration).
  public var direction: Tensor
  /// t of the last iteration.
  public var stepLength: Double
  /// γ, the initial inverse-Hessian scale sᵀy / yᵀy of the newest accepted pair (1 before any).
  public var hessianScale: Double
  /// sᵢ of the kept pairs, oldest first, each `[K]`.
  public var steps: [Tensor]
  /// yᵢ of the kept pairs, oldest first, each `[K]`.
  public var gradientChanges: [Tensor]
  /// ρᵢ = 1 / (yᵢᵀsᵢ) of the kept pairs, oldest first.
  public var inverseCurvatures: [Double]
  /// ∇f at the iterate the last iteration started from (nil before the first iteration).
  public var previousGradient: Tensor?
  /// f at the iterate the last iteration started from.
  public var previousLoss: Double?
  /// f and ∇f at `parameters` if already evaluated (after a line search, or `evaluate`).
  public var currentEvaluation: Evaluation?
  /// Whether the loss-change test of the last fixed step still waits for the next evaluation.
  public var pendingLossChangeTest: Bool
  /// The learning rate in force.
  public var learningRate: Double

  /// A state with every field given (a checkpoint being read back).
  public init(
    iterationCount: Int, evaluationCount: Int, parameters: Tensor, direction: Tensor,
    stepLength: Double, hessianScale: Double, steps: [Tensor], gradientChanges: [Tensor],
    inverseCurvatures: [Double], previousGradient: Tensor?, previousLoss: Double?,
    currentEvaluation: Evaluation?, pendingLossChangeTest: Bool, learningRate: Double
  ) {
    self.iterationCount = iterationCount
    self.evaluationCount = evaluationCount
    self.parameters = parameters
    self.direction = direction
    self.stepLength = stepLength
    self.hessianScale = hessianScale
    self.steps = steps
    self.gradientChanges = gradientChanges
    self.inverseCurvatures = inverseCurvatures
    self.previousGradient = previousGradient
    self.previousLoss = previousLoss
    self.currentEvaluation = currentEvaluation
    self.pendingLossChangeTest = pendingLossChangeTest
    self.learningRate = learningRate
  }
}

extension LBFGS {
  /// The optimiser's state, for a checkpoint; `LBFGS(state:configuration:)` continues from it and
  /// then makes exactly the iterations this optimiser would have made.
  public func exportState() -> LBFGSState {
    LBFGSState(
      iterationCount: iterationCount, evaluationCount: evaluationCount, parameters: parameters,
      direction: direction, stepLength: stepLength, hessianScale: hessianScale,
      steps: (0..<history.count).map { history.step($0) },
      gradientChanges: (0..<history.count).map { history.gradientChange($0) },
      inverseCurvatures: history.inverseCurvatures, previousGradient: previousGradient,
      previousLoss: previousLoss, currentEvaluation: currentEvaluation,
      pendingLossChangeTest: pendingLossChangeTest, learningRate: learningRate)
  }

  /// An optimiser that continues from `state` (see `exportState`).
  ///
  /// - Throws: `OptimizerError.stateMismatch` when the state does not fit `configuration` (more
  ///   pairs than its history size) or its vectors disagree in length.
  public convenience init(state: LBFGSState, configuration: LBFGSConfiguration)
    throws(OptimizerError)
  {
    try self.init(parameters: state.parameters, configuration: configuration)
    let count = state.parameters.count
    func mismatch(_ reason: String) -> OptimizerError {
      .stateMismatch(optimizer: LBFGSConfiguration.optimizerName, reason: reason)
    }
    let pairs = state.steps.count
    guard state.gradientChanges.count == pairs, state.inverseCurvatures.count == pairs else {
      throw mismatch(
        "\(pairs) steps, \(state.gradientChanges.count) gradient changes and "
          + "\(state.inverseCurvatures.count) inverse curvatures")
    }
    guard pairs <= configuration.historySize else {
      throw mismatch("\(pairs) curvature pairs exceed historySize \(configuration.historySize)")
    }
    var vectors = [("direction", state.direction)]
    vectors += state.steps.enumerated().map { ("steps[\($0.offset)]", $0.element) }
    vectors += state.gradientChanges.enumerated().map {
      ("gradientChanges[\($0.offset)]", $0.element)
    }
    if let gradient = state.previousGradient { vectors.append(("previousGradient", gradient)) }
    if let evaluation = state.currentEvaluation {
      vectors.append(("currentEvaluation.gradient", evaluation.gradient))
    }
    for (name, vector) in vectors where vector.count != count {
      throw mismatch("\(name) has \(vector.count) values, the parameters \(count)")
    }
    guard state.iterationCount == 0 || state.previousGradient != nil else {
      throw mismatch("iterationCount is \(state.iterationCount) but previousGradient is missing")
    }
    history.load(
      steps: state.steps, gradientChanges: state.gradientChanges,
      inverseCurvatures: state.inverseCurvatures)
    iterationCount = state.iterationCount
    evaluationCount = state.evaluationCount
    direction = state.direction.reshaped([count])
    stepLength = state.stepLength
    hessianScale = state.hessianScale
    previousGradient = state.previousGradient
    previousLoss = state.previousLoss
    currentEvaluation = state.currentEvaluation
    pendingLossChangeTest = state.pendingLossChangeTest
    learningRate = state.learningRate
  }
}
