import Synchronization
import TensorCore

/// A tensor value in a differentiable computation.
///
/// A `Variable` either is a constant (no tape node: nothing that depends only on constants is
/// recorded, so running a network on constants is inference mode and records nothing), or carries
/// a tape node: a leaf that needs a gradient (`Variable(_:requiresGradient: true)`), or the result
/// of an op one of whose inputs has a node. The node keeps the op's pullback and its parents'
/// nodes, never the values of the variables themselves, so an activation is freed as soon as
/// neither user code nor a pullback holds it.
public struct Variable: @unchecked Sendable {
  /// The value.
  public let value: Tensor
  let node: TapeNode?

  /// A constant: gradients never flow into it.
  public init(_ value: Tensor) {
    self.value = value
    node = nil
  }

  /// A leaf; with `requiresGradient` its gradient can be asked of `gradients(of:with:)`.
  public init(_ value: Tensor, requiresGradient: Bool) {
    self.value = value
    node = requiresGradient ? TapeNode(parents: [], pullback: nil) : nil
  }

  /// The result of an op: `value`, differentiated through `pullback`, which maps the gradient of
  /// `value` to one gradient per input (in `inputs` order; nil where no gradient is needed). The
  /// pullback may overwrite the gradient it is given (it is the only holder during the backward
  /// pass, so in-place work such as masking costs no copy).
  /// When no input needs a gradient, the result is a constant and nothing is recorded.
  public init(
    _ value: Tensor, inputs: [Variable], pullback: @escaping (inout Tensor) -> [Tensor?]
  ) {
    self.value = value
    if inputs.contains(where: { $0.node != nil }) {
      node = TapeNode(parents: inputs.map(\.node), pullback: pullback)
    } else {
      node = nil
    }
  }

  /// Whether gradients flow through this variable.
  public var requiresGradient: Bool { node != nil }

  /// The shape of the value.
  public var shape: Shape { value.shape }

  /// This variable's value without its history: a constant.
  public var detached: Variable { Variable(value) }
}

/// A node of the tape: the pullback of the op that made a variable and its inputs' nodes.
final class TapeNode: @unchecked Sendable {
  private static let counter = Atomic<Int>(0)

  /// Creation order; a node's parents always have smaller orders (a topological order).
  let order: Int
  var parents: [TapeNode?]
  var pullback: ((inout Tensor) -> [Tensor?])?
  var gradient: Tensor?

  init(parents: [TapeNode?], pullback: ((inout Tensor) -> [Tensor?])?) {
    order = TapeNode.counter.wrappingAdd(1, ordering: .relaxed).newValue
    self.parents = parents
    self.pullback = pullback
  }
}
