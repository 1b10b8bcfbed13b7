@testable import TensorCore
import Testing
import _TestSupport

@Suite struct ConvolutionDoubleAccumulationTests {
  /// Both sum in Double and round once, so they may differ by the last bit of a result:
  /// 2 ulp relative to the largest value (2 · 2⁻²³).
  let tolerance = 2.4e-7

  @Test(arguments: convolutionCases.filter { $0.stride == 1 })
  func forwardMatchesNaiveToTheLastBits(_ c: ConvolutionCase) {
    var random = RandomStream(seed: 8, name: c.testDescription)
    let x = random.uniformTensor([c.batch, c.inputChannels, c.height, c.width], low: -1, high: 1)
    let w = random.uniformTensor([c.outputChannels, c.inputChannels, c.kernel, c.kernel], low: -1, high: 1)
    let b = random.uniformTensor([c.outputChannels], low: -1, high: 1)
    let ours = convolutionForwardAccumulatingInDouble(
      x, filter: ConvolutionFilter(w), bias: b, geometry: c.geometry)
    let naive = NaiveConvolution.forward(x, weight: w, bias: b, geometry: c.geometry)
    #expect(ours.shape == naive.shape)
    let d = difference(ours, naive)
    #expect(d.relativeToMax < tolerance, "Double-accumulated forward \(c.testDescription): \(d)")
  }
}

/// The direct kernels' Double tiles against the plain Double loop (their naive twin), on the
/// generator's layer shapes (3x3 circular and 1x1, 3 to 48 channels, widths off the 16-column
/// tile) and the other padding modes.
@Suite struct DirectDoubleAccumulationTests {
  static let cases: [ConvolutionCase] = [
    ConvolutionCase(batch: 2, inputChannels: 3, outputChannels: 8, height: 16, width: 16, kernel: 3, stride: 1, padding: 1, mode: .circular),
    ConvolutionCase(batch: 2, inputChannels: 40, outputChannels: 40, height: 9, width: 21, kernel: 3, stride: 1, padding: 1, mode: .circular),
    ConvolutionCase(batch: 1, inputChannels: 16, outputChannels: 13, height: 8, width: 35, kernel: 3, stride: 1, padding: 1, mode: .zero),
    ConvolutionCase(batch: 1, inputChannels: 11, outputChannels: 9, height: 7, width: 33, kernel: 3, stride: 1, padding: 1, mode: .reflect),
    ConvolutionCase(batch: 2, inputChannels: 48, outputChannels: 3, height: 8, width: 8, kernel: 1, stride: 1, padding: 0, mode: .circular),
    ConvolutionCase(batch: 1, inputChannels: 24, outputChannels: 17, height: 5, width: 7, kernel: 1, stride: 1, padding: 0, mode: .replicate),
  ]

  @Test(
    .enabled(
      if: DirectConvolution.isAvailable,
      "this CPU has no AVX-512: the direct kernels (and their Double tiles) do not run here"),
    arguments: cases)
  func directDoubleTilesMatchTheDoubleLoop(_ c: ConvolutionCase) {
    var random = RandomStream(seed: 9, name: c.testDescription)
    let x = random.uniformTensor([c.batch, c.inputChannels, c.height, c.width], low: -1, high: 1)
    let w = random.uniformTensor([c.outputChannels, c.inputChannels, c.kernel, c.kernel], low: -1, high: 1)
    let b = random.uniformTensor([c.outputChannels], low: -1, high: 1)
    let filter = ConvolutionFilter(w)
    #expect(usesDirectKernels(filter: filter, geometry: c.geometry), "\(c.testDescription)")
    let fast = convolutionForwardAccumulatingInDouble(x, filter: filter, bias: b, geometry: c.geometry)
    let loop = convolutionForwardAccumulatingInDoubleLoop(x, filter: filter, bias: b, geometry: c.geometry)
    #expect(fast.shape == loop.shape)
    // Both sum in Double (in different orders) and round once: at most one ulp apart.
    var worst: Float = 0
    for (a, e) in zip(fast.scalars, loop.scalars) {
      worst = max(worst, abs(a - e) / max(abs(e).ulp, Float.leastNormalMagnitude))
    }
    #expect(worst <= 1, "\(c.testDescription): \(worst) ulp")
  }
}
