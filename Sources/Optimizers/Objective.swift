import TensorCore

/// The value and gradient of an objective at one point: `loss` = f(x), `gradient` = ∇f(x).
///
/// The gradient has the parameters' element count (any shape; it is read as a flat vector).
public struct Evaluation: Sendable {
  /// f(x), in Double so that small changes of large sums stay visible.
  public var loss: Double
  /// ∇f(x), float32, the same element count as x.
  public var gradient: Tensor

  /// An evaluation with loss `loss` and gradient `gradient`.
  public init(loss: Double, gradient: Tensor) {
    self.loss = loss
    self.gradient = gradient
  }
}

/// An objective to minimise: given the parameters x, returns f(x) and ∇f(x).
///
/// It must not keep `x` beyond the call if it wants to spare the optimiser a copy: the optimiser
/// writes into that buffer later (a kept reference is safe, but makes the optimiser copy it).
/// Throwing stops the optimiser's iteration with the iterate unchanged.
public typealias ObjectiveFunction = (Tensor) throws -> Evaluation
