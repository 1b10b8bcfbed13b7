import Autodiff
import Foundation
import Losses
import NN
import Optimizers
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
  /// The total loss at the start and at the last finite iterate.
  public var initialLoss: Double
  public var finalLoss: Double
  /// Wall time of the optimisation loop (targets and setup excluded), seconds.
  public var seconds: Double
  /// `seconds / iterations`.
  public var secondsPerIteration: Double
  /// The process's peak resident memory (VmHWM) at the end, MiB.
  public var peakResidentMiB: Double
  /// With `stopAtLoss`: the iteration and the seconds at which the loss first fell below it.
  public var reachedLossAtIteration: Int?
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
  /// Where the result came from.
  public private(set) var provenance: Provenance
  /// Show a progress bar on standard error.
  public var showsProgress = true

  private let objective: Objective
  private var context: LossContext
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
    let directory = try prepareDirectory()
    try writeJSON(configuration, to: "configuration.json")
    try writeJSON(provenance, to: "provenance.json")
    let store = try HDF5File.create(directory.appendingPathComponent("store.h5").path)
    let root = try store.root
    try root.setAttribute("schema", .string("texture-nets-harness gatys store, version 1"))
    try root.setJSONAttribute("configuration", configuration)
    try root.setJSONAttribute("provenance", provenance)
    for (index, style) in inputs.styles.enumerated() { try root.write(style, to: "inputs/style_\(index)") }
    if let content = inputs.content { try root.write(content, to: "inputs/content") }
    try root.write(inputs.initial, to: "inputs/initial")
    let names = objective.termNames
    let table = try MetricsTable(
      creating: "metrics/iterations", in: root,
      columns: ["iteration", "wall_seconds", "iteration_seconds", "evaluations"] + names
        + ["total", "peak_rss_mib"])
    let targets = try targets()
    var optimizer = try ImageOptimizer(configuration.optimizer, start: inputs.initial)
    let objectiveFunction: ObjectiveFunction = { [unowned self] image in
      self.evaluate(image, targets: targets)
    }
    InterruptSignal.shared.install()

    let start = monotonicSeconds()
    var first = try optimizer.evaluate(objectiveFunction)
    try (try root.dataset("metrics/iterations")).setAttribute(
      "term_weights", .doubles(lastTerms.map { Double($0.weight) }))
    try table.append(row(0, wall: 0, iterationSeconds: monotonicSeconds() - start, optimizer, first.loss))
    try table.flush()
    var lastGoodImage = optimizer.image
    var lastLoss = first.loss
    var summary = GatysSummary(
      stopReason: .completed, iterations: 0, evaluations: optimizer.evaluationCount,
      initialLoss: first.loss, finalLoss: first.loss, seconds: 0, secondsPerIteration: 0,
      peakResidentMiB: ProcessMemory.peakResidentMiB, outputDirectory: directory.path)
    var progress = ProgressBar(total: configuration.optimizer.iterations, printEvery: configuration.printEvery)
    if let diverged = nonFiniteTerms(first.loss) {
      summary.stopReason = .diverged
      summary.divergedTerms = diverged
    }
    var iteration = 0
    while summary.stopReason == .completed && iteration < configuration.optimizer.iterations {
      if InterruptSignal.shared.received != nil {
        summary.stopReason = .interrupted
        break
      }
      let iterationStart = monotonicSeconds()
      let previousImage = optimizer.image
      let moved = try optimizer.step(objectiveFunction)
      if !moved {
        summary.stopReason = .converged
        break
      }
      iteration += 1
      first = try optimizer.evaluate(objectiveFunction)
      let now = monotonicSeconds()
      try table.append(row(iteration, wall: now - start, iterationSeconds: now - iterationStart, optimizer, first.loss))
      try table.flush()
      if let diverged = nonFiniteTerms(first.loss) {
        summary.stopReason = .diverged
        summary.divergedTerms = diverged
        lastGoodImage = previousImage
        break
      }
      lastGoodImage = optimizer.image
      lastLoss = first.loss
      if showsProgress { progress.update(iteration, status: status(first.loss)) }
      if configuration.saveEvery > 0 && iteration % configuration.saveEvery == 0 {
        try saveImage(lastGoodImage, name: String(format: "iterations/iteration-%06d.png", iteration))
      }
      if let threshold = configuration.stopAtLoss, first.loss < threshold, summary.reachedLossAtIteration == nil {
        summary.reachedLossAtIteration = iteration
        summary.reachedLossAfterSeconds = now - start
        summary.stopReason = .reachedLoss
      }
    }
    if showsProgress && summary.stopReason != .completed { progress.finish() }
    summary.iterations = iteration
    summary.evaluations = optimizer.evaluationCount
    summary.finalLoss = lastLoss
    summary.seconds = monotonicSeconds() - start
    summary.secondsPerIteration = iteration > 0 ? summary.seconds / Double(iteration) : 0
    summary.peakResidentMiB = ProcessMemory.peakResidentMiB
    provenance.finished = Provenance.timestamp()

    try root.write(lastGoodImage, to: "result/image")
    try root.setJSONAttribute("summary", summary)
    try root.setJSONAttribute("provenance", provenance)
    try store.close()
    try saveImage(lastGoodImage, name: "final.png")
    try writeJSON(provenance, to: "provenance.json")
    if summary.stopReason == .diverged {
      throw GatysError.diverged(iteration: iteration, terms: summary.divergedTerms ?? [], directory: directory.path)
    }
    return summary
  }

  private func row(
    _ iteration: Int, wall: Double, iterationSeconds: Double, _ optimizer: ImageOptimizer, _ total: Double
  ) -> [Double] {
    [Double(iteration), wall, iterationSeconds, Double(optimizer.evaluationCount)]
      + lastTerms.map(\.value) + [total, ProcessMemory.peakResidentMiB]
  }

  /// The names of the non-finite terms (or `total`), nil when everything is finite.
  private func nonFiniteTerms(_ total: Double) -> [String]? {
    let bad = lastTerms.filter { !$0.value.isFinite }.map(\.name)
    if !bad.isEmpty { return bad }
    return total.isFinite ? nil : ["total"]
  }

  /// `loss 1.234e+00 (style 1.1e+00, content 1.3e-01)`: the weighted sums per target.
  private func status(_ total: Double) -> String {
    var groups: [(String, Double)] = []
    for term in lastTerms {
      let group = String(term.name.split(separator: "/").first ?? "")
      if let index = groups.firstIndex(where: { $0.0 == group }) {
        groups[index].1 += term.weighted
      } else {
        groups.append((group, term.weighted))
      }
    }
    let parts = groups.map { "\($0.0) \(String(format: "%.3e", $0.1))" }.joined(separator: ", ")
    return "loss \(String(format: "%.4e", total)) (\(parts))"
  }

  private func saveImage(_ image: Tensor, name: String) throws {
    let url = outputDirectory.appendingPathComponent(name)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var output = image
    if configuration.originalColors, let content = inputs.content {
      output = keepingOriginalColors(of: content, luminanceFrom: image)
    }
    try writePNG(output, path: url.path)
  }

  private func writeJSON<Value: Encodable>(_ value: Value, to name: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(value).write(to: outputDirectory.appendingPathComponent(name), options: .atomic)
  }

  /// Creates the output directory; one that holds files already is refused (a run never
  /// overwrites another).
  private func prepareDirectory() throws -> URL {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: outputDirectory.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw GatysError.outputNotADirectory(outputDirectory.path) }
      let contents = try manager.contentsOfDirectory(atPath: outputDirectory.path)
      guard contents.isEmpty else { throw GatysError.outputExists(outputDirectory.path) }
    }
    do {
      try manager.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
    } catch {
      throw GatysError.cannotCreateOutput(outputDirectory.path, reason: "\(error.localizedDescription)")
    }
    return outputDirectory
  }
}

/// A failed or diverged Gatys run.
public enum GatysError: Error, CustomStringConvertible {
  /// The loss became NaN or infinite at `iteration`; the run's outputs hold the last finite image.
  case diverged(iteration: Int, terms: [String], directory: String)
  /// The output directory holds files already.
  case outputExists(String)
  /// The output path is a file.
  case outputNotADirectory(String)
  /// The output directory cannot be created.
  case cannotCreateOutput(String, reason: String)
  /// The configuration has problems (all listed).
  case invalidConfiguration([String])

  /// One clear message.
  public var description: String {
    switch self {
    case .diverged(let iteration, let terms, let directory):
      return "the loss diverged at iteration \(iteration): \(terms.joined(separator: ", ")) "
        + "\(terms.count == 1 ? "is" : "are") not finite; the store and the last finite image are in \(directory)"
    case .outputExists(let path):
      return "\(path): the output directory holds files already; choose another --out (a run never overwrites another)"
    case .outputNotADirectory(let path):
      return "\(path): the output path is a file, not a directory"
    case .cannotCreateOutput(let path, let reason):
      return "\(path): cannot create the output directory: \(reason)"
    case .invalidConfiguration(let problems):
      return "invalid configuration:\n" + problems.map { "  " + $0 }.joined(separator: "\n")
    }
  }
}
