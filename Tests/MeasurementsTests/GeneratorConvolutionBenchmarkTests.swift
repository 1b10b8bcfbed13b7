import Foundation
import Testing
import Measurements

@Suite struct GeneratorConvolutionBenchmarkTests {
  @Test func sequenceHasTheGeneratorsConvolutionsAndFlops() {
    let k5 = GeneratorConvolutionBenchmark.sequence(levels: 5)
    // 5 branch blocks, 4 join blocks, the output convolution.
    #expect(k5.count == 5 * 3 + 4 * 3 + 1)
    let flops = k5.reduce(0) { $0 + $1.flopsPerImage }
    // bench_torch.py's gen_flops(5, 8, 3, 256): 4.89 GFLOP.
    #expect(abs(flops / 1e9 - 4.89) < 0.01)
    let k6 = GeneratorConvolutionBenchmark.sequence(levels: 6).reduce(0) { $0 + $1.flopsPerImage }
    #expect(abs(k6 / 1e9 - 7.09) < 0.01)
  }

  @Test func oldAndNewKernelsAgreeOnASmallShape() {
    let shape = GeneratorConvolutionBenchmark.Shape(inputChannels: 8, outputChannels: 16, kernel: 3, size: 32)
    let timing = GeneratorConvolutionBenchmark(secondsPerCase: 0).time(shape, batch: 2)
    #expect(timing.relativeDifference < 1e-5)
  }
}
