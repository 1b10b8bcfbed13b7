import Foundation
import Optimizers
import Runs
import Store
import TensorCore

/// Where a Gatys run stood after an iteration: enough to continue it exactly (`harness gatys
/// --resume DIR`), written atomically to `DIR/checkpoint.h5` every `checkpointEvery` iterations
/// and when the run is interrupted.
///
/// Layout: group `/optimizer` holds the optimiser's state as named values
/// (`WeightStore.saveState`: float32 tensors and float64 scalars of shape [], each a dataset at
/// its path) with attribute `kind` (`lbfgs` or `adam`). L-BFGS: `LBFGSState.namedState`
/// (`parameters`, the image; `direction`; `pairs/<i>/step`, `pairs/<i>/gradientChange`,
/// `pairs/<i>/inverseCurvature`; `previousGradient`; the cached evaluation `evaluation/gradient`
/// and `evaluation/loss`; counts and step lengths). Adam: `AdamState.namedState` for the one
/// parameter `image` (`step`, `m/image`, `v/image`) plus `image`, `evaluationCount` and the cached
/// evaluation. Root attributes: `iteration`, `elapsed_seconds`, `initial_loss`, `last_loss`,
/// `losses_stream` (the loss stream's state, so random losses draw what they would have drawn),
/// `reached_loss_at_iteration`, `reached_loss_after_seconds`, `format`. Uncompressed (at 512²
/// the L-BFGS history alone is 600 MiB; writing it takes about a second).
struct GatysCheckpoint {
  /// Where the loop stood.
  var position: LoopPosition
  /// The loss stream's state.
  var lossesStream: RandomStream
  /// The optimiser.
  var optimizer: ImageOptimizer.State

  static let format = "texture-nets-harness gatys checkpoint, version 2"

  /// The checkpoint's file name in a run folder.
  static let fileName = "checkpoint.h5"

  /// Writes the checkpoint to `checkpoint.h5` in `folder`, atomically (the previous checkpoint
  /// survives a crash while this one is written).
  func write(to folder: RunFolder) throws {
    try folder.writeHDF5Atomically(Self.fileName) { file in
      let root = try file.root
      try root.setAttribute("format", .string(Self.format))
      try root.setAttribute("iteration", .integer(Int64(position.iteration)))
      try root.setAttribute("elapsed_seconds", .double(position.elapsedSeconds))
      try root.setAttribute("initial_loss", .double(position.initialLoss))
      try root.setAttribute("last_loss", .double(position.lastLoss))
      try root.setAttribute(
        "losses_stream", .integers(lossesStream.stateWords.map { Int64(bitPattern: $0) }))
      if let reachedLossAtIteration = position.reachedLossAtIteration,
        let reachedLossAfterSeconds = position.reachedLossAfterSeconds
      {
        try root.setAttribute("reached_loss_at_iteration", .integer(Int64(reachedLossAtIteration)))
        try root.setAttribute("reached_loss_after_seconds", .double(reachedLossAfterSeconds))
      }
      try optimizer.write(to: try root.groupCreatingIfNeeded("optimizer"))
    }
  }

  /// Reads a checkpoint written by `write(to:)`; errors name the file.
  static func read(from path: String) throws -> GatysCheckpoint {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    guard try root.stringAttribute("format") == format else {
      throw GatysError.badCheckpoint(path, reason: "not a Gatys checkpoint of this harness (format attribute)")
    }
    guard case .integers(let values) = try root.attribute("losses_stream") else {
      throw GatysError.badCheckpoint(path, reason: "losses_stream must hold 4 integers")
    }
    let words = values.map { UInt64(bitPattern: $0) }
    guard let stream = RandomStream(stateWords: words) else {
      throw GatysError.badCheckpoint(path, reason: "losses_stream must hold 4 words")
    }
    let reached = try root.hasAttribute("reached_loss_at_iteration")
    let position = LoopPosition(
      iteration: Int(try root.integerAttribute("iteration")),
      elapsedSeconds: try root.double("elapsed_seconds"),
      initialLoss: try root.double("initial_loss"), lastLoss: try root.double("last_loss"),
      reachedLossAtIteration: reached ? Int(try root.integerAttribute("reached_loss_at_iteration")) : nil,
      reachedLossAfterSeconds: reached ? try root.double("reached_loss_after_seconds") : nil)
    return GatysCheckpoint(
      position: position, lossesStream: stream,
      optimizer: try ImageOptimizer.State.read(from: try root.group("optimizer"), path: path))
  }
}

/// Where a Gatys loop stands: iterations done, time spent, losses, the stop-at-loss record.
struct LoopPosition {
  /// Iterations completed.
  var iteration: Int
  /// Seconds spent in the loop so far (all sessions).
  var elapsedSeconds: Double
  /// Loss at the start and at the current iterate.
  var initialLoss: Double
  var lastLoss: Double
  /// When `stopAtLoss` was reached, if it was.
  var reachedLossAtIteration: Int?
  var reachedLossAfterSeconds: Double?
}

extension HDF5Group {
  /// Attribute `name` as one real number; a missing number is a `badCheckpoint` naming the file.
  func double(_ name: String) throws -> Double {
    guard let value = try doublesAttribute(name).first else {
      throw GatysError.badCheckpoint(file.path, reason: "attribute \(path)@\(name) holds no number")
    }
    return value
  }
}
