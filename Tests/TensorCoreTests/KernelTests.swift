import Testing
import TensorCore
import _TestSupport

@Suite struct KernelTests {
  func random(_ shape: Shape, _ name: String) -> Tensor {
    var stream = RandomStream(seed: 3, name: name)
    return stream.uniformTensor(shape, low: -1, high: 1)
  }

  @Test(arguments: [(1, 3, 5, 7), (2, 64, 33, 40), (1, 5, 2, 3000)])
  func gramMatchesNaive(_ dims: (Int, Int, Int, Int)) {
    let x = random([dims.0, dims.1, dims.2, dims.3], "gram")
    let normalizer = Float(dims.1 * dims.2 * dims.3)
    let d = difference(gramForward(x, normalizer: normalizer), NaiveKernels.gram(x, normalizer: Double(normalizer)))
    #expect(d.relativeToMax < 1e-5, "\(d)")
  }

  @Test func gramIsSymmetricPositiveSemidefinite() {
    let x = random([2, 6, 5, 4], "psd")
    let g = gramForward(x, normalizer: 1)
    var stream = RandomStream(seed: 4, name: "psd probes")
    for image in 0..<2 {
      for i in 0..<6 { for j in 0..<6 { #expect(g[image, i, j] == g[image, j, i]) } }
      for _ in 0..<20 {
        let v = (0..<6).map { _ in Double(stream.uniform() - 0.5) }
        var quadratic = 0.0
        for i in 0..<6 { for j in 0..<6 { quadratic += v[i] * Double(g[image, i, j]) * v[j] } }
        #expect(quadratic >= -1e-5, "vᵀGv = \(quadratic) < 0")
      }
    }
  }

  @Test(arguments: [(3, 4, 5, false, false), (64, 300, 70, false, false), (5, 3, 4, true, false), (5, 3, 4, false, true), (7, 600, 9, true, true)])
  func matrixMultiplyMatchesNaive(_ c: (Int, Int, Int, Bool, Bool)) {
    let (m, k, n, ta, tb) = c
    let a = random(ta ? [k, m] : [m, k], "a")
    let b = random(tb ? [n, k] : [k, n], "b")
    func transposed(_ t: Tensor) -> Tensor {
      var r = Tensor(zeros: [t.shape[1], t.shape[0]])
      for i in 0..<t.shape[0] { for j in 0..<t.shape[1] { r[j, i] = t[i, j] } }
      return r
    }
    let naive = NaiveKernels.matmul(ta ? transposed(a) : a, tb ? transposed(b) : b)
    let d = difference(matrixMultiply(a, b, transposeA: ta, transposeB: tb), naive)
    #expect(d.relativeToMax < 1e-5, "\(d)")
  }

  @Test(arguments: [(1, 2, 6, 8), (2, 3, 7, 5)])
  func poolingMatchesNaive(_ dims: (Int, Int, Int, Int)) {
    let x = random([dims.0, dims.1, dims.2, dims.3], "pool")
    #expect(maxPool2x2Forward(x).output.scalars == NaiveKernels.pool2x2(x, maximum: true).scalars)
    #expect(difference(averagePool2x2Forward(x), NaiveKernels.pool2x2(x, maximum: false)).maxAbsolute < 1e-6)
    #expect(maxPool2x2Forward(x).output.shape == [dims.0, dims.1, dims.2 / 2, dims.3 / 2])
  }

  @Test func maxPoolingTiesGoToTheFirstElement() {
    let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 1, 1, 1])
    let (_, argmax) = maxPool2x2Forward(x)
    let dx = maxPool2x2Backward(Tensor(shape: [1, 1, 1, 1], scalars: [5]), argmax: argmax)
    #expect(dx.scalars == [5, 0, 0, 0])
  }

  @Test func upsamplingThenPoolingKeepsShapeAndValues() {
    let x = random([2, 3, 4, 5], "up")
    let up = upsampleNearest2xForward(x)
    #expect(up.shape == [2, 3, 8, 10])
    #expect(up[1, 2, 7, 9] == x[1, 2, 3, 4])
    #expect(averagePool2x2Forward(up).scalars == x.scalars)
    #expect(maxPool2x2Forward(up).output.scalars == x.scalars)
  }

  @Test(arguments: [true, false])
  func normalizationMatchesNaive(_ perImage: Bool) {
    let x = random([3, 4, 5, 6], "norm")
    let gamma = Tensor(shape: [4], scalars: [0.5, 1, 1.5, 2])
    let beta = Tensor(shape: [4], scalars: [0, 0.1, -0.2, 0.3])
    let fast = normalizationForward(x, grouping: perImage ? .instance : .batch, gamma: gamma, beta: beta, epsilon: 1e-5).output
    let naive = NaiveKernels.normalize(x, perImage: perImage, gamma: gamma.scalars, beta: beta.scalars, epsilon: 1e-5)
    #expect(difference(fast, naive).maxAbsolute < 1e-5)
  }

  @Test func instanceNormGivesZeroMeanUnitVariance() {
    let x = random([2, 3, 8, 9], "in").map { 3 * $0 + 5 }
    let y = normalizationForward(x, grouping: .instance, gamma: nil, beta: nil, epsilon: 0).output
    for image in 0..<2 {
      for channel in 0..<3 {
        var values: [Double] = []
        for i in 0..<8 { for j in 0..<9 { values.append(Double(y[image, channel, i, j])) } }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(abs(mean) < 1e-5)
        #expect(abs(variance - 1) < 1e-4)
      }
    }
  }

  @Test func runningStatisticsFollowPyTorch() {
    let x = Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4])
    let (_, statistics) = normalizationForward(x, grouping: .batch, gamma: nil, beta: nil, epsilon: 1e-5)
    var mean = Tensor(shape: [1], scalars: [0])
    var variance = Tensor(shape: [1], scalars: [1])
    updateRunningStatistics(mean: &mean, variance: &variance, with: statistics, momentum: 0.1)
    // batch mean 2.5, biased variance 1.25, unbiased 5/3
    #expect(abs(mean[0] - 0.25) < 1e-6)
    #expect(abs(variance[0] - (0.9 + 0.1 * 5 / 3)) < 1e-6)
  }

  @Test func paddingModesMatchNumpy() {
    let x = Tensor(shape: [1, 1, 1, 4], scalars: [1, 2, 3, 4])
    func row(_ mode: PaddingMode) -> [Float] {
      pad(x, PaddingAmount(vertical: 0, horizontal: 2), mode: mode).scalars
    }
    #expect(row(.zero) == [0, 0, 1, 2, 3, 4, 0, 0])
    #expect(row(.reflect) == [3, 2, 1, 2, 3, 4, 3, 2])
    #expect(row(.replicate) == [1, 1, 1, 2, 3, 4, 4, 4])
    #expect(row(.circular) == [3, 4, 1, 2, 3, 4, 1, 2])
  }

  @Test(arguments: PaddingMode.allCases)
  func padAdjointIsTheTranspose(_ mode: PaddingMode) {
    // <pad(x), y> == <x, padAdjoint(y)> for every x, y.
    let x = random([2, 3, 5, 4], "px")
    let amount = PaddingAmount(vertical: 2, horizontal: 3)
    let y = random([2, 3, 9, 10], "py")
    let left = zip(pad(x, amount, mode: mode).scalars, y.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let right = zip(x.scalars, padAdjoint(y, amount, mode: mode).scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(abs(left - right) < 1e-4)
  }

  @Test func concatenationAndSplitAreInverse() {
    let a = random([2, 2, 3, 3], "ca")
    let b = random([2, 3, 3, 3], "cb")
    let joined = concatenateChannels([a, b])
    #expect(joined.shape == [2, 5, 3, 3])
    #expect(joined[1, 3, 2, 1] == b[1, 1, 2, 1])
    let parts = splitChannels(joined, sizes: [2, 3])
    #expect(parts[0].scalars == a.scalars && parts[1].scalars == b.scalars)
  }

  @Test func bitMaskSelectsPositiveElements() {
    let x = Tensor(shape: [70], scalars: (0..<70).map { Float($0 % 3) - 1 })
    let shared = Tensor(shape: [70], repeating: 2)
    var dx = shared
    BitMask(positive: x).apply(to: &dx, otherwise: 0.5)
    for i in 0..<70 { #expect(dx[i] == (x[i] > 0 ? 2 : 1)) }
    // The shared copy is untouched (copy on write).
    #expect(shared.scalars.allSatisfy { $0 == 2 })
  }

  @Test func sumsAccumulateInDouble() {
    let x = Tensor(shape: [1 << 20], repeating: 0.1)
    #expect(abs(sum(x) - 104857.6) < 0.05)
  }
}
