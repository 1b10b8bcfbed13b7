/// How L-BFGS chooses the step length t along its direction d.
public enum LineSearch: String, Codable, Equatable, Sendable, CaseIterable {
  /// A fixed step t = learning rate (the first iteration: min(1, 1/‖g‖₁) · learning rate), and
  /// exactly one objective evaluation per iteration. torch.optim.LBFGS's default, and neural-style's.
  case none
  /// The strong-Wolfe line search of torch.optim.LBFGS (`line_search_fn="strong_wolfe"`):
  /// bracketing then zoom with cubic interpolation (Nocedal & Wright, Alg. 3.5 and 3.6).
  case strongWolfe
}

/// The settings of `LBFGS`; the defaults are torch.optim.LBFGS's.
///
/// The Gatys baseline (neural-style, the PyTorch reference) uses learning rate 1, history 100,
/// no line search, and both tolerances 0 (so only an exactly zero gradient stops it early).
public struct LBFGSConfiguration: OptimizerSettings {
  /// The name in messages.
  public static let optimizerName = "L-BFGS"

  /// The step length t (torch `lr`): t = learningRate, scaled by min(1, 1/‖g‖₁) in the first
  /// iteration; with a line search, the search's first trial step.
  public var learningRate: Double
  /// m, the most curvature pairs (s, y) kept (torch `history_size`); the oldest goes first.
  public var historySize: Int
  /// Stop when maxᵢ |gᵢ| ≤ this (torch `tolerance_grad`, first-order optimality).
  public var toleranceGrad: Double
  /// Stop when gᵀd > −this, when maxᵢ |t·dᵢ| ≤ this, or when |f_new − f_old| < this
  /// (torch `tolerance_change`).
  public var toleranceChange: Double
  /// The step-length rule.
  public var lineSearch: LineSearch
  /// A pair (s, y) enters the history only when yᵀs > this; torch hard-codes 1e-10. Below it the
  /// curvature is too weak (or negative) for the BFGS update to stay positive definite.
  public var curvatureThreshold: Double
  /// The strong-Wolfe search's sufficient-decrease constant c₁: f(x + t d) ≤ f(x) + c₁ t gᵀd.
  public var sufficientDecrease: Double
  /// The strong-Wolfe search's curvature constant c₂: |∇f(x + t d)ᵀd| ≤ −c₂ gᵀd.
  public var curvatureCondition: Double
  /// The most iterations of one line search after its first trial (torch `max_ls`, 25), so at
  /// most this + 1 evaluations. torch's `step` passes `max_eval − evaluations so far` instead,
  /// which with its defaults (max_iter 20, max_eval 25) is 24 in the first iteration.
  public var maximumLineSearchIterations: Int
  /// The line search stops refining when |bracket| · maxᵢ |dᵢ| < this. torch does not pass its
  /// `tolerance_change` to the search, which therefore always uses 1e-9.
  public var lineSearchToleranceChange: Double

  /// Settings with torch.optim.LBFGS's defaults unless given.
  public init(
    learningRate: Double = 1, historySize: Int = 100, toleranceGrad: Double = 1e-7,
    toleranceChange: Double = 1e-9, lineSearch: LineSearch = .none,
    curvatureThreshold: Double = 1e-10, sufficientDecrease: Double = 1e-4,
    curvatureCondition: Double = 0.9, maximumLineSearchIterations: Int = 25,
    lineSearchToleranceChange: Double = 1e-9
  ) {
    self.learningRate = learningRate
    self.historySize = historySize
    self.toleranceGrad = toleranceGrad
    self.toleranceChange = toleranceChange
    self.lineSearch = lineSearch
    self.curvatureThreshold = curvatureThreshold
    self.sufficientDecrease = sufficientDecrease
    self.curvatureCondition = curvatureCondition
    self.maximumLineSearchIterations = maximumLineSearchIterations
    self.lineSearchToleranceChange = lineSearchToleranceChange
  }

  /// Every setting out of range, as `setting: message` (empty when the settings are valid): the
  /// one validation of L-BFGS's settings (`validate()` and configuration files use it).
  public func problems() -> [String] {
    var problems = [Self.positiveProblem("learningRate", learningRate)].compactMap { $0 }
    if historySize < 1 { problems.append("historySize: must be at least 1, got \(historySize)") }
    let tolerances = [
      ("toleranceGrad", toleranceGrad), ("toleranceChange", toleranceChange),
      ("curvatureThreshold", curvatureThreshold),
      ("lineSearchToleranceChange", lineSearchToleranceChange),
    ]
    for (name, value) in tolerances where !(value.isFinite && value >= 0) {
      problems.append("\(name): must be finite and non-negative, got \(value)")
    }
    if !(0 < sufficientDecrease && sufficientDecrease < curvatureCondition
      && curvatureCondition < 1)
    {
      problems.append(
        "sufficientDecrease, curvatureCondition: need 0 < sufficientDecrease < "
          + "curvatureCondition < 1, got \(sufficientDecrease), \(curvatureCondition)")
    }
    if maximumLineSearchIterations < 0 {
      problems.append(
        "maximumLineSearchIterations: must be non-negative, got \(maximumLineSearchIterations)")
    }
    return problems
  }
}
