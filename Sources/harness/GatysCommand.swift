import ArgumentParser
import Experiments
import Foundation
import Losses
import NN
import Optimizers
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
      harness gatys --resume DIR continues the run exactly where it stopped.
      """)

  @Option(name: .customLong("style"), help: "A style or texture image (repeat for several).")
  var styles: [String] = []

  @Option(name: .customLong("style-blend"), help: "Blend weights of the style images, comma-separated (default: equal).")
  var styleBlend: String?

  @Option(help: "The content image (style transfer).")
  var content: String?

  @Option(help: "The starting image: random, content, or an image argument.")
  var `init`: String?

  @Option(help: "Random start: uniform (U[0, scale)) or normal (0.5 + scale N(0, 1)).")
  var initDistribution: NoiseDistribution = .uniform

  @Option(help: "Random start: the noise scale.")
  var initScale: Float = 1

  @Option(help: "The output's longest side in pixels (textures: size x size).")
  var size: Int = 256

  @Option(help: "Style images' longest side relative to --size.")
  var styleScale: Double = 1

  @Option(help: "Iterations of the optimiser (default 1000; with --resume: the new total).")
  var iterations: Int?

  @Option(help: "lbfgs or adam.")
  var optimizer: GatysOptimizer.Kind = .lbfgs

  @Option(help: "L-BFGS line search: none (one evaluation per iteration) or strong-wolfe.")
  var lineSearch: String = "none"

  @Option(help: "L-BFGS step length (default 1) or Adam learning rate (default 0.02).")
  var learningRate: Double?

  @Option(help: "L-BFGS history size (curvature pairs).")
  var historySize: Int = 100

  @Option(help: "Weight of the style loss.")
  var styleWeight: Float = 1e3

  @Option(help: "Weight of the content loss.")
  var contentWeight: Float = 1

  @Option(help: "Weight of the total-variation loss.")
  var tvWeight: Float = 0

  @Option(help: "Style layers, comma-separated.")
  var styleLayers: String = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

  @Option(help: "Per-layer style weights, comma-separated (default 1 each).")
  var styleLayerWeights: String?

  @Option(help: "Content layers, comma-separated.")
  var contentLayers: String = "relu4_2"

  @Option(help: "Per-layer content weights, comma-separated (default 1 each).")
  var contentLayerWeights: String?

  @Option(help: "The style loss formulation (gram, meanStd, slicedWasserstein, mmd, ...).")
  var styleLoss: String = "gram"

  @Option(help: "Options of the style loss as a JSON object, e.g. '{\"projections\": 64}'.")
  var styleLossOptions: String?

  @Option(help: "The Gram matrix normalisation: chw (G/(CHW), the reference), hw, or gatys (1/(4N^2M^2)).")
  var gramNormalization: GramLoss.Normalization = .chw

  @Flag(help: "Divide each layer's gradient by its L1 norm (neural-style's -normalize_gradients).")
  var normalizeGradients = false

  @Option(help: "Descriptor pooling: max or average.")
  var pooling: VGG19.Pooling = .max

  @Option(help: "Descriptor padding: zero, reflect or none.")
  var padding: VGG19.Padding = .zero

  @Flag(help: "Keep the content image's colours (transfer luminance only).")
  var originalColors = false

  @Option(help: "The experiment's seed.")
  var seed: UInt64 = 0

  @Option(help: "Print a progress line every N iterations (when not on a terminal).")
  var printEvery: Int = 10

  @Option(help: "Save an intermediate image every N iterations (0: final only).")
  var saveEvery: Int = 100

  @Option(help: "Write checkpoint.h5 every N iterations (0: only on Ctrl-C), for --resume.")
  var checkpointEvery: Int = 100

  @Option(help: "Stop as soon as the total loss falls below X (records when).")
  var stopAtLoss: Double?

  @Option(help: "The VGG-19 weights (HDF5 from harness import-weights; default \(defaultWeightsPath)).")
  var weights: String?

  @Option(
    help: ArgumentHelp(
      "Continue the interrupted run in DIR from its checkpoint.h5.",
      discussion: "Its configuration.json decides everything; only --iterations (the new total), --weights, --threads and --quiet apply."))
  var resume: String?

  @Option(help: "Worker threads (default: OPENBLAS_NUM_THREADS, else every core).")
  var threads: Int?

  @Option(help: "The output directory (new or empty). Default: results/gatys/<UTC time>.")
  var out: String?

  @Flag(help: "No progress bar.")
  var quiet = false

  func run() throws {
    if let threads { BLAS.setThreads(threads) }
    if let warning = BLAS.kernelWarning { printError("warning: \(warning)") }
    if let resume {
      let summary = try GatysRun.resume(
        directory: URL(fileURLWithPath: resume), iterations: iterations, showsProgress: !quiet
      ) { configuration in
        try VGG19.load(
          from: weights ?? configuration.weights, padding: configuration.padding,
          pooling: configuration.pooling, deepestLayer: configuration.taps.max() ?? .relu5_1)
      }
      try report(summary)
      return
    }
    let configuration = try resolvedConfiguration()
    let problems = configuration.problems()
    guard problems.isEmpty else { throw GatysError.invalidConfiguration(problems) }

    let styleImages = try configuration.styles.map { try load($0) }
    let contentImage = try configuration.content.map { try load($0) }
    var initialImage: Tensor?
    if case .image(let path) = configuration.initialization { initialImage = try load(path) }
    let inputs = GatysInputs.prepare(
      styles: styleImages, content: contentImage, initialImage: initialImage, configuration: configuration)
    let deepest = configuration.taps.max() ?? .relu5_1
    let network = try VGG19.load(
      from: configuration.weights, padding: configuration.padding, pooling: configuration.pooling,
      deepestLayer: deepest)
    let directory = URL(fileURLWithPath: out ?? defaultOutput())
    let run = GatysRun(
      configuration: configuration, inputs: inputs, network: network, outputDirectory: directory,
      provenance: .current(seed: configuration.seed, harnessVersion: HarnessVersion.number))
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

  /// The configuration these options describe, every default filled in.
  func resolvedConfiguration() throws -> GatysConfiguration {
    let blend = try styleBlend.map { try numberList($0, option: "--style-blend") } ?? styles.map { _ in 1 }
    let initialization: GatysInitialization
    switch self.`init` ?? (content == nil ? "random" : "content") {
    case "random": initialization = .random(distribution: initDistribution, scale: initScale)
    case "content": initialization = .content
    case let path: initialization = .image(path)
    }
    let search: LineSearch
    switch lineSearch {
    case "none": search = .none
    case "strong-wolfe", "strongWolfe", "strong_wolfe": search = .strongWolfe
    default: throw ValidationError("--line-search: expected none or strong-wolfe, got '\(lineSearch)'")
    }
    var featureTerms: [FeatureLossTerm] = []
    do {
      if styleWeight != 0 {
        featureTerms.append(
          try LossTermArguments.featureTerm(
            kind: styleLoss, optionsJSON: styleLossOptions,
            layers: try layerList(styleLayers, option: "--style-layers"),
            layerWeights: try styleLayerWeights.map { try numberList($0, option: "--style-layer-weights") },
            weight: styleWeight, target: .style, normalizeGradients: normalizeGradients,
            gramNormalization: gramNormalization))
      }
      if content != nil && contentWeight != 0 {
        featureTerms.append(
          try LossTermArguments.featureTerm(
            kind: ContentLoss.kind, optionsJSON: nil,
            layers: try layerList(contentLayers, option: "--content-layers"),
            layerWeights: try contentLayerWeights.map { try numberList($0, option: "--content-layer-weights") },
            weight: contentWeight, target: .content, normalizeGradients: normalizeGradients))
      }
    } catch let error as LossArgumentError {
      throw ValidationError("--style-loss: \(error)")
    }
    let imageTerms = tvWeight != 0 ? [ImageLossTerm(TotalVariationLoss(), weight: tvWeight)] : []
    return GatysConfiguration(
      styles: styles, styleBlendWeights: blend, content: content, initialization: initialization,
      size: size, styleScale: styleScale, featureTerms: featureTerms, imageTerms: imageTerms,
      padding: padding, pooling: pooling,
      optimizer: GatysOptimizer(
        kind: optimizer, iterations: iterations ?? 1000,
        learningRate: learningRate ?? (optimizer == .lbfgs ? 1 : 0.02), lineSearch: search,
        historySize: historySize, beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
      originalColors: originalColors, seed: seed, printEvery: printEvery, saveEvery: saveEvery,
      checkpointEvery: checkpointEvery, stopAtLoss: stopAtLoss, weights: weights ?? defaultWeightsPath)
  }

  /// Loads an image argument, printing its range warning if any.
  private func load(_ argument: String) throws -> Tensor {
    let loaded = try ImageArgument(parsing: argument).load()
    if let warning = loaded.rangeWarning { printError("warning: \(warning)") }
    return loaded.image
  }

  private func defaultOutput() -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    formatter.timeZone = TimeZone(identifier: "UTC")
    return "results/gatys/\(formatter.string(from: Date()))"
  }
}

