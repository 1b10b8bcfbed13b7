import Measurements
import NN
import TensorCore
import Testing
import _TestSupport

@Suite struct ActivationStatisticsTests {
  @Test func knownValues() {
    let statistics = ActivationStatistics(of: Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
    #expect(statistics.values == [2.5, 1.25.squareRoot(), 1, 4])
    #expect(ActivationStatistics.names == ["mean", "std", "min", "max"])
  }

  /// A large offset: one-pass formulas lose the variance; two passes in Float64 keep it.
  @Test func varianceSurvivesAnOffset() {
    let values: [Float] = [10000, 10001, 10002, 10003]
    let statistics = ActivationStatistics(of: Tensor(shape: [4], scalars: values))
    #expect(abs(statistics.standardDeviation - 1.25.squareRoot()) < 1e-12)
  }
}

@Suite struct FeatureSizeTests {
  @Test(arguments: [
    // (height, width, layer, padding, expected h, w or -1 for none)
    (64, 64, "relu5_1", "zero", 4, 4),
    (64, 64, "pool5", "zero", 2, 2),
    (64, 48, "relu1_1", "none", 62, 46),
    (64, 64, "relu2_1", "none", 28, 28),  // 64 -2 -2 = 60, /2 = 30, -2 = 28
    (8, 8, "relu5_1", "zero", -1, -1),  // pool4 output is 0 x 0
    (16, 16, "relu5_1", "zero", 1, 1),
    (1, 1, "relu1_1", "reflect", -1, -1),  // reflect padding needs 2 pixels
    (1, 1, "relu1_1", "zero", 1, 1),
    (4, 4, "relu1_2", "none", -1, -1),  // 4 -> 2, then a 3x3 valid conv cannot run
  ])
  func sizes(_ c: (Int, Int, String, String, Int, Int)) throws {
    let layer = try VGGLayer(named: c.2)
    let padding = try #require(VGG19.Padding(rawValue: c.3))
    let size = FeatureExtraction.featureSize(height: c.0, width: c.1, at: layer, padding: padding)
    if c.4 < 0 {
      #expect(size == nil)
    } else {
      #expect(size?.height == c.4 && size?.width == c.5)
    }
  }
}
