import ArgumentParser
import Foundation
import Losses
import NN
import Optimizers
import Runs
import TensorCore
import Training

extension ContentSetConfiguration.Crop: ExpressibleByArgument {}

/// `harness train`: trains the Texture Networks generator on a texture or a style.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train the Texture Networks generator (Ulyanov et al. 2016) on a texture, or for style transfer.",
    discussion: """
      Texture mode: give --style only; the generator learns to turn noise into samples of that \
      texture. Style mode: also give --content (a folder of images, e.g. data/content, or image \
      files); the generator learns to stylise them. The loss is the Gatys baseline's (the same \
      options as harness gatys), so both methods' losses compare. Defaults are the paper's \
      texture training (K=5, batch 16, 256x256, Adam 0.1, 2000 iterations, x0.7 at 1000 then every \
      200; Gram chw on relu1_1..relu5_1, style weight 1); style mode uses K=6 and batch 4.

      Examples:
        harness train --style data/textures/gravel.png --size 128 --batch-size 4 \\
            --iterations 500 --out results/train/gravel
        harness train --style data/textures/brick.png --content data/content \\
            --size 256 --iterations 3000 --schedule texture-nets --out results/train/brick-style
        harness generate --model results/train/gravel/model.h5 --size 512 --out samples

      Schedules: paper (x0.7 after 1000, then every 200), texture-nets (x0.8 every 300), \
      constant, step:FACTOR,START,INTERVAL (x FACTOR after START, then every INTERVAL), \
      milestones:FACTOR,M1,M2,... (x FACTOR after each listed iteration).

      Outputs in --out (new or empty): model.h5 (the generator: harness generate --model), \
      configuration.json (the resolved settings; rerun with --configuration), provenance.json \
      (git commit and dirty flag, toolchain, CPU, BLAS kernel, threads, seed), store.h5 \
      (/inputs/style_<i>; /metrics/iterations, one row per iteration: iteration, wall_seconds, \
      iteration_seconds, learning_rate, every loss term per layer unweighted, total, \
      gradient_norm, peak_rss_mib; attributes configuration, provenance, summary), summary.json, \
      samples/iteration-NNNNNN.png (every --sample-every iterations, from fixed noise) and \
      samples/final.png, checkpoint.h5 (every --checkpoint-every iterations and on Ctrl-C or \
      SIGTERM), run.lock (held while a process writes the folder: a second train --resume of \
      the same folder is refused, naming the holder). harness train --resume DIR continues a \
      stopped run exactly: the final weights and every metric row (timings aside) are those of \
      a run that never stopped. A loss that \
      becomes NaN or infinite stops the run, names the term, and keeps the last good model.
      """)

  @Option(name: .customLong("style"), help: "The texture or style image (repeat for several).")
  var styles: [String] = []

  @Option(
    name: .customLong("content"),
    help: "Style mode: a folder of content images or an image (repeat for several).")
  var content: [String] = []

  @Option(help: "How content images become training images: randomCrop (default), centreCrop or resize.")
  var crop: ContentSetConfiguration.Crop = TrainingConfiguration.Defaults.crop

  @Option(help: "The side of the square training samples (a multiple of 2^(K-1)).")
  var size: Int = TrainingConfiguration.Defaults.size

  @Option(help: "Style images' side relative to --size.")
  var styleScale: Double = 1

  @Option(help: "Samples per iteration (default 16 for textures, 4 for style).")
  var batchSize: Int?

  @Option(help: "Training iterations (default \(TrainingConfiguration.Defaults.iterations); with --resume: the new total).")
  var iterations: Int?

  @Option(help: "Adam's initial learning rate.")
  var learningRate: Double = TrainingConfiguration.Defaults.optimizer.learningRate

  @Option(help: "The learning-rate schedule (see below).")
  var schedule: String = "paper"

  @OptionGroup(title: "Generator")
  var network: GeneratorOptions

  @OptionGroup(title: "Loss terms")
  var loss: LossTermOptions<TrainLossDefaults>

  @Option(help: "Descriptor pooling: max or average.")
  var pooling: VGG19.Pooling = .max

  @Option(help: "Descriptor padding: zero, reflect or none.")
  var padding: VGG19.Padding = .zero

  @Option(help: "The experiment's seed.")
  var seed: UInt64 = TrainingConfiguration.Defaults.seed

  @Option(help: "Print a progress line every N iterations (when not on a terminal).")
  var printEvery: Int = TrainingConfiguration.Defaults.printEvery

  @Option(help: "Write progress samples every N iterations (0: only at the end).")
  var sampleEvery: Int = TrainingConfiguration.Defaults.sampleEvery

  @Option(help: "Progress samples per picture.")
  var sampleCount: Int = TrainingConfiguration.Defaults.sampleCount

  @Option(help: "Write checkpoint.h5 every N iterations (0: only on Ctrl-C), for --resume.")
  var checkpointEvery: Int = TrainingConfiguration.Defaults.checkpointEvery

  @Option(help: "The VGG-19 weights (HDF5 from harness import-weights; default \(defaultWeightsPath)).")
  var weights: String?

  @Option(
    help: ArgumentHelp(
      "Continue the stopped run in DIR from its checkpoint.h5.",
      discussion: "Its configuration.json decides everything; only --iterations (the new total), --weights, --threads and --quiet apply."))
  var resume: String?

  @Option(
    name: .customLong("configuration"),
    help: ArgumentHelp(
      "Train the configuration.json FILE as it is (as written by a run).",
      discussion: "The file decides everything; only --out, --weights, --threads and --quiet apply."))
  var configurationFile: String?

  @Flag(help: "Print the resolved configuration as JSON and exit.")
  var printConfiguration = false

  @Option(help: "Worker threads (default: OPENBLAS_NUM_THREADS, else every core).")
  var threads: Int?

  @Option(help: "The output directory (new or empty). Default: \(TrainingConfiguration.Defaults.outputRoot)/<UTC time>.")
  var out: String?

  @Flag(help: "No progress bar.")
  var quiet = false

  func run() throws {
    if let threads { BLAS.setThreads(threads) }
    if let warning = BLAS.kernelWarning { printError("warning: \(warning)") }
    do {
      if let resume {
        try report(
          try TrainingRun.resume(
            directory: URL(fileURLWithPath: resume), iterations: iterations, weights: weights,
            showsProgress: !quiet))
        return
      }
      let configuration = try resolvedConfiguration()
      if printConfiguration {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(configuration), as: UTF8.self))
        return
      }
      let run = try TrainingRun.prepare(
        configuration, outputDirectory: out.map { URL(fileURLWithPath: $0) },
        provenance: .current(seed: configuration.seed, harnessVersion: HarnessVersion.number),
        warn: { printError("warning: \($0)") })
      run.showsProgress = !quiet
      try report(try run.run())
    } catch let error as TrainingError {
      printError("error: \(error)")
      throw ExitCode.failure
    }
  }

  /// Prints the summary; an interrupted run exits with 130.
  private func report(_ summary: TrainingSummary) throws {
    print("\(summary.stopReason.rawValue): \(summary.iterations) iterations, "
      + String(format: "%.1f s (%.3f s/iteration), loss %.4e -> %.4e (mean of the last 50: %.4e), %d parameters, peak RSS %.0f MiB",
               summary.seconds, summary.secondsPerIteration, summary.initialLoss, summary.finalLoss,
               summary.finalLossMean, summary.parameterCount, summary.peakResidentMiB))
    print("outputs: \(summary.outputDirectory) (model: \(summary.outputDirectory)/model.h5)")
    if summary.stopReason == .interrupted {
      printError("interrupted: continue with harness train --resume \(summary.outputDirectory)")
      throw ExitCode(130)
    }
  }

  /// The configuration these options describe, every default filled in (or, with
  /// `--configuration FILE`, that file's, with `--weights` applied).
  func resolvedConfiguration() throws -> TrainingConfiguration {
    if let configurationFile {
      var resolved: TrainingConfiguration
      do {
        resolved = try JSONDecoder().decode(
          TrainingConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: configurationFile)))
      } catch {
        throw ValidationError("--configuration \(configurationFile): not a configuration.json of harness train: \(error)")
      }
      if let weights { resolved.weights = weights }
      return resolved
    }
    let contentSet = content.isEmpty ? nil : ContentSetConfiguration(paths: content, crop: crop)
    var resolved = TrainingConfiguration(
      styles: styles, content: contentSet, weights: weights ?? defaultWeightsPath)
    let mode = resolved.generator.mode
    resolved.generator = try network.resolved(
      mode: mode, defaultLevels: TrainingConfiguration.Defaults.levels(mode))
    resolved.styleBlendWeights = try loss.styleBlendWeights() ?? styles.map { _ in 1 }
    resolved.styleScale = styleScale
    resolved.featureTerms = try loss.featureTerms(
      style: loss.styleWeight != 0, content: contentSet != nil && loss.contentWeight != 0)
    resolved.imageTerms = loss.imageTerms
    resolved.padding = padding
    resolved.pooling = pooling
    resolved.optimizer.learningRate = learningRate
    resolved.schedule = try Self.schedule(schedule)
    if let batchSize { resolved.batchSize = batchSize }
    if let iterations { resolved.iterations = iterations }
    resolved.size = size
    resolved.seed = seed
    resolved.printEvery = printEvery
    resolved.sampleEvery = sampleEvery
    resolved.sampleCount = sampleCount
    resolved.checkpointEvery = checkpointEvery
    return resolved
  }

  /// `paper`, `texture-nets`, `constant`, `step:FACTOR,START,INTERVAL` or
  /// `milestones:FACTOR,M1,M2,...`.
  static func schedule(_ text: String) throws -> LearningRateSchedule {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    let numbers = parts.count == 2 ? parts[1].split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) } : []
    let name = parts.first ?? ""
    if parts.count == 1 {
      switch name {
      case "paper": return .textureNetworksPaper
      case "texture-nets", "textureNets": return .textureNetworksCode
      case "constant": return .constant
      default: break
      }
    }
    switch name {
    case "step":
      guard numbers.count == 3, let factor = numbers[0], let start = numbers[1], let interval = numbers[2],
        start == start.rounded(), interval == interval.rounded()
      else { throw ValidationError("--schedule: step needs FACTOR,START,INTERVAL (e.g. step:0.7,1000,200), got '\(text)'") }
      return .stepDecay(factor: factor, start: Int(start), interval: Int(interval))
    case "milestones":
      guard numbers.count >= 2, numbers.allSatisfy({ $0 != nil }) else {
        throw ValidationError("--schedule: milestones needs FACTOR,M1,M2,... (e.g. milestones:0.5,500,800), got '\(text)'")
      }
      let values = numbers.compactMap { $0 }
      return .milestones(factor: values[0], milestones: values.dropFirst().map { Int($0) })
    default:
      throw ValidationError(
        "--schedule: expected paper, texture-nets, constant, step:FACTOR,START,INTERVAL or milestones:FACTOR,M1,..., got '\(text)'")
    }
  }
}

/// `harness train`: the reference `train_step`'s unit style weight.
enum TrainLossDefaults: LossTermDefaults {
  static var styleWeight: Float { TrainingConfiguration.Defaults.styleWeight }
}
