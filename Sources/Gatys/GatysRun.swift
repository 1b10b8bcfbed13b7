import Autodiff
import Foundation
import Losses
import NN
import Optimizers
import Runs
import Store
import TensorCore

/// Why a Gatys run stopped.
public enum GatysStopReason: String, Codable, Sendable {
  /// All iterations ran.
  case completed
  /// The total loss fell below `stopAtLoss`.
  case reachedLoss
  /// L-BFGS met one of its termination tests (a zero gradient or no progress).
  case converged
  /// SIGINT (Ctrl-C) or SIGTERM.
  case interrupted
  /// The loss became NaN or infinite.
  case diverged
}

/// What a finished (or stopped) Gatys run reports.
public struct GatysSummary: Codable, Sendable {
  /// Why it stopped.
  public var stopReason: GatysStopReason
  /// Iterations completed.
  public var iterations: Int
  /// Objective evaluations (forward + backward passes) made.
  public var evaluations: Int
  /// The total loss at the start.
  public var initialLoss: Double
  /// The total loss at the last finite iterate.
  public var finalLoss: Double
  /// Wall time of the optimisation loop (targets and setup excluded), seconds.
  public var seconds: Double
  /// `seconds / iterations`.
  public var secondsPerIteration: Double
  /// The process's peak resident memory (VmHWM) at the end, MiB.
  public var peakResidentMiB: Double
  /// The most tensor memory (large buffers) in use at once, MiB: the working set the peak RSS
  /// holds beyond the runtime, the libraries and the buffer pool's slack.
  public var peakTensorMiB: Double
  /// With `stopAtLoss`: the iteration at which the loss first fell below it.
  public var reachedLossAtIteration: Int?
  /// With `stopAtLoss`: the loop's seconds until then (time-to-equal-loss).
  public var reachedLossAfterSeconds: Double?
  /// With a divergence: the terms that were not finite (or `total`).
  public var divergedTerms: [String]?
  /// The output directory.
  public var outputDirectory: String
}

/// A Gatys et al. optimisation of the image's pixels against the objective, with its outputs:
///
///     DIR/configuration.json   the resolved configuration (reloadable)
///     DIR/provenance.json      git commit, toolchain, CPU, BLAS kernel and threads, seed, times
///     DIR/store.h5             attributes configuration, provenance, summary; /inputs/*;
///                              /metrics/iterations (one row per iteration); /result/image
///     DIR/final.png            the last iterate (the last finite one after a divergence)
///     DIR/iterations/iteration-NNNNNN.png   every `saveEvery` iterations
///
/// Row k of `/metrics/iterations` is the iterate after k iterations (row 0: the starting image):
/// `iteration`, `wall_seconds` (since the loop started), `iteration_seconds`, `evaluations`
/// (cumulative), every term unweighted (`style/gram/relu1_1`, ...), `total` (weighted sum) and
/// `peak_rss_mib`. The terms' weights are the table's `term_weights` attribute.
public final class GatysRun {
  /// The configuration.
  public let configuration: GatysConfiguration
  /// The images at their working sizes.
  public let inputs: GatysInputs
  /// The descriptor.
  public let network: VGG19
  /// Where the outputs go (created; must not hold another run).
  public let outputDirectory: URL
  /// The run folder, once `run()` has created it (or `resume` opened it).
  private var folder: RunFolder?
  /// The folder's write lock (`RunFolder.lockForWriting`), held while the run writes it.
  private var lock: FolderLock?
  /// Where the result came from.
  public private(set) var provenance: Provenance
  /// Show a progress bar on standard error.
  public var showsProgress = true
  /// Polled before every iteration: true stops the run as interrupted (with a checkpoint).
  /// Default: SIGINT (Ctrl-C) or SIGTERM was received (`InterruptSignal`, installed by the run).
  public var isInterrupted: () -> Bool = { InterruptSignal.shared.received != nil }
  /// Whether the run installs the process's SIGINT/SIGTERM handling (`InterruptSignal`).
  public var installsSignalHandling = true

  private let objective: Objective
  var context: LossContext
  private var lastTerms: [Objective.TermValue] = []

  /// A run of `configuration` on `inputs` with `network`, writing to `outputDirectory`.
  public init(
    configuration: GatysConfiguration, inputs: GatysInputs, network: VGG19, outputDirectory: URL,
    provenance: Provenance
  ) {
    self.configuration = configuration
    self.inputs = inputs
    self.network = network
    self.outputDirectory = outputDirectory
    self.provenance = provenance
    objective = Objective(featureTerms: configuration.featureTerms, imageTerms: configuration.imageTerms)
    context = LossContext(random: RandomStream(seed: configuration.seed, name: "losses"))
  }

  /// The objective's value and gradient at `image` `[1, 3, H, W]`; records the terms.
  func evaluate(_ image: Tensor, targets: Objective.Targets) -> Evaluation {
    let x = Variable(image, requiresGradient: true)
    let total = forward(x, targets: targets)
    let gradient = gradients(of: total, with: [x])[0]
    return Evaluation(loss: Double(total.value.scalar), gradient: gradient)
  }

  /// The total loss at `x`. The feature maps go out of scope here, before the backward pass, so
  /// each is freed as soon as its loss's pullback has used it.
  private func forward(_ x: Variable, targets: Objective.Targets) -> Variable {
    let features = network(x, taps: objective.taps)
    let evaluation = objective.evaluate(image: x, features: features, targets: targets, context: &context)
    lastTerms = evaluation.terms
    return evaluation.total
  }

  /// The exemplar statistics of every term.
  func targets() throws -> Objective.Targets {
    let styleLayers = objective.layers(targeting: .style)
    let contentLayers = objective.layers(targeting: .content)
    let styles = inputs.styles
    let content = inputs.content
    return try objective.targets(
      styleCount: styles.count,
      styleFeatures: { [network] in network(Variable(styles[$0]), taps: styleLayers).mapValues(\.value) },
      styleWeights: configuration.styleBlendWeights,
      contentFeatures: content.map { image in
        { [network] in network(Variable(image), taps: contentLayers).mapValues(\.value) }
      })
  }

  /// Runs the optimisation; throws `GatysError.diverged` (after writing everything) when the
  /// loss stops being finite.
  @discardableResult
  public func run() throws -> GatysSummary {
    let folder = try RunFolder.create(at: outputDirectory)
    lock = try folder.lockForWriting()
    self.folder = folder
    try folder.writeJSON(configuration, to: "configuration.json")
    try folder.writeJSON(provenance, to: "provenance.json")
    let store = try HDF5File.create(folder.path(of: "store.h5"))
    let root = try store.root
    try root.setAttribute("schema", .string("texture-nets-harness gatys store, version 1"))
    try root.setJSONAttribute("configuration", configuration)
    try root.setJSONAttribute("provenance", provenance)
    for (index, style) in inputs.styles.enumerated() { try root.write(style, to: "inputs/style_\(index)") }
    if let content = inputs.content { try root.write(content, to: "inputs/content") }
    try root.write(inputs.initial, to: "inputs/initial")
    let table = try MetricsTable(
      creating: "metrics/iterations", in: root,
      columns: ["iteration", "wall_seconds", "iteration_seconds", "evaluations"] + objective.termNames
        + ["total", "peak_rss_mib"])
    let targets = try targets()
    var optimizer = try ImageOptimizer(configuration.optimizer, start: inputs.initial)
    if installsSignalHandling { InterruptSignal.shared.install() }
    let start = monotonicSeconds()
    let first = try optimizer.evaluate(objectiveFunction(targets))
    try (try root.dataset("metrics/iterations")).setAttribute(
      "term_weights", .doubles(lastTerms.map { Double($0.weight) }))
    try table.append(row(0, wall: 0, iterationSeconds: monotonicSeconds() - start, optimizer, first.loss))
    try table.flush()
    let loop = LoopPosition(
      iteration: 0, elapsedSeconds: 0, initialLoss: first.loss, lastLoss: first.loss)
    return try optimize(
      store: store, table: table, optimizer: &optimizer, from: loop, targets: targets,
      sessionStart: start)
  }

  /// Continues the run in `directory` from its `checkpoint.h5` (written every `checkpointEvery`
  /// iterations and on Ctrl-C): the configuration, inputs and metrics come from the directory,
  /// rows after the checkpoint are dropped, and the loop goes on exactly as it would have,
  /// for `iterations` in all (default: the configuration's). Returns like `run()`.
  @discardableResult
  public static func resume(
    directory: URL, iterations: Int? = nil, weights: String? = nil, showsProgress: Bool = true,
    customize: (GatysRun) -> Void = { _ in }
  ) throws -> GatysSummary {
    let path = directory.path
    let folder: RunFolder
    do {
      folder = try RunFolder.open(
        directory, requiring: ["configuration.json", "provenance.json", "store.h5", GatysCheckpoint.fileName])
    } catch {
      guard case .missingFile(_, let name) = error else { throw error }
      throw GatysError.cannotResume(path, reason: "no \(name) (a run directory of harness gatys has one)")
    }
    let lock = try folder.lockForWriting()
    var configuration: GatysConfiguration
    var provenance: Provenance
    do {
      configuration = try folder.readJSON(GatysConfiguration.self, from: "configuration.json")
      provenance = try folder.readJSON(Provenance.self, from: "provenance.json")
    } catch {
      throw GatysError.cannotResume(path, reason: "its configuration.json or provenance.json does not read: \(error)")
    }
    if let iterations { configuration.iterations = iterations }
    // Only the position and the stream outlive this closure: the optimiser takes the state's
    // tensors over, so no second reference keeps the L-BFGS history from being updated in place.
    let checkpointPath = folder.path(of: GatysCheckpoint.fileName)
    let (position, stream, restored) = try { () throws -> (LoopPosition, RandomStream, ImageOptimizer) in
      let checkpoint = try GatysCheckpoint.read(from: checkpointPath)
      return (
        checkpoint.position, checkpoint.lossesStream,
        try ImageOptimizer(configuration.optimizer, state: checkpoint.optimizer, checkpointPath: checkpointPath)
      )
    }()
    var optimizer = restored
    let store = try HDF5File.open(folder.path(of: "store.h5"), mode: .readWrite)
    let root = try store.root
    var styles: [Tensor] = []
    while try root.contains("inputs/style_\(styles.count)") {
      styles.append(try root.readTensor("inputs/style_\(styles.count)"))
    }
    let content = try root.contains("inputs/content") ? try root.readTensor("inputs/content") : nil
    let inputs = GatysInputs(styles: styles, content: content, initial: try root.readTensor("inputs/initial"))
    provenance.resumed = (provenance.resumed ?? []) + [
      "\(Provenance.timestamp()) from iteration \(position.iteration): \(CommandLine.arguments.joined(separator: " "))"
    ]
    provenance.finished = nil
    let run = GatysRun(
      configuration: configuration, inputs: inputs, network: try configuration.loadNetwork(weights: weights),
      outputDirectory: directory, provenance: provenance)
    run.folder = folder
    run.lock = lock
    run.showsProgress = showsProgress
    customize(run)
    run.context = LossContext(random: stream)
    let table = try MetricsTable(opening: "metrics/iterations", in: root)
    try table.truncate(rowCount: position.iteration + 1)
    try root.setJSONAttribute("configuration", configuration)
    try folder.writeJSON(configuration, to: "configuration.json")
    try folder.writeJSON(provenance, to: "provenance.json")
    let targets = try run.targets()
    if run.installsSignalHandling { InterruptSignal.shared.install() }
    return try run.optimize(
      store: store, table: table, optimizer: &optimizer, from: position, targets: targets,
      sessionStart: monotonicSeconds())
  }

  /// The objective for the optimiser.
  private func objectiveFunction(_ targets: Objective.Targets) -> ObjectiveFunction {
    { [unowned self] image in self.evaluate(image, targets: targets) }
  }

  /// The loop from `loop` (the iterate after `loop.iteration` iterations, already logged) to the
  /// end, then the outputs.
  private func optimize(
    store: HDF5File, table: MetricsTable, optimizer: inout ImageOptimizer, from loop: LoopPosition,
    targets: Objective.Targets, sessionStart: Double
  ) throws -> GatysSummary {
    let root = try store.root
    let function = objectiveFunction(targets)
    let elapsed = { loop.elapsedSeconds + monotonicSeconds() - sessionStart }
    var lastGoodImage = optimizer.image
    var lastLoss = loop.lastLoss
    var summary = GatysSummary(
      stopReason: .completed, iterations: loop.iteration, evaluations: optimizer.evaluationCount,
      initialLoss: loop.initialLoss, finalLoss: loop.lastLoss, seconds: 0, secondsPerIteration: 0,
      peakResidentMiB: ProcessMemory.peakResidentMiB,
      peakTensorMiB: Double(BufferPool.shared.peakLiveBytes) / 1_048_576,
      reachedLossAtIteration: loop.reachedLossAtIteration,
      reachedLossAfterSeconds: loop.reachedLossAfterSeconds, outputDirectory: outputDirectory.path)
    var progress = ProgressBar(total: configuration.iterations, printEvery: configuration.printEvery)
    if loop.iteration == 0, let diverged = nonFiniteTerms(loop.lastLoss) {
      summary.stopReason = .diverged
      summary.divergedTerms = diverged
    }
    if summary.reachedLossAtIteration != nil { summary.stopReason = .reachedLoss }
    var iteration = loop.iteration
    while summary.stopReason == .completed && iteration < configuration.iterations {
      if isInterrupted() {
        summary.stopReason = .interrupted
        break
      }
      let iterationStart = monotonicSeconds()
      let previousImage = optimizer.image
      let moved = try optimizer.step(function)
      if !moved {
        summary.stopReason = .converged
        break
      }
      iteration += 1
      let evaluation = try optimizer.evaluate(function)
      try table.append(
        row(iteration, wall: elapsed(), iterationSeconds: monotonicSeconds() - iterationStart, optimizer, evaluation.loss))
      try table.flush()
      if let diverged = nonFiniteTerms(evaluation.loss) {
        summary.stopReason = .diverged
        summary.divergedTerms = diverged
        lastGoodImage = previousImage
        break
      }
      lastGoodImage = optimizer.image
      lastLoss = evaluation.loss
      if showsProgress { progress.update(iteration, status: status(evaluation.loss)) }
      if configuration.saveEvery > 0 && iteration % configuration.saveEvery == 0 {
        try saveImage(lastGoodImage, name: String(format: "iterations/iteration-%06d.png", iteration))
      }
      if let threshold = configuration.stopAtLoss, evaluation.loss < threshold {
        summary.reachedLossAtIteration = iteration
        summary.reachedLossAfterSeconds = elapsed()
        summary.stopReason = .reachedLoss
      }
      if configuration.checkpointEvery > 0 && iteration % configuration.checkpointEvery == 0 {
        try checkpoint(iteration, elapsed(), summary, lastLoss, optimizer)
      }
    }
    if summary.stopReason == .interrupted && iteration > loop.iteration {
      try checkpoint(iteration, elapsed(), summary, lastLoss, optimizer)
    }
    if showsProgress && summary.stopReason != .completed { progress.finish() }
    summary.iterations = iteration
    summary.evaluations = optimizer.evaluationCount
    summary.finalLoss = lastLoss
    summary.seconds = elapsed()
    summary.secondsPerIteration = iteration > 0 ? summary.seconds / Double(iteration) : 0
    summary.peakResidentMiB = ProcessMemory.peakResidentMiB
    summary.peakTensorMiB = Double(BufferPool.shared.peakLiveBytes) / 1_048_576
    provenance.finished = Provenance.timestamp()

    try root.write(lastGoodImage, to: "result/image", replacing: true)
    try root.setJSONAttribute("summary", summary)
    try root.setJSONAttribute("provenance", provenance)
    try store.close()
    try saveImage(lastGoodImage, name: "final.png")
    try runFolder().writeJSON(provenance, to: "provenance.json")
    if summary.stopReason == .diverged {
      throw GatysError.diverged(
        iteration: iteration, terms: summary.divergedTerms ?? [], directory: outputDirectory.path)
    }
    return summary
  }

  /// Writes `checkpoint.h5` for the iterate after `iteration` iterations.
  private func checkpoint(
    _ iteration: Int, _ elapsed: Double, _ summary: GatysSummary, _ lastLoss: Double,
    _ optimizer: ImageOptimizer
  ) throws {
    let position = LoopPosition(
      iteration: iteration, elapsedSeconds: elapsed, initialLoss: summary.initialLoss,
      lastLoss: lastLoss, reachedLossAtIteration: summary.reachedLossAtIteration,
      reachedLossAfterSeconds: summary.reachedLossAfterSeconds)
    try GatysCheckpoint(position: position, lossesStream: context.random, optimizer: optimizer.state)
      .write(to: runFolder())
  }

  private func row(
    _ iteration: Int, wall: Double, iterationSeconds: Double, _ optimizer: ImageOptimizer, _ total: Double
  ) -> [Double] {
    [Double(iteration), wall, iterationSeconds, Double(optimizer.evaluationCount)]
      + lastTerms.map(\.value) + [total, ProcessMemory.peakResidentMiB]
  }

  /// The names of the non-finite terms (or `total`), nil when everything is finite.
  private func nonFiniteTerms(_ total: Double) -> [String]? {
    nonFiniteNames(lastTerms.map { (name: $0.name, value: $0.value) }, total: total)
  }

  /// `loss 1.234e+00 (style 1.1e+00, content 1.3e-01)`: the weighted sums per target.
  private func status(_ total: Double) -> String {
    Objective.statusLine(total: total, terms: lastTerms)
  }

  private func saveImage(_ image: Tensor, name: String) throws {
    let url = try runFolder().preparingParent(of: name)
    var output = image
    if configuration.originalColors, let content = inputs.content {
      output = keepingOriginalColors(of: content, luminanceFrom: image)
    }
    try writePNG(output, path: url.path)
  }

  /// The run folder `run()` created or `resume` opened.
  private func runFolder() throws -> RunFolder {
    guard let folder else { return try RunFolder.open(outputDirectory) }
    return folder
  }
}

/// A failed or diverged Gatys run.
public enum GatysError: Error, CustomStringConvertible {
  /// The loss became NaN or infinite at `iteration`; the run's outputs hold the last finite image.
  case diverged(iteration: Int, terms: [String], directory: String)
  /// The configuration has problems (all listed).
  case invalidConfiguration([String])
  /// A run directory cannot be resumed.
  case cannotResume(String, reason: String)
  /// A checkpoint file is damaged or foreign.
  case badCheckpoint(String, reason: String)

  /// One clear message.
  public var description: String {
    switch self {
    case .diverged(let iteration, let terms, let directory):
      return "the loss diverged at iteration \(iteration): \(terms.joined(separator: ", ")) "
        + "\(terms.count == 1 ? "is" : "are") not finite; the store and the last finite image are in \(directory)"
    case .invalidConfiguration(let problems):
      return "invalid configuration:\n" + problems.map { "  " + $0 }.joined(separator: "\n")
    case .cannotResume(let path, let reason):
      return "\(path): cannot resume: \(reason)"
    case .badCheckpoint(let path, let reason):
      return "\(path): bad checkpoint: \(reason)"
    }
  }
}
