import NN

/// What `harness generate` (and the experiment runner's evaluation) asks of a trained generator:
/// how many samples, how large, from which noise, in batches of what size. Stored resolved with
/// every set of samples (`sampling.json`, the `sampling` attribute of `samples.h5`).
///
/// Noise comes either from `seed` or from `noise`, a group of an HDF5 file holding the K noise
/// tensors (`FILE.h5:/group`, datasets `0` … `K-1`, coarsest first, `[N, c, h, w]`: the layout
/// of the PyTorch fixtures and of the `/noise` group this command writes). With a seed, sample
/// i's noise is drawn from its own stream, `RandomStream(seed: seed, name: "sample noise").derived("sample i")`, so
/// it does not depend on the batch size or the count: sample 3 of seed 7 is always the same noise.
///
/// - Note: With batch-statistics sampling (`BatchNormStatistics.batch`, as texture_nets v1
///   sampled) a sample depends on the other samples of its batch, so the same noise gives other
///   images in other batchings; with `running` statistics it does not.
public struct SamplingConfiguration: Codable, Equatable, Sendable {
  /// The model file (`GeneratorModelFile`).
  public var model: String
  /// Output height in pixels (a multiple of 2^(K-1)); nil: from the noise file or the content.
  public var height: Int?
  /// Output width in pixels (a multiple of 2^(K-1)); nil: from the noise file or the content.
  public var width: Int?
  /// Samples to draw (with `noise`: the file's batch, unless given).
  public var count: Int?
  /// Samples per forward pass (the last batch may be smaller).
  public var batch: Int?
  /// The seed of the noise streams (ignored with `noise`).
  public var seed: UInt64
  /// `FILE.h5:/group` with the K noise tensors, instead of drawing them.
  public var noise: String?
  /// The content image of a style model (an image argument: PNG, JPEG or `FILE.h5:/dataset`).
  public var content: String?
  /// Batch-norm statistics at sampling time, overriding the model's (nil: the model's).
  public var batchNorm: BatchNormStatistics?

  /// A configuration with every field given (nil fields take the defaults of `resolved`).
  public init(
    model: String, height: Int? = nil, width: Int? = nil, count: Int? = nil, batch: Int? = nil,
    seed: UInt64 = 0, noise: String? = nil, content: String? = nil,
    batchNorm: BatchNormStatistics? = nil
  ) {
    self.model = model
    self.height = height
    self.width = width
    self.count = count
    self.batch = batch
    self.seed = seed
    self.noise = noise
    self.content = content
    self.batchNorm = batchNorm
  }

  /// The defaults the command line does not hold: 256 × 256 texture samples (the paper's M),
  /// one sample, and batches of at most 16 (the paper's training batch).
  public enum Defaults {
    /// Output side when neither a size, a noise file nor a content image gives one.
    public static let size = 256
    /// Samples when no count is given.
    public static let count = 1
    /// The largest batch used when none is given.
    public static let largestBatch = 16
  }
}
