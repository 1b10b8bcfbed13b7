import TensorCore

extension AdamState {
  /// The state as named values: scalar `step` (t), tensors `m/<path>` and `v/<path>` for each
  /// parameter path (first and second moments, each the parameter's shape).
  public var namedState: OptimizerState {
    var tensors: [String: Tensor] = [:]
    for (path, (m, v)) in zip(paths, zip(firstMoments, secondMoments)) {
      tensors["m/\(path)"] = m
      tensors["v/\(path)"] = v
    }
    return OptimizerState(tensors: tensors, scalars: ["step": Double(stepCount)])
  }

  /// The state saved as `namedState` for the parameters `parameters` (the model's `(path,
  /// shape)` list, in `step` order).
  ///
  /// - Throws: `OptimizerError.stateMismatch` listing every missing entry, unused entry (an extra
  ///   or misspelt path) and moment whose shape is not its parameter's.
  public init(namedState state: OptimizerState, parameters: [(path: String, shape: Shape)])
    throws(OptimizerError)
  {
    var problems: [String] = []
    let stepCount = state.count("step", &problems)
    var firstMoments: [Tensor] = []
    var secondMoments: [Tensor] = []
    for (path, shape) in parameters {
      for (prefix, name) in [("m", "first moment"), ("v", "second moment")] {
        let key = "\(prefix)/\(path)"
        let moment = state.tensor(key, &problems)
        if state.tensors[key] != nil, moment.shape != shape {
          problems.append("\(name) '\(key)' has shape \(moment.shape), the parameter \(shape)")
        }
        if prefix == "m" { firstMoments.append(moment) } else { secondMoments.append(moment) }
      }
    }
    let names = Set(parameters.flatMap { ["m/\($0.path)", "v/\($0.path)"] })
    problems += state.unusedNames(tensorNames: names, scalarNames: ["step"])
    guard problems.isEmpty else {
      throw .stateMismatch(
        optimizer: AdamConfiguration.optimizerName, reason: problems.joined(separator: "; "))
    }
    self.init(
      stepCount: stepCount, firstMoments: firstMoments, secondMoments: secondMoments,
      paths: parameters.map(\.path))
  }
}
