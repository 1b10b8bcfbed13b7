import TensorCore

/// Limited-memory BFGS over a flat float32 parameter vector, as torch.optim.LBFGS computes it,
/// one iteration per `step`.
///
/// Iteration k, from x with f = f(x), g = ∇f(x):
/// 1. Memory (k > 1): s = t_{k−1} d_{k−1}, y = g − g_{k−1}; the pair is kept only when
///    yᵀs > 1e-10 (`curvatureThreshold`), evicting the oldest beyond m pairs, and then the initial
///    inverse Hessian becomes H₀ = γ I with γ = sᵀy / yᵀy (Nocedal & Wright eq. 7.20).
/// 2. Direction: d = −g in the first iteration, else d = −H g by the two-loop recursion
///    (Nocedal & Wright Alg. 7.4): q = −g; for i newest → oldest αᵢ = ρᵢ sᵢᵀq, q −= αᵢ yᵢ;
///    r = γ q; for i oldest → newest βᵢ = ρᵢ yᵢᵀr, r += (αᵢ − βᵢ) sᵢ; d = r.
/// 3. Step: t = min(1, 1/‖g‖₁) · lr in the first iteration, else t = lr; stop if gᵀd > −tolerance.
///    With no line search x ← x + t d (one evaluation per iteration, made at the start of the
///    next); with strong Wolfe, t comes from `StrongWolfeLineSearch` and its last accepted
///    evaluation is the next iteration's.
///
/// Dot products accumulate in Double; vectors are float32 and updated in place. Memory: the
/// parameters, d, the previous gradient, a trial point (strong Wolfe only) and at most m pairs,
/// each allocated once (m = 100 pairs of a 512² RGB image is 629 MB).
///
/// - Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed. (2006), Alg. 7.4 and 7.5;
///   torch.optim.LBFGS (torch/optim/lbfgs.py), itself after Schmidt's minFunc.
/// - Note: Deviation: torch's `step(closure)` runs up to `max_iter` iterations; here each `step` is
///   one iteration. Evaluations are lazy, so the counts equal torch's: with no line search N
///   iterations make N evaluations (torch never evaluates the last iterate either; `evaluate`
///   does, on demand). Tests torch makes right after a fixed step on the new evaluation (gradient
///   and loss-change tolerances) are made at the start of the next `step`, before it moves.
public final class LBFGS {
  /// The settings (learning rate excepted, which `learningRate` holds and schedules may change).
  public let configuration: LBFGSConfiguration
  /// The step length of iterations after the first (torch `lr`); starts at the configuration's.
  public var learningRate: Double
  /// The current iterate x, in the shape it was given. Holding on to it makes the next move copy it.
  public internal(set) var parameters: Tensor
  /// f(x) and ∇f(x) at the current iterate, once evaluated (by `evaluate`, `step` or a line search).
  public internal(set) var currentEvaluation: Evaluation?
  /// Completed iterations (those that moved the iterate).
  public internal(set) var iterationCount = 0
  /// All objective evaluations made (torch's `func_evals`).
  public internal(set) var evaluationCount = 0

  var history: CurvatureHistory
  /// d, the direction of the last iteration, `[K]`.
  var direction: Tensor
  /// t, the step length of the last iteration.
  var stepLength = 0.0
  /// γ, the scale of the initial inverse Hessian H₀ = γ I.
  var hessianScale = 1.0
  /// g and f at the iterate the last iteration started from.
  var previousGradient: Tensor?
  var previousLoss: Double?
  /// After a fixed step, the loss-change test waits for the new iterate's evaluation.
  var pendingLossChangeTest = false
  /// Evaluations not yet reported by a `step`.
  var unreportedEvaluations = 0
  /// The line search's trial point x + t d, allocated on first use.
  private var trial: Tensor?
  /// αᵢ of the two-loop recursion, one per pair.
  private var alphas: [Double]

  /// An optimiser starting at `parameters` (any shape; read as a flat vector).
  public init(parameters: Tensor, configuration: LBFGSConfiguration = .init())
    throws(OptimizerError)
  {
    try configuration.validate()
    self.configuration = configuration
    self.learningRate = configuration.learningRate
    self.parameters = parameters
    history = CurvatureHistory(capacity: configuration.historySize, length: parameters.count)
    direction = Tensor(uninitialized: [parameters.count])
    alphas = [Double](repeating: 0, count: configuration.historySize)
  }

  /// Curvature pairs currently in the memory (at most `historySize`).
  public var historyCount: Int { history.count }

  /// f and ∇f at the current iterate: the stored evaluation, or a new (counted) one that the
  /// next `step` then uses instead of evaluating again.
  @discardableResult
  public func evaluate(_ objective: ObjectiveFunction) throws -> Evaluation {
    if let currentEvaluation { return currentEvaluation }
    let evaluation = try objective(parameters)
    checkGradientLength(evaluation)
    evaluationCount += 1
    unreportedEvaluations += 1
    currentEvaluation = evaluation
    return evaluation
  }

  /// Runs one iteration (see the type's description) and reports it.
  ///
  /// If `objective` throws, the iterate is unchanged and calling `step` again retries the
  /// iteration (the retry adds no curvature pair: y = 0 fails the threshold). Losses and gradients
  /// are not checked for NaN or infinity (torch does not either): the caller checks its terms.
  public func step(_ objective: ObjectiveFunction) throws -> LBFGSIteration {
    let start = try evaluate(objective)
    let gradient = start.gradient
    if Double(FlatVector.maximumMagnitude(gradient)) <= configuration.toleranceGrad {
      return report(start, moved: false, lossAfter: nil, stop: .gradientTolerance)
    }
    if pendingLossChangeTest {
      pendingLossChangeTest = false
      if let previousLoss, abs(start.loss - previousLoss) < configuration.toleranceChange {
        return report(start, moved: false, lossAfter: nil, stop: .lossChange)
      }
    }
    let first = iterationCount == 0
    if first {
      FlatVector.scaled(&direction, -1, gradient)
    } else if let previousGradient {
      updateMemory(gradient: gradient, previousGradient: previousGradient)
      computeDirection(gradient: gradient)
    }
    previousGradient = gradient
    previousLoss = start.loss
    var t = learningRate
    if first { t *= min(1, 1 / FlatVector.sumOfMagnitudes(gradient)) }
    stepLength = t
    let slope = FlatVector.dot(gradient, direction)
    if slope > -configuration.toleranceChange {
      return report(start, moved: false, lossAfter: nil, stop: .directionalDerivative)
    }
    var lossAfter: Double?
    switch configuration.lineSearch {
    case .none:
      FlatVector.addScaled(&parameters, Float(t), direction)
      currentEvaluation = nil
      pendingLossChangeTest = true
    case .strongWolfe:
      let accepted = try searchLine(objective, from: start, slope: slope, initialStep: t)
      t = accepted.step
      stepLength = t
      FlatVector.addScaled(&parameters, Float(t), direction)
      currentEvaluation = Evaluation(loss: accepted.loss, gradient: accepted.gradient)
      lossAfter = accepted.loss
    }
    iterationCount += 1
    return report(start, moved: true, lossAfter: lossAfter, stop: stopAfterMove(start))
  }

  /// Runs up to `iterations` iterations, calling `afterIteration` after each; stops early when an
  /// iteration reports a stop reason or `afterIteration` returns false. Returns the last report.
  @discardableResult
  public func minimize(
    _ objective: ObjectiveFunction, iterations: Int,
    afterIteration: (LBFGSIteration) throws -> Bool = { _ in true }
  ) throws -> LBFGSIteration? {
    var last: LBFGSIteration?
    for _ in 0..<max(iterations, 0) {
      let iteration = try step(objective)
      last = iteration
      if try !afterIteration(iteration) || iteration.stop != nil { break }
    }
    return last
  }

  /// Adds the pair (s, y) of the last move to the memory when yᵀs > the curvature threshold, and
  /// then sets γ = yᵀs / yᵀy.
  private func updateMemory(gradient: Tensor, previousGradient: Tensor) {
    let candidate = history.candidateCurvature(
      direction: direction, stepLength: Float(stepLength), gradient: gradient,
      previousGradient: previousGradient)
    if candidate.curvature > configuration.curvatureThreshold {
      history.commit(
        direction: direction, stepLength: Float(stepLength), gradient: gradient,
        previousGradient: previousGradient, curvature: candidate.curvature)
      hessianScale = candidate.curvature / candidate.gradientChangeSquared
    }
  }

  /// d = −H g by the two-loop recursion (Nocedal & Wright Alg. 7.4), in place in `direction`.
  private func computeDirection(gradient: Tensor) {
    FlatVector.scaled(&direction, -1, gradient)
    let count = history.count
    let rho = history.inverseCurvatures
    for i in stride(from: count - 1, through: 0, by: -1) {
      alphas[i] = FlatVector.dot(history.step(i), direction) * rho[i]
      FlatVector.addScaled(&direction, Float(-alphas[i]), history.gradientChange(i))
    }
    direction.withUnsafeMutableBufferPointer { d in
      let scale = Float(hessianScale)
      FlatVector.elementwise(d.count) { range in
        for i in range { d[i] *= scale }
      }
    }
    for i in 0..<count {
      let beta = FlatVector.dot(history.gradientChange(i), direction) * rho[i]
      FlatVector.addScaled(&direction, Float(alphas[i] - beta), history.step(i))
    }
  }

  /// The strong-Wolfe search along `direction` from the current iterate.
  private func searchLine(
    _ objective: ObjectiveFunction, from start: Evaluation, slope: Double, initialStep: Double
  ) throws -> LinePoint {
    let search = StrongWolfeLineSearch(
      sufficientDecrease: configuration.sufficientDecrease,
      curvatureCondition: configuration.curvatureCondition,
      maximumIterations: configuration.maximumLineSearchIterations,
      toleranceChange: configuration.lineSearchToleranceChange)
    if trial == nil { trial = Tensor(uninitialized: parameters.shape) }
    let origin = LinePoint(step: 0, loss: start.loss, gradient: start.gradient, derivative: slope)
    let result = try search.search(
      from: origin, initialStep: initialStep,
      directionMaximum: Double(FlatVector.maximumMagnitude(direction))
    ) { step in
      try evaluateTrial(objective, step: step)
    }
    return result.point
  }

  /// f and ∇f at x + t d, written into the trial buffer (x itself is not touched).
  private func evaluateTrial(_ objective: ObjectiveFunction, step: Double) throws -> LinePoint {
    guard var point = trial else { preconditionFailure("LBFGS: no trial buffer") }
    trial = nil  // hand the buffer over uniquely, so the write below does not copy it
    FlatVector.step(&point, from: parameters, Float(step), along: direction)
    defer { trial = point }
    let evaluation = try objective(point)
    checkGradientLength(evaluation)
    evaluationCount += 1
    unreportedEvaluations += 1
    return LinePoint(
      step: step, loss: evaluation.loss, gradient: evaluation.gradient,
      derivative: FlatVector.dot(evaluation.gradient, direction))
  }

  /// The objective's gradient must have the parameters' length (a programmer error otherwise).
  private func checkGradientLength(_ evaluation: Evaluation) {
    precondition(
      evaluation.gradient.count == parameters.count,
      "LBFGS: the gradient has \(evaluation.gradient.count) values, the parameters \(parameters.count)"
    )
  }

  /// torch's tests after a move: gradient tolerance and loss change (strong Wolfe only; after a
  /// fixed step they wait for the next evaluation) and step tolerance.
  private func stopAfterMove(_ start: Evaluation) -> LBFGSStopReason? {
    if configuration.lineSearch == .strongWolfe, let after = currentEvaluation,
      Double(FlatVector.maximumMagnitude(after.gradient)) <= configuration.toleranceGrad
    {
      return .gradientTolerance
    }
    if Double(FlatVector.maximumMagnitude(direction)) * abs(stepLength)
      <= configuration.toleranceChange
    {
      return .stepTolerance
    }
    if configuration.lineSearch == .strongWolfe, let after = currentEvaluation,
      abs(after.loss - start.loss) < configuration.toleranceChange
    {
      return .lossChange
    }
    return nil
  }

  /// The report of this call; hands over the evaluations made since the last report.
  private func report(
    _ start: Evaluation, moved: Bool, lossAfter: Double?, stop: LBFGSStopReason?
  ) -> LBFGSIteration {
    defer { unreportedEvaluations = 0 }
    return LBFGSIteration(
      iteration: iterationCount, moved: moved, loss: start.loss, lossAfter: lossAfter,
      evaluations: unreportedEvaluations, totalEvaluations: evaluationCount,
      stepLength: moved ? stepLength : 0, historyCount: history.count, stop: stop)
  }
}
