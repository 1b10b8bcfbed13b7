import Autodiff
import TensorCore

/// Maximum mean discrepancy between the image's and the exemplar's feature points (Li, Wang,
/// Liu and Hou, "Demystifying Neural Style Transfer", IJCAI 2017; Gretton et al. 2012).
///
/// An image's features `[N, C, H, W]` are M = H·W points f_i in R^C, the exemplar's M' points
/// t_j. Each evaluation draws S = min(`samples`, M) of the image's positions and S' = min(`samples`,
/// M') of the exemplar's, without replacement, from the run's own stream (`context.random`; every
/// position, with no draw, when `samples` covers them), and with a kernel k:
///
///   MMD² = mean_{i,i'} k(f_i, f_i') + mean_{j,j'} k(t_j, t_j') − 2 mean_{i,j} k(f_i, t_j)
///
/// averaged over the N images of a batch (each its own positions, the exemplar's shared). The
/// exemplar–exemplar term is a constant of the pullback but is part of the reported value.
/// Kernels (`Kernel`):
/// - `polynomial`: k(x, y) = (xᵀy / scale + offset)^degree. With degree 2, offset 0, scale 1 and
///   every position, MMD² = ‖F Fᵀ/M − T Tᵀ/M'‖²_F = C² × the Gram loss with `hw` normalisation
///   (Li et al.'s theorem: Gram matching is MMD with the second-order polynomial kernel).
///   Degree 1 matches the means only.
/// - `gaussian`: k(x, y) = exp(−‖x − y‖² / (2σ²)), σ fixed or `adaptive`: 2σ² = the mean squared
///   distance between distinct sampled points of both sets (per image and evaluation).
///
/// The target is the exemplar's points, `[1, C, H', W']`; several exemplars blend by pooling their
/// points in proportion to the weights (`pooledPoints`).
///
/// - Note: Deviation: Li et al.'s code uses the linear-time estimator on random pairs for the
///   Gaussian kernel and all points for the others; here every kernel uses the quadratic-time
///   (biased, V-statistic) estimator on a subsample of `samples` positions, which bounds the cost
///   at O(S² C) and is exact (no subsample) when `samples` ≥ H·W.
/// - Note: Deviation: with `adaptive` bandwidth their code holds σ constant in its backward pass;
///   here σ's dependence on the image is differentiated too, so the pullback is the true gradient.
public struct MMDLoss: PointSetLoss {
  /// A Gaussian kernel's bandwidth. JSON: a number (σ) or the string `"adaptive"`.
  public enum Bandwidth: Codable, Equatable, Sendable {
    /// σ itself.
    case fixed(Float)
    /// 2σ² = the mean squared distance between distinct sampled points (Li et al.'s code).
    case adaptive

    /// Decodes a positive number or `"adaptive"`.
    public init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let sigma = try? container.decode(Float.self) {
        guard sigma > 0 else {
          throw DecodingError.dataCorruptedError(
            in: container, debugDescription: "bandwidth must be positive, got \(sigma)")
        }
        self = .fixed(sigma)
      } else if let name = try? container.decode(String.self), name == "adaptive" {
        self = .adaptive
      } else {
        throw DecodingError.dataCorruptedError(
          in: container, debugDescription: "bandwidth must be a positive number (σ) or \"adaptive\""
        )
      }
    }

    /// Encodes σ or `"adaptive"`.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      switch self {
      case .fixed(let sigma): try container.encode(sigma)
      case .adaptive: try container.encode("adaptive")
      }
    }
  }

  /// The kernel and its parameters.
  public enum Kernel: Equatable, Sendable {
    /// k(x, y) = (xᵀy / scale + offset)^degree, degree ≥ 1, scale > 0.
    case polynomial(degree: Int, offset: Float, scale: Float)
    /// k(x, y) = exp(−‖x − y‖² / (2σ²)).
    case gaussian(bandwidth: Bandwidth)
  }

  /// The options, flat in JSON: `"kernel": "polynomial", "degree": 2, "offset": 0, "scale": 1` or
  /// `"kernel": "gaussian", "bandwidth": "adaptive"`, and `"samples"`. All are required in files.
  public struct Options: Codable, Equatable, Sendable {
    /// The kernel.
    public var kernel: Kernel
    /// The most positions of the image, and of the exemplar, used per evaluation.
    public var samples: Int

    /// Options with `kernel` (default the Gram-equivalent polynomial of degree 2) and `samples`
    /// (default 1024).
    public init(kernel: Kernel = .polynomial(degree: 2, offset: 0, scale: 1), samples: Int = 1024) {
      self.kernel = kernel
      self.samples = samples
    }

    enum CodingKeys: String, CodingKey { case kernel, degree, offset, scale, bandwidth, samples }

    /// Decodes the flat options, checking their ranges.
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      samples = try container.decode(Int.self, forKey: .samples)
      guard samples > 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .samples, in: container,
          debugDescription: "samples must be positive, got \(samples)")
      }
      let name = try container.decode(String.self, forKey: .kernel)
      switch name {
      case "polynomial":
        let degree = try container.decode(Int.self, forKey: .degree)
        let scale = try container.decode(Float.self, forKey: .scale)
        guard degree >= 1 else {
          throw DecodingError.dataCorruptedError(
            forKey: .degree, in: container,
            debugDescription: "degree must be at least 1, got \(degree)")
        }
        guard scale > 0 else {
          throw DecodingError.dataCorruptedError(
            forKey: .scale, in: container, debugDescription: "scale must be positive, got \(scale)")
        }
        kernel = .polynomial(
          degree: degree, offset: try container.decode(Float.self, forKey: .offset), scale: scale)
      case "gaussian":
        kernel = .gaussian(bandwidth: try container.decode(Bandwidth.self, forKey: .bandwidth))
      default:
        throw DecodingError.dataCorruptedError(
          forKey: .kernel, in: container,
          debugDescription: "\"\(name)\" is not an MMD kernel (known: polynomial, gaussian)")
      }
    }

    /// Encodes the kernel's name, its own parameters only, and `samples`.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      switch kernel {
      case .polynomial(let degree, let offset, let scale):
        try container.encode("polynomial", forKey: .kernel)
        try container.encode(degree, forKey: .degree)
        try container.encode(offset, forKey: .offset)
        try container.encode(scale, forKey: .scale)
      case .gaussian(let bandwidth):
        try container.encode("gaussian", forKey: .kernel)
        try container.encode(bandwidth, forKey: .bandwidth)
      }
      try container.encode(samples, forKey: .samples)
    }
  }

  /// `mmd`.
  public static let kind = "mmd"
  /// This instance's options.
  public let options: Options

  /// An MMD loss with `options` (samples ≥ 1; a polynomial's degree ≥ 1 and scale > 0; σ > 0).
  public init(options: Options = Options()) {
    precondition(options.samples > 0, "mmd: samples must be positive, got \(options.samples)")
    switch options.kernel {
    case .polynomial(let degree, _, let scale):
      precondition(
        degree >= 1 && scale > 0, "mmd: polynomial degree \(degree) (≥ 1), scale \(scale) (> 0)")
    case .gaussian(.fixed(let sigma)):
      precondition(sigma > 0, "mmd: bandwidth must be positive, got \(sigma)")
    case .gaussian(.adaptive):
      break
    }
    self.options = options
  }

  /// MMD² of `features` `[N, C, H, W]` against the exemplar's points `[1, C, H', W']`.
  public func callAsFunction(_ features: Variable, target: Tensor, context: inout LossContext)
    -> Variable
  {
    let x = features.value
    let (n, c, h, w) = x.shape.nchw
    let points = points(of: target, fitting: x)
    let m = h * w
    // The exemplar's sample, drawn first, then each image's.
    let targetPositions = samplePositions(
      options.samples, of: points.shape[3], using: &context.random)
    let kernel = options.kernel
    let exemplar = KernelSample(
      points, positions: targetPositions, channels: c, stride: points.shape[3], kernel: kernel)
    let exemplarMean = KernelEvaluation.exemplarMean(kernel, exemplar)
    var gradient: Tensor? = features.requiresGradient ? Tensor(zeros: x.shape) : nil
    var total = 0.0
    for image in 0..<n {
      let positions = samplePositions(options.samples, of: m, using: &context.random)
      let sample = KernelSample(
        x, offset: image * c * m, positions: positions, channels: c, stride: m, kernel: kernel)
      let evaluation = KernelEvaluation(
        kernel, image: sample, exemplar: exemplar, exemplarMean: exemplarMean)
      total += evaluation.value
      guard gradient != nil else { continue }
      // Scatter dMMD²/dX [C, S] (÷ N for the batch mean) to the sampled positions.
      let dX = evaluation.gradient(image: sample, exemplar: exemplar)
      let s = positions.count
      gradient?.withUnsafeMutableBufferPointer { result in
        dX.withUnsafeBufferPointer { values in
          for channel in 0..<c {
            let row = (image * c + channel) * m
            for (j, position) in positions.enumerated() {
              result[row + position] = values[channel * s + j] / Float(n)
            }
          }
        }
      }
    }
    let pending = PendingGradient(gradient)
    return Variable(Tensor(scalar: Float(total / Double(n))), inputs: [features]) { dy in
      [pending.take(scaledBy: dy.scalar)]
    }
  }
}
