import Autodiff
import TensorCore

/// Mean and standard-deviation matching: the BN-statistics matching of Li, Wang, Liu and Hou,
/// "Demystifying Neural Style Transfer" (IJCAI 2017), and the AdaIN statistics of Huang and
/// Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance Normalization" (ICCV 2017).
///
/// With μ_c and σ_c = sqrt(var_c + ε) the mean and standard deviation of channel c over the H·W
/// positions (biased variance, as batch normalisation), for features `[N, C, H, W]`:
///
///   L = mean over (N, C) of (μ_c(F) − μ_c(T))²  +  mean over (N, C) of (σ_c(F) − σ_c(T))²
///
/// The target is `[1, 2, C]`: the exemplar's means (row 0), then its standard deviations (row 1).
/// Several exemplars blend by the weighted average of their means and of their deviations.
///
/// - Note: Deviation: ε is an option (Li et al.'s code uses none; AdaIN's uses 10⁻⁵). AdaIN's code
///   takes the unbiased variance (divisor H·W − 1); this is the biased one of Li et al. and of
///   batch normalisation. The relative difference in σ is 1 / (2 (H·W − 1)): below 0.05% for
///   32x32 maps.
public struct MeanStdLoss: FeatureLoss {
  /// The options: ε under the square root.
  public struct Options: Codable, Equatable, Sendable {
    /// Added to the variance before the square root: σ = sqrt(var + ε). Required in files.
    public var epsilon: Float
    /// Options with `epsilon` (default 10⁻⁵, AdaIN's).
    public init(epsilon: Float = 1e-5) { self.epsilon = epsilon }

    enum CodingKeys: String, CodingKey { case epsilon }

    /// Decodes `epsilon` (required, ≥ 0).
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      epsilon = try container.decode(Float.self, forKey: .epsilon)
      guard epsilon >= 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .epsilon, in: container,
          debugDescription: "epsilon must be non-negative, got \(epsilon)")
      }
    }
  }

  /// `meanStd`.
  public static let kind = "meanStd"
  /// This instance's options.
  public let options: Options

  /// A mean/std loss with `options`.
  public init(options: Options = Options()) { self.options = options }

  /// The exemplar's per-channel statistics, `[N, 2, C]` (means, then standard deviations) for
  /// features `[N, C, H, W]` (N = 1 for an exemplar).
  public func target(from features: Tensor) -> Tensor {
    channelMoments(features, epsilon: options.epsilon)
  }

  /// The loss of `features` `[N, C, H, W]` against statistics `[1, 2, C]` (or `[N, 2, C]`).
  public func callAsFunction(_ features: Variable, target: Tensor, context: inout LossContext)
    -> Variable
  {
    let x = features.value
    let (n, c, h, w) = x.shape.nchw
    precondition(
      target.shape == [1, 2, c] || target.shape == [n, 2, c],
      "meanStd loss: target \(target.shape) does not fit features \(x.shape)")
    let moments = channelMoments(x, epsilon: options.epsilon)
    let statistics = moments.scalars
    let wanted = target.scalars
    let perImage = target.shape[0] == n ? 2 * c : 0
    // Image i's statistics start at i·2C; its target's at i·2C too, or at 0 when shared.
    var total = 0.0
    for image in 0..<n {
      for j in 0..<(2 * c) {
        let d = Double(statistics[image * 2 * c + j]) - Double(wanted[image * perImage + j])
        total += d * d
      }
    }
    let value = Float(total / Double(n * c))
    let plane = h * w
    return Variable(Tensor(scalar: value), inputs: [features]) { dy in
      // dL/dμ = 2(μ − μ_T)/(N C), dL/dσ = 2(σ − σ_T)/(N C); dμ/dx = 1/M, dσ/dx = (x − μ)/(M σ).
      let factor = 2 * dy.scalar / Float(n * c * plane)
      var gradient = Tensor(uninitialized: x.shape)
      x.withUnsafeBufferPointer { values in
        gradient.withUnsafeMutableBufferPointer { result in
          Parallel.forEach(n * c, minimumChunk: max(1, 16384 / max(plane, 1))) { planes in
            for index in planes {
              let image = index / c
              let channel = index % c
              let row = image * 2 * c
              let targetRow = image * perImage
              let mean = statistics[row + channel]
              let deviation = statistics[row + c + channel]
              let a = factor * (mean - wanted[targetRow + channel])
              let b =
                deviation > 0
                ? factor * (deviation - wanted[targetRow + c + channel]) / deviation : 0
              let start = index * plane
              for i in start..<(start + plane) { result[i] = a + b * (values[i] - mean) }
            }
          }
        }
      }
      return [gradient]
    }
  }
}

/// Per-channel mean and σ = sqrt(var + ε) (biased variance over H·W) of `[N, C, H, W]`, as
/// `[N, 2, C]`: each image's means, then its deviations. Two passes, accumulated in Double.
func channelMoments(_ x: Tensor, epsilon: Float) -> Tensor {
  let (n, c, h, w) = x.shape.nchw
  let plane = h * w
  var result = Tensor(uninitialized: [n, 2, c])
  x.withUnsafeBufferPointer { values in
    result.withUnsafeMutableBufferPointer { moments in
      Parallel.forEach(n * c, minimumChunk: max(1, 16384 / max(plane, 1))) { planes in
        for index in planes {
          let start = index * plane
          var lanes = SIMD4<Double>()
          var i = start
          while i + 4 <= start + plane {
            lanes += SIMD4(
              Double(values[i]), Double(values[i + 1]), Double(values[i + 2]), Double(values[i + 3])
            )
            i += 4
          }
          var total = lanes.sum()
          while i < start + plane {
            total += Double(values[i])
            i += 1
          }
          let mean = total / Double(max(plane, 1))
          lanes = SIMD4<Double>()
          i = start
          while i + 4 <= start + plane {
            let d =
              SIMD4(
                Double(values[i]), Double(values[i + 1]), Double(values[i + 2]),
                Double(values[i + 3])) - mean
            lanes += d * d
            i += 4
          }
          var squares = lanes.sum()
          while i < start + plane {
            let d = Double(values[i]) - mean
            squares += d * d
            i += 1
          }
          let variance = squares / Double(max(plane, 1))
          let image = index / c
          let channel = index % c
          moments[image * 2 * c + channel] = Float(mean)
          moments[image * 2 * c + c + channel] = Float((variance + Double(epsilon)).squareRoot())
        }
      }
    }
  }
  return result
}
