import Foundation
import NN
import Runs
import Store
import TensorCore
import Training

/// The training benchmark (`harness bench training`), with the PyTorch reference's case names
/// (`bench_torch.py`):
///
/// - `train_step_texture_K5_b4_<S>`, S ∈ {128, 256}: one `train_step` of a freshly initialised
///   K = 5 texture generator (the reference's settings: Adam α 0.1, batch 4, Gram `chw` on
///   relu1_1 … relu5_1, style weight 1): noise, generator forward (training mode), VGG-19 forward,
///   backward to every generator parameter, Adam update;
/// - `train_step_style_K6_b4_256`: the same for the K = 6 style generator with a content batch
///   (4 copies of one image) and the relu4_2 content term, whose target is computed each step;
/// - `rss_train_texture_K5_b16_256`: the peak resident memory of a fresh `harness train` process
///   making a few iterations at the paper's batch 16, 256², through `launch`.
///
/// The exemplar is bench_torch.py's kind of image: uniform noise at S/8 upsampled bilinearly to
/// S (its values, drawn from another generator, differ; the timing does not depend on them).
/// GFLOP/s counts 4 · 99.24 GFLOP (VGG forward + input backward, at 256²) plus 3 · 4 times the
/// generator's forward FLOPs, as the reference's ≈ 456 GFLOP.
public struct TrainingBenchmark {
  let timer: BenchmarkTimer
  let weights: String

  /// A benchmark with `timer`, using the VGG-19 weights at `weights`.
  public init(weights: String, timer: BenchmarkTimer = BenchmarkTimer()) {
    self.weights = weights
    self.timer = timer
  }

  /// The case names, in run order.
  public static let cases = [
    "train_step_texture_K5_b4_128", "train_step_texture_K5_b4_256", "train_step_style_K6_b4_256",
  ]

  /// Writes the benchmark's images (`/style`, `/content` at `size`) to an HDF5 file in `directory`.
  public static func writeImages(size: Int, to directory: URL) throws -> String {
    var random = RandomStream(seed: 0, name: "training benchmark images")
    let small = random.uniformTensor([1, 3, max(1, size / 8), max(1, size / 8)])
    let style = resizeImage(small, height: size, width: size)
    var content = Tensor(zeros: [1, 3, size, size])
    content.withUnsafeMutableBufferPointer { values in
      for y in 0..<size {
        for x in 0..<size {
          let u = Float(x) / Float(max(1, size - 1))
          let v = Float(y) / Float(max(1, size - 1))
          values[y * size + x] = u
          values[size * size + y * size + x] = v
          values[2 * size * size + y * size + x] = 0.5 + 0.5 * sin(6.28 * (u + v))
        }
      }
    }
    let path = directory.appendingPathComponent("images_\(size).h5").path
    if FileManager.default.fileExists(atPath: path) { return path }
    let file = try HDF5File.create(path)
    try file.root.write(style, to: "style")
    try file.root.write(content, to: "content")
    try file.close()
    return path
  }

  /// The configuration of a case: the reference's settings at `size`, batch `batch`.
  public static func configuration(
    mode: GeneratorConfiguration.Mode, size: Int, batch: Int, images: String, weights: String
  ) -> TrainingConfiguration {
    let content = mode == .style ? ContentSetConfiguration(paths: ["\(images):/content"], crop: .resize) : nil
    var configuration = TrainingConfiguration(styles: ["\(images):/style"], content: content, weights: weights)
    configuration.generator = .textureNets(levels: mode == .texture ? 5 : 6, mode: mode)
    configuration.size = size
    configuration.batchSize = batch
    configuration.schedule = .constant
    return configuration
  }

  /// 2 · multiply-adds of one train step (VGG-19 forward + input backward per image, the
  /// generator's forward and both gradients), as the reference README counts them.
  public static func flops(levels: Int, size: Int, batch: Int) -> Double {
    let scale = Double(size * size) / 65536
    return Double(batch) * (99.24e9 * scale + 3 * GeneratorBenchmark.flops(levels: levels, size: size))
  }

  /// Runs the timed cases, reporting each record as it completes, then (when given) the memory
  /// case through `launch`, which returns a fresh process's peak RSS in MiB.
  public func run(launch: (() throws -> Double)? = nil, report: (BenchmarkRecord?) -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("harness-bench-training-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let threads = Parallel.threads
    for (name, mode, size) in [
      (Self.cases[0], GeneratorConfiguration.Mode.texture, 128), (Self.cases[1], .texture, 256),
      (Self.cases[2], .style, 256),
    ] where timer.includes(name) {
      let images = try Self.writeImages(size: size, to: directory)
      let configuration = Self.configuration(mode: mode, size: size, batch: 4, images: images, weights: weights)
      let run = try TrainingRun.prepare(
        configuration, outputDirectory: directory.appendingPathComponent(name),
        provenance: .current(seed: 0, harnessVersion: "bench"))
      let levels = configuration.generator.levels
      report(
        timer.record(
          name, flops: Self.flops(levels: levels, size: size, batch: 4), threads: threads,
          note: "\(run.generator.parameterCount) parameters, Adam update included"
        ) {
          _ = try? run.step()
        })
    }
    if let launch, timer.includes("rss_train_texture_K5_b16_256") {
      let peak = try launch()
      report(
        BenchmarkRecord(
          case: "rss_train_texture_K5_b16_256", medianMilliseconds: 0, minimumMilliseconds: 0,
          maximumMilliseconds: 0, gflops: nil, threads: threads, cleanRuns: 1, discardedRuns: 0,
          note: "harness train, 3 iterations at batch 16, 256x256, fresh process", peakResidentMiB: peak))
    }
  }
}
