import TensorCore

/// Naive twins of the other fast kernels: plain loops in Double over the definitions.
public enum NaiveKernels {
  /// `G[n, i, j] = Σ_p x[n, i, p] x[n, j, p] / normalizer`.
  public static func gram(_ x: Tensor, normalizer: Double) -> Tensor {
    let (n, c, h, w) = x.shape.nchw
    let v = x.scalars
    var g = [Float](repeating: 0, count: n * c * c)
    for image in 0..<n {
      for i in 0..<c {
        for j in 0..<c {
          var total = 0.0
          for p in 0..<(h * w) {
            total += Double(v[(image * c + i) * h * w + p]) * Double(v[(image * c + j) * h * w + p])
          }
          g[(image * c + i) * c + j] = Float(total / normalizer)
        }
      }
    }
    return Tensor(shape: [n, c, c], scalars: g)
  }

  /// `C[i, j] = Σ_k A[i, k] B[k, j]`.
  public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var total = 0.0
        for l in 0..<k { total += Double(a[i, l]) * Double(b[l, j]) }
        c[i * n + j] = Float(total)
      }
    }
    return Tensor(shape: [m, n], scalars: c)
  }

  /// 2x2 stride-2 pooling by the definition (max or mean of each window; floor mode).
  public static func pool2x2(_ x: Tensor, maximum: Bool) -> Tensor {
    let (n, c, h, w) = x.shape.nchw
    var y = Tensor(zeros: [n, c, h / 2, w / 2])
    for image in 0..<n {
      for channel in 0..<c {
        for i in 0..<(h / 2) {
          for j in 0..<(w / 2) {
            let window = [
              x[image, channel, 2 * i, 2 * j], x[image, channel, 2 * i, 2 * j + 1],
              x[image, channel, 2 * i + 1, 2 * j], x[image, channel, 2 * i + 1, 2 * j + 1],
            ]
            y[image, channel, i, j] =
              maximum ? (window.max() ?? 0) : Float(window.map(Double.init).reduce(0, +) / 4)
          }
        }
      }
    }
    return y
  }

  /// Normalisation by the definition: statistics over (N, H, W) per channel (`perImage` false) or
  /// over (H, W) per image and channel, biased variance, then `γ x̂ + β`.
  public static func normalize(
    _ x: Tensor, perImage: Bool, gamma: [Float], beta: [Float], epsilon: Double
  ) -> Tensor {
    let (n, c, h, w) = x.shape.nchw
    var y = Tensor(zeros: x.shape)
    let groups: [[Int]] = perImage ? (0..<n).map { [$0] } : [Array(0..<n)]
    for images in groups {
      for channel in 0..<c {
        var values: [Double] = []
        for image in images {
          for i in 0..<h { for j in 0..<w { values.append(Double(x[image, channel, i, j])) } }
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        let inverse = 1 / (variance + epsilon).squareRoot()
        for image in images {
          for i in 0..<h {
            for j in 0..<w {
              let normalized = (Double(x[image, channel, i, j]) - mean) * inverse
              y[image, channel, i, j] = Float(Double(gamma[channel]) * normalized + Double(beta[channel]))
            }
          }
        }
      }
    }
    return y
  }
}
