import TensorCore

/// The L-BFGS memory: up to m curvature pairs (sᵢ, yᵢ) with ρᵢ = 1 / (yᵢᵀsᵢ), oldest first.
///
/// sᵢ = x_{k+1} − x_k = t·d is a step and yᵢ = g_{k+1} − g_k the change of gradient along it
/// (Nocedal & Wright, *Numerical Optimization*, 2nd ed., §7.2). The pairs live in at most m
/// slots, each allocated the first time it is needed and then reused: a candidate pair's
/// curvature yᵀs and yᵀy are computed first without storing it (from the same float32 values of
/// s and y that would be stored), and only a pair that passes the threshold is written, into the
/// oldest pair's slot once m are kept. No iteration allocates once the memory is full (m = 100
/// pairs of a 512² RGB image: 600 MiB).
struct CurvatureHistory {
  /// m, the most pairs kept.
  let capacity: Int
  /// The element count of every vector.
  let length: Int
  /// s and y of every slot, by physical slot index.
  private(set) var steps: [Tensor] = []
  private(set) var gradientChanges: [Tensor] = []
  /// Physical slots of the kept pairs, oldest first.
  private(set) var order: [Int] = []
  /// ρᵢ = 1 / (yᵢᵀsᵢ) of the kept pairs, oldest first.
  private(set) var inverseCurvatures: [Double] = []
  /// Slots allocated but holding no kept pair.
  private var free: [Int] = []

  /// An empty memory for pairs of `length` values, keeping at most `capacity`.
  init(capacity: Int, length: Int) {
    precondition(capacity >= 1, "CurvatureHistory: capacity must be at least 1, got \(capacity)")
    self.capacity = capacity
    self.length = length
  }

  /// The number of pairs kept.
  var count: Int { order.count }

  /// sᵢ of the i-th kept pair (0 = oldest).
  func step(_ i: Int) -> Tensor { steps[order[i]] }
  /// yᵢ of the i-th kept pair (0 = oldest).
  func gradientChange(_ i: Int) -> Tensor { gradientChanges[order[i]] }

  /// yᵀs and yᵀy of the candidate pair s = t·d, y = g − g_prev, computed from the float32 values
  /// torch stores (`d.mul(t)`, `flat_grad.sub(prev_flat_grad)`), without storing them.
  func candidateCurvature(
    direction d: Tensor, stepLength t: Float, gradient g: Tensor, previousGradient previous: Tensor
  ) -> (curvature: Double, gradientChangeSquared: Double) {
    FlatVector.curvature(direction: d, stepLength: t, gradient: g, previousGradient: previous)
  }

  /// Keeps s = t·d, y = g − g_prev as the newest pair with ρ = 1 / curvature, writing it into the
  /// oldest pair's slot when m are already kept (else into a new slot).
  mutating func commit(
    direction d: Tensor, stepLength t: Float, gradient g: Tensor, previousGradient previous: Tensor,
    curvature: Double
  ) {
    let slot: Int
    if order.count == capacity {
      slot = order.removeFirst()
      inverseCurvatures.removeFirst()
    } else {
      slot = freeSlot()
      free.removeAll { $0 == slot }
    }
    FlatVector.scaled(&steps[slot], t, d)
    g.withUnsafeBufferPointer { g in
      previous.withUnsafeBufferPointer { previous in
        gradientChanges[slot].withUnsafeMutableBufferPointer { y in
          FlatVector.elementwise(y.count) { range in
            for i in range { y[i] = g[i] - previous[i] }
          }
        }
      }
    }
    order.append(slot)
    inverseCurvatures.append(1 / curvature)
  }

  /// Replaces the memory with `pairs` (oldest first), sharing their storage until written.
  mutating func load(
    steps newSteps: [Tensor], gradientChanges newChanges: [Tensor], inverseCurvatures rho: [Double]
  ) {
    precondition(newSteps.count == newChanges.count && newSteps.count == rho.count)
    precondition(newSteps.count <= capacity)
    steps = newSteps.map { $0.reshaped([length]) }
    gradientChanges = newChanges.map { $0.reshaped([length]) }
    order = Array(steps.indices)
    inverseCurvatures = rho
    free = []
  }

  /// A free slot, allocating a new one (of `length` floats) only when none is free.
  private mutating func freeSlot() -> Int {
    if let slot = free.last { return slot }
    steps.append(Tensor(uninitialized: [length]))
    gradientChanges.append(Tensor(uninitialized: [length]))
    free.append(steps.count - 1)
    return steps.count - 1
  }
}
