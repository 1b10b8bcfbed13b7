import Autodiff
import NN
import Store
import TensorCore
import Testing
import _TestSupport

/// The descriptor against the PyTorch reference's float64 goldens
/// (../shared/reference/fixtures/vgg19_reference.h5): activation statistics and sampled values,
/// the full relu1_1 / relu2_1 maps and the Gram matrices of relu1_1 … relu3_1, for zero padding
/// with max and with average pooling. Budget: 1e-4 relative (max |Δ| / max |reference|).
@Suite(
  .enabled(
    if: TestData.available(TestData.weightsPath, TestData.vggFixturePath),
    Comment(rawValue: TestData.skipReason("VGG-19 weights or the PyTorch fixtures"))))
struct DescriptorFixtureTests {
  static let budget = 1e-4
  static let layers: [VGGLayer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu4_2, .relu5_1]

  /// Worst relative error over every checked quantity for one pooling, reported per quantity.
  @Test(arguments: [("max", VGG19.Pooling.max), ("avg", VGG19.Pooling.average)])
  func activationsAndGramsMatchPyTorch(_ pooling: (name: String, value: VGG19.Pooling)) throws {
    let fixture = try HDF5File.open(TestData.vggFixturePath)
    let root = try fixture.root
    let network = try VGG19.load(from: TestData.weightsPath, pooling: pooling.value)
    let group = "vgg/zero_\(pooling.name)"
    for image in ["a", "b"] {
      let input = try root.readTensor("inputs/image_\(image)")
      let features = network(Variable(input.reshaped([1, 3, 64, 64])), taps: Set(Self.layers))
      for layer in Self.layers {
        let activation = try #require(features[layer]).value
        let (_, c, h, w) = activation.shape.nchw
        let path = "\(group)/\(image)/\(layer.rawValue)"
        // Statistics [mean, std (ddof 0), min, max].
        let values = activation.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        let stats = [mean, std, values.min() ?? 0, values.max() ?? 0]
        let expectedStats = try root.readTensor("\(path)/stats").scalars.map(Double.init)
        let statsError = relativeError(stats, expectedStats)
        #expect(statsError < Self.budget, "\(path)/stats: relative error \(statsError)")
        // Sampled values at (c, y, x).
        let indices = try root.readTensor("\(path)/sample_index").scalars.map { Int($0) }
        let expectedSamples = try root.readTensor("\(path)/sample_value").scalars.map(Double.init)
        var samples: [Double] = []
        for s in 0..<(indices.count / 3) {
          let (ci, y, x) = (indices[3 * s], indices[3 * s + 1], indices[3 * s + 2])
          samples.append(values[(ci * h + y) * w + x])
        }
        let sampleError = relativeError(samples, expectedSamples)
        #expect(sampleError < Self.budget, "\(path)/samples: relative error \(sampleError)")
        if try root.contains("\(path)/full") {
          let full = try root.readTensor("\(path)/full")
          let d = difference(activation.reshaped([c, h, w]), full)
          #expect(d.relativeToMax < Self.budget, "\(path)/full: \(d)")
        }
      }
      for layer in [VGGLayer.relu1_1, .relu2_1, .relu3_1] {
        let f = try #require(features[layer]).value
        let (_, c, h, w) = f.shape.nchw
        let g = gramForward(f, normalizer: Float(c * h * w)).reshaped([c, c])
        let expected = try root.readTensor("\(group)/\(image)/gram/\(layer.rawValue)")
        let d = difference(g, expected)
        #expect(d.relativeToMax < Self.budget, "\(group)/\(image)/gram/\(layer.rawValue): \(d)")
      }
    }
  }

  func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    let scale = b.map(abs).max() ?? 0
    return scale > 0 ? worst / scale : worst
  }
}
