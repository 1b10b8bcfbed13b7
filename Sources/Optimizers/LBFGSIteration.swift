/// Why L-BFGS stopped: the termination tests of torch.optim.LBFGS.
public enum LBFGSStopReason: String, Codable, Equatable, Sendable {
  /// maxᵢ |gᵢ| ≤ toleranceGrad at the iterate (first-order optimality).
  case gradientTolerance
  /// gᵀd > −toleranceChange: the direction is not a descent direction (no move was made).
  case directionalDerivative
  /// maxᵢ |t·dᵢ| ≤ toleranceChange: the step no longer changes x.
  case stepTolerance
  /// |f(x_new) − f(x_old)| < toleranceChange: the loss no longer changes.
  case lossChange
}

/// What one call of `LBFGS.step` did, for logging and for the caller's stopping rules.
public struct LBFGSIteration: Sendable {
  /// The number of iterations completed so far, this one included if it moved (1 for the first).
  public var iteration: Int
  /// Whether the iterate moved. A stop found before moving (gradient tolerance, loss change after
  /// a fixed step, or a non-descent direction) leaves it where it was.
  public var moved: Bool
  /// f at the iterate this iteration started from: the value torch's `step` returns and
  /// neural-style prints.
  public var loss: Double
  /// f at the new iterate, when known without another evaluation: after a line search. With a
  /// fixed step it is nil; `LBFGS.evaluate` gives it, and the next iteration reuses that evaluation.
  public var lossAfter: Double?
  /// Objective evaluations belonging to this iteration: the one at its starting iterate, if not
  /// made by the previous line search (whether `step` made it or an earlier `LBFGS.evaluate`),
  /// plus its line search's. With no line search exactly 1; with strong Wolfe 1 + the search's in
  /// the first iteration and the search's alone after it, as torch counts `func_evals`.
  public var evaluations: Int
  /// All objective evaluations since the start (torch's `func_evals`).
  public var totalEvaluations: Int
  /// The step length t used (0 if the iterate did not move).
  public var stepLength: Double
  /// Curvature pairs in the memory after this iteration.
  public var historyCount: Int
  /// Set when one of torch's termination tests fired.
  public var stop: LBFGSStopReason?
}
