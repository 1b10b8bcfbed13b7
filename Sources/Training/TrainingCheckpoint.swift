import Foundation
import Optimizers
import Runs
import Store
import TensorCore

/// Where a training stood after an iteration: enough to continue it exactly (`harness train
/// --resume DIR`), written atomically to `DIR/checkpoint.h5` every `checkpointEvery` iterations
/// and when the run is interrupted (a crash while writing leaves the previous checkpoint).
///
/// Layout:
///
///     /generator/<state_dict name>   the network: parameters and running statistics (float32)
///     /optimizer/step, /optimizer/m/<name>, /optimizer/v/<name>   Adam's state (AdamState.namedState)
///     /metrics                       float64 [rows, columns]: the metrics table so far, so the run
///                                    store can be rebuilt should it be damaged
///     @format, @iteration, @elapsed_seconds
///     @stream_training_noise, @stream_content_order, @stream_losses   4 words each
///     @content_permutation, @content_position   the content set's order (style mode)
struct TrainingCheckpoint {
  /// Iterations completed.
  var iteration: Int
  /// Seconds of training loop so far, all sessions.
  var elapsedSeconds: Double
  /// The generator's named tensors.
  var generator: [String: Tensor]
  /// Adam's state.
  var optimizer: OptimizerState
  /// The random streams' states by name.
  var streams: [String: RandomStream]
  /// The content order (style mode).
  var contentOrder: ContentOrder?
  /// The metrics rows so far (`iteration` rows).
  var metrics: [[Double]]

  static let format = "texture-nets-harness training checkpoint, version 1"

  /// The checkpoint's file name in a run folder.
  static let fileName = "checkpoint.h5"

  /// The stream names a checkpoint holds.
  static let streamNames = ["training_noise", "content_order", "losses"]

  /// Writes the checkpoint to `checkpoint.h5` in `folder`, atomically.
  func write(to folder: RunFolder) throws {
    try folder.writeHDF5Atomically(Self.fileName) { file in
      let root = try file.root
      try root.setAttribute("format", .string(Self.format))
      try root.setAttribute("iteration", .integer(Int64(iteration)))
      try root.setAttribute("elapsed_seconds", .double(elapsedSeconds))
      for name in Self.streamNames {
        guard let stream = streams[name] else { continue }
        try root.setAttribute(
          "stream_\(name)", .integers(stream.stateWords.map { Int64(bitPattern: $0) }))
      }
      if let contentOrder {
        try root.setAttribute("content_permutation", .integers(contentOrder.permutation.map { Int64($0) }))
        try root.setAttribute("content_position", .integer(Int64(contentOrder.position)))
      }
      try WeightStore.save(generator, to: try root.createGroup("generator"))
      try WeightStore.saveState(
        tensors: optimizer.tensors, scalars: optimizer.scalars, to: try root.createGroup("optimizer"))
      let columns = metrics.first?.count ?? 0
      try root.write(
        ShapedArray(shape: Shape([metrics.count, columns]), scalars: metrics.flatMap { $0 }), to: "metrics")
    }
  }

  /// Reads a checkpoint written by `write(to:)`; errors name the file.
  static func read(from path: String) throws -> TrainingCheckpoint {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    guard try root.hasAttribute("format"), try root.stringAttribute("format") == format else {
      throw TrainingError.badCheckpoint(path, reason: "not a training checkpoint of this harness (format attribute)")
    }
    var streams: [String: RandomStream] = [:]
    for name in streamNames {
      guard case .integers(let values) = try root.attribute("stream_\(name)"),
        let stream = RandomStream(stateWords: values.map { UInt64(bitPattern: $0) })
      else {
        throw TrainingError.badCheckpoint(path, reason: "stream_\(name) must hold 4 integers")
      }
      streams[name] = stream
    }
    var contentOrder: ContentOrder?
    if try root.hasAttribute("content_permutation") {
      guard case .integers(let values) = try root.attribute("content_permutation") else {
        throw TrainingError.badCheckpoint(path, reason: "content_permutation must hold integers")
      }
      contentOrder = ContentOrder(
        permutation: values.map { Int($0) }, position: Int(try root.integerAttribute("content_position")))
    }
    let generatorGroup = try root.group("generator")
    var generator: [String: Tensor] = [:]
    for name in try generatorGroup.datasetPaths() { generator[name] = try generatorGroup.readTensor(name) }
    let state = try WeightStore.readState(from: try root.group("optimizer"))
    let table = try root.read("metrics", as: Double.self)
    let columns = table.shape.rank == 2 ? table.shape[1] : 0
    let rows = columns == 0 ? [] : stride(from: 0, to: table.scalars.count, by: columns).map {
      Array(table.scalars[$0..<($0 + columns)])
    }
    let iteration = Int(try root.integerAttribute("iteration"))
    guard rows.count == iteration else {
      throw TrainingError.badCheckpoint(path, reason: "\(rows.count) metric rows for iteration \(iteration)")
    }
    guard let elapsed = try root.doublesAttribute("elapsed_seconds").first else {
      throw TrainingError.badCheckpoint(path, reason: "no elapsed_seconds")
    }
    return TrainingCheckpoint(
      iteration: iteration, elapsedSeconds: elapsed, generator: generator,
      optimizer: OptimizerState(tensors: state.tensors, scalars: state.scalars), streams: streams,
      contentOrder: contentOrder, metrics: rows)
  }
}
