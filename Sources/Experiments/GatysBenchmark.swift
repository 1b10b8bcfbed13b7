import Foundation
import Store
import TensorCore

/// The Gatys baseline's speed and memory (`harness bench gatys`), as the PyTorch reference's
/// `gatys_lbfgs_iter_<size>` and `rss_gatys_<size>` cases: style transfer with L-BFGS (no line
/// search, history 100) from the content image, 5 Gram style layers and relu4_2 content, max
/// pooling, on the reference's synthetic images (style: U[0, 1) noise at 1/8 size upsampled
/// bilinearly; content: (x, y, 0.5 + 0.5 sin(6.28 (x + y))) over [0, 1]²).
///
/// Each size runs `harness gatys` in a fresh process for `iterations` iterations (the reference:
/// 110, so the history is full): seconds per iteration is the median of the per-iteration times
/// in its store, peak memory its VmHWM at the end.
public struct GatysBenchmark {
  /// The harness executable to run.
  public var executable: URL
  /// The weights file.
  public var weights: String
  /// Iterations per run.
  public var iterations: Int
  /// Worker threads.
  public var threads: Int

  /// A benchmark running `executable`.
  public init(executable: URL, weights: String, iterations: Int = 110, threads: Int) {
    self.executable = executable
    self.weights = weights
    self.iterations = iterations
    self.threads = threads
  }

  /// The reference's synthetic style and content images at `size`, `[1, 3, size, size]`.
  public static func images(size: Int, seed: UInt64 = 0) -> (style: Tensor, content: Tensor) {
    var random = RandomStream(seed: seed, name: "benchmark style")
    let coarse = random.uniformTensor([1, 3, max(size / 8, 1), max(size / 8, 1)])
    let style = resizeImage(coarse, height: size, width: size)
    var values = [Float](repeating: 0, count: 3 * size * size)
    for y in 0..<size {
      for x in 0..<size {
        let u = size > 1 ? Float(x) / Float(size - 1) : 0
        let v = size > 1 ? Float(y) / Float(size - 1) : 0
        values[y * size + x] = u
        values[size * size + y * size + x] = v
        values[2 * size * size + y * size + x] = 0.5 + 0.5 * sin(6.28 * (u + v))
      }
    }
    return (style, Tensor(shape: [1, 3, size, size], scalars: values))
  }

  /// Runs the case at `size`; reports the iteration time and the peak memory.
  public func run(size: Int, report: (BenchmarkRecord?) -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("harness-bench-gatys-\(ProcessInfo.processInfo.processIdentifier)-\(size)")
    try? FileManager.default.removeItem(at: directory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let inputs = directory.appendingPathComponent("inputs.h5").path
    let (style, content) = Self.images(size: size)
    let file = try HDF5File.create(inputs)
    try file.root.write(style, to: "style")
    try file.root.write(content, to: "content")
    try file.close()

    CPUActivity.waitUntilQuiet()
    let before = CPUActivity.snapshot()
    let process = Process()
    process.executableURL = executable
    let out = directory.appendingPathComponent("run")
    process.arguments = [
      "gatys", "--style", "\(inputs):/style", "--content", "\(inputs):/content", "--size", "\(size)",
      "--iterations", "\(iterations)", "--save-every", "0", "--quiet", "--threads", "\(threads)",
      "--weights", weights, "--out", out.path,
    ]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let after = CPUActivity.snapshot()
    guard process.terminationStatus == 0 else {
      throw BenchmarkError(message: "harness gatys at \(size) failed with status \(process.terminationStatus)")
    }
    let store = try HDF5File.open(out.appendingPathComponent("store.h5").path)
    let table = try MetricsTable(opening: "metrics/iterations", in: try store.root)
    let times = try table.column("iteration_seconds").dropFirst().map { $0 * 1000 }.sorted()
    let peak = try table.column("peak_rss_mib").last ?? 0
    let contended = CPUActivity.otherProcessesSeconds(from: before, to: after) > 0.05 * (after.wall - before.wall) + 0.03
    let clean = contended ? 0 : times.count
    report(
      BenchmarkRecord(
        case: "gatys_lbfgs_iter_\(size)", median_ms: times.isEmpty ? 0 : times[times.count / 2],
        min_ms: times.first ?? 0, max_ms: times.last ?? 0, gflops: nil, threads: threads,
        clean_runs: clean, discarded_runs: times.count - clean,
        note: "median of \(times.count) L-BFGS iterations (1 evaluation each) in one fresh process"))
    report(
      BenchmarkRecord(
        case: "rss_gatys_\(size)", median_ms: after.wall * 1000 - before.wall * 1000, min_ms: 0, max_ms: 0,
        gflops: nil, threads: threads, clean_runs: clean == 0 ? 0 : 1, discarded_runs: clean == 0 ? 1 : 0,
        note: "\(iterations) iterations; peak RSS (VmHWM) of the process; median_ms is the whole run",
        peak_rss_mib: peak))
  }
}

/// A benchmark that could not run.
public struct BenchmarkError: Error, CustomStringConvertible {
  /// What went wrong.
  public var message: String
  /// The message.
  public var description: String { message }
}
