import Foundation

/// What one point of an experiment measured (`summary.json` in its folder): the trained
/// generator (parameters, training time, sample loss, time and peak memory per sample) against
/// the Gatys baseline on the same objective (iterations, seconds and peak memory to reach the
/// generator's mean sample loss), with the ratios and the break-even count.
public struct PointSummary: Codable, Equatable, Sendable {
  /// The point's folder name.
  public var point: String
  /// The swept keys and their values as JSON text, in sweep order.
  public var values: [SweptValue]
  /// The generator's parameters.
  public var parameterCount: Int
  /// The training's iterations.
  public var trainingIterations: Int
  /// The training's wall time (all sessions), seconds.
  public var trainingSeconds: Double
  /// The training's final loss (its last batch) and the mean of its last 50.
  public var trainingFinalLoss: Double
  /// The peak resident memory of training, MiB.
  public var trainingPeakResidentMiB: Double
  /// The evaluation at each size.
  public var evaluations: [SizeEvaluation]
  /// The Gatys runs, one per optimiser.
  public var gatys: [GatysComparison]

  /// A summary with every field given.
  public init(
    point: String, values: [SweptValue], parameterCount: Int, trainingIterations: Int,
    trainingSeconds: Double, trainingFinalLoss: Double, trainingPeakResidentMiB: Double,
    evaluations: [SizeEvaluation], gatys: [GatysComparison]
  ) {
    self.point = point
    self.values = values
    self.parameterCount = parameterCount
    self.trainingIterations = trainingIterations
    self.trainingSeconds = trainingSeconds
    self.trainingFinalLoss = trainingFinalLoss
    self.trainingPeakResidentMiB = trainingPeakResidentMiB
    self.evaluations = evaluations
    self.gatys = gatys
  }
}

/// One swept key's value at a point.
public struct SweptValue: Codable, Equatable, Sendable {
  /// The dotted key.
  public var key: String
  /// The value, as JSON text.
  public var value: String

  /// `key` set to `value` (JSON text).
  public init(key: String, value: String) {
    self.key = key
    self.value = value
  }
}

/// The generator's samples at one size: their loss under the training objective (each sample
/// alone) and, from a fresh `harness generate` process at batch 1, the time and peak memory.
public struct SizeEvaluation: Codable, Equatable, Sendable {
  /// The sample side in pixels.
  public var size: Int
  /// The losses of the S samples, in order.
  public var sampleLosses: [Double]
  /// Their mean.
  public var lossMean: Double
  /// Their standard deviation (population: over the S samples drawn).
  public var lossStandardDeviation: Double
  /// The median seconds per sample at batch 1 (after one warm-up sample), fresh process.
  public var secondsPerSample: Double
  /// That process's peak resident memory after generating (VmHWM), MiB.
  public var samplePeakResidentMiB: Double

  /// The evaluation of `losses` with the timing.
  public init(
    size: Int, sampleLosses: [Double], secondsPerSample: Double, samplePeakResidentMiB: Double
  ) {
    self.size = size
    self.sampleLosses = sampleLosses
    let mean = sampleLosses.reduce(0, +) / Double(max(sampleLosses.count, 1))
    lossMean = mean
    lossStandardDeviation = sqrt(
      sampleLosses.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        / Double(max(sampleLosses.count, 1)))
    self.secondsPerSample = secondsPerSample
    self.samplePeakResidentMiB = samplePeakResidentMiB
  }
}

/// One Gatys run against the generator at its size: how long it took to reach the generator's
/// mean sample loss (its own fresh process), and the ratios.
///
/// Break-even: training once and generating n samples costs T + n·t_gen; Gatys costs n·t_gatys;
/// training pays off from n = ⌈T / (t_gatys − t_gen)⌉ images on (never when t_gatys ≤ t_gen).
/// No reference reports it.
public struct GatysComparison: Codable, Equatable, Sendable {
  /// The optimiser (`lbfgs`, `adam`).
  public var optimizer: String
  /// The output side (one of the evaluation sizes).
  public var size: Int
  /// The loss to reach: the generator's mean sample loss at that size.
  public var targetLoss: Double
  /// Whether Gatys reached it before the iteration cap.
  public var reachedLoss: Bool
  /// Iterations to reach it (or run, when it did not).
  public var iterations: Int
  /// Seconds of the optimisation loop to reach it (or run, when it did not: then a lower bound).
  public var seconds: Double
  /// The last loss of the run.
  public var finalLoss: Double
  /// The Gatys process's peak resident memory, MiB.
  public var peakResidentMiB: Double
  /// Gatys seconds / the generator's seconds per sample (a lower bound when not reached).
  public var speedRatio: Double
  /// Gatys peak memory / the generator's sample peak memory.
  public var memoryRatio: Double
  /// The number of images from which training plus generation is cheaper than Gatys per image
  /// (nil: never, when Gatys is not slower per image; an upper bound when `reachedLoss` is false).
  public var breakEvenCount: Int?

  /// A comparison; the ratios and the break-even count are computed from the times.
  public init(
    optimizer: String, size: Int, targetLoss: Double, reachedLoss: Bool, iterations: Int,
    seconds: Double, finalLoss: Double, peakResidentMiB: Double, generator: SizeEvaluation,
    trainingSeconds: Double
  ) {
    self.optimizer = optimizer
    self.size = size
    self.targetLoss = targetLoss
    self.reachedLoss = reachedLoss
    self.iterations = iterations
    self.seconds = seconds
    self.finalLoss = finalLoss
    self.peakResidentMiB = peakResidentMiB
    speedRatio = seconds / generator.secondsPerSample
    memoryRatio = peakResidentMiB / generator.samplePeakResidentMiB
    breakEvenCount = Self.breakEven(
      trainingSeconds: trainingSeconds, generatorSeconds: generator.secondsPerSample,
      gatysSeconds: seconds)
  }

  /// ⌈T / (t_gatys − t_gen)⌉, at least 1; nil when t_gatys ≤ t_gen.
  public static func breakEven(
    trainingSeconds: Double, generatorSeconds: Double, gatysSeconds: Double
  ) -> Int? {
    let saving = gatysSeconds - generatorSeconds
    guard saving > 0, trainingSeconds.isFinite else { return nil }
    return max(1, Int((trainingSeconds / saving).rounded(.up)))
  }
}
