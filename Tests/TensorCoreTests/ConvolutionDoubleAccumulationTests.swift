import TensorCore
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
