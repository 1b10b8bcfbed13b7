import TensorCore

/// A point on the search line φ(t) = f(x + t d): the step t, φ(t), ∇f(x + t d) and φ′(t) = ∇fᵀd.
public struct LinePoint: Sendable {
  /// The step length t.
  public var step: Double
  /// φ(t) = f(x + t d).
  public var loss: Double
  /// ∇f(x + t d).
  public var gradient: Tensor
  /// φ′(t) = ∇f(x + t d)ᵀd.
  public var derivative: Double

  /// The point at step `step` with the given values.
  public init(step: Double, loss: Double, gradient: Tensor, derivative: Double) {
    self.step = step
    self.loss = loss
    self.gradient = gradient
    self.derivative = derivative
  }
}

/// The strong-Wolfe line search of torch.optim.LBFGS (`_strong_wolfe`, itself a port of
/// torch7's `lswolfe.lua`), reproduced step for step.
///
/// It looks for t with sufficient decrease φ(t) ≤ φ(0) + c₁ t φ′(0) and the strong curvature
/// condition |φ′(t)| ≤ −c₂ φ′(0). A bracketing phase moves t forward (each new trial is the
/// minimiser of the cubic through the last two points, clamped to [t + 0.01 (t − t_prev), 10 t])
/// until an interval must contain such a point; a zoom phase then shrinks the bracket with cubic
/// interpolation, moving a trial that lands within 10% of an end to 10% inside it when progress
/// stalls. It returns the bracket's lowest point, also when the evaluation budget runs out.
///
/// - Reference: Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithms 3.5 (line search)
///   and 3.6 (zoom), with cubic interpolation (eq. 3.59).
public struct StrongWolfeLineSearch: Sendable {
  /// c₁, the sufficient-decrease constant (torch 1e-4).
  public var sufficientDecrease: Double
  /// c₂, the curvature constant (torch 0.9).
  public var curvatureCondition: Double
  /// The most iterations after the first trial (torch `max_ls`): at most this + 1 evaluations.
  public var maximumIterations: Int
  /// Stop zooming when |bracket| · maxᵢ |dᵢ| < this (torch 1e-9).
  public var toleranceChange: Double

  /// A line search with torch's defaults unless given.
  public init(
    sufficientDecrease: Double = 1e-4, curvatureCondition: Double = 0.9,
    maximumIterations: Int = 25, toleranceChange: Double = 1e-9
  ) {
    self.sufficientDecrease = sufficientDecrease
    self.curvatureCondition = curvatureCondition
    self.maximumIterations = maximumIterations
    self.toleranceChange = toleranceChange
  }

  /// The chosen point and the number of evaluations of φ made.
  public struct Result: Sendable {
    /// The accepted point (its step, loss, gradient and derivative).
    public var point: LinePoint
    /// Evaluations of φ made by the search (1 to `maximumIterations` + 1).
    public var evaluations: Int
  }

  /// Searches from `start` (t = 0: φ(0), ∇f(x), φ′(0) < 0) with first trial step `initialStep`.
  ///
  /// - Parameters:
  ///   - directionMaximum: maxᵢ |dᵢ|, which turns a bracket width into a change of x.
  ///   - phi: evaluates the objective at x + t d, returning the point at t.
  public func search(
    from start: LinePoint, initialStep: Double, directionMaximum: Double,
    phi: (Double) throws -> LinePoint
  ) throws -> Result {
    let c1 = sufficientDecrease
    let c2 = curvatureCondition
    let f0 = start.loss
    let slope0 = start.derivative
    var evaluations = 1
    var new = try phi(initialStep)
    var previous = LinePoint(
      step: 0, loss: f0, gradient: start.gradient, derivative: start.derivative)
    var bracket: [LinePoint] = []
    var done = false
    var searchIterations = 0

    // Bracketing (Nocedal & Wright Alg. 3.5).
    while searchIterations < maximumIterations {
      if new.loss > f0 + c1 * new.step * slope0
        || (searchIterations > 1 && new.loss >= previous.loss)
      {
        bracket = [previous, new]
        break
      }
      if abs(new.derivative) <= -c2 * slope0 {
        bracket = [new]
        done = true
        break
      }
      if new.derivative >= 0 {
        bracket = [previous, new]
        break
      }
      let minimumStep = new.step + 0.01 * (new.step - previous.step)
      let maximumStep = new.step * 10
      let trial = Self.cubicMinimum(previous, new, bounds: (minimumStep, maximumStep))
      previous = new
      new = try phi(trial)
      evaluations += 1
      searchIterations += 1
    }
    if searchIterations == maximumIterations {
      bracket = [LinePoint(step: 0, loss: f0, gradient: start.gradient, derivative: slope0), new]
    }

    // Zoom (Nocedal & Wright Alg. 3.6).
    var insufficientProgress = false
    var (low, high) = bracket[0].loss <= bracket[bracket.count - 1].loss ? (0, 1) : (1, 0)
    while !done && searchIterations < maximumIterations {
      if abs(bracket[1].step - bracket[0].step) * directionMaximum < toleranceChange { break }
      var trial = Self.cubicMinimum(bracket[0], bracket[1], bounds: nil)
      let upper = max(bracket[0].step, bracket[1].step)
      let lower = min(bracket[0].step, bracket[1].step)
      let margin = 0.1 * (upper - lower)
      if min(upper - trial, trial - lower) < margin {
        // Close to an end: after a second such trial in a row, or outside, move 10% inside.
        if insufficientProgress || trial >= upper || trial <= lower {
          trial = abs(trial - upper) < abs(trial - lower) ? upper - margin : lower + margin
          insufficientProgress = false
        } else {
          insufficientProgress = true
        }
      } else {
        insufficientProgress = false
      }
      new = try phi(trial)
      evaluations += 1
      searchIterations += 1
      if new.loss > f0 + c1 * new.step * slope0 || new.loss >= bracket[low].loss {
        bracket[high] = new
        (low, high) = bracket[0].loss <= bracket[1].loss ? (0, 1) : (1, 0)
      } else {
        if abs(new.derivative) <= -c2 * slope0 {
          done = true
        } else if new.derivative * (bracket[high].step - bracket[low].step) >= 0 {
          bracket[high] = bracket[low]
        }
        bracket[low] = new
      }
    }
    return Result(point: bracket[low], evaluations: evaluations)
  }

  /// The minimiser of the cubic through two points with values and slopes, clamped to `bounds`
  /// (default: the interval between the points); the bounds' midpoint if the cubic has none.
  ///
  /// d₁ = φ′₁ + φ′₂ − 3 (φ₁ − φ₂) / (t₁ − t₂), d₂ = √(d₁² − φ′₁ φ′₂), and with t₂ the farther
  /// point t* = t₂ − (t₂ − t₁) (φ′₂ + d₂ − d₁) / (φ′₂ − φ′₁ + 2 d₂) (Nocedal & Wright eq. 3.59).
  static func cubicMinimum(_ a: LinePoint, _ b: LinePoint, bounds: (Double, Double)?) -> Double {
    cubicMinimum(
      a.step, a.loss, a.derivative, b.step, b.loss, b.derivative, bounds: bounds)
  }

  /// `cubicMinimum` on plain numbers: points (x₁, f₁, g₁) and (x₂, f₂, g₂).
  static func cubicMinimum(
    _ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double,
    bounds: (Double, Double)?
  ) -> Double {
    let (lower, upper) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
    let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    let d2Squared = d1 * d1 - g1 * g2
    guard d2Squared >= 0 else { return (lower + upper) / 2 }
    let d2 = d2Squared.squareRoot()
    let minimum =
      x1 <= x2
      ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
      : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minimum, lower), upper)
  }
}
