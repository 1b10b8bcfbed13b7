import TensorCore

/// Naive twins of the convolution kernels: direct loops, Double accumulation, no BLAS, no tiling.
/// They define what the fast kernels must compute.
public enum NaiveConvolution {
  /// The input value that padded position (y, x) of plane (n, i) reads, per the padding mode.
  static func paddedValue(
    _ x: Tensor, _ n: Int, _ i: Int, _ y: Int, _ xPosition: Int, mode: PaddingMode
  ) -> Double {
    let (_, _, h, w) = x.shape.nchw
    guard let sy = mode.sourceIndex(y, size: h), let sx = mode.sourceIndex(xPosition, size: w)
    else { return 0 }
    return Double(x[n, i, sy, sx])
  }

  /// `out[n, o, y, x] = b[o] + Σ W[o, i, ky, kx] · P[n, i, s·y + ky − p, s·x + kx − p]`.
  public static func forward(
    _ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry
  ) -> Tensor {
    let (n, c, h, w) = x.shape.nchw
    let o = weight.shape[0]
    let k = g.kernelSize
    let ho = g.outputSize(h)
    let wo = g.outputSize(w)
    var out = Tensor(zeros: [n, o, ho, wo])
    for image in 0..<n {
      for oc in 0..<o {
        for y in 0..<ho {
          for xo in 0..<wo {
            var total = Double(bias?[oc] ?? 0)
            for i in 0..<c {
              for ky in 0..<k {
                for kx in 0..<k {
                  let value = paddedValue(
                    x, image, i, g.stride * y + ky - g.padding, g.stride * xo + kx - g.padding,
                    mode: g.paddingMode)
                  total += Double(weight[oc, i, ky, kx]) * value
                }
              }
            }
            out[image, oc, y, xo] = Float(total)
          }
        }
      }
    }
    return out
  }

  /// The input gradient by scattering every output gradient through the padding map.
  public static func backwardInput(
    _ dOut: Tensor, weight: Tensor, inputShape: Shape, geometry g: ConvolutionGeometry
  ) -> Tensor {
    let (n, c, h, w) = inputShape.nchw
    let o = weight.shape[0]
    let k = g.kernelSize
    let ho = g.outputSize(h)
    let wo = g.outputSize(w)
    var total = [Double](repeating: 0, count: n * c * h * w)
    for image in 0..<n {
      for oc in 0..<o {
        for y in 0..<ho {
          for xo in 0..<wo {
            let gradient = Double(dOut[image, oc, y, xo])
            for i in 0..<c {
              for ky in 0..<k {
                for kx in 0..<k {
                  guard
                    let sy = g.paddingMode.sourceIndex(g.stride * y + ky - g.padding, size: h),
                    let sx = g.paddingMode.sourceIndex(g.stride * xo + kx - g.padding, size: w)
                  else { continue }
                  total[((image * c + i) * h + sy) * w + sx] +=
                    gradient * Double(weight[oc, i, ky, kx])
                }
              }
            }
          }
        }
      }
    }
    return Tensor(shape: inputShape, scalars: total.map(Float.init))
  }

  /// The filter and bias gradients by direct sums.
  public static func backwardFilter(
    _ dOut: Tensor, input x: Tensor, filterShape: Shape, geometry g: ConvolutionGeometry
  ) -> (filter: Tensor, bias: Tensor) {
    let (n, c, h, w) = x.shape.nchw
    let o = filterShape[0]
    let k = g.kernelSize
    let ho = g.outputSize(h)
    let wo = g.outputSize(w)
    var filter = Tensor(zeros: filterShape)
    var bias = Tensor(zeros: [o])
    for oc in 0..<o {
      var biasTotal = 0.0
      for image in 0..<n {
        for y in 0..<ho { for xo in 0..<wo { biasTotal += Double(dOut[image, oc, y, xo]) } }
      }
      bias[oc] = Float(biasTotal)
      for i in 0..<c {
        for ky in 0..<k {
          for kx in 0..<k {
            var total = 0.0
            for image in 0..<n {
              for y in 0..<ho {
                for xo in 0..<wo {
                  total +=
                    Double(dOut[image, oc, y, xo])
                    * paddedValue(
                      x, image, i, g.stride * y + ky - g.padding, g.stride * xo + kx - g.padding,
                      mode: g.paddingMode)
                }
              }
            }
            filter[oc, i, ky, kx] = Float(total)
          }
        }
      }
    }
    return (filter, bias)
  }
}
