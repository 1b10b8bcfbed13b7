import Foundation
import Store
import TensorCore
import Testing

@Suite("Metrics tables")
struct MetricsTableTests {
  static let columns = ["step", "loss/total", "loss/gram/relu1_1", "seconds"]

  static func row(_ index: Int) -> [Double] {
    [Double(index), 1 / Double(index + 1), sin(Double(index)), Double(index) * 0.125]
  }

  @Test("rows round-trip through flush, close and reopen; appending resumes")
  func roundTrip() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("metrics.h5")
    do {
      let file = try HDF5File.create(path)
      let table = try MetricsTable(
        creating: "metrics/train", in: try file.root, columns: Self.columns, rowsPerChunk: 8)
      for index in 0..<20 {
        try table.append(Self.row(index))
        if index % 3 == 0 { try table.flush() }
      }
      #expect(table.rowCount == 20)
      try file.close()
    }
    do {
      let file = try HDF5File.open(path, mode: .readWrite)
      let table = try MetricsTable(opening: "/metrics/train", in: try file.root)
      #expect(table.columns == Self.columns)
      #expect(table.rowCount == 20)
      try table.append(Self.row(20))
      try table.append(
        ["step": 21, "loss/total": 1 / 22.0, "loss/gram/relu1_1": sin(21.0), "seconds": 21 * 0.125])
      #expect(try table.rows().count == 22)
      try file.close()
    }
    let file = try HDF5File.open(path)
    let table = try MetricsTable(opening: "metrics/train", in: try file.root)
    #expect(try table.rows() == (0..<22).map(Self.row))
    #expect(try table.column("step") == (0..<22).map(Double.init))
    let dataset = try file.root.dataset("metrics/train")
    #expect(try dataset.stringsAttribute("columns") == Self.columns)
    let info = try dataset.info()
    #expect(info.shape == [22, 4])
    #expect(info.maximumShape == [nil, 4])
    #expect(info.elementType == .float64)
    #expect(info.chunkShape == [8, 4])
  }

  @Test("rows are written at flush time, and a file-level flush writes every table")
  func pendingRows() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("pending.h5")
    let file = try HDF5File.create(path)
    let root = try file.root
    let train = try MetricsTable(creating: "train", in: root, columns: ["a"])
    let timing = try MetricsTable(creating: "timing", in: root, columns: ["b", "c"])
    try train.append([1])
    try timing.append([2, 3])
    #expect(try root.dataset("train").info().shape == [0, 1])
    try file.flush()
    #expect(try root.dataset("train").info().shape == [1, 1])
    #expect(try root.read("timing", as: Double.self).scalars == [2, 3])
    try file.close()
  }

  @Test("truncating drops rows after a resume point")
  func truncate() throws {
    let directory = try HDF5TestDirectory()
    let file = try HDF5File.create(directory.file("truncate.h5"))
    let table = try MetricsTable(
      creating: "t", in: try file.root, columns: ["step"], rowsPerChunk: 4)
    for step in 0..<10 { try table.append([Double(step)]) }
    try table.truncate(rowCount: 6)
    try table.append([100])
    try table.flush()
    #expect(try table.column("step") == [0, 1, 2, 3, 4, 5, 100])
    try file.close()
  }

  @Test("bad rows and bad columns are errors naming the table")
  func badRows() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("bad.h5")
    let file = try HDF5File.create(path)
    let root = try file.root
    let table = try MetricsTable(creating: "m", in: root, columns: ["step", "loss"])
    let short = #expect(throws: StoreError.self) { try table.append([1]) }
    #expect(short?.description == "\(path): /m: a row needs 2 values (step, loss), got 1")
    let named = #expect(throws: StoreError.self) { try table.append(["step": 1, "lose": 2]) }
    #expect(
      named?.description
        == "\(path): /m: row does not match the columns: missing loss; unknown lose")
    let duplicate = #expect(throws: StoreError.self) {
      try MetricsTable(creating: "n", in: root, columns: ["a", "b", "a"])
    }
    #expect(duplicate?.description == "\(path): /n: duplicate column names: a")
    let none = #expect(throws: StoreError.self) {
      try MetricsTable(creating: "o", in: root, columns: [])
    }
    #expect(none?.description == "\(path): /o: a table needs at least one column")
    try root.write(Tensor(zeros: [3]), to: "vector")
    let notTable = #expect(throws: StoreError.self) {
      try MetricsTable(opening: "vector", in: root)
    }
    #expect(
      notTable?.description
        == "\(path): /vector: expected a metrics table (extendable float64 [rows, columns]), "
        + "found float32 [3]")
    #expect(throws: StoreError.self) { try table.column("nothing") }
    try file.close()
  }
}
