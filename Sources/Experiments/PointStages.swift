import Foundation
import Gatys
import Optimizers
import Runs
import Store
import Training

/// The stages of one point, each skipped when its output is on disk (see `ExperimentRunner`).
/// `run()` returns nil when Ctrl-C or SIGTERM stopped it.
struct PointStages {
  let runner: ExperimentRunner
  let point: ExperimentPoint
  let label: String

  var experiment: Experiment { point.experiment }
  var folderURL: URL { runner.folder(of: point) }

  func say(_ stage: String) { runner.report("\(label) \(stage) (\(runner.estimatedTimeLeft))") }

  /// The point's summary and whether any stage ran (false: it was done already); nil when
  /// interrupted.
  func run() throws -> (summary: PointSummary, ran: Bool)? {
    let folder = try pointFolder()
    if let summary = try? folder.readJSON(PointSummary.self, from: "summary.json") {
      say("done already")
      return (summary, false)
    }
    guard let training = try train(folder) else { return nil }
    let model = folder.path(of: "training/model.h5")
    var evaluations: [SizeEvaluation] = []
    for size in experiment.evaluation.sizes {
      guard !runner.isInterrupted() else { return nil }
      let losses = try evaluate(folder, model: model, size: size)
      guard let timing = try time(folder, model: model, size: size) else { return nil }
      evaluations.append(
        SizeEvaluation(
          size: size, sampleLosses: losses, secondsPerSample: timing.secondsPerSample,
          samplePeakResidentMiB: timing.peakResidentMiB))
    }
    var comparisons: [GatysComparison] = []
    for side in experiment.gatys.sizes {
      guard let atSide = evaluations.first(where: { $0.size == side }) else {
        throw ExperimentRunError.badOutput(
          folder.path, reason: "no evaluation at the Gatys size \(side)")
      }
      for optimizer in experiment.gatys.optimizers {
        guard !runner.isInterrupted(),
          let gatys = try runGatys(
            folder, optimizer: optimizer, size: side, target: atSide.lossMean)
        else { return nil }
        comparisons.append(
          GatysComparison(
            optimizer: optimizer.kind.rawValue, size: side, targetLoss: atSide.lossMean,
            reachedLoss: gatys.reachedLossAfterSeconds != nil,
            iterations: gatys.reachedLossAtIteration ?? gatys.iterations,
            seconds: gatys.reachedLossAfterSeconds ?? gatys.seconds, finalLoss: gatys.finalLoss,
            peakResidentMiB: gatys.peakResidentMiB, generator: atSide,
            trainingSeconds: training.seconds))
      }
    }
    let summary = PointSummary(
      point: point.name, values: point.values.map { SweptValue(key: $0.key, value: $0.value.text) },
      parameterCount: training.parameterCount, trainingIterations: training.iterations,
      trainingSeconds: training.seconds, trainingFinalLoss: training.finalLoss,
      trainingPeakResidentMiB: training.peakResidentMiB, evaluations: evaluations,
      gatys: comparisons)
    try folder.writeJSON(summary, to: "summary.json")
    var provenance = try folder.readJSON(Provenance.self, from: "provenance.json")
    provenance.finished = Provenance.timestamp()
    try folder.writeJSON(provenance, to: "provenance.json")
    say("done")
    return (summary, true)
  }

  /// The point folder: created with `point.json` and `provenance.json`, or reopened (the
  /// runner checked that its `point.json` is this point's).
  func pointFolder() throws -> RunFolder {
    let url = folderURL
    if FileManager.default.fileExists(atPath: url.appendingPathComponent("point.json").path) {
      let folder = try RunFolder.open(url, requiring: ["point.json"])
      if !folder.contains("provenance.json") {  // a kill between the two files
        try folder.writeJSON(
          Provenance.current(seed: experiment.seed, harnessVersion: runner.harnessVersion),
          to: "provenance.json")
      }
      return folder
    }
    AtomicFile.removeLeftovers(in: url.path)  // a kill while point.json was first written
    let folder = try RunFolder.create(at: url)
    try folder.writeJSON(experiment, to: "point.json")
    let provenance = Provenance.current(
      seed: experiment.seed, harnessVersion: runner.harnessVersion)
    try folder.writeJSON(provenance, to: "provenance.json")
    return folder
  }

  /// Trains, resumes an interrupted training, or reads a finished one's summary; nil when
  /// interrupted.
  func train(_ folder: RunFolder) throws -> TrainingSummary? {
    let directory = folder.url(of: "training")
    let manager = FileManager.default
    let hasCheckpoint = manager.fileExists(atPath: folder.path(of: "training/checkpoint.h5"))
    let previous = try? folder.readJSON(TrainingSummary.self, from: "training/summary.json")
    let summary: TrainingSummary
    if let previous, previous.stopReason == .completed {
      return previous
    } else if let previous, previous.stopReason == .diverged {
      throw ExperimentRunError.trainingDiverged(
        directory.path, reason: "terms \(previous.divergedTerms ?? [])")
    } else if hasCheckpoint {
      say("training: resuming from the checkpoint")
      summary = try TrainingRun.resume(directory: directory, showsProgress: runner.showsProgress) {
        run in
        run.isInterrupted = runner.isInterrupted
      }
    } else {
      if manager.fileExists(atPath: directory.path) {
        // Stopped before its first checkpoint: kept aside, never overwritten.
        let aside = folder.url(of: "training.incomplete-\(Int(Date().timeIntervalSince1970))")
        try manager.moveItem(at: directory, to: aside)
      }
      say("training \(experiment.training.iterations) iterations")
      let configuration = experiment.trainingConfiguration()
      let run = try TrainingRun.prepare(
        configuration, outputDirectory: directory,
        provenance: .current(seed: configuration.seed, harnessVersion: runner.harnessVersion),
        warn: { runner.report("\(label) warning: \($0)") })
      run.showsProgress = runner.showsProgress
      run.isInterrupted = runner.isInterrupted
      do {
        summary = try run.run()
      } catch let error as TrainingError {
        if case .diverged = error {
          throw ExperimentRunError.trainingDiverged(directory.path, reason: "\(error)")
        }
        throw error
      }
    }
    return summary.stopReason == .completed ? summary : nil
  }

  /// The sample losses at `size` (drawn and scored in this process), or those on disk.
  func evaluate(_ folder: RunFolder, model: String, size: Int) throws -> [Double] {
    let name = "evaluation/size-\(size)"
    if let scores = try? folder.readJSON(SampleEvaluation.Scores.self, from: "\(name)/scores.json")
    {
      return scores.losses
    }
    say("evaluating \(experiment.evaluation.sampleCount) samples at \(size)x\(size)")
    let target = folder.url(of: name)
    if FileManager.default.fileExists(atPath: target.path) {
      try FileManager.default.removeItem(at: target)
    }
    return try SampleEvaluation.run(
      experiment, model: model, size: size, folder: try RunFolder.create(at: target),
      provenance: .current(seed: experiment.evaluation.seed, harnessVersion: runner.harnessVersion))
  }

  /// The generator's median seconds per sample at batch 1 and peak RSS, from a fresh
  /// `harness generate` (one warm-up sample, then `timingRuns`); nil when interrupted.
  func time(_ folder: RunFolder, model: String, size: Int) throws -> (
    secondsPerSample: Double, peakResidentMiB: Double
  )? {
    let base = "timing/size-\(size)"
    var attempt = 1
    while FileManager.default.fileExists(atPath: folder.path(of: "\(base)/attempt-\(attempt)")) {
      if let measurement = try? folder.readJSON(
        SamplingMeasurement.self, from: "\(base)/attempt-\(attempt)/measurement.json")
      {
        return Self.median(measurement)
      }
      attempt += 1
    }
    say("timing the generator at \(size)x\(size) in a fresh process")
    let out = folder.url(of: "\(base)/attempt-\(attempt)")
    var arguments = [
      "generate", "--model", model, "--size", "\(size)",
      "--count", "\(experiment.evaluation.timingRuns + 1)", "--batch", "1",
      "--seed", "\(experiment.evaluation.seed)", "--batch-norm",
      experiment.evaluation.batchNorm.rawValue,
      "--out", out.path, "--quiet",
    ]
    if let content = experiment.task.evaluationContent { arguments += ["--content", content] }
    let log = folder.url(of: "\(base)/generate.log")
    let status = try ChildProcess(executable: runner.executable).run(
      arguments, log: log, isInterrupted: runner.isInterrupted)
    if runner.isInterrupted() { return nil }
    guard status == 0 else {
      throw ExperimentRunError.childFailed(
        "harness generate", status: status, log: log.path, tail: ChildProcess.tail(of: log))
    }
    return Self.median(
      try folder.readJSON(
        SamplingMeasurement.self, from: "\(base)/attempt-\(attempt)/measurement.json"))
  }

  /// The median of the batch times after the first (a warm-up), and the peak RSS.
  static func median(_ measurement: SamplingMeasurement) -> (
    secondsPerSample: Double, peakResidentMiB: Double
  ) {
    let timed =
      measurement.batchSeconds.count > 1
      ? Array(measurement.batchSeconds.dropFirst()) : measurement.batchSeconds
    let sorted = timed.sorted()
    let middle = sorted.count / 2
    let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    return (median, measurement.peakResidentMiB)
  }

  /// A fresh `harness gatys` on the point's objective at `size` until `target` (or resumed, or
  /// read back); nil when interrupted. Its folder is `gatys/<optimizer>` at `gatys.size` and
  /// `gatys/<optimizer>-<size>` at each of `gatys.additionalSizes`.
  func runGatys(
    _ folder: RunFolder, optimizer: OptimizerConfiguration, size: Int, target: Double
  ) throws -> GatysSummary? {
    let name = experiment.gatys.runFolder(optimizer: optimizer.kind.rawValue, size: size)
    let out = folder.url(of: name)
    let store = folder.path(of: "\(name)/store.h5")
    if let summary = Self.gatysSummary(store), summary.stopReason != .interrupted { return summary }
    let log = folder.url(of: "\(name).log")
    var arguments: [String]
    if FileManager.default.fileExists(atPath: folder.path(of: "\(name)/checkpoint.h5")) {
      say("Gatys (\(optimizer.optimizerName), \(size)²): resuming from the checkpoint")
      arguments = ["gatys", "--resume", out.path, "--quiet"]
    } else {
      if FileManager.default.fileExists(atPath: out.path) {
        try FileManager.default.moveItem(
          at: out, to: folder.url(of: "\(name).incomplete-\(Int(Date().timeIntervalSince1970))"))
      }
      let configuration = experiment.gatysConfiguration(
        optimizer: optimizer, stopAtLoss: target, size: size)
      _ = try folder.preparingParent(of: "\(name).json")
      try folder.writeJSON(configuration, to: "\(name).json")
      say(
        String(
          format: "Gatys (%@, %d²) to the generator's mean sample loss %.6g, at most %d iterations",
          optimizer.optimizerName, size, target, configuration.iterations))
      arguments = [
        "gatys", "--configuration", folder.path(of: "\(name).json"), "--out", out.path, "--quiet",
      ]
    }
    let status = try ChildProcess(executable: runner.executable).run(
      arguments, log: log, isInterrupted: runner.isInterrupted)
    if status == 130 || runner.isInterrupted() { return nil }
    guard status == 0, let summary = Self.gatysSummary(store) else {
      throw ExperimentRunError.childFailed(
        "harness gatys", status: status, log: log.path, tail: ChildProcess.tail(of: log))
    }
    return summary
  }

  /// The summary attribute of a Gatys store, if it has one.
  static func gatysSummary(_ path: String) -> GatysSummary? {
    guard FileManager.default.fileExists(atPath: path), let file = try? HDF5File.open(path) else {
      return nil
    }
    defer { try? file.close() }
    return try? file.root.jsonAttribute(GatysSummary.self, "summary")
  }
}
