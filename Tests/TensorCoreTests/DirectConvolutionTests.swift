import Testing
@testable import TensorCore
import _TestSupport

/// One small-channel convolution (stride 1, "same" padding) checked against the naive twin.
struct DirectConvolutionCase: CustomTestStringConvertible, Sendable {
  var batch: Int
  var inputChannels: Int
  var outputChannels: Int
  var height: Int
  var width: Int
  var kernel: Int
  var mode: PaddingMode

  var testDescription: String {
    "\(batch)x\(inputChannels)x\(height)x\(width) -> \(outputChannels), k\(kernel) \(mode)"
  }

  var geometry: ConvolutionGeometry { ConvolutionGeometry(kernelSize: kernel, paddingMode: mode) }
}

/// Every padding mode, kernel 1 and 3, the generator's channel counts (3, 6, 8, 40, 48), tiny
/// images (2x2, 4x4: circular padding wraps onto the same pixels), odd sizes, widths below,
/// between and above the 16- and 32-column tiles, planes of a multiple of 32 pixels (the 1x1
/// in-place path) and not, batch > 1.
let directConvolutionCases: [DirectConvolutionCase] = PaddingMode.allCases.flatMap { mode in
  [1, 3].flatMap { kernel in
    [
      DirectConvolutionCase(batch: 2, inputChannels: 3, outputChannels: 8, height: 2, width: 2, kernel: kernel, mode: mode),
      DirectConvolutionCase(batch: 1, inputChannels: 6, outputChannels: 8, height: 4, width: 4, kernel: kernel, mode: mode),
      DirectConvolutionCase(batch: 2, inputChannels: 8, outputChannels: 8, height: 5, width: 7, kernel: kernel, mode: mode),
      DirectConvolutionCase(batch: 3, inputChannels: 5, outputChannels: 6, height: 19, width: 16, kernel: kernel, mode: mode),
      DirectConvolutionCase(batch: 1, inputChannels: 8, outputChannels: 40, height: 9, width: 37, kernel: kernel, mode: mode),
      DirectConvolutionCase(batch: 2, inputChannels: 40, outputChannels: 48, height: 6, width: 17, kernel: kernel, mode: mode),
      DirectConvolutionCase(batch: 1, inputChannels: 48, outputChannels: 3, height: 3, width: 50, kernel: kernel, mode: mode),
      // H·W a multiple of 32: 1x1 convolutions read the planes in place.
      DirectConvolutionCase(batch: 2, inputChannels: 48, outputChannels: 40, height: 8, width: 12, kernel: kernel, mode: mode),
      DirectConvolutionCase(batch: 3, inputChannels: 8, outputChannels: 3, height: 16, width: 16, kernel: kernel, mode: mode),
    ]
  }
}

@Suite struct DirectConvolutionTests {
  /// Float32 sums (fused multiply-adds, any order) against Double sums.
  let tolerance = 1e-5

  func inputs(_ c: DirectConvolutionCase) -> (x: Tensor, w: Tensor, b: Tensor, dOut: Tensor) {
    var random = RandomStream(seed: 11, name: c.testDescription)
    let x = random.uniformTensor([c.batch, c.inputChannels, c.height, c.width], low: -1, high: 1)
    let w = random.uniformTensor([c.outputChannels, c.inputChannels, c.kernel, c.kernel], low: -1, high: 1)
    let b = random.uniformTensor([c.outputChannels], low: -1, high: 1)
    let dOut = random.uniformTensor([c.batch, c.outputChannels, c.height, c.width], low: -1, high: 1)
    return (x, w, b, dOut)
  }

  @Test func thisMachineRunsTheDirectKernels() {
    #expect(DirectConvolution.isAvailable, "the direct kernels need AVX-512; this machine kind has it")
  }

  @Test(arguments: directConvolutionCases)
  func dispatchChoosesTheDirectKernels(_ c: DirectConvolutionCase) {
    let filter = ConvolutionFilter(Tensor(zeros: [c.outputChannels, c.inputChannels, c.kernel, c.kernel]))
    #expect(usesDirectKernels(filter: filter, geometry: c.geometry) == DirectConvolution.isAvailable)
  }

  @Test func dispatchKeepsTheOtherKernelsElsewhere() {
    let wide = ConvolutionFilter(Tensor(zeros: [128, 64, 3, 3]))
    #expect(!usesDirectKernels(filter: wide, geometry: ConvolutionGeometry(kernelSize: 3)))
    let winograd = ConvolutionFilter(Tensor(zeros: [64, 64, 3, 3]), layout: .winograd)
    #expect(!usesDirectKernels(filter: winograd, geometry: ConvolutionGeometry(kernelSize: 3)))
    let small = ConvolutionFilter(Tensor(zeros: [8, 8, 3, 3]))
    #expect(!usesDirectKernels(filter: small, geometry: ConvolutionGeometry(kernelSize: 3, stride: 2)))
    #expect(!usesDirectKernels(filter: small, geometry: ConvolutionGeometry(kernelSize: 3, padding: 0)))
    // VGG's conv1_1 (3 → 64): direct forward, but its input gradient (8-wide blocks of 3 outputs
    // summing 64 channels) stays on im2col.
    let firstVGG = ConvolutionFilter(Tensor(zeros: [64, 3, 3, 3]))
    #expect(usesDirectKernels(filter: firstVGG, geometry: ConvolutionGeometry(kernelSize: 3)) == DirectConvolution.isAvailable)
    #expect(!usesDirectKernels(filter: firstVGG, geometry: ConvolutionGeometry(kernelSize: 3), backward: true))
  }

  @Test func filterGradientDispatchKeepsSmallPointwiseShapesOnGEMM() {
    let pointwise = ConvolutionGeometry(kernelSize: 1, paddingMode: .circular)
    #expect(!DirectConvolution.appliesToFilterGradient(inputChannels: 8, outputChannels: 8, plane: 64 * 64, geometry: pointwise))
    #expect(DirectConvolution.appliesToFilterGradient(inputChannels: 8, outputChannels: 8, plane: 256 * 256, geometry: pointwise) == DirectConvolution.isAvailable)
    let threeByThree = ConvolutionGeometry(kernelSize: 3, paddingMode: .circular)
    #expect(DirectConvolution.appliesToFilterGradient(inputChannels: 8, outputChannels: 8, plane: 4, geometry: threeByThree) == DirectConvolution.isAvailable)
  }

  @Test(arguments: directConvolutionCases)
  func forwardMatchesNaive(_ c: DirectConvolutionCase) {
    let (x, w, b, _) = inputs(c)
    let naive = NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry)
    let fast = directConvolutionForward(
      x, filter: ConvolutionFilter(w), bias: b, geometry: c.geometry, activation: .identity)
    #expect(fast.shape == naive.shape)
    let d = difference(fast, naive)
    #expect(d.relativeToMax < tolerance, "forward \(c.testDescription): \(d)")
    let withoutBias = directConvolutionForward(
      x, filter: ConvolutionFilter(w), bias: nil, geometry: c.geometry, activation: .identity)
    let naiveWithoutBias = NaiveConvolution.forward(x, weight: w, bias: nil, geometry: c.geometry)
    let e = difference(withoutBias, naiveWithoutBias)
    #expect(e.relativeToMax < tolerance, "forward without bias \(c.testDescription): \(e)")
  }

  /// The fused ReLU and LeakyReLU epilogues (the generator's slope 0.01 and a larger one).
  @Test(arguments: directConvolutionCases)
  func fusedActivationsMatchNaive(_ c: DirectConvolutionCase) {
    let (x, w, b, _) = inputs(c)
    let plain = NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry)
    for activation in [FusedActivation.relu, .leakyReLU(slope: 0.01), .leakyReLU(slope: 0.3)] {
      var naive = plain
      naive.withUnsafeMutableBufferPointer { values in
        for i in values.indices {
          values[i] = values[i] > 0 ? values[i] : (activation.negativeSlope ?? 1) * values[i]
        }
      }
      let fast = convolutionForward(
        x, filter: ConvolutionFilter(w), bias: b, geometry: c.geometry, activation: activation)
      let d = difference(fast, naive)
      #expect(d.relativeToMax < tolerance, "\(activation) forward \(c.testDescription): \(d)")
    }
  }

  @Test(arguments: directConvolutionCases)
  func inputGradientMatchesNaive(_ c: DirectConvolutionCase) {
    let (x, w, _, dOut) = inputs(c)
    let naive = NaiveConvolution.backwardInput(dOut, weight: w, inputShape: x.shape, geometry: c.geometry)
    let fast = directConvolutionBackwardInput(
      dOut, filter: ConvolutionFilter(w), inputShape: x.shape, geometry: c.geometry,
      accumulatingInto: nil)
    let d = difference(fast, naive)
    #expect(d.relativeToMax < tolerance, "input gradient \(c.testDescription): \(d)")
  }

  @Test(arguments: directConvolutionCases)
  func inputGradientAccumulatesIntoAnExistingOne(_ c: DirectConvolutionCase) {
    let (x, w, _, dOut) = inputs(c)
    var random = RandomStream(seed: 12, name: "existing")
    let existing = random.uniformTensor(x.shape, low: -1, high: 1)
    let shared = existing
    let sum = convolutionBackwardInput(
      dOut, filter: ConvolutionFilter(w), inputShape: x.shape, geometry: c.geometry,
      accumulatingInto: existing)
    let naive = NaiveConvolution.backwardInput(dOut, weight: w, inputShape: x.shape, geometry: c.geometry)
    let d = difference(sum, naive + shared)
    #expect(d.relativeToMax < tolerance, "accumulated input gradient \(c.testDescription): \(d)")
    #expect(shared.scalars == existing.scalars, "a tensor sharing the storage was written through")
  }

  @Test(arguments: directConvolutionCases)
  func filterGradientMatchesNaive(_ c: DirectConvolutionCase) {
    let (x, w, _, dOut) = inputs(c)
    let naive = NaiveConvolution.backwardFilter(dOut, input: x, filterShape: w.shape, geometry: c.geometry)
    let fast = directConvolutionFilterGradient(
      dOut, input: x, outputChannels: c.outputChannels, geometry: c.geometry)
    let dw = difference(fast, naive.filter)
    #expect(dw.relativeToMax < tolerance, "filter gradient \(c.testDescription): \(dw)")
    let both = convolutionBackwardFilter(dOut, input: x, filterShape: w.shape, geometry: c.geometry)
    let db = difference(both.bias, naive.bias)
    #expect(db.relativeToMax < tolerance, "bias gradient \(c.testDescription): \(db)")
    #expect(difference(both.filter, naive.filter).relativeToMax < tolerance)
  }

  /// The tiling splits images into row bands and the weight gradient into per-worker partials:
  /// a generator-sized layer, where there are many tiles, against the naive twin.
  @Test(arguments: [PaddingMode.circular, .reflect])
  func largeImagesSplitIntoTilesMatchNaive(_ mode: PaddingMode) {
    let c = DirectConvolutionCase(batch: 2, inputChannels: 8, outputChannels: 16, height: 64, width: 64, kernel: 3, mode: mode)
    let (x, w, b, dOut) = inputs(c)
    let forward = difference(
      convolutionForward(x, filter: ConvolutionFilter(w), bias: b, geometry: c.geometry),
      NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry))
    #expect(forward.relativeToMax < tolerance, "forward: \(forward)")
    let input = difference(
      convolutionBackwardInput(dOut, filter: ConvolutionFilter(w), inputShape: x.shape, geometry: c.geometry),
      NaiveConvolution.backwardInput(dOut, weight: w, inputShape: x.shape, geometry: c.geometry))
    #expect(input.relativeToMax < tolerance, "input gradient: \(input)")
    let filter = difference(
      convolutionBackwardFilter(dOut, input: x, filterShape: w.shape, geometry: c.geometry).filter,
      NaiveConvolution.backwardFilter(dOut, input: x, filterShape: w.shape, geometry: c.geometry).filter)
    #expect(filter.relativeToMax < tolerance, "filter gradient: \(filter)")
  }
}
