import Foundation
import TensorCore

/// The settings of `Adam`; the defaults are Kingma & Ba's (and torch.optim.Adam's).
public struct AdamConfiguration: OptimizerSettings {
  /// α, the step size (texture networks: 0.1 in the paper and the official code).
  public var learningRate: Double
  /// β₁, the decay of the first-moment (mean) estimate.
  public var beta1: Double
  /// β₂, the decay of the second-moment (uncentred variance) estimate.
  public var beta2: Double
  /// ε, added to √v̂ to keep the division finite.
  public var epsilon: Double

  /// Settings with Kingma & Ba's defaults unless given.
  public init(
    learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// The name in messages.
  public static let optimizerName = "Adam"

  /// Every setting out of range, as `setting: message` (empty when the settings are valid): the
  /// one validation of Adam's settings (`validate()` and configuration files use it).
  public func problems() -> [String] {
    var problems = [Self.positiveProblem("learningRate", learningRate)].compactMap { $0 }
    if !(0..<1).contains(beta1) { problems.append("beta1: must lie in [0, 1), got \(beta1)") }
    if !(0..<1).contains(beta2) { problems.append("beta2: must lie in [0, 1), got \(beta2)") }
    if let problem = Self.positiveProblem("epsilon", epsilon) { problems.append(problem) }
    return problems
  }
}

/// The state of `Adam`: the step count t and, per parameter tensor, the moment estimates m and v
/// (float32, each the shape of its parameter), with the parameter's path. A checkpoint stores it
/// as named tensors (`namedState`); `Adam(state:configuration:)` resumes.
public struct AdamState: Sendable {
  /// t, the number of updates made (the bias corrections use it).
  public var stepCount: Int
  /// m, the biased first-moment estimates, one per parameter tensor.
  public var firstMoments: [Tensor]
  /// v, the biased second-moment estimates, one per parameter tensor.
  public var secondMoments: [Tensor]
  /// The parameters' paths (`levels/0/conv1/weight`, or `0`, `1`, ... when none were given), in
  /// the order of the moments: the names of the moments in `namedState`.
  public var paths: [String]

  /// A state with the given values; `paths` default to the indices `0`, `1`, ...
  public init(
    stepCount: Int, firstMoments: [Tensor], secondMoments: [Tensor], paths: [String]? = nil
  ) {
    self.stepCount = stepCount
    self.firstMoments = firstMoments
    self.secondMoments = secondMoments
    self.paths = paths ?? firstMoments.indices.map(String.init)
  }
}

/// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction, as torch.optim.Adam computes it,
/// over one or more float32 parameter tensors updated in place.
///
/// Each update, with gradient g and t ← t + 1:
///   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,
///   x ← x − (α / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
/// This is the paper's m̂ / (√v̂ + ε) with ε added after the correction, in torch's arithmetic
/// order (the scalars in Double, the elementwise work in float32).
///
/// - Reference: D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
///   Algorithm 1; torch.optim.Adam (`_single_tensor_adam`, no weight decay, no AMSGrad).
public struct Adam: Sendable {
  /// The settings (the learning rate excepted, which `learningRate` holds).
  public let configuration: AdamConfiguration
  /// α of the next update; a schedule may change it between updates.
  public var learningRate: Double
  /// The step count and moments.
  public private(set) var state: AdamState

  /// An optimiser for parameter tensors of the given shapes, with zero moments; the tensors'
  /// paths are their indices `0`, `1`, ...
  public init(shapes: [Shape], configuration: AdamConfiguration = .init()) throws(OptimizerError) {
    try self.init(
      parameters: shapes.enumerated().map { (String($0.offset), $0.element) },
      configuration: configuration)
  }

  /// An optimiser for the named parameter tensors `parameters` (a model's `(path, shape)` list,
  /// in the order `step` receives them), with zero moments. Paths must be distinct.
  public init(
    parameters: [(path: String, shape: Shape)], configuration: AdamConfiguration = .init()
  ) throws(OptimizerError) {
    try configuration.validate()
    precondition(
      Set(parameters.map(\.path)).count == parameters.count,
      "Adam: parameter paths must be distinct, got \(parameters.map(\.path))")
    self.configuration = configuration
    learningRate = configuration.learningRate
    state = AdamState(
      stepCount: 0, firstMoments: parameters.map { Tensor(zeros: $0.shape) },
      secondMoments: parameters.map { Tensor(zeros: $0.shape) }, paths: parameters.map(\.path))
  }

  /// An optimiser that resumes from `state` (e.g. read from a checkpoint).
  ///
  /// - Throws: `OptimizerError.stateMismatch` when the moments do not pair up or the count is negative.
  public init(state: AdamState, configuration: AdamConfiguration) throws(OptimizerError) {
    try configuration.validate()
    guard state.stepCount >= 0 else {
      throw .stateMismatch(
        optimizer: AdamConfiguration.optimizerName,
        reason: "negative stepCount \(state.stepCount)")
    }
    guard state.firstMoments.count == state.secondMoments.count else {
      throw .stateMismatch(
        optimizer: AdamConfiguration.optimizerName,
        reason: "\(state.firstMoments.count) first moments but \(state.secondMoments.count) second")
    }
    guard state.paths.count == state.firstMoments.count else {
      throw .stateMismatch(
        optimizer: AdamConfiguration.optimizerName,
        reason: "\(state.paths.count) paths for \(state.firstMoments.count) moments")
    }
    for (i, (m, v)) in zip(state.firstMoments, state.secondMoments).enumerated()
    where m.shape != v.shape {
      throw .stateMismatch(
        optimizer: AdamConfiguration.optimizerName,
        reason: "moments[\(i)]: first \(m.shape), second \(v.shape)")
    }
    self.configuration = configuration
    learningRate = configuration.learningRate
    self.state = state
  }

  /// One update of every parameter tensor with its gradient (same order and counts as the shapes).
  public mutating func step(_ parameters: inout [Tensor], gradients: [Tensor]) {
    precondition(
      parameters.count == state.firstMoments.count && gradients.count == parameters.count,
      "Adam: \(parameters.count) parameters, \(gradients.count) gradients, "
        + "\(state.firstMoments.count) moment slots")
    state.stepCount += 1
    for i in parameters.indices {
      update(&parameters[i], gradient: gradients[i], slot: i)
    }
  }

  /// One update of a single parameter tensor (an optimiser made for one shape).
  public mutating func step(_ parameter: inout Tensor, gradient: Tensor) {
    precondition(
      state.firstMoments.count == 1, "Adam: made for \(state.firstMoments.count) tensors, given 1")
    state.stepCount += 1
    update(&parameter, gradient: gradient, slot: 0)
  }

  /// The elementwise update of slot `slot` at the current step count.
  private mutating func update(_ parameter: inout Tensor, gradient: Tensor, slot: Int) {
    let count = parameter.count
    precondition(
      gradient.count == count && state.firstMoments[slot].count == count,
      "Adam: parameter \(slot) has \(count) values, its gradient \(gradient.count), "
        + "its moments \(state.firstMoments[slot].count)")
    let t = Double(state.stepCount)
    let correction1 = 1 - pow(configuration.beta1, t)
    let correction2 = 1 - pow(configuration.beta2, t)
    let stepSize = Float(learningRate / correction1)
    let correction2Root = Float(correction2.squareRoot())
    let weight1 = Float(1 - configuration.beta1)
    let beta2 = Float(configuration.beta2)
    let weight2 = Float(1 - configuration.beta2)
    let epsilon = Float(configuration.epsilon)
    gradient.withUnsafeBufferPointer { g in
      state.firstMoments[slot].withUnsafeMutableBufferPointer { m in
        state.secondMoments[slot].withUnsafeMutableBufferPointer { v in
          parameter.withUnsafeMutableBufferPointer { x in
            FlatVector.elementwise(count) { range in
              for i in range {
                m[i] += weight1 * (g[i] - m[i])
                v[i] = v[i] * beta2 + weight2 * g[i] * g[i]
                let denominator = v[i].squareRoot() / correction2Root + epsilon
                x[i] -= stepSize * (m[i] / denominator)
              }
            }
          }
        }
      }
    }
  }
}
