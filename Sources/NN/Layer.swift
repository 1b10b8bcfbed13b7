import Autodiff
import TensorCore

/// Whether a layer runs for training or for sampling; passed to every call, never global.
///
/// - `training`: batch normalisation uses the batch's statistics and updates its running
///   averages; parameters are the layer's differentiable leaves, so the pass records a tape.
/// - `inference`: batch normalisation uses its `inferenceStatistics` (the running averages by
///   default); parameters enter as constants, so a pass on constant inputs records no tape and
///   every activation is freed as soon as the next layer has read it.
public enum LayerMode: String, Codable, CaseIterable, Sendable {
  case training, inference
}

/// A network layer: a function of one `[N, C, H, W]` input with named parameters and buffers.
///
/// Parameters and buffers are listed explicitly by path (no reflection), in a fixed order, with
/// the paths of the PyTorch `state_dict` they correspond to (`weight`, `bias`, `running_mean`),
/// so composite layers build their paths by prefixing (`conv0.weight`, `branch.2.bn1.bias`).
/// `callAsFunction` is `mutating` because training-mode batch normalisation updates its running
/// averages, as PyTorch's `forward` does; inference never mutates.
public protocol Layer {
  /// The layer applied to `x` in `mode`.
  mutating func callAsFunction(_ x: Variable, mode: LayerMode) -> Variable

  /// The trainable tensors by path, each a differentiable leaf (pass them to
  /// `gradients(of:with:)`).
  var parameters: [(path: String, value: Variable)] { get }

  /// The non-trainable state by path (batch normalisation's running statistics).
  var buffers: [(path: String, value: Tensor)] { get }

  /// Replaces the parameter or buffer at `path` (one of the paths listed by `parameters` or
  /// `buffers`) with `value`, which must have the same shape; a parameter becomes a new leaf.
  mutating func setTensor(_ value: Tensor, at path: String)
}

extension Layer {
  /// No buffers.
  public var buffers: [(path: String, value: Tensor)] { [] }

  /// The number of trainable values: Σ over the parameters of their element counts.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.value.count } }
}

/// The parameter a layer uses in `mode`: the differentiable leaf in training, a constant (no
/// tape) in inference.
func parameter(_ value: Variable, in mode: LayerMode) -> Variable {
  mode == .training ? value : value.detached
}

/// A new differentiable leaf for `value`, after checking it has `expected`'s shape.
func leaf(_ value: Tensor, replacing expected: Variable, path: String) -> Variable {
  checkShape(value, expected.shape, path: path)
  return Variable(value, requiresGradient: true)
}

/// Stops with a message naming `path` and both shapes when `value` is not `expected`-shaped.
func checkShape(_ value: Tensor, _ expected: Shape, path: String) {
  precondition(
    value.shape == expected, "\(path): a tensor of shape \(value.shape) for a parameter of \(expected)")
}

/// `(prefix + "." + path, value)` for each entry: the paths of a sub-layer inside its parent.
func prefixed<Value>(_ prefix: String, _ entries: [(path: String, value: Value)])
  -> [(path: String, value: Value)]
{
  entries.map { (prefix + "." + $0.path, $0.value) }
}

/// `("conv0", "weight")` for `"conv0.weight"`: the first path component and the rest.
func splitPath(_ path: String) -> (head: String, rest: String) {
  guard let dot = path.firstIndex(of: ".") else { return (path, "") }
  return (String(path[..<dot]), String(path[path.index(after: dot)...]))
}
