import ArgumentParser
import Foundation
import NN
import Measurements
import TensorCore
import Training

/// `harness bench`: speed benchmarks, compared with the PyTorch reference's cases.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time the engine's kernels, the VGG-19 descriptor, Gatys, the losses and the generator.",
    discussion: """
      Suites (run on a quiet machine: any other busy process takes one of the two cores):
        kernels     each VGG-19 convolution shape up to conv5_1 (forward, input gradient, \
      weight gradient, and the plain sgemm of the same GEMM), then VGG-19 to relu5_1 with random \
      weights: forward, and forward + backward to the input through 5 Gram losses and the \
      relu4_2 content loss (the reference's vgg_fwd_relu5_1_<size>, vgg_fwd_bwd_input_<size>).
        descriptor  the same two whole-network cases with the real weights, at --sizes.
        gatys       L-BFGS style transfer in a fresh `harness gatys` process per size: seconds \
      per iteration and peak RSS (the reference's gatys_lbfgs_iter_<size>, rss_gatys_<size>).
        losses      one forward + backward of each feature loss (gram, meanStd, slicedWasserstein, \
      mmd) on [1, 512, 32, 32] and [1, 64, 256, 256] features (loss_<kind>_<C>x<H>); --size is unused.
        generator   the Texture Networks generator, fresh random weights, as bench_torch.py: \
      one inference forward at 256x256 for K = 5 and 6, batch 1 and 16 (gen_fwd_K<K>_b<N>_256); \
      a training forward + backward to every parameter at batch 4 (gen_fwd_bwd_K<K>_b4_256, \
      as Scripts/bench_generator_torch.py); the peak RSS of a fresh `harness generate` of one \
      256x256 sample (rss_generate_K<K>_b1_256).
        generator-layers  each of the generator's convolutions (K = 5 and 6, 256x256, batch \
      1, 4, 16): forward, input and weight gradient, GEMM-based kernels against the direct \
      small-channel kernels, GFLOP/s, as a markdown table (minutes; not part of all).
        training    one train step (generator forward in training mode, VGG-19 forward, backward \
      to every generator parameter, Adam) at batch 4 with the reference's settings \
      (train_step_texture_K5_b4_128, train_step_texture_K5_b4_256, train_step_style_K6_b4_256), \
      and the peak RSS of a fresh `harness train` making 3 iterations at the paper's batch 16, \
      256x256 (rss_train_texture_K5_b16_256).
        all         kernels, descriptor, gatys, losses, generator and training.

      Each case is warmed up, then timed until --runs clean runs are collected; a run is clean \
      when other processes used < 5% of a core during it (as bench_torch.py). Times are the median \
      (min-max) in ms; GFLOP/s counts convolution FLOPs (2 x multiply-adds) at the median.

      Compare with PyTorch on the same machine in the same session:
        python ../shared/reference/bench_torch.py --weights W.h5 --only vgg_fwd --skip-rss
      """)

  @Argument(help: "Which cases: kernels, descriptor, gatys, losses, generator or all.")
  var suite: String = "kernels"

  @Option(help: "Input size of the kernels suite (square).")
  var size: Int = 256

  @Option(help: "Sizes of the descriptor and gatys suites, comma-separated.")
  var sizes: String = "256,512"

  @Option(help: "L-BFGS iterations per gatys run (the reference uses 110: a full history).")
  var gatysIterations: Int = 110

  @Option(help: "The VGG-19 weights for the descriptor and gatys suites.")
  var weights: String = defaultWeightsPath

  @Option(help: "Clean runs per case.")
  var runs: Int = 7

  @Option(help: "Warm-up runs per case.")
  var warmup: Int = 2

  @Option(help: "Worker threads (default: OPENBLAS_NUM_THREADS, else every core).")
  var threads: Int?

  @Flag(help: "Run each case's timed runs back to back (steady state) instead of pausing for a quiet 0.3 s window before each (bench_torch.py's method, the default).")
  var backToBack = false

  @Option(help: "Run only the cases whose names contain one of these comma-separated substrings.")
  var only: String?

  @Option(help: "Also write the results as JSON: one record per case.")
  var json: String?

  func run() throws {
    if let threads { BLAS.setThreads(threads) }
    let machine = MachineDescription.current()
    print("# \(machine.summary)")
    if let warning = BLAS.kernelWarning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    var timer = BenchmarkTimer(runs: runs, warmup: warmup)
    timer.settleBeforeEachRun = !backToBack
    timer.filter = only.map { $0.split(separator: ",").map(String.init) }
    var records: [BenchmarkRecord] = []
    let report: (BenchmarkRecord?) -> Void = { record in
      guard let record else { return }
      records.append(record)
      let rate =
        record.peakResidentMiB.map { String(format: "peak RSS %.0f MiB", $0) }
        ?? record.gflops.map { String(format: "%7.1f GFLOP/s", $0) } ?? ""
      print(String(format: "%-28@ %9.2f ms (%.2f-%.2f)  %@  %d/%d clean  %@",
                   record.case as NSString, record.medianMilliseconds, record.minimumMilliseconds, record.maximumMilliseconds,
                   rate as NSString, record.cleanRuns, record.cleanRuns + record.discardedRuns,
                   (record.note ?? "") as NSString))
      fflush(nil)
    }
    let sizeList = try numberList(sizes, option: "--sizes").map { Int($0) }
    guard ["kernels", "descriptor", "gatys", "losses", "generator", "generator-layers", "training", "all"].contains(suite) else {
      throw ValidationError(
        "unknown benchmark suite '\(suite)'; expected kernels, descriptor, gatys, losses, generator, generator-layers, training or all")
    }
    if suite == "kernels" || suite == "all" {
      try KernelBenchmark(size: size, timer: timer).run(report: report)
    }
    if suite == "descriptor" || suite == "all" {
      try KernelBenchmark.runDescriptor(weights: weights, sizes: sizeList, timer: timer, report: report)
    }
    if suite == "gatys" || suite == "all" {
      let threads = Parallel.threads
      let benchmark = GatysBenchmark(
        weights: weights, iterations: gatysIterations, threads: threads
      ) { configurationFile, output in
        try Self.runGatys(configurationFile: configurationFile, output: output, threads: threads)
      }
      for size in sizeList
      where timer.includes("gatys_lbfgs_iter_\(size)") || timer.includes("rss_gatys_\(size)") {
        try benchmark.run(size: size, report: report)
      }
    }
    if suite == "losses" || suite == "all" {
      LossBenchmark(timer: timer).run(report: report)
    }
    if suite == "generator-layers" {
      let table = GeneratorConvolutionBenchmark().run { print($0) }
      print(table)
    }
    if suite == "generator" || suite == "all" {
      let threads = Parallel.threads
      try GeneratorBenchmark(timer: timer).run(
        launch: { levels in try Self.generatePeakResident(levels: levels, threads: threads) },
        report: report)
    }
    if suite == "training" || suite == "all" {
      let threads = Parallel.threads
      try TrainingBenchmark(weights: weights, timer: timer).run(
        launch: { try Self.trainPeakResident(weights: weights, threads: threads) }, report: report)
    }
    if let json {
      let document = BenchmarkDocument(machine: machine, records: records)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      try encoder.encode(document).write(to: URL(fileURLWithPath: json), options: .atomic)
      print("# wrote \(json)")
    }
  }
}

extension Bench {
  /// The peak RSS (MiB) of a fresh `harness generate` process drawing one 256² sample from a
  /// freshly initialised texture generator with `levels` scales (running statistics).
  static func generatePeakResident(levels: Int, threads: Int) throws -> Double {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("harness-bench-generate-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = directory.appendingPathComponent("model.h5").path
    try GeneratorModelFile.write(
      try GeneratorBenchmark.generator(levels: levels, statistics: .running),
      provenance: ["made by": "harness bench generator"], to: model)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    process.arguments = [
      "generate", "--model", model, "--size", "256", "--out", directory.appendingPathComponent("out").path,
      "--quiet", "--threads", "\(threads)",
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0,
      let line = text.split(separator: "\n").last(where: { $0.hasPrefix(Generate.processPeakLabel) }),
      let value = Double(line.dropFirst(Generate.processPeakLabel.count).split(separator: " ").first ?? "")
    else {
      throw ValidationError("harness generate exited with status \(process.terminationStatus): \(text)")
    }
    return value
  }

  /// The peak RSS (MiB) of a fresh `harness train` process making 3 iterations of the paper's
  /// texture training (K = 5, batch 16, 256²), from its summary.json.
  static func trainPeakResident(weights: String, threads: Int) throws -> Double {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("harness-bench-train-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let images = try TrainingBenchmark.writeImages(size: 256, to: directory)
    var configuration = TrainingBenchmark.configuration(
      mode: .texture, size: 256, batch: 16, images: images, weights: weights)
    configuration.iterations = 3
    configuration.sampleEvery = 0
    configuration.checkpointEvery = 0
    let file = directory.appendingPathComponent("configuration.json")
    try JSONEncoder().encode(configuration).write(to: file)
    let output = directory.appendingPathComponent("out")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    process.arguments = [
      "train", "--configuration", file.path, "--out", output.path, "--quiet", "--threads", "\(threads)",
    ]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("harness train --configuration \(file.path) exited with status \(process.terminationStatus)")
    }
    let summary = try JSONDecoder().decode(
      TrainingSummary.self, from: Data(contentsOf: output.appendingPathComponent("summary.json")))
    return summary.peakResidentMiB
  }

  /// Runs `harness gatys --configuration FILE` in a fresh process (this executable), quietly,
  /// with `threads` worker threads, writing to `output`.
  static func runGatys(configurationFile: URL, output: URL, threads: Int) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    process.arguments = [
      "gatys", "--configuration", configurationFile.path, "--out", output.path, "--quiet",
      "--threads", "\(threads)",
    ]
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("harness gatys --configuration \(configurationFile.path) exited with status \(process.terminationStatus)")
    }
  }
}

/// The JSON file of `harness bench --json`.
struct BenchmarkDocument: Codable {
  var machine: MachineDescription
  var records: [BenchmarkRecord]
}
