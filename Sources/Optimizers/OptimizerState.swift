import TensorCore

/// An optimiser's state as named values, the form a checkpoint stores (as PyTorch's
/// `state_dict`): float32 tensors by path and Double scalars by name. Every optimiser saves and
/// restores through it, so Adam over a generator's many parameter tensors (`step`,
/// `m/<parameter path>`, `v/<parameter path>`) checkpoints the same way L-BFGS over an image does
/// (`parameters`, `direction`, `pairs/<i>/step`, ...). Store's `WeightStore.saveState` and
/// `readState` write and read it in HDF5.
///
/// Scalars are Double so that counts (exact up to 2⁵³) and Double quantities (losses, step
/// lengths, curvatures) round-trip bit for bit; booleans are 0 or 1.
public struct OptimizerState: Sendable {
  /// Float32 tensors by path (`m/levels/0/conv1/weight`).
  public var tensors: [String: Tensor]
  /// Double scalars by path (`step`, `pairs/3/inverseCurvature`).
  public var scalars: [String: Double]

  /// A state with the given values.
  public init(tensors: [String: Tensor] = [:], scalars: [String: Double] = [:]) {
    self.tensors = tensors
    self.scalars = scalars
  }

  /// Every name not in `tensorNames` / `scalarNames`, as `unused tensor 'x'` / `unused scalar
  /// 'y'`, sorted: a saved state with an extra or misspelt entry does not fit.
  func unusedNames(tensorNames: Set<String>, scalarNames: Set<String>) -> [String] {
    tensors.keys.filter { !tensorNames.contains($0) }.sorted().map { "unused tensor '\($0)'" }
      + scalars.keys.filter { !scalarNames.contains($0) }.sorted().map { "unused scalar '\($0)'" }
  }

  /// The scalar `name` as a count (a non-negative integer), or a problem appended to `problems`.
  func count(_ name: String, _ problems: inout [String]) -> Int {
    guard let value = scalars[name] else {
      problems.append("missing scalar '\(name)'")
      return 0
    }
    guard value >= 0, value == value.rounded(), value < 0x1p53 else {
      problems.append("scalar '\(name)' must be a non-negative integer, got \(value)")
      return 0
    }
    return Int(value)
  }

  /// The scalar `name`, or a problem appended to `problems` (0 then).
  func scalar(_ name: String, _ problems: inout [String]) -> Double {
    guard let value = scalars[name] else {
      problems.append("missing scalar '\(name)'")
      return 0
    }
    return value
  }

  /// The tensor `name`, or a problem appended to `problems` (an empty tensor then).
  func tensor(_ name: String, _ problems: inout [String]) -> Tensor {
    guard let value = tensors[name] else {
      problems.append("missing tensor '\(name)'")
      return Tensor(zeros: [0])
    }
    return value
  }
}
