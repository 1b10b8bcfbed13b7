import Autodiff
import TensorCore

/// Total variation (squared differences of neighbours), a smoothness prior on the image:
/// `L = mean((x[..., :, 1:] − x[..., :, :-1])²) + mean((x[..., 1:, :] − x[..., :-1, :])²)`
/// for `[N, C, H, W]`, as the PyTorch reference and texture_nets.
///
/// - Reference: Mahendran and Vedaldi 2015 (the β = 2 TV regulariser); neural-style's `-tv_weight`.
/// - Note: Deviation from neural-style, whose TV module sums the squared differences: the means
///   here make the weight independent of the image size (neural-style's weight ≈ ours / (N·C·H·W)).
public struct TotalVariationLoss: ImageLoss {
  /// `totalVariation`.
  public static let kind = "totalVariation"
  /// No options.
  public let options: NoOptions

  /// A total-variation loss.
  public init(options: NoOptions = NoOptions()) { self.options = options }

  /// The loss of `image` `[N, C, H, W]`.
  public func callAsFunction(_ image: Variable) -> Variable {
    let x = image.value
    let (n, c, h, w) = x.shape.nchw
    let values = x.scalars
    let horizontalCount = Double(n * c * h * max(w - 1, 0))
    let verticalCount = Double(n * c * max(h - 1, 0) * w)
    var horizontal = 0.0
    var vertical = 0.0
    for plane in 0..<(n * c) {
      let base = plane * h * w
      for y in 0..<h {
        for x in 0..<w {
          let v = Double(values[base + y * w + x])
          if x + 1 < w {
            let d = Double(values[base + y * w + x + 1]) - v
            horizontal += d * d
          }
          if y + 1 < h {
            let d = Double(values[base + (y + 1) * w + x]) - v
            vertical += d * d
          }
        }
      }
    }
    let value =
      (horizontalCount > 0 ? horizontal / horizontalCount : 0)
      + (verticalCount > 0 ? vertical / verticalCount : 0)
    let shape = x.shape
    return Variable(Tensor(scalar: Float(value)), inputs: [image]) { dy in
      // d/dx of Σ (x_{j+1} − x_j)² / count: −2d/count at j, +2d/count at j+1.
      let a = horizontalCount > 0 ? Float(2 / horizontalCount) * dy.scalar : 0
      let b = verticalCount > 0 ? Float(2 / verticalCount) * dy.scalar : 0
      var gradient = [Float](repeating: 0, count: values.count)
      for plane in 0..<(n * c) {
        let base = plane * h * w
        for y in 0..<h {
          for x in 0..<w {
            let i = base + y * w + x
            if x + 1 < w {
              let d = a * (values[i + 1] - values[i])
              gradient[i] -= d
              gradient[i + 1] += d
            }
            if y + 1 < h {
              let d = b * (values[i + w] - values[i])
              gradient[i] -= d
              gradient[i + w] += d
            }
          }
        }
      }
      return [Tensor(shape: shape, scalars: gradient)]
    }
  }
}
