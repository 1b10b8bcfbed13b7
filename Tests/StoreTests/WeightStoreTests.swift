import Foundation
import Store
import TensorCore
import Testing

@Suite("Verified weight loading")
struct WeightStoreTests {
  static let stored: [String: Tensor] = [
    "conv1_1/weight": Tensor(shape: [2, 3, 1, 1], scalars: [1, 2, 3, 4, 5, 6]),
    "conv1_1/bias": Tensor(shape: [2], scalars: [0.5, -0.5]),
    "conv1_2/weight": Tensor(zeros: [4, 2, 3, 3]),
  ]

  /// A file holding `stored` under `/weights`, and its root.
  static func makeStore(_ directory: HDF5TestDirectory) throws -> (path: String, file: HDF5File) {
    let path = directory.file("weights.h5")
    let file = try HDF5File.create(path)
    try WeightStore.save(stored, to: try file.root.createGroup("weights"))
    return (path, file)
  }

  @Test("exactly the expected paths and shapes load, bit for bit")
  func loads() throws {
    let directory = try HDF5TestDirectory()
    let (_, file) = try Self.makeStore(directory)
    let expected = Self.stored.mapValues(\.shape)
    let loaded = try WeightStore.load(expected, from: try file.root.group("weights"))
    #expect(loaded.keys.sorted() == Self.stored.keys.sorted())
    for (path, tensor) in Self.stored {
      #expect(loaded[path]?.shape == tensor.shape)
      #expect(loaded[path]?.scalars == tensor.scalars)
    }
  }

  @Test("optional paths may be absent, are shape-checked when present, and are never unused")
  func optionalPaths() throws {
    let directory = try HDF5TestDirectory()
    let (_, file) = try Self.makeStore(directory)
    let group = try file.root.group("weights")
    let required = ["conv1_1/weight": Shape([2, 3, 1, 1]), "conv1_1/bias": [2]]
    let loaded = try WeightStore.load(
      required, optional: ["conv1_2/weight": [4, 2, 3, 3], "conv2_1/weight": [8, 4, 3, 3]],
      from: group)
    #expect(loaded.keys.sorted() == ["conv1_1/bias", "conv1_1/weight"])
    #expect(
      try WeightStore.problems(required, optional: ["conv1_2/weight": [4, 2, 1, 1]], in: group)
        == [.shapeMismatch(path: "conv1_2/weight", expected: [4, 2, 1, 1], found: [4, 2, 3, 3])])
    #expect(
      try WeightStore.problems(required, in: group)
        == [.unused(path: "conv1_2/weight", found: [4, 2, 3, 3])])
    // A path both required and optional is required (reported once).
    #expect(
      try WeightStore.problems(["x": [1]], optional: ["x": [1]], in: group).filter {
        $0.path == "x"
      } == [.missing(path: "x", expected: [1])])
  }

  @Test("a state of named tensors and float64 scalars round-trips exactly")
  func stateRoundTrip() throws {
    let directory = try HDF5TestDirectory()
    let file = try HDF5File.create(directory.file("state.h5"))
    let tensors = [
      "m/levels/0/conv/weight": Tensor(shape: [2, 1, 1, 1], scalars: [0.25, -3]),
      "v/toRGB/weight": Tensor(shape: [3], scalars: [1, 2, 3]),
    ]
    let scalars = ["step": 12.0, "pairs/0/inverseCurvature": 1.0 / 3.0, "previousLoss": 1e300]
    let group = try file.root.createGroup("optimizer")
    try WeightStore.saveState(tensors: tensors, scalars: scalars, to: group)
    let read = try WeightStore.readState(from: group)
    #expect(read.scalars == scalars)
    #expect(read.tensors.mapValues(\.scalars) == tensors.mapValues(\.scalars))
    #expect(read.tensors.mapValues(\.shape) == tensors.mapValues(\.shape))
    try group.write(ShapedArray(shape: [2], scalars: [Int32(1), 2]), to: "indices")
    #expect(throws: StoreError.self) { _ = try WeightStore.readState(from: group) }
    do {
      _ = try WeightStore.readState(from: group)
    } catch {
      #expect("\(error)".hasPrefix(directory.file("state.h5") + ": /optimizer/indices: holds "))
    }
  }

  @Test("each kind of problem has its own text, naming the path and both shapes")
  func problemTexts() {
    #expect(
      WeightProblem.missing(path: "conv2_1/bias", expected: [128]).description
        == "conv2_1/bias: missing: model expects [128], file has no such dataset")
    #expect(
      WeightProblem.unused(path: "fc6/weight", found: [4096, 25088]).description
        == "fc6/weight: unused: file has [4096, 25088], model has no such parameter")
    #expect(
      WeightProblem.shapeMismatch(
        path: "conv1_1/weight", expected: [64, 3, 3, 3], found: [64, 3, 5, 5]
      )
      .description
        == "conv1_1/weight: shape mismatch: model expects [64, 3, 3, 3], file has [64, 3, 5, 5]")
  }

  @Test("missing, unused and mismatched tensors are reported together, sorted by path")
  func reportsEverything() throws {
    let directory = try HDF5TestDirectory()
    let (path, file) = try Self.makeStore(directory)
    let expected: [String: Shape] = [
      "conv1_1/weight": [2, 3, 3, 3],
      "conv1_1/bias": [2],
      "conv2_1/bias": [8],
    ]
    let error = #expect(throws: StoreError.self) {
      try WeightStore.load(expected, from: try file.root.group("weights"))
    }
    let problems: [WeightProblem] = [
      .shapeMismatch(path: "conv1_1/weight", expected: [2, 3, 3, 3], found: [2, 3, 1, 1]),
      .unused(path: "conv1_2/weight", found: [4, 2, 3, 3]),
      .missing(path: "conv2_1/bias", expected: [8]),
    ]
    #expect(error == .verificationFailed(file: path, group: "/weights", problems: problems))
    #expect(
      error?.description == """
        \(path): /weights: the stored tensors do not match the model (3 problems):
          conv1_1/weight: shape mismatch: model expects [2, 3, 3, 3], file has [2, 3, 1, 1]
          conv1_2/weight: unused: file has [4, 2, 3, 3], model has no such parameter
          conv2_1/bias: missing: model expects [8], file has no such dataset
        """)
  }

  @Test("one problem alone, with a leading slash in the expected path")
  func singleProblem() throws {
    let directory = try HDF5TestDirectory()
    let (path, file) = try Self.makeStore(directory)
    var expected = Self.stored.mapValues(\.shape)
    expected["conv1_1/bias"] = nil
    expected["/conv1_1/bias/"] = [3]
    let error = #expect(throws: StoreError.self) {
      try WeightStore.load(expected, from: try file.root.group("weights"))
    }
    #expect(
      error?.description == """
        \(path): /weights: the stored tensors do not match the model (1 problem):
          conv1_1/bias: shape mismatch: model expects [3], file has [2]
        """)
  }
}
