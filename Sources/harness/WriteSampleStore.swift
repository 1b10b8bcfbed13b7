import ArgumentParser
import Store
import TensorCore

/// `harness _write-sample-store FILE` (hidden): writes a small store with every kind of content
/// the run store uses, for CI's h5py check (Scripts/check_store_h5py.py knows its exact content).
struct WriteSampleStore: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "_write-sample-store",
    abstract: "Write a small sample HDF5 store (for Scripts/check_store_h5py.py).",
    discussion: """
      Writes FILE (replacing it atomically) with: root attributes 'experiment' (JSON text), \
      'schemaVersion' (int), 'layers' (strings), 'learningRate' (float); float32 tensors \
      /weights/conv1_1/weight [4, 3, 3, 3] and /weights/conv1_1/bias [4] (chunked, compressed); \
      a float64 dataset /goldens/gram [2, 2]; an int32 dataset /indices [3]; and the metrics table \
      /metrics/train with columns step, loss/total, loss/gram/relu1_1 and 5 rows.
      """,
    shouldDisplay: false)

  @Argument(help: "The file to write.")
  var file: String

  /// Row `step` of the sample metrics table: `[step, 1 / (step + 1), step / 2]`.
  static func row(_ step: Int) -> [Double] {
    [Double(step), 1 / Double(step + 1), Double(step) / 2]
  }

  func run() throws {
    try HDF5File.writeAtomically(file) { store in
      let root = try store.root
      try root.setAttribute(
        "experiment",
        .string(
          #"{"name": "sample", "seed": 17, "layers": ["relu1_1", "relu2_1"], "#
            + #""note": "größe ✓"}"#))
      try root.setAttribute("schemaVersion", .integer(1))
      try root.setAttribute("layers", .strings(["relu1_1", "relu2_1"]))
      try root.setAttribute("learningRate", .double(0.1))
      let weight = Tensor(shape: [4, 3, 3, 3], scalars: (0..<108).map { Float($0) * 0.5 })
      try root.write(weight, to: "weights/conv1_1/weight")
      try root.write(Tensor(shape: [4], scalars: [0.25, -0.25, 1, -1]), to: "weights/conv1_1/bias")
      try root.write(
        ShapedArray(shape: [2, 2], scalars: [1.0, 0.5, 0.5, 2.0]), to: "goldens/gram")
      try root.write(ShapedArray<Int32>([3, 1, 4]), to: "indices")
      let table = try MetricsTable(
        creating: "metrics/train", in: root, columns: ["step", "loss/total", "loss/gram/relu1_1"])
      for step in 0..<5 { try table.append(Self.row(step)) }
      try table.flush()
    }
    print("wrote \(file)")
  }
}
