import Foundation
import Gatys
import Runs
import Store
import TensorCore

/// The Gatys baseline's speed and memory (`harness bench gatys`), as the PyTorch reference's
/// `gatys_lbfgs_iter_<size>` and `rss_gatys_<size>` cases: style transfer with L-BFGS (no line
/// search, history 100) from the content image, 5 Gram style layers and relu4_2 content, max
/// pooling, on the reference's synthetic images (style: U[0, 1) noise at 1/8 size upsampled
/// bilinearly; content: (x, y, 0.5 + 0.5 sin(6.28 (x + y))) over [0, 1]²).
///
/// Each size runs the configuration `configuration(size:inputs:)` in a fresh process (so its
/// peak memory is its own) for `iterations` iterations (the reference: 110, so the history is
/// full): seconds per iteration is the median of the per-iteration times in its store, peak
/// memory its VmHWM at the end. How the process is started is the caller's (`launch`: the
/// command line runs `harness gatys --configuration FILE`); this type builds the run from library
/// types only.
public struct GatysBenchmark {
  /// The weights file.
  public var weights: String
  /// Iterations per run.
  public var iterations: Int
  /// Worker threads.
  public var threads: Int
  /// Runs the configuration in the JSON file (first argument) to completion in a fresh process,
  /// writing its run folder (second argument); throws when the process fails.
  public var launch: (_ configurationFile: URL, _ outputDirectory: URL) throws -> Void

  /// A benchmark starting its runs with `launch`.
  public init(
    weights: String, iterations: Int = 110, threads: Int,
    launch: @escaping (_ configurationFile: URL, _ outputDirectory: URL) throws -> Void
  ) {
    self.weights = weights
    self.iterations = iterations
    self.threads = threads
    self.launch = launch
  }

  /// The case at `size`: style transfer of the dataset `/content` by `/style` of the HDF5 file
  /// `inputs` with every Gatys default (5 Gram style layers, relu4_2 content, L-BFGS with
  /// history 100 and no line search, max pooling, starting from the content), `iterations`
  /// iterations and no intermediate images.
  public func configuration(size: Int, inputs: String) -> GatysConfiguration {
    var configuration = GatysConfiguration(
      styles: ["\(inputs):/style"], content: "\(inputs):/content", weights: weights)
    configuration.size = size
    configuration.iterations = iterations
    configuration.saveEvery = 0
    return configuration
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

    let out = directory.appendingPathComponent("run")
    let configurationFile = directory.appendingPathComponent("configuration.json")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(configuration(size: size, inputs: inputs)).write(to: configurationFile)

    CPUActivity.waitUntilQuiet()
    let before = CPUActivity.snapshot()
    do {
      try launch(configurationFile, out)
    } catch {
      throw BenchmarkError(message: "the Gatys run at \(size) failed: \(error)")
    }
    let after = CPUActivity.snapshot()
    let store = try HDF5File.open(out.appendingPathComponent("store.h5").path)
    let table = try MetricsTable(opening: "metrics/iterations", in: try store.root)
    let times = try table.column("iteration_seconds").dropFirst().map { $0 * 1000 }.sorted()
    let peak = try table.column("peak_rss_mib").last ?? 0
    let contended = CPUActivity.otherProcessesSeconds(from: before, to: after) > 0.05 * (after.wall - before.wall) + 0.03
    let clean = contended ? 0 : times.count
    report(
      BenchmarkRecord(
        case: "gatys_lbfgs_iter_\(size)", medianMilliseconds: times.isEmpty ? 0 : times[times.count / 2],
        minimumMilliseconds: times.first ?? 0, maximumMilliseconds: times.last ?? 0, gflops: nil, threads: threads,
        cleanRuns: clean, discardedRuns: times.count - clean,
        note: "median of \(times.count) L-BFGS iterations (1 evaluation each) in one fresh process"))
    report(
      BenchmarkRecord(
        case: "rss_gatys_\(size)", medianMilliseconds: after.wall * 1000 - before.wall * 1000, minimumMilliseconds: 0, maximumMilliseconds: 0,
        gflops: nil, threads: threads, cleanRuns: clean == 0 ? 0 : 1, discardedRuns: clean == 0 ? 1 : 0,
        note: "\(iterations) iterations; peak RSS (VmHWM) of the process; median_ms is the whole run",
        peakResidentMiB: peak))
  }
}

/// A benchmark that could not run.
public struct BenchmarkError: Error, CustomStringConvertible {
  /// What went wrong.
  public var message: String
  /// The message.
  public var description: String { message }
}
