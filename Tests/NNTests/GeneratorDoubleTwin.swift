/// A float64 twin of the generator in training mode (batch statistics), naive loops, for locating
/// where the float32 backward pass loses precision: circular 3x3 and 1x1 convolutions, batch norm
/// (biased variance, ε = 1e-5), LeakyReLU, nearest upsampling x2 and channel concatenation, each
/// with its backward. `[N, C, H, W]` throughout.
final class DoubleTensor {
  let n: Int
  let c: Int
  let h: Int
  let w: Int
  var values: [Double]
  var gradient: [Double]

  init(_ n: Int, _ c: Int, _ h: Int, _ w: Int, values: [Double]? = nil) {
    self.n = n
    self.c = c
    self.h = h
    self.w = w
    self.values = values ?? [Double](repeating: 0, count: n * c * h * w)
    gradient = [Double](repeating: 0, count: n * c * h * w)
  }

  var plane: Int { h * w }
}

/// The twin's tape: each op appends its backward, run newest first; parameter gradients by path.
struct DoubleTwin {
  var parameters: [String: [Double]]
  let store = DoubleGradients()
  var parameterGradients: [String: [Double]] { store.values }
  var backwards: [() -> Void] = []
  let slope: Double
  /// Accumulate the convolutions' forward sums in float32 (one rounding per multiply-add), to
  /// reproduce what a float32 forward does to the backward pass.
  var floatAccumulate = false

  init(parameters: [String: [Double]], slope: Double) {
    self.parameters = parameters
    self.slope = slope
  }



  /// Circular cross-correlation with `path.weight` `[O, I, k, k]` and `path.bias` `[O]`.
  mutating func convolution(_ x: DoubleTensor, _ path: String, kernel: Int) -> DoubleTensor {
    let weight = parameters["\(path).weight"]!
    let bias = parameters["\(path).bias"]!
    let outputs = bias.count
    let inputs = x.c
    precondition(weight.count == outputs * inputs * kernel * kernel, "twin \(path) shape")
    let y = DoubleTensor(x.n, outputs, x.h, x.w)
    let pad = kernel / 2
    let (h, w) = (x.h, x.w)
    let rows = (0..<(h + kernel)).map { (($0 - pad) % h + h) % h }
    let columns = (0..<(w + kernel)).map { (($0 - pad) % w + w) % w }
    for image in 0..<x.n {
      for o in 0..<outputs {
        let outBase = (image * outputs + o) * h * w
        for i in 0..<inputs {
          let inBase = (image * inputs + i) * h * w
          for ky in 0..<kernel {
            for kx in 0..<kernel {
              let k = weight[((o * inputs + i) * kernel + ky) * kernel + kx]
              for row in 0..<h {
                let source = inBase + rows[row + ky] * w
                let destination = outBase + row * w
                if floatAccumulate {
                  for column in 0..<w {
                    y.values[destination + column] = Double(
                      Float(y.values[destination + column] + k * x.values[source + columns[column + kx]]))
                  }
                } else {
                  for column in 0..<w {
                    y.values[destination + column] += k * x.values[source + columns[column + kx]]
                  }
                }
              }
            }
          }
        }
        for index in outBase..<(outBase + h * w) { y.values[index] += bias[o] }
      }
    }
    backwards.append { [store] in
      var dWeight = [Double](repeating: 0, count: weight.count)
      var dBias = [Double](repeating: 0, count: outputs)
      for image in 0..<x.n {
        for o in 0..<outputs {
          let outBase = (image * outputs + o) * h * w
          for index in outBase..<(outBase + h * w) { dBias[o] += y.gradient[index] }
          for i in 0..<inputs {
            let inBase = (image * inputs + i) * h * w
            for ky in 0..<kernel {
              for kx in 0..<kernel {
                let wIndex = ((o * inputs + i) * kernel + ky) * kernel + kx
                let k = weight[wIndex]
                var total = 0.0
                for row in 0..<h {
                  let source = inBase + rows[row + ky] * w
                  let destination = outBase + row * w
                  for column in 0..<w {
                    let g = y.gradient[destination + column]
                    total += g * x.values[source + columns[column + kx]]
                    x.gradient[source + columns[column + kx]] += k * g
                  }
                }
                dWeight[wIndex] += total
              }
            }
          }
        }
      }
      store.accumulate("\(path).weight", dWeight)
      store.accumulate("\(path).bias", dBias)
    }
    return y
  }

  /// Batch norm with batch statistics and `path.weight` γ, `path.bias` β.
  mutating func batchNorm(_ x: DoubleTensor, _ path: String) -> DoubleTensor {
    let gamma = parameters["\(path).weight"]!
    let beta = parameters["\(path).bias"]!
    let y = DoubleTensor(x.n, x.c, x.h, x.w)
    let count = Double(x.n * x.plane)
    var xhat = [Double](repeating: 0, count: x.values.count)
    var inverse = [Double](repeating: 0, count: x.c)
    for channel in 0..<x.c {
      var mean = 0.0
      for image in 0..<x.n {
        let base = (image * x.c + channel) * x.plane
        for index in base..<(base + x.plane) { mean += x.values[index] }
      }
      mean /= count
      var variance = 0.0
      for image in 0..<x.n {
        let base = (image * x.c + channel) * x.plane
        for index in base..<(base + x.plane) { variance += (x.values[index] - mean) * (x.values[index] - mean) }
      }
      variance /= count
      inverse[channel] = 1 / (variance + 1e-5).squareRoot()
      for image in 0..<x.n {
        let base = (image * x.c + channel) * x.plane
        for index in base..<(base + x.plane) {
          xhat[index] = (x.values[index] - mean) * inverse[channel]
          y.values[index] = gamma[channel] * xhat[index] + beta[channel]
        }
      }
    }
    let normalized = xhat
    let inverseStd = inverse
    backwards.append { [store] in
      var dGamma = [Double](repeating: 0, count: x.c)
      var dBeta = [Double](repeating: 0, count: x.c)
      for channel in 0..<x.c {
        for image in 0..<x.n {
          let base = (image * x.c + channel) * x.plane
          for index in base..<(base + x.plane) {
            dGamma[channel] += y.gradient[index] * normalized[index]
            dBeta[channel] += y.gradient[index]
          }
        }
        let m1 = gamma[channel] * dBeta[channel] / count
        let m2 = gamma[channel] * dGamma[channel] / count
        for image in 0..<x.n {
          let base = (image * x.c + channel) * x.plane
          for index in base..<(base + x.plane) {
            x.gradient[index] +=
              inverseStd[channel] * (gamma[channel] * y.gradient[index] - m1 - normalized[index] * m2)
          }
        }
      }
      store.accumulate("\(path).weight", dGamma)
      store.accumulate("\(path).bias", dBeta)
    }
    return y
  }

  mutating func leakyReLU(_ x: DoubleTensor) -> DoubleTensor {
    let a = slope
    let y = DoubleTensor(x.n, x.c, x.h, x.w, values: x.values.map { $0 > 0 ? $0 : a * $0 })
    backwards.append {
      for index in x.values.indices {
        x.gradient[index] += x.values[index] > 0 ? y.gradient[index] : a * y.gradient[index]
      }
    }
    return y
  }

  mutating func upsample(_ x: DoubleTensor) -> DoubleTensor {
    let y = DoubleTensor(x.n, x.c, 2 * x.h, 2 * x.w)
    for p in 0..<(x.n * x.c) {
      for row in 0..<y.h {
        for column in 0..<y.w {
          y.values[p * y.plane + row * y.w + column] = x.values[p * x.plane + (row / 2) * x.w + column / 2]
        }
      }
    }
    backwards.append {
      for p in 0..<(x.n * x.c) {
        for row in 0..<y.h {
          for column in 0..<y.w {
            x.gradient[p * x.plane + (row / 2) * x.w + column / 2] += y.gradient[p * y.plane + row * y.w + column]
          }
        }
      }
    }
    return y
  }

  mutating func concatenate(_ a: DoubleTensor, _ b: DoubleTensor) -> DoubleTensor {
    let y = DoubleTensor(a.n, a.c + b.c, a.h, a.w)
    let plane = a.plane
    for image in 0..<a.n {
      for channel in 0..<y.c {
        let (source, sourceChannel) = channel < a.c ? (a, channel) : (b, channel - a.c)
        for offset in 0..<plane {
          y.values[(image * y.c + channel) * plane + offset] =
            source.values[(image * source.c + sourceChannel) * plane + offset]
        }
      }
    }
    backwards.append {
      for image in 0..<a.n {
        for channel in 0..<y.c {
          let (source, sourceChannel) = channel < a.c ? (a, channel) : (b, channel - a.c)
          for offset in 0..<plane {
            source.gradient[(image * source.c + sourceChannel) * plane + offset] +=
              y.gradient[(image * y.c + channel) * plane + offset]
          }
        }
      }
    }
    return y
  }

  mutating func block(_ x: DoubleTensor, _ path: String) -> DoubleTensor {
    var y = x
    for (j, kernel) in [3, 3, 1].enumerated() {
      y = convolution(y, "\(path).conv\(j)", kernel: kernel)
      y = batchNorm(y, "\(path).bn\(j)")
      y = leakyReLU(y)
    }
    return y
  }

  /// The generator's forward pass (texture mode); `blocks` receives each block output by name.
  mutating func generator(noise: [DoubleTensor], blocks: inout [String: DoubleTensor]) -> DoubleTensor {
    var current = block(noise[0], "branch.0")
    blocks["branch0"] = current
    for k in 1..<noise.count {
      let fine = block(noise[k], "branch.\(k)")
      blocks["branch\(k)"] = fine
      let up = batchNorm(upsample(current), "bn_coarse.\(k)")
      let joined = concatenate(up, batchNorm(fine, "bn_fine.\(k)"))
      current = block(joined, "join.\(k)")
      blocks["join\(k)"] = current
    }
    return convolution(current, "to_rgb", kernel: 1)
  }

  /// Runs every recorded backward, newest first (the seed must be in the output's gradient).
  mutating func backward() {
    for step in backwards.reversed() { step() }
  }
}

/// Parameter gradients of the twin by path, accumulated by the backward closures.
final class DoubleGradients {
  var values: [String: [Double]] = [:]

  func accumulate(_ path: String, _ gradient: [Double]) {
    if let old = values[path] {
      values[path] = zip(old, gradient).map { $0 + $1 }
    } else {
      values[path] = gradient
    }
  }
}
