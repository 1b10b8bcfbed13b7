import Store
import TensorCore

/// Why a training stopped.
public enum TrainingStopReason: String, Codable, Sendable {
  /// All iterations ran.
  case completed
  /// SIGINT (Ctrl-C) or SIGTERM; a checkpoint was written.
  case interrupted
  /// The loss (or the gradient) became NaN or infinite.
  case diverged
}

/// What a finished (or stopped) training reports: `summary.json` and the run store's `summary`
/// attribute.
public struct TrainingSummary: Codable, Equatable, Sendable {
  /// Why it stopped.
  public var stopReason: TrainingStopReason
  /// Iterations completed (Adam updates made).
  public var iterations: Int
  /// Wall time of the training loop, all sessions (setup and targets excluded), seconds.
  public var seconds: Double
  /// `seconds / iterations`.
  public var secondsPerIteration: Double
  /// The total loss of the first iteration (the initial network's batch).
  public var initialLoss: Double
  /// The total loss of the last iteration with a finite loss.
  public var finalLoss: Double
  /// The mean total loss over the last `min(50, iterations)` finite iterations (each iteration's
  /// loss is one batch's, so a single one is noisy).
  public var finalLossMean: Double
  /// The generator's trainable values.
  public var parameterCount: Int
  /// The process's peak resident memory (VmHWM) at the end, MiB.
  public var peakResidentMiB: Double
  /// The most tensor memory in use at once (large buffers), MiB.
  public var peakTensorMiB: Double
  /// With a divergence: the terms that were not finite (`total`, `gradient_norm`).
  public var divergedTerms: [String]?
  /// The output directory.
  public var outputDirectory: String

  /// A summary with every field given.
  public init(
    stopReason: TrainingStopReason, iterations: Int, seconds: Double, secondsPerIteration: Double,
    initialLoss: Double, finalLoss: Double, finalLossMean: Double, parameterCount: Int,
    peakResidentMiB: Double, peakTensorMiB: Double, divergedTerms: [String]?, outputDirectory: String
  ) {
    self.stopReason = stopReason
    self.iterations = iterations
    self.seconds = seconds
    self.secondsPerIteration = secondsPerIteration
    self.initialLoss = initialLoss
    self.finalLoss = finalLoss
    self.finalLossMean = finalLossMean
    self.parameterCount = parameterCount
    self.peakResidentMiB = peakResidentMiB
    self.peakTensorMiB = peakTensorMiB
    self.divergedTerms = divergedTerms
    self.outputDirectory = outputDirectory
  }
}

/// Images `[N, 3, H, W]` side by side with `gap` white columns between them, `[1, 3, H, N·W +
/// (N−1)·gap]`: one picture of a set of samples.
public func sampleSheet(_ images: Tensor, gap: Int = 4) -> Tensor {
  let (n, c, h, w) = images.shape.nchw
  let width = n * w + (n - 1) * gap
  var sheet = Tensor(shape: [1, c, h, width], repeating: 1)
  images.withUnsafeBufferPointer { input in
    sheet.withUnsafeMutableBufferPointer { output in
      for image in 0..<n {
        for channel in 0..<c {
          for y in 0..<h {
            let source = ((image * c + channel) * h + y) * w
            let target = (channel * h + y) * width + image * (w + gap)
            for x in 0..<w { output[target + x] = input[source + x] }
          }
        }
      }
    }
  }
  return sheet
}
