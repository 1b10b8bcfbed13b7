import ArgumentParser
import Foundation
import Gatys
import Losses
import NN
import Optimizers
import Runs
import TensorCore

/// `harness gatys`: Gatys et al. texture synthesis and style transfer by optimising the pixels.
struct GatysCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gatys",
    abstract: "Optimise an image against the VGG-19 loss: Gatys et al. texture synthesis or style transfer.",
    discussion: """
      The iterative baseline that feed-forward generators are compared with (Gatys, Ecker and \
      Bethge 2015, 2016; options as neural-style). Texture synthesis: give --style only; the \
      image starts from noise. Style transfer: give --content and one or more --style (blend \
      them with --style-blend); the image starts from the content.

      Loss (weights apply to these normalisations, not neural-style's): each style layer adds \
      style-weight x layer-weight x mean((G - G_style)^2), G = F F^T / (C H W) \
      (--gram-normalization hw|gatys for the others); each content layer adds content-weight x mean((F - F_c)^2); \
      TV adds tv-weight x mean of squared neighbour differences. Other formulations: \
      --style-loss KIND with --style-loss-options '{"key": value}'.

      Examples:
        harness gatys --style data/textures/brick.png --size 256 \\
            --iterations 500 --out results/gatys/brick
        harness gatys --content data/content/chelsea.png \\
            --style data/textures/gravel.png --size 512 --style-weight 1e3 \\
            --content-weight 1 --original-colors --out results/gatys/cat
        harness gatys --style a.jpg --style b.jpg --style-blend 3,1 \\
            --content c.jpg --out results/gatys/blend

      Images may be PNG, JPEG or an array in an HDF5 file, FILE.h5:/dataset ([3, H, W] or \
      [1, 3, H, W], RGB in [0, 1]).

      Outputs in --out (which must be new or empty): final.png, iterations/iteration-NNNNNN.png \
      (every --save-every), configuration.json (the resolved settings), provenance.json (git commit, \
      toolchain, CPU, BLAS kernel, threads, seed), store.h5 (inputs, /metrics/iterations with one \
      row per iteration: iteration, wall_seconds, iteration_seconds, evaluations, every loss term \
      per layer unweighted, total, peak_rss_mib; /result/image; attributes configuration, \
      provenance, summary). Ctrl-C stops after the current iteration, keeps everything written \
      and a checkpoint.h5 (also written every --checkpoint-every iterations); \
      harness gatys --resume DIR continues the run exactly where it stopped. run.lock is held \
      while a process writes the folder: a second --resume of it is refused, naming the holder.
      """)

  @Option(name: .customLong("style"), help: "A style or texture image (repeat for several).")
  var styles: [String] = []

  @Option(help: "The content image (style transfer).")
  var content: String?

  @Option(help: "The starting image: random, content, or an image argument.")
  var `init`: String?

  @Option(help: "Random start: uniform (U[0, scale)) or normal (0.5 + scale N(0, 1)).")
  var initDistribution: NoiseDistribution = .uniform

  @Option(help: "Random start: the noise scale.")
  var initScale: Float = 1

  @Option(help: "The output's longest side in pixels (textures: size x size).")
  var size: Int = GatysConfiguration.Defaults.size

  @Option(help: "Style images' longest side relative to --size.")
  var styleScale: Double = GatysConfiguration.Defaults.styleScale

  @Option(help: "Iterations of the optimiser (default \(GatysConfiguration.Defaults.iterations); with --resume: the new total).")
  var iterations: Int?

  @Option(help: "lbfgs or adam.")
  var optimizer: OptimizerConfiguration.Kind = GatysConfiguration.Defaults.optimizerKind

  @Option(help: "L-BFGS line search: none (one evaluation per iteration) or strong-wolfe.")
  var lineSearch: String = "none"

  @Option(
    help: "L-BFGS step length (default \(GatysConfiguration.Defaults.lbfgs.learningRate)) or Adam learning rate (default \(GatysConfiguration.Defaults.adam.learningRate)).")
  var learningRate: Double?

  @Option(help: "L-BFGS history size (curvature pairs).")
  var historySize: Int = GatysConfiguration.Defaults.lbfgs.historySize

  @OptionGroup(title: "Loss terms")
  var loss: LossTermOptions<GatysLossDefaults>

  @Option(help: "Descriptor pooling: max or average.")
  var pooling: VGG19.Pooling = .max

  @Option(help: "Descriptor padding: zero, reflect or none.")
  var padding: VGG19.Padding = .zero

  @Flag(help: "Keep the content image's colours (transfer luminance only).")
  var originalColors = false

  @Option(help: "The experiment's seed.")
  var seed: UInt64 = GatysConfiguration.Defaults.seed

  @Option(help: "Print a progress line every N iterations (when not on a terminal).")
  var printEvery: Int = GatysConfiguration.Defaults.printEvery

  @Option(help: "Save an intermediate image every N iterations (0: final only).")
  var saveEvery: Int = GatysConfiguration.Defaults.saveEvery

  @Option(help: "Write checkpoint.h5 every N iterations (0: only on Ctrl-C), for --resume.")
  var checkpointEvery: Int = GatysConfiguration.Defaults.checkpointEvery

  @Option(help: "Stop as soon as the total loss falls below X (records when).")
  var stopAtLoss: Double?

  @Option(help: "The VGG-19 weights (HDF5 from harness import-weights; default \(defaultWeightsPath)).")
  var weights: String?

  @Option(
    help: ArgumentHelp(
      "Continue the interrupted run in DIR from its checkpoint.h5.",
      discussion: "Its configuration.json decides everything; only --iterations (the new total), --weights, --threads and --quiet apply."))
  var resume: String?

  @Option(
    name: .customLong("configuration"),
    help: ArgumentHelp(
      "Run the configuration.json FILE as it is (as written by a run or harness bench gatys).",
      discussion: "The file decides everything; only --out, --weights, --threads and --quiet apply."))
  var configurationFile: String?

  @Option(help: "Worker threads (default: OPENBLAS_NUM_THREADS, else every core).")
  var threads: Int?

  @Option(help: "The output directory (new or empty). Default: \(GatysConfiguration.Defaults.outputRoot)/<UTC time>.")
  var out: String?

  @Flag(help: "No progress bar.")
  var quiet = false

  func run() throws {
    if let threads { BLAS.setThreads(threads) }
    if let warning = BLAS.kernelWarning { printError("warning: \(warning)") }
    if let resume {
      try report(
        try GatysRun.resume(
          directory: URL(fileURLWithPath: resume), iterations: iterations, weights: weights,
          showsProgress: !quiet))
      return
    }
    let configuration = try resolvedConfiguration()
    let run = try GatysRun.prepare(
      configuration, outputDirectory: out.map { URL(fileURLWithPath: $0) },
      provenance: .current(seed: configuration.seed, harnessVersion: HarnessVersion.number),
      warn: { printError("warning: \($0)") })
    run.showsProgress = !quiet
    try report(try run.run())
  }

  /// Prints the summary; an interrupted run exits with 130.
  private func report(_ summary: GatysSummary) throws {
    print("\(summary.stopReason.rawValue): \(summary.iterations) iterations, \(summary.evaluations) evaluations, "
      + String(format: "%.2f s (%.3f s/iteration), loss %.4e -> %.4e, peak RSS %.0f MiB (tensors %.0f MiB)",
               summary.seconds, summary.secondsPerIteration, summary.initialLoss, summary.finalLoss,
               summary.peakResidentMiB, summary.peakTensorMiB))
    if let iteration = summary.reachedLossAtIteration, let seconds = summary.reachedLossAfterSeconds {
      print(String(format: "reached the --stop-at-loss threshold at iteration %d after %.2f s", iteration, seconds))
    }
    print("outputs: \(summary.outputDirectory)")
    if summary.stopReason == .interrupted {
      printError("interrupted: continue with harness gatys --resume \(summary.outputDirectory)")
      throw ExitCode(130)
    }
  }

  /// The configuration these options describe, every default filled in (or, with
  /// `--configuration FILE`, that file's, with `--weights` applied).
  func resolvedConfiguration() throws -> GatysConfiguration {
    if let configurationFile {
      var resolved: GatysConfiguration
      do {
        resolved = try JSONDecoder().decode(
          GatysConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: configurationFile)))
      } catch {
        throw ValidationError("--configuration \(configurationFile): not a configuration.json of harness gatys: \(error)")
      }
      if let weights { resolved.weights = weights }
      return resolved
    }
    var resolved = GatysConfiguration(styles: styles, content: content, weights: weights ?? defaultWeightsPath)
    resolved.styleBlendWeights = try loss.styleBlendWeights() ?? styles.map { _ in 1 }
    switch self.`init` ?? (content == nil ? "random" : "content") {
    case "random": resolved.initialization = .random(distribution: initDistribution, scale: initScale)
    case "content": resolved.initialization = .content
    case let path: resolved.initialization = .image(path)
    }
    resolved.size = size
    resolved.styleScale = styleScale
    resolved.featureTerms = try loss.featureTerms(
      style: loss.styleWeight != 0, content: content != nil && loss.contentWeight != 0)
    resolved.imageTerms = loss.imageTerms
    resolved.padding = padding
    resolved.pooling = pooling
    if let iterations { resolved.iterations = iterations }
    let search: LineSearch
    switch lineSearch {
    case "none": search = .none
    case "strong-wolfe", "strongWolfe", "strong_wolfe": search = .strongWolfe
    default: throw ValidationError("--line-search: expected none or strong-wolfe, got '\(lineSearch)'")
    }
    resolved.optimizer = GatysConfiguration.Defaults.optimizer(optimizer, learningRate: learningRate)
    if case .lbfgs(var settings) = resolved.optimizer {
      settings.lineSearch = search
      settings.historySize = historySize
      resolved.optimizer = .lbfgs(settings)
    }
    resolved.originalColors = originalColors
    resolved.seed = seed
    resolved.printEvery = printEvery
    resolved.saveEvery = saveEvery
    resolved.checkpointEvery = checkpointEvery
    resolved.stopAtLoss = stopAtLoss
    return resolved
  }
}
