import TensorCore

extension LBFGSState {
  /// The state as named values. Tensors: `parameters`, `direction`, `pairs/<i>/step` and
  /// `pairs/<i>/gradientChange` (oldest pair first), and when present `previousGradient` and
  /// `evaluation/gradient`. Scalars: `iterationCount`, `evaluationCount`, `stepLength`,
  /// `hessianScale`, `learningRate`, `pendingLossChangeTest` (0 or 1), `pairs/<i>/inverseCurvature`
  /// and when present `previousLoss` and `evaluation/loss`.
  public var namedState: OptimizerState {
    var tensors = ["parameters": parameters, "direction": direction]
    var scalars: [String: Double] = [
      "iterationCount": Double(iterationCount), "evaluationCount": Double(evaluationCount),
      "stepLength": stepLength, "hessianScale": hessianScale, "learningRate": learningRate,
      "pendingLossChangeTest": pendingLossChangeTest ? 1 : 0,
    ]
    for index in steps.indices {
      tensors["pairs/\(index)/step"] = steps[index]
      tensors["pairs/\(index)/gradientChange"] = gradientChanges[index]
      scalars["pairs/\(index)/inverseCurvature"] = inverseCurvatures[index]
    }
    if let previousGradient { tensors["previousGradient"] = previousGradient }
    if let previousLoss { scalars["previousLoss"] = previousLoss }
    if let currentEvaluation {
      tensors["evaluation/gradient"] = currentEvaluation.gradient
      scalars["evaluation/loss"] = currentEvaluation.loss
    }
    return OptimizerState(tensors: tensors, scalars: scalars)
  }

  /// The state saved as `namedState`. The pairs are `pairs/0` … `pairs/<n − 1>`, as many as
  /// there are `pairs/<i>/step` tensors.
  ///
  /// - Throws: `OptimizerError.stateMismatch` listing every missing and unused entry (an extra
  ///   or misspelt name); `LBFGS(state:configuration:)` then checks that the lengths agree.
  public init(namedState state: OptimizerState) throws(OptimizerError) {
    var problems: [String] = []
    let pairs = state.tensors.keys.filter { $0.hasPrefix("pairs/") && $0.hasSuffix("/step") }.count
    var tensorNames: Set<String> = ["parameters", "direction", "previousGradient"]
    var scalarNames: Set<String> = [
      "iterationCount", "evaluationCount", "stepLength", "hessianScale", "learningRate",
      "pendingLossChangeTest", "previousLoss", "evaluation/loss",
    ]
    tensorNames.insert("evaluation/gradient")
    for index in 0..<pairs {
      tensorNames.formUnion(["pairs/\(index)/step", "pairs/\(index)/gradientChange"])
      scalarNames.insert("pairs/\(index)/inverseCurvature")
    }
    let pending = state.scalar("pendingLossChangeTest", &problems)
    if state.scalars["pendingLossChangeTest"] != nil, pending != 0, pending != 1 {
      problems.append("scalar 'pendingLossChangeTest' must be 0 or 1, got \(pending)")
    }
    let hasEvaluation = state.tensors["evaluation/gradient"] != nil
    if hasEvaluation != (state.scalars["evaluation/loss"] != nil) {
      problems.append("'evaluation/gradient' and 'evaluation/loss' must be saved together")
    }
    let evaluation =
      hasEvaluation
      ? Evaluation(
        loss: state.scalar("evaluation/loss", &problems),
        gradient: state.tensor("evaluation/gradient", &problems)) : nil
    self.init(
      iterationCount: state.count("iterationCount", &problems),
      evaluationCount: state.count("evaluationCount", &problems),
      parameters: state.tensor("parameters", &problems),
      direction: state.tensor("direction", &problems),
      stepLength: state.scalar("stepLength", &problems),
      hessianScale: state.scalar("hessianScale", &problems),
      steps: (0..<pairs).map { state.tensor("pairs/\($0)/step", &problems) },
      gradientChanges: (0..<pairs).map { state.tensor("pairs/\($0)/gradientChange", &problems) },
      inverseCurvatures: (0..<pairs).map {
        state.scalar("pairs/\($0)/inverseCurvature", &problems)
      },
      previousGradient: state.tensors["previousGradient"], previousLoss: state.scalars["previousLoss"],
      currentEvaluation: evaluation, pendingLossChangeTest: pending == 1,
      learningRate: state.scalar("learningRate", &problems))
    problems += state.unusedNames(tensorNames: tensorNames, scalarNames: scalarNames)
    guard problems.isEmpty else {
      throw .stateMismatch(
        optimizer: LBFGSConfiguration.optimizerName, reason: problems.joined(separator: "; "))
    }
  }
}
