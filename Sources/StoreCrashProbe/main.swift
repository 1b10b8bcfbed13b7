// Appends rows to a metrics table and flushes after each, forever, for StoreTests' kill -9 test.
//
//   StoreCrashProbe FILE [--resume] [--rows-per-chunk N]
//
// A fresh FILE gets a JSON attribute, a weights tensor and the table /metrics/train; --resume
// opens an existing FILE read-write and continues the table where it ends. Row `step` is
// `[step, step / 2, step², sin(step)]`. Every 16 rows, up to step 176, a small tensor
// /samples/step-N is added too: 12 children, within the 16 the group was created for (see
// HDF5Group.createGroup). Once the table is on disk the probe writes `ready N` to stdout, and
// after each flush `flushed N` (N = rows on disk). It never exits on its own.
import Foundation
import Store
import TensorCore

/// The row the probe appends at `step`; the test recomputes it.
func probeRow(_ step: Int) -> [Double] {
  let value = Double(step)
  return [value, value / 2, value * value, sin(value)]
}

/// Writes `text` to stdout immediately (no buffering: the parent reads it while we run).
func report(_ text: String) {
  let bytes = Array(text.utf8)
  var offset = 0
  while offset < bytes.count {
    let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    if written <= 0 { exit(3) }
    offset += written
  }
}

func run(arguments: [String]) throws {
  guard let path = arguments.first(where: { !$0.hasPrefix("--") && !$0.allSatisfy(\.isNumber) })
  else {
    FileHandle.standardError.write(
      Data("usage: StoreCrashProbe FILE [--resume] [--rows-per-chunk N]\n".utf8))
    exit(2)
  }
  let resume = arguments.contains("--resume")
  let rowsPerChunk =
    arguments.firstIndex(of: "--rows-per-chunk").flatMap {
      arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil
    } ?? 16
  let file: HDF5File
  let table: MetricsTable
  if resume {
    file = try HDF5File.open(path, mode: .readWrite)
    table = try MetricsTable(opening: "metrics/train", in: try file.root)
  } else {
    file = try HDF5File.create(path, overwrite: true)
    let root = try file.root
    try root.setAttribute("experiment", .string(#"{"name": "kill-9 probe", "seed": 17}"#))
    try root.write(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), to: "weights/w")
    try root.createGroup("samples", expectedChildren: 16)
    table = try MetricsTable(
      creating: "metrics/train", in: root, columns: ["step", "half", "square", "sine"],
      rowsPerChunk: rowsPerChunk)
    try file.flush()
  }
  report("ready \(table.rowCount)\n")
  let root = try file.root
  var step = table.rowCount
  while true {
    try table.append(probeRow(step))
    if step % 16 == 0 && step <= 176 {
      let sample = Tensor(shape: [4], repeating: Float(step))
      try root.write(sample, to: "samples/step-\(step)", replacing: true)
    }
    try table.flush()
    step += 1
    report("flushed \(table.rowCount)\n")
  }
}

do {
  try run(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
  FileHandle.standardError.write(Data("StoreCrashProbe: \(error)\n".utf8))
  exit(1)
}
