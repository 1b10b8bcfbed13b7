import Autodiff
import Foundation
import ImageArguments
import Losses
import NN
import Optimizers
import Runs
import Store
import TensorCore

/// A training of the Texture Networks generator with Adam against the objective, with its
/// outputs:
///
///     DIR/configuration.json   the resolved configuration (reloadable: harness train --configuration)
///     DIR/provenance.json      git commit and dirty flag, toolchain, CPU, BLAS kernel and threads, seed
///     DIR/model.h5             the trained generator (GeneratorModelFile; harness generate --model)
///     DIR/store.h5             attributes schema, configuration, provenance, summary;
///                              /inputs/style_<i> (exemplars at their working size);
///                              /metrics/iterations (one row per iteration)
///     DIR/summary.json         the TrainingSummary
///     DIR/samples/iteration-NNNNNN.png   every `sampleEvery` iterations (and 0), from fixed noise
///     DIR/samples/final.png    the trained generator's samples
///     DIR/checkpoint.h5        every `checkpointEvery` iterations and on Ctrl-C/SIGTERM
///
/// Row i of `/metrics/iterations` is iteration i + 1: `iteration`, `wall_seconds` (loop time
/// since the start, all sessions), `iteration_seconds`, `learning_rate` (α of that update),
/// every term unweighted (`style/gram/relu1_1`, ...; weights in the `term_weights` attribute),
/// `total` (the weighted sum: the loss of that iteration's batch, before its update),
/// `gradient_norm` (‖∇θ L‖₂ over every parameter) and `peak_rss_mib`.
///
/// Each iteration draws the batch's noise from the `training noise` stream, then (style mode)
/// the content images and crops from `content order`, then the random losses' draws from
/// `losses`: with the network, Adam's state and these streams checkpointed, a resumed run makes
/// the same updates, bit for bit, as one that never stopped.
///
/// - Reference: Ulyanov et al., "Texture Networks", ICML 2016, §3.2 (the learning objective, eq.
///   in §3.2: E_z[L_T(g(z), x₀)] minimised over the generator's parameters with Adam).
public final class TrainingRun {
  /// The configuration.
  public let configuration: TrainingConfiguration
  /// Where the outputs go (created; must be new or empty).
  public let outputDirectory: URL
  /// Where the result came from.
  public private(set) var provenance: Provenance
  /// Show a progress bar on standard error.
  public var showsProgress = true
  /// Polled before every iteration: true stops the run as interrupted (with a checkpoint).
  /// Default: SIGINT (Ctrl-C) or SIGTERM was received (`InterruptSignal`).
  public var isInterrupted: () -> Bool = { InterruptSignal.shared.received != nil }
  /// Whether the run installs the process's SIGINT/SIGTERM handling (`InterruptSignal`).
  public var installsSignalHandling = true

  /// The objective (descriptor, terms, style targets).
  public let objective: TrainingObjective
  /// The content set (style mode).
  public let content: ContentSet?
  /// The network being trained.
  public private(set) var generator: Generator
  private var adam: Adam
  private var noiseStream: RandomStream
  private var contentStream: RandomStream
  private var context: LossContext
  private var contentOrder: ContentOrder?
  private var metrics: [[Double]] = []
  private var elapsedBefore = 0.0
  private var untrackedSteps = 0
  private var folder: RunFolder?
  /// The folder's write lock (`RunFolder.lockForWriting`), held while the run writes it.
  private var lock: FolderLock?

  /// The metrics table's columns for `objective`.
  public static func columns(_ objective: Objective) -> [String] {
    ["iteration", "wall_seconds", "iteration_seconds", "learning_rate"] + objective.termNames
      + ["total", "gradient_norm", "peak_rss_mib"]
  }

  /// The columns that do not depend on timing or memory (what a resumed run reproduces bit for bit).
  public static let timingColumns: Set<String> = ["wall_seconds", "iteration_seconds", "peak_rss_mib"]

  /// A fresh run: the generator initialised from the `generator initialisation` stream, Adam's
  /// moments zero, every stream at its start.
  init(
    configuration: TrainingConfiguration, objective: TrainingObjective, content: ContentSet?,
    outputDirectory: URL, provenance: Provenance
  ) throws {
    self.configuration = configuration
    self.objective = objective
    self.content = content
    self.outputDirectory = outputDirectory
    self.provenance = provenance
    let seed = configuration.seed
    var initialisation = RandomStream(seed: seed, name: "generator initialisation")
    generator = try Generator(configuration.generator, random: &initialisation)
    adam = try Adam(
      parameters: generator.parameters.map { ($0.path, $0.value.shape) },
      configuration: configuration.optimizer)
    noiseStream = RandomStream(seed: seed, name: "training noise")
    contentStream = RandomStream(seed: seed, name: "content order")
    context = LossContext(random: RandomStream(seed: seed, name: "losses"))
    contentOrder = content.map { ContentOrder(count: $0.images.count) }
  }

  /// A new run of `configuration`, ready to `run()`: the configuration is checked (every problem
  /// at once), the exemplars loaded (image arguments) and brought to their working size, the
  /// content set listed and checked, VGG-19 loaded once up to the deepest layer read and the
  /// style targets computed. `outputDirectory` nil means `results/train/<UTC time>`.
  ///
  /// - Throws: `TrainingError.invalidConfiguration` or `.badContent`, `ImageArgumentError`
  ///   naming the file, or the weights' loading error.
  public static func prepare(
    _ configuration: TrainingConfiguration, outputDirectory: URL? = nil, provenance: Provenance,
    warn: (String) -> Void = { _ in }
  ) throws -> TrainingRun {
    let problems = configuration.problems()
    guard problems.isEmpty else { throw TrainingError.invalidConfiguration(problems) }
    let styles = try loadStyles(configuration, warn: warn)
    let content = try configuration.content.map { try ContentSet($0, size: configuration.size) }
    let objective = try TrainingObjective(
      configuration: configuration, styles: styles, network: try configuration.loadNetwork())
    return try TrainingRun(
      configuration: configuration, objective: objective, content: content,
      outputDirectory: outputDirectory ?? TrainingConfiguration.Defaults.outputDirectory(),
      provenance: provenance)
  }

  static func loadStyles(_ configuration: TrainingConfiguration, warn: (String) -> Void) throws -> [Tensor] {
    try configuration.styles.map { text in
      let loaded = try ImageArgument(parsing: text).load()
      if let warning = loaded.rangeWarning { warn(warning) }
      return loaded.image
    }
  }

  /// Trains from the start; throws `TrainingError.diverged` (after writing everything) when the
  /// loss stops being finite.
  @discardableResult
  public func run() throws -> TrainingSummary {
    let folder = try RunFolder.create(at: outputDirectory)
    lock = try folder.lockForWriting()
    self.folder = folder
    try folder.writeJSON(configuration, to: "configuration.json")
    try folder.writeJSON(provenance, to: "provenance.json")
    let (store, table) = try createStore(in: folder)
    return try train(store: store, table: table)
  }

  /// Continues the run in `directory` from its `checkpoint.h5`: the configuration comes from
  /// its `configuration.json`, the exemplars from its store, the network, Adam's state, the
  /// streams, the content order and the metrics from the checkpoint; rows after the checkpoint
  /// are dropped. `iterations` changes the total. Returns like `run()`.
  @discardableResult
  public static func resume(
    directory: URL, iterations: Int? = nil, weights: String? = nil, showsProgress: Bool = true,
    customize: (TrainingRun) -> Void = { _ in }
  ) throws -> TrainingSummary {
    let path = directory.path
    let folder: RunFolder
    do {
      folder = try RunFolder.open(
        directory, requiring: ["configuration.json", "provenance.json", TrainingCheckpoint.fileName])
    } catch {
      guard case .missingFile(_, let name) = error else { throw error }
      throw TrainingError.cannotResume(path, reason: "no \(name) (a run directory of harness train has one)")
    }
    let lock = try folder.lockForWriting()
    var configuration: TrainingConfiguration
    var provenance: Provenance
    do {
      configuration = try folder.readJSON(TrainingConfiguration.self, from: "configuration.json")
      provenance = try folder.readJSON(Provenance.self, from: "provenance.json")
    } catch {
      throw TrainingError.cannotResume(path, reason: "its configuration.json or provenance.json does not read: \(error)")
    }
    if let iterations { configuration.iterations = iterations }
    if let weights { configuration.weights = weights }
    let problems = configuration.problems()
    guard problems.isEmpty else { throw TrainingError.invalidConfiguration(problems) }
    let checkpoint = try TrainingCheckpoint.read(from: folder.path(of: TrainingCheckpoint.fileName))
    // The exemplars as trained on: from the store when it reads, else from the configuration.
    let storePath = folder.path(of: "store.h5")
    var styles: [Tensor] = []
    if let store = try? HDF5File.open(storePath), let root = try? store.root {
      while (try? root.contains("inputs/style_\(styles.count)")) == true,
        let style = try? root.readTensor("inputs/style_\(styles.count)")
      {
        styles.append(style)
      }
      try? store.close()
    }
    if styles.count != configuration.styles.count { styles = try loadStyles(configuration, warn: { _ in }) }
    let content = try configuration.content.map { try ContentSet($0, size: configuration.size) }
    let objective = try TrainingObjective(
      configuration: configuration, styles: styles, network: try configuration.loadNetwork())
    provenance.resumed = (provenance.resumed ?? []) + [
      "\(Provenance.timestamp()) from iteration \(checkpoint.iteration): \(CommandLine.arguments.joined(separator: " "))"
    ]
    provenance.finished = nil
    let run = try TrainingRun(
      configuration: configuration, objective: objective, content: content,
      outputDirectory: directory, provenance: provenance)
    try run.restore(checkpoint, source: folder.path(of: TrainingCheckpoint.fileName))
    run.folder = folder
    run.lock = lock
    run.showsProgress = showsProgress
    customize(run)
    try folder.writeJSON(configuration, to: "configuration.json")
    try folder.writeJSON(provenance, to: "provenance.json")
    // The store's metrics are rewritten from the checkpoint's rows: a store that was damaged
    // (or holds rows after the checkpoint) is rebuilt.
    let store: HDF5File
    let table: MetricsTable
    if let opened = try? HDF5File.open(storePath, mode: .readWrite),
      let reopened = try? MetricsTable(opening: "metrics/iterations", in: try opened.root),
      reopened.columns == columns(objective.objective)
    {
      store = opened
      table = reopened
      try table.truncate(rowCount: 0)
      try (try store.root).setJSONAttribute("configuration", configuration)
    } else {
      try? FileManager.default.removeItem(atPath: storePath)
      (store, table) = try run.createStore(in: folder)
    }
    for row in checkpoint.metrics { try table.append(row) }
    try table.flush()
    return try run.train(store: store, table: table)
  }

  /// Takes over the checkpoint's network, optimiser state, streams, order and metrics.
  private func restore(_ checkpoint: TrainingCheckpoint, source: String) throws {
    do {
      try generator.load(checkpoint.generator, source: source)
      let state = try AdamState(
        namedState: checkpoint.optimizer,
        parameters: generator.parameters.map { ($0.path, $0.value.shape) })
      adam = try Adam(state: state, configuration: configuration.optimizer)
    } catch {
      throw TrainingError.badCheckpoint(source, reason: "\(error)")
    }
    guard let noise = checkpoint.streams["training_noise"], let order = checkpoint.streams["content_order"],
      let losses = checkpoint.streams["losses"]
    else { throw TrainingError.badCheckpoint(source, reason: "missing a random stream") }
    noiseStream = noise
    contentStream = order
    context = LossContext(random: losses)
    if content != nil {
      guard let saved = checkpoint.contentOrder, saved.permutation.count == content?.images.count else {
        throw TrainingError.badCheckpoint(
          source, reason: "its content order does not fit the content set of \(content?.images.count ?? 0) images")
      }
      contentOrder = saved
    }
    metrics = checkpoint.metrics
    elapsedBefore = checkpoint.elapsedSeconds
  }

  /// Creates `store.h5` with its attributes, the exemplars and an empty metrics table.
  private func createStore(in folder: RunFolder) throws -> (HDF5File, MetricsTable) {
    let store = try HDF5File.create(folder.path(of: "store.h5"))
    let root = try store.root
    try root.setAttribute("schema", .string("texture-nets-harness training store, version 1"))
    try root.setJSONAttribute("configuration", configuration)
    try root.setJSONAttribute("provenance", provenance)
    for (index, style) in objective.styles.enumerated() { try root.write(style, to: "inputs/style_\(index)") }
    let table = try MetricsTable(
      creating: "metrics/iterations", in: root, columns: Self.columns(objective.objective))
    try (try root.dataset("metrics/iterations")).setAttribute(
      "term_weights", .doubles(objective.objective.termWeights.map(Double.init)))
    try store.flush()
    return (store, table)
  }

  /// The loop from the current iteration to the end, then the outputs.
  private func train(store: HDF5File, table: MetricsTable) throws -> TrainingSummary {
    if installsSignalHandling { InterruptSignal.shared.install() }
    let folder = try runFolder()
    let sessionStart = monotonicSeconds()
    let elapsed = { self.elapsedBefore + monotonicSeconds() - sessionStart }
    let (sampleNoise, sampleContent) = try sampleInputs()
    var iteration = metrics.count
    if iteration == 0 { try writeSamples(sampleNoise, sampleContent, name: "samples/iteration-000000.png") }
    var stopReason = TrainingStopReason.completed
    var divergedTerms: [String]?
    var lastGood = generator.namedTensors
    var progress = ProgressBar(
      total: configuration.iterations, printEvery: configuration.printEvery, startingAt: iteration)
    let parameterCount = generator.parameterCount
    while iteration < configuration.iterations {
      if isInterrupted() {
        stopReason = .interrupted
        break
      }
      let iterationStart = monotonicSeconds()
      let before = generator.namedTensors
      let step = try trainStep(iteration: iteration + 1)
      iteration += 1
      let row = [Double(iteration), elapsed(), monotonicSeconds() - iterationStart, step.learningRate]
        + step.terms.map(\.value) + [step.total, step.gradientNorm, ProcessMemory.peakResidentMiB]
      try table.append(row)
      try table.flush()
      metrics.append(row)
      if let names = nonFiniteNames(
        step.terms.map { (name: $0.name, value: $0.value) } + [(name: "gradient_norm", value: step.gradientNorm)],
        total: step.total)
      {
        stopReason = .diverged
        divergedTerms = names
        break
      }
      lastGood = before
      if showsProgress { progress.update(iteration, status: status(step)) }
      if configuration.sampleEvery > 0 && iteration % configuration.sampleEvery == 0 {
        try writeSamples(sampleNoise, sampleContent, name: String(format: "samples/iteration-%06d.png", iteration))
      }
      if configuration.checkpointEvery > 0 && iteration % configuration.checkpointEvery == 0 {
        try checkpoint(iteration: iteration, elapsed: elapsed())
      }
    }
    let checkpointed = configuration.checkpointEvery > 0 && iteration % configuration.checkpointEvery == 0
    if stopReason == .interrupted && iteration > 0 && !checkpointed {
      try checkpoint(iteration: iteration, elapsed: elapsed())
    }
    if showsProgress && stopReason != .completed { progress.finish() }
    if stopReason == .diverged {
      for (path, value) in lastGood { generator.setTensor(value, at: path) }
    }
    let finite = metrics.map { $0[$0.count - 3] }.filter(\.isFinite)
    let tail = finite.suffix(50)
    let summary = TrainingSummary(
      stopReason: stopReason, iterations: iteration, seconds: elapsed(),
      secondsPerIteration: iteration > 0 ? elapsed() / Double(iteration) : 0,
      initialLoss: metrics.first.map { $0[$0.count - 3] } ?? .nan, finalLoss: finite.last ?? .nan,
      finalLossMean: tail.isEmpty ? .nan : tail.reduce(0, +) / Double(tail.count),
      parameterCount: parameterCount, peakResidentMiB: ProcessMemory.peakResidentMiB,
      peakTensorMiB: Double(BufferPool.shared.peakLiveBytes) / 1_048_576, divergedTerms: divergedTerms,
      outputDirectory: outputDirectory.path)
    if stopReason == .completed { provenance.finished = Provenance.timestamp() }
    try GeneratorModelFile.write(generator, provenance: provenance, to: folder.path(of: "model.h5"))
    try writeSamples(sampleNoise, sampleContent, name: "samples/final.png")
    let root = try store.root
    try root.setJSONAttribute("summary", summary)
    try root.setJSONAttribute("provenance", provenance)
    try store.close()
    try folder.writeJSON(summary, to: "summary.json")
    try folder.writeJSON(provenance, to: "provenance.json")
    if stopReason == .diverged {
      throw TrainingError.diverged(iteration: iteration, terms: divergedTerms ?? [], directory: outputDirectory.path)
    }
    return summary
  }

  /// Makes one more training iteration, writing nothing (no metrics row, samples or
  /// checkpoint): what `harness bench training` times. Returns the batch's total loss.
  @discardableResult
  public func step() throws -> Double {
    untrackedSteps += 1
    return try trainStep(iteration: metrics.count + untrackedSteps).total
  }

  /// What one iteration computed.
  struct Step {
    var learningRate: Double
    var terms: [Objective.TermValue]
    var total: Double
    var gradientNorm: Double
  }

  /// Iteration `iteration` (1-based): draw the batch, forward through the generator (training
  /// mode: batch statistics, running averages updated) and the descriptor, backward to the
  /// parameters, one Adam update (skipped when the loss or gradient is not finite).
  private func trainStep(iteration: Int) throws -> Step {
    let batch = configuration.batchSize
    let size = configuration.size
    let learningRate = configuration.schedule.learningRate(
      base: configuration.optimizer.learningRate, atIteration: iteration)
    let noise = try generator.configuration.drawNoise(
      batch: batch, height: size, width: size, random: &noiseStream)
    var contentBatch: Tensor?
    if let content, var order = contentOrder {
      var images: [Tensor] = []
      for _ in 0..<batch { images.append(try content.image(order.next(random: &contentStream), random: &contentStream)) }
      contentOrder = order
      contentBatch = concatenateBatch(images)
    }
    let targets = try objective.targets(content: contentBatch)
    let parameters = generator.parameters.map(\.value)
    let (evaluation, gradients) = differentiate(
      noise: noise, content: contentBatch, targets: targets, parameters: parameters)
    var squares = 0.0
    for gradient in gradients {
      gradient.withUnsafeBufferPointer { values in
        for value in values { squares += Double(value) * Double(value) }
      }
    }
    let total = Double(evaluation.total.value.scalar)
    let norm = squares.squareRoot()
    if total.isFinite && norm.isFinite {
      var values = parameters.map(\.value)
      adam.learningRate = learningRate
      adam.step(&values, gradients: gradients)
      generator.setParameters(values)
    }
    return Step(learningRate: learningRate, terms: evaluation.terms, total: total, gradientNorm: norm)
  }

  /// The forward and backward pass; its own function so that every activation of the tape is
  /// freed when it returns.
  private func differentiate(
    noise: [Tensor], content: Tensor?, targets: Objective.Targets, parameters: [Variable]
  ) -> (Objective.Evaluation, [Tensor]) {
    let output = generator(noise: noise.map { Variable($0) }, content: content.map { Variable($0) }, mode: .training)
    let evaluation = objective.evaluate(output, targets: targets, context: &context)
    let gradients = Autodiff.gradients(of: evaluation.total, with: parameters)
    return (evaluation, gradients)
  }

  /// The fixed inputs of the progress samples: `sampleCount` noise sets drawn once from the
  /// `sample noise` stream and, in style mode, the first content images centre-cropped.
  private func sampleInputs() throws -> ([Tensor], Tensor?) {
    var random = RandomStream(seed: configuration.seed, name: "sample noise")
    let noise = try generator.configuration.drawNoise(
      batch: configuration.sampleCount, height: configuration.size, width: configuration.size,
      random: &random)
    guard let content else { return (noise, nil) }
    var unused = RandomStream(seed: configuration.seed, name: "sample content")
    var images: [Tensor] = []
    let centre = ContentSet(images: content.images, crop: .centreCrop, size: content.size)
    for index in 0..<configuration.sampleCount {
      images.append(try centre.image(index % centre.images.count, random: &unused))
    }
    return (noise, concatenateBatch(images))
  }

  /// The generator's samples of the fixed inputs (inference mode), side by side in one PNG.
  private func writeSamples(_ noise: [Tensor], _ content: Tensor?, name: String) throws {
    let samples = try generator.sample(noise: noise, content: content)
    let url = try runFolder().preparingParent(of: name)
    try writePNG(sampleSheet(samples), path: url.path)
  }

  /// Writes `checkpoint.h5` for the state after `iteration` iterations.
  private func checkpoint(iteration: Int, elapsed: Double) throws {
    let streams = ["training_noise": noiseStream, "content_order": contentStream, "losses": context.random]
    try TrainingCheckpoint(
      iteration: iteration, elapsedSeconds: elapsed,
      generator: Dictionary(uniqueKeysWithValues: generator.namedTensors),
      optimizer: adam.state.namedState, streams: streams, contentOrder: contentOrder, metrics: metrics
    ).write(to: try runFolder())
  }

  /// `loss 1.234e+00 (style 1.1e+00, content 1.3e-01) lr 0.1`: the weighted sums per target.
  private func status(_ step: Step) -> String {
    Objective.statusLine(total: step.total, terms: step.terms) + " lr \(String(format: "%.3g", step.learningRate))"
  }

  /// The run folder `run()` created or `resume` opened.
  private func runFolder() throws -> RunFolder {
    guard let folder else { return try RunFolder.open(outputDirectory) }
    return folder
  }
}
