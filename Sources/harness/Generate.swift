import ArgumentParser
import Foundation
import NN
import Runs
import TensorCore
import Training

extension BatchNormStatistics: ExpressibleByArgument {}

/// `harness generate`: samples from a trained Texture Networks generator.
struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw samples from a trained generator (a model file), at any size, timing each pass.",
    discussion: """
      The feed-forward half of the comparison: one forward pass of the multi-scale generator \
      per batch (Ulyanov et al. 2016). Sizes: height and width must each be a multiple of \
      2^(K-1) (K = the model's levels: 16 for K = 5), not necessarily square and not \
      necessarily the training size. Noise: from --seed (sample i always gets the same noise, \
      whatever the count and batch) or from a file (--noise FILE.h5:/group, datasets 0 ... \
      K-1, coarsest first, [N, c, h, w]: the PyTorch fixtures' layout and the /noise group \
      written here). Style models need --content (scaled to cover the output size and \
      centre-cropped; without a size, the content's own size rounded down to a multiple).

      Examples:
        harness generate --model model.h5 --size 256 --count 8 --out DIR
        harness generate --model M.h5 --width 512 --height 256 --seed 3 \\
            --out DIR
        harness generate --model M.h5 --noise DIR/samples.h5:/noise \\
            --batch-norm running --out DIR2
        harness generate --model style.h5 \\
            --content data/content/chelsea.png --out DIR

      Batch norm at sampling time: the model's setting (texture_nets v1 sampled with batch \
      statistics), or --batch-norm batch|running. With batch statistics a sample depends on \
      the other samples of its batch.

      Outputs in --out (new or empty; default results/generate/<UTC time>):
        sample-0000.png ...  one PNG per sample (clamped to [0, 1])
        samples.h5           /samples [N, 3, H, W] float32, unclamped
                             /noise/0 ... /noise/K-1: the noise used
                             /content (style models)
                             @generator @sampling @measurement
                             @provenance @model_provenance @schema
        sampling.json        the resolved settings
        measurement.json     seconds per batch and sample, peak RSS
        provenance.json      git commit, toolchain, CPU, BLAS, seed, argv
      """)

  @Option(help: "The model file (HDF5, from harness import-generator; the trainer writes the same).")
  var model: String

  @Option(help: "Square samples of N x N pixels (default 256 for texture models).")
  var size: Int?

  @Option(help: "Sample width in pixels (with --height).")
  var width: Int?

  @Option(help: "Sample height in pixels (with --width).")
  var height: Int?

  @Option(help: "Samples to draw (default 1; with --noise, the file's batch).")
  var count: Int?

  @Option(help: "Samples per forward pass (default: the count, at most 16).")
  var batch: Int?

  @Option(help: "The seed of the noise streams.")
  var seed: UInt64 = 0

  @Option(help: "Noise from FILE.h5:/group (datasets 0 ... K-1, coarsest first) instead of --seed.")
  var noise: String?

  @Option(help: "The content image of a style model (PNG, JPEG or FILE.h5:/dataset).")
  var content: String?

  @Option(help: "Batch-norm statistics at sampling time: batch or running (default: the model's).")
  var batchNorm: BatchNormStatistics?

  @Option(help: "The output directory (new or empty).")
  var out: String?

  @Option(help: "Worker threads (default: OPENBLAS_NUM_THREADS, else every core).")
  var threads: Int?

  @Flag(help: "No progress line.")
  var quiet = false

  /// The label of the last line: the whole process's peak RSS (VmHWM) after writing everything.
  static let processPeakLabel = "process peak RSS:"

  func validate() throws {
    if size != nil && (width != nil || height != nil) {
      throw ValidationError("give --size or --width and --height, not both")
    }
    if (width == nil) != (height == nil) {
      throw ValidationError("--width and --height go together (or give --size N)")
    }
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
    if noise != nil && seed != 0 {
      throw ValidationError("--noise replaces --seed: give one of them")
    }
  }

  func run() throws {
    if let threads { BLAS.setThreads(threads) }
    let requested = SamplingConfiguration(
      model: model, height: height ?? size, width: width ?? size, count: count, batch: batch,
      seed: seed, noise: noise, content: content, batchNorm: batchNorm)
    // Every batch repeats the same tensor sizes: the pool reuses buffers without slack above the
    // working set, which would only add to the peak resident memory reported.
    BufferPool.shared.setSlack(bytes: 0)
    let sampler = try Sampler(requested)
    let resolved = sampler.configuration
    let folder = try RunFolder.create(
      at: out.map { URL(fileURLWithPath: $0) } ?? RunFolder.timestamped(under: "results/generate"))
    let total = resolved.count ?? 1
    var progress = ProgressBar(total: total, unit: "samples", printEvery: 1)
    let drawn = sampler.draw { done in
      if !quiet && total > 1 { progress.update(done, status: "generating") }
    }
    // The pooled activation buffers are not needed again: return them before writing the files,
    // whose HDF5, zlib and PNG code and buffers would otherwise come on top of them.
    BufferPool.shared.trim()
    try sampler.write(
      samples: drawn.samples, noise: drawn.noise, measurement: drawn.measurement, to: folder,
      provenance: .current(seed: seed, harnessVersion: HarnessVersion.number))
    let measurement = drawn.measurement
    print(
      "\(total) samples of \(resolved.height ?? 0)x\(resolved.width ?? 0) in batches of \(measurement.batch): "
        + String(
          format: "%.4f s (%.4f s/sample), peak RSS %.1f MiB (tensors %.1f MiB)",
          measurement.seconds, measurement.secondsPerSample, measurement.peakResidentMiB,
          measurement.peakTensorMiB))
    print("outputs: \(folder.path)")
    print(String(format: "%@ %.1f MiB", Self.processPeakLabel as NSString, ProcessMemory.peakResidentMiB))
  }
}
