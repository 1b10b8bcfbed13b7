import Testing
import TensorCore
import _TestSupport

/// One convolution configuration checked against the naive twin.
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
  var batch: Int
  var inputChannels: Int
  var outputChannels: Int
  var height: Int
  var width: Int
  var kernel: Int
  var stride: Int
  var padding: Int
  var mode: PaddingMode

  var testDescription: String {
    "\(batch)x\(inputChannels)x\(height)x\(width) -> \(outputChannels), k\(kernel) s\(stride) p\(padding) \(mode)"
  }

  var geometry: ConvolutionGeometry {
    ConvolutionGeometry(kernelSize: kernel, stride: stride, padding: padding, paddingMode: mode)
  }
}

/// Every padding mode, odd sizes, stride 1 and 2, and channel counts on both sides of the
/// shifted-GEMM threshold (32 input channels), so both implementations are exercised.
let convolutionCases: [ConvolutionCase] = PaddingMode.allCases.flatMap { mode in
  [
    ConvolutionCase(batch: 2, inputChannels: 3, outputChannels: 5, height: 7, width: 9, kernel: 3, stride: 1, padding: 1, mode: mode),
    ConvolutionCase(batch: 1, inputChannels: 40, outputChannels: 6, height: 9, width: 7, kernel: 3, stride: 1, padding: 1, mode: mode),
    ConvolutionCase(batch: 2, inputChannels: 33, outputChannels: 34, height: 5, width: 6, kernel: 3, stride: 1, padding: 1, mode: mode),
    ConvolutionCase(batch: 2, inputChannels: 4, outputChannels: 3, height: 9, width: 8, kernel: 3, stride: 2, padding: 1, mode: mode),
    ConvolutionCase(batch: 1, inputChannels: 36, outputChannels: 4, height: 11, width: 10, kernel: 3, stride: 2, padding: 1, mode: mode),
    ConvolutionCase(batch: 2, inputChannels: 8, outputChannels: 16, height: 6, width: 5, kernel: 1, stride: 1, padding: 0, mode: mode),
  ]
} + [
  ConvolutionCase(batch: 1, inputChannels: 35, outputChannels: 7, height: 8, width: 9, kernel: 3, stride: 1, padding: 0, mode: .zero),
  ConvolutionCase(batch: 1, inputChannels: 5, outputChannels: 7, height: 8, width: 9, kernel: 3, stride: 1, padding: 0, mode: .zero),
  ConvolutionCase(batch: 1, inputChannels: 34, outputChannels: 3, height: 4, width: 4, kernel: 3, stride: 1, padding: 2, mode: .circular),
]

/// The 3x3 stride-1 cases, plus sizes that exercise the Winograd kernel's vector path (8 tiles
/// along a row), its odd-size edges, and its tasks of several whole images (batches of small
/// images: 16 and 64 blocks per image, and an odd size whose last image task is short).
let winogradCases: [ConvolutionCase] =
  convolutionCases.filter { $0.kernel == 3 && $0.stride == 1 }
  + PaddingMode.allCases.flatMap { mode in
    [
      ConvolutionCase(batch: 1, inputChannels: 9, outputChannels: 7, height: 19, width: 37, kernel: 3, stride: 1, padding: 1, mode: mode),
      ConvolutionCase(batch: 2, inputChannels: 16, outputChannels: 20, height: 34, width: 34, kernel: 3, stride: 1, padding: 1, mode: mode),
      ConvolutionCase(batch: 4, inputChannels: 24, outputChannels: 20, height: 8, width: 8, kernel: 3, stride: 1, padding: 1, mode: mode),
      ConvolutionCase(batch: 4, inputChannels: 12, outputChannels: 17, height: 16, width: 16, kernel: 3, stride: 1, padding: 1, mode: mode),
      ConvolutionCase(batch: 5, inputChannels: 8, outputChannels: 9, height: 7, width: 5, kernel: 3, stride: 1, padding: 1, mode: mode),
    ]
  }

@Suite struct ConvolutionTests {
  /// Float32 GEMM sums against Double sums: relative-to-max error well under 1e-5 is expected.
  let tolerance = 1e-5

  func inputs(_ c: ConvolutionCase) -> (Tensor, Tensor, Tensor, Tensor) {
    var random = RandomStream(seed: 7, name: c.testDescription)
    let x = random.uniformTensor([c.batch, c.inputChannels, c.height, c.width], low: -1, high: 1)
    let w = random.uniformTensor([c.outputChannels, c.inputChannels, c.kernel, c.kernel], low: -1, high: 1)
    let b = random.uniformTensor([c.outputChannels], low: -1, high: 1)
    let ho = c.geometry.outputSize(c.height)
    let wo = c.geometry.outputSize(c.width)
    let dOut = random.uniformTensor([c.batch, c.outputChannels, ho, wo], low: -1, high: 1)
    return (x, w, b, dOut)
  }

  @Test(arguments: convolutionCases)
  func forwardMatchesNaive(_ c: ConvolutionCase) {
    // The GEMM-based kernels, and whatever the dispatch picks (the direct kernels where they apply).
    for direct in [false, true] {
      ConvolutionDispatch.$allowsDirectKernels.withValue(direct) {
        let (x, w, b, _) = inputs(c)
        let fast = convolutionForward(x, filter: ConvolutionFilter(w), bias: b, geometry: c.geometry)
        let naive = NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry)
        #expect(fast.shape == naive.shape)
        let d = difference(fast, naive)
        #expect(d.relativeToMax < tolerance, "forward \(c.testDescription), direct kernels allowed \(direct): \(d)")
      }
    }
  }

  @Test(arguments: convolutionCases)
  func fusedActivationsMatchNaive(_ c: ConvolutionCase) {
    // The GEMM-based kernels, and whatever the dispatch picks (the direct kernels where they apply).
    let activations = [FusedActivation.relu, .leakyReLU(slope: 0.01), .leakyReLU(slope: 0.3)]
    for direct in [false, true] {
      ConvolutionDispatch.$allowsDirectKernels.withValue(direct) {
        let (x, w, b, _) = inputs(c)
        let plain = NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry)
        for activation in activations {
          let fast = convolutionForward(
            x, filter: ConvolutionFilter(w), bias: b, geometry: c.geometry, activation: activation)
          var naive = plain
          naive.withUnsafeMutableBufferPointer { values in
            for i in values.indices {
              values[i] = values[i] > 0 ? values[i] : (activation.negativeSlope ?? 1) * values[i]
            }
          }
          let d = difference(fast, naive)
          #expect(d.relativeToMax < tolerance, "\(activation) forward \(c.testDescription), direct kernels allowed \(direct): \(d)")
        }
      }
    }
  }

  @Test(arguments: convolutionCases)
  func inputGradientMatchesNaive(_ c: ConvolutionCase) {
    // The GEMM-based kernels, and whatever the dispatch picks (the direct kernels where they apply).
    for direct in [false, true] {
      ConvolutionDispatch.$allowsDirectKernels.withValue(direct) {
        let (x, w, _, dOut) = inputs(c)
        let fast = convolutionBackwardInput(
          dOut, filter: ConvolutionFilter(w), inputShape: x.shape, geometry: c.geometry)
        let naive = NaiveConvolution.backwardInput(
          dOut, weight: w, inputShape: x.shape, geometry: c.geometry)
        let d = difference(fast, naive)
        #expect(d.relativeToMax < tolerance, "input gradient \(c.testDescription), direct kernels allowed \(direct): \(d)")
      }
    }
  }

  @Test(arguments: convolutionCases)
  func filterGradientMatchesNaive(_ c: ConvolutionCase) {
    // The GEMM-based kernels, and whatever the dispatch picks (the direct kernels where they apply).
    for direct in [false, true] {
      ConvolutionDispatch.$allowsDirectKernels.withValue(direct) {
        let (x, w, _, dOut) = inputs(c)
        let fast = convolutionBackwardFilter(dOut, input: x, filterShape: w.shape, geometry: c.geometry)
        let naive = NaiveConvolution.backwardFilter(
          dOut, input: x, filterShape: w.shape, geometry: c.geometry)
        let dw = difference(fast.filter, naive.filter)
        let db = difference(fast.bias, naive.bias)
        #expect(dw.relativeToMax < tolerance, "filter gradient \(c.testDescription), direct kernels allowed \(direct): \(dw)")
        #expect(db.relativeToMax < tolerance, "bias gradient \(c.testDescription), direct kernels allowed \(direct): \(db)")
      }
    }
  }

  @Test(arguments: convolutionCases)
  func inputGradientAccumulatesIntoAnExistingOne(_ c: ConvolutionCase) {
    // The GEMM-based kernels, and whatever the dispatch picks (the direct kernels where they apply).
    for direct in [false, true] {
      ConvolutionDispatch.$allowsDirectKernels.withValue(direct) {
        let (x, w, _, dOut) = inputs(c)
        var random = RandomStream(seed: 8, name: "existing")
        let existing = random.uniformTensor(x.shape)
        let shared = existing
        let sum = convolutionBackwardInput(
          dOut, filter: ConvolutionFilter(w), inputShape: x.shape, geometry: c.geometry,
          accumulatingInto: existing)
        let naive = NaiveConvolution.backwardInput(dOut, weight: w, inputShape: x.shape, geometry: c.geometry)
        let d = difference(sum, naive + shared)
        #expect(d.relativeToMax < tolerance, "accumulated input gradient \(c.testDescription), direct kernels allowed \(direct): \(d)")
        // A tensor sharing the storage is not written through (copy on write).
        #expect(shared.scalars == existing.scalars)
      }
    }
  }

  @Test(arguments: winogradCases)
  func winogradMatchesNaive(_ c: ConvolutionCase) {
    let (x, w, b, dOut) = inputs(c)
    let filter = ConvolutionFilter(w, layout: .winograd)
    let forward = convolutionForward(x, filter: filter, bias: b, geometry: c.geometry, activation: .relu)
    var naive = NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry)
    naive.withUnsafeMutableBufferPointer { values in
      for i in values.indices { values[i] = max(values[i], 0) }
    }
    let d = difference(forward, naive)
    #expect(d.relativeToMax < tolerance, "Winograd forward \(c.testDescription): \(d)")
    let leaky = convolutionForward(
      x, filter: filter, bias: b, geometry: c.geometry, activation: .leakyReLU(slope: 0.2))
    let naiveLeaky = NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry).map {
      $0 > 0 ? $0 : 0.2 * $0
    }
    let dl = difference(leaky, naiveLeaky)
    #expect(dl.relativeToMax < tolerance, "Winograd leaky forward \(c.testDescription): \(dl)")
    let backward = convolutionBackwardInput(dOut, filter: filter, inputShape: x.shape, geometry: c.geometry)
    let naiveBackward = NaiveConvolution.backwardInput(dOut, weight: w, inputShape: x.shape, geometry: c.geometry)
    let db = difference(backward, naiveBackward)
    #expect(db.relativeToMax < tolerance, "Winograd input gradient \(c.testDescription): \(db)")
    var random = RandomStream(seed: 8, name: "existing")
    let existing = random.uniformTensor(x.shape)
    let sum = convolutionBackwardInput(
      dOut, filter: filter, inputShape: x.shape, geometry: c.geometry, accumulatingInto: existing)
    let da = difference(sum, naiveBackward + existing)
    #expect(da.relativeToMax < tolerance, "Winograd accumulated gradient \(c.testDescription): \(da)")
  }

  @Test func winogradLayoutRecoversTheWeights() {
    var random = RandomStream(seed: 1, name: "winograd filter")
    let w = random.uniformTensor([5, 4, 3, 3], low: -1, high: 1)
    let filter = ConvolutionFilter(w, layout: .winograd)
    #expect(filter.winogradTransform?.shape == [36, 5, 4])
    #expect(difference(filter.weight, w).maxAbsolute < 1e-6)
  }

  @Test func filterLayoutRoundTrips() {
    var random = RandomStream(seed: 1, name: "filter")
    let w = random.uniformTensor([5, 4, 3, 3])
    #expect(ConvolutionFilter(w).weight.scalars == w.scalars)
  }
}
