import Autodiff
import Store
import TensorCore

extension Generator {
  /// Every trainable tensor by its reference `state_dict` name, in PyTorch's `named_parameters`
  /// order: `branch.{k}.*` (k = 0 … K−1), `bn_coarse.{k}.*`, `bn_fine.{k}.*`, `join.{k}.*`
  /// (k = 1 … K−1), `to_rgb.*` (then `to_rgb_norm.*`). Each is a differentiable leaf.
  public var parameters: [(path: String, value: Variable)] {
    var result: [(path: String, value: Variable)] = []
    for (k, branch) in branches.enumerated() { result += prefixed("branch.\(k)", branch.parameters) }
    for (i, layer) in coarseNormalizations.enumerated() {
      result += prefixed("bn_coarse.\(i + 1)", layer.parameters)
    }
    for (i, layer) in fineNormalizations.enumerated() {
      result += prefixed("bn_fine.\(i + 1)", layer.parameters)
    }
    for (i, join) in joins.enumerated() { result += prefixed("join.\(i + 1)", join.parameters) }
    result += prefixed("to_rgb", toRGB.parameters)
    if let outputNormalization { result += prefixed("to_rgb_norm", outputNormalization.parameters) }
    return result
  }

  /// The batch norms' running statistics by `state_dict` name (`branch.0.bn0.running_mean`,
  /// `bn_coarse.1.running_var`, ...), in the order of `parameters`; none with instance norm.
  public var buffers: [(path: String, value: Tensor)] {
    var result: [(path: String, value: Tensor)] = []
    for (k, branch) in branches.enumerated() { result += prefixed("branch.\(k)", branch.buffers) }
    for (i, layer) in coarseNormalizations.enumerated() {
      result += prefixed("bn_coarse.\(i + 1)", layer.buffers)
    }
    for (i, layer) in fineNormalizations.enumerated() {
      result += prefixed("bn_fine.\(i + 1)", layer.buffers)
    }
    for (i, join) in joins.enumerated() { result += prefixed("join.\(i + 1)", join.buffers) }
    if let outputNormalization { result += prefixed("to_rgb_norm", outputNormalization.buffers) }
    return result
  }

  /// Parameters then buffers, by name: what a model file stores under `/weights` and what the
  /// reference's `state_dict()` holds (without PyTorch's `num_batches_tracked` counters).
  public var namedTensors: [(path: String, value: Tensor)] {
    parameters.map { ($0.path, $0.value.value) } + buffers
  }

  /// The shape of every named tensor (`namedTensors`), by name.
  public var expectedShapes: [String: Shape] {
    Dictionary(uniqueKeysWithValues: namedTensors.map { ($0.path, $0.value.shape) })
  }

  /// The number of trainable values (K = 5 texture: 71,659; K = 6 style: 118,211).
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.value.count } }

  /// Replaces the parameter or buffer named `path` (a name of `namedTensors`) with `value` of
  /// the same shape; a parameter becomes a new leaf.
  public mutating func setTensor(_ value: Tensor, at path: String) {
    let (head, rest) = splitPath(path)
    let (indexText, inner) = splitPath(rest)
    let index = Int(indexText) ?? -1
    switch head {
    case "branch" where branches.indices.contains(index):
      branches[index].setTensor(value, at: inner)
    case "bn_coarse" where coarseNormalizations.indices.contains(index - 1):
      coarseNormalizations[index - 1].setTensor(value, at: inner)
    case "bn_fine" where fineNormalizations.indices.contains(index - 1):
      fineNormalizations[index - 1].setTensor(value, at: inner)
    case "join" where joins.indices.contains(index - 1):
      joins[index - 1].setTensor(value, at: inner)
    case "to_rgb":
      toRGB.setTensor(value, at: rest)
    case "to_rgb_norm" where outputNormalization != nil:
      outputNormalization?.setTensor(value, at: rest)
    default:
      preconditionFailure("Generator has no tensor \(path)")
    }
  }

  /// Replaces every parameter, in `parameters` order (after an optimiser step); the shapes must
  /// be those of `parameters`.
  public mutating func setParameters(_ values: [Tensor]) {
    let paths = parameters.map(\.path)
    precondition(
      values.count == paths.count, "Generator: \(values.count) tensors for \(paths.count) parameters")
    for (path, value) in zip(paths, values) { setTensor(value, at: path) }
  }

  /// Loads every parameter and buffer by name from `tensors` (e.g. a PyTorch `state_dict`),
  /// after verifying that it holds exactly the names of `namedTensors` with their shapes.
  /// PyTorch's `*.num_batches_tracked` counters are ignored when they belong to a batch norm
  /// of this network. Otherwise any missing, unused or mis-shaped tensor throws
  /// `GeneratorError.weightsDoNotFit` listing each with both shapes; `source` names the origin.
  public mutating func load(_ tensors: [String: Tensor], source: String) throws(GeneratorError) {
    let expected = expectedShapes
    let counters = Set(
      buffers.map(\.path).filter { $0.hasSuffix(".running_mean") }.map {
        String($0.dropLast(".running_mean".count)) + ".num_batches_tracked"
      })
    var problems: [WeightProblem] = []
    for (path, shape) in expected {
      guard let tensor = tensors[path] else {
        problems.append(.missing(path: path, expected: shape))
        continue
      }
      if tensor.shape != shape {
        problems.append(.shapeMismatch(path: path, expected: shape, found: tensor.shape))
      }
    }
    for (path, tensor) in tensors where expected[path] == nil && !counters.contains(path) {
      problems.append(.unused(path: path, found: tensor.shape))
    }
    guard problems.isEmpty else {
      throw .weightsDoNotFit(source: source, problems: problems.sorted())
    }
    for path in expected.keys.sorted() {
      if let tensor = tensors[path] { setTensor(tensor, at: path) }
    }
  }
}
