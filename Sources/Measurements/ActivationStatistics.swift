import TensorCore

/// Summary statistics of one activation map over all its elements, accumulated in Float64:
/// `[mean, std, min, max]` with the population standard deviation
/// `std = sqrt(Σ (x − mean)² / n)` (numpy's `std(ddof=0)`), as the PyTorch reference's `stats`.
public struct ActivationStatistics: Equatable, Sendable {
  /// The names of `values`, in order.
  public static let names = ["mean", "std", "min", "max"]

  /// The mean.
  public var mean: Double
  /// The population standard deviation (divides by n, not n − 1).
  public var standardDeviation: Double
  /// The smallest element.
  public var minimum: Double
  /// The largest element.
  public var maximum: Double

  /// The statistics of every element of `tensor` (any shape, at least one element); two passes
  /// (mean, then squared deviations) so the variance does not cancel catastrophically.
  public init(of tensor: Tensor) {
    precondition(tensor.count > 0, "ActivationStatistics: empty tensor \(tensor.shape)")
    var sum = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    tensor.withUnsafeBufferPointer { values in
      for value in values {
        let x = Double(value)
        sum += x
        minimum = min(minimum, x)
        maximum = max(maximum, x)
      }
    }
    let mean = sum / Double(tensor.count)
    var squares = 0.0
    tensor.withUnsafeBufferPointer { values in
      for value in values {
        let deviation = Double(value) - mean
        squares += deviation * deviation
      }
    }
    self.mean = mean
    self.standardDeviation = (squares / Double(tensor.count)).squareRoot()
    self.minimum = minimum
    self.maximum = maximum
  }

  /// `[mean, std, min, max]`.
  public var values: [Double] { [mean, standardDeviation, minimum, maximum] }
}
