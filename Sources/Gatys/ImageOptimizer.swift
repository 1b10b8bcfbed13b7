import Optimizers
import Store
import TensorCore

/// L-BFGS or Adam over an image, behind one interface: evaluate at the current image (once per
/// iterate; cached), then step to the next. Both log the loss of each iterate: L-BFGS evaluates
/// the new iterate at the start of its next iteration anyway (torch's structure), and Adam's next
/// gradient is taken there too, so logging costs no extra evaluation except at the very end.
struct ImageOptimizer {
  private enum Engine {
    case lbfgs(LBFGS)
    case adam(Adam, image: Tensor, evaluation: Evaluation?)
  }

  private var engine: Engine
  /// Evaluations made.
  private(set) var evaluationCount = 0

  /// The parameter path of the image, Adam's only parameter: its moments are `m/image` and
  /// `v/image` in the named state.
  static let imagePath = "image"

  /// An optimiser starting at `start` with `configuration`.
  init(_ configuration: OptimizerConfiguration, start: Tensor) throws {
    switch configuration {
    case .lbfgs(let settings):
      engine = .lbfgs(try LBFGS(parameters: start, configuration: settings))
    case .adam(let settings):
      engine = .adam(
        try Adam(parameters: [(Self.imagePath, start.shape)], configuration: settings), image: start,
        evaluation: nil)
    }
  }

  /// The current image.
  var image: Tensor {
    switch engine {
    case .lbfgs(let lbfgs): return lbfgs.parameters
    case .adam(_, let image, _): return image
    }
  }

  /// The loss and gradient at the current image (evaluated once, then cached).
  mutating func evaluate(_ objective: ObjectiveFunction) throws -> Evaluation {
    switch engine {
    case .lbfgs(let lbfgs):
      let evaluation = try lbfgs.evaluate(objective)
      evaluationCount = lbfgs.evaluationCount
      return evaluation
    case .adam(let adam, let image, let cached):
      if let cached { return cached }
      let evaluation = try objective(image)
      evaluationCount += 1
      engine = .adam(adam, image: image, evaluation: evaluation)
      return evaluation
    }
  }

  /// One iteration; false when L-BFGS stopped without moving (a termination test fired).
  mutating func step(_ objective: ObjectiveFunction) throws -> Bool {
    switch engine {
    case .lbfgs(let lbfgs):
      let report = try lbfgs.step(objective)
      evaluationCount = lbfgs.evaluationCount
      return report.moved
    case .adam(var adam, var image, _):
      let evaluation = try evaluate(objective)
      adam.step(&image, gradient: evaluation.gradient)
      engine = .adam(adam, image: image, evaluation: nil)
      return true
    }
  }
}

extension ImageOptimizer {
  /// What a checkpoint keeps of the optimiser: L-BFGS's whole state, or Adam's state with the
  /// image, the cached evaluation and the evaluation count.
  enum State {
    case lbfgs(LBFGSState)
    case adam(AdamState, image: Tensor, evaluation: Evaluation?, evaluations: Int)

    /// Which optimiser the state is of.
    var kind: OptimizerConfiguration.Kind {
      switch self {
      case .lbfgs: return .lbfgs
      case .adam: return .adam
      }
    }

    /// The state as named values: L-BFGS's `namedState` as it is (it holds the image as
    /// `parameters`, the cached evaluation and the evaluation count); Adam's `namedState` (`step`,
    /// `m/image`, `v/image`) plus tensor `image`, scalar `evaluationCount` and, when an evaluation
    /// is cached, `evaluation/gradient` and `evaluation/loss` (L-BFGS's names for it).
    var namedState: OptimizerState {
      switch self {
      case .lbfgs(let state):
        return state.namedState
      case .adam(let state, let image, let evaluation, let evaluations):
        var named = state.namedState
        named.tensors[ImageOptimizer.imagePath] = image
        named.scalars["evaluationCount"] = Double(evaluations)
        if let evaluation {
          named.tensors["evaluation/gradient"] = evaluation.gradient
          named.scalars["evaluation/loss"] = evaluation.loss
        }
        return named
      }
    }

    /// Writes the state into `group`: attribute `kind` (`lbfgs` or `adam`) and the named values
    /// (`WeightStore.saveState`: tensors as float32 datasets, scalars as float64 datasets of
    /// shape [], uncompressed).
    func write(to group: HDF5Group) throws {
      try group.setAttribute("kind", .string(kind.rawValue))
      let named = namedState
      try WeightStore.saveState(tensors: named.tensors, scalars: named.scalars, to: group)
    }

    /// Reads a state written by `write(to:)` (`WeightStore.readState`, then
    /// `LBFGSState(namedState:)` or `AdamState(namedState:parameters:)`); a missing, extra or
    /// misshapen entry is a `GatysError.badCheckpoint` naming `path`, the checkpoint file.
    static func read(from group: HDF5Group, path: String) throws -> State {
      let name = try group.stringAttribute("kind")
      guard let kind = OptimizerConfiguration.Kind(rawValue: name) else {
        throw GatysError.badCheckpoint(path, reason: "unknown optimiser '\(name)'")
      }
      let values = try WeightStore.readState(from: group)
      var named = OptimizerState(tensors: values.tensors, scalars: values.scalars)
      do {
        switch kind {
        case .lbfgs:
          return .lbfgs(try LBFGSState(namedState: named))
        case .adam:
          guard let image = named.tensors.removeValue(forKey: ImageOptimizer.imagePath) else {
            throw GatysError.badCheckpoint(path, reason: "Adam's state has no tensor 'image'")
          }
          guard let evaluations = named.scalars.removeValue(forKey: "evaluationCount"),
            evaluations >= 0, evaluations == evaluations.rounded(), evaluations < 0x1p53
          else {
            throw GatysError.badCheckpoint(
              path, reason: "Adam's state needs scalar 'evaluationCount', a non-negative integer")
          }
          let gradient = named.tensors.removeValue(forKey: "evaluation/gradient")
          let loss = named.scalars.removeValue(forKey: "evaluation/loss")
          guard (gradient == nil) == (loss == nil) else {
            throw GatysError.badCheckpoint(
              path, reason: "'evaluation/gradient' and 'evaluation/loss' must be saved together")
          }
          let evaluation = gradient.flatMap { gradient in loss.map { Evaluation(loss: $0, gradient: gradient) } }
          let state = try AdamState(
            namedState: named, parameters: [(ImageOptimizer.imagePath, image.shape)])
          return .adam(state, image: image, evaluation: evaluation, evaluations: Int(evaluations))
        }
      } catch let error as OptimizerError {
        throw GatysError.badCheckpoint(path, reason: error.description)
      }
    }
  }

  /// The optimiser's state for a checkpoint (shares storage: no copy).
  var state: State {
    switch engine {
    case .lbfgs(let lbfgs): return .lbfgs(lbfgs.exportState())
    case .adam(let adam, let image, let evaluation):
      return .adam(adam.state, image: image, evaluation: evaluation, evaluations: evaluationCount)
    }
  }

  /// An optimiser continuing from `state` (read from the checkpoint at `checkpointPath`, which
  /// errors name) with `configuration`. A state that is not the configuration's optimiser's, or
  /// does not fit it (`OptimizerError.stateMismatch`), is a `GatysError.badCheckpoint`.
  init(_ configuration: OptimizerConfiguration, state: State, checkpointPath: String) throws {
    do {
      switch (configuration, state) {
      case (.lbfgs(let settings), .lbfgs(let lbfgsState)):
        let lbfgs = try LBFGS(state: lbfgsState, configuration: settings)
        engine = .lbfgs(lbfgs)
        evaluationCount = lbfgs.evaluationCount
      case (.adam(let settings), .adam(let adamState, let image, let evaluation, let evaluations)):
        engine = .adam(
          try Adam(state: adamState, configuration: settings), image: image, evaluation: evaluation)
        evaluationCount = evaluations
      default:
        throw GatysError.badCheckpoint(
          checkpointPath,
          reason: "its optimiser \(state.kind.rawValue) is not the configuration's \(configuration.kind.rawValue)")
      }
    } catch let error as OptimizerError {
      guard case .stateMismatch = error else { throw error }
      throw GatysError.badCheckpoint(checkpointPath, reason: error.description)
    }
  }
}
