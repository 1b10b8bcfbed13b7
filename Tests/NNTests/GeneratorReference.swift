import Autodiff
import NN
import Store
import TensorCore
import _TestSupport

/// The reference generator of one mode (`texture` or `style`) from
/// ../shared/reference/fixtures/vgg19_reference.h5 `/generator/<mode>`: the configuration its
/// attributes describe, its weights, its noise and (style) its content batch [image_a, image_b].
struct GeneratorReference {
  var configuration: GeneratorConfiguration
  var generator: Generator
  var noise: [Tensor]
  var content: Tensor?

  init(mode: GeneratorConfiguration.Mode) throws {
    let file = try HDF5File.open(TestData.vggFixturePath)
    defer { try? file.close() }
    let root = try file.root
    let group = try root.group("generator/\(mode.rawValue)")
    let levels = Int(try group.integerAttribute("K"))
    var configuration = GeneratorConfiguration.textureNets(levels: levels, mode: mode)
    configuration.channelsPerLevel = Int(try group.integerAttribute("channels"))
    configuration.noiseChannels = Int(try group.integerAttribute("noise_channels"))
    configuration.activation = .leakyReLU(
      slope: Float(try group.doublesAttribute("leaky_relu_slope")[0]))
    self.configuration = configuration
    generator = try Generator(
      configuration, importing: "\(TestData.vggFixturePath):/generator/\(mode.rawValue)/weights")
    noise = try (0..<levels).map { try group.readTensor("noise/\($0)") }
    if mode == .style {
      let a = try root.readTensor("inputs/image_a")
      let b = try root.readTensor("inputs/image_b")
      content = Tensor(shape: [2, 3, a.shape[1], a.shape[2]], scalars: a.scalars + b.scalars)
    }
  }
}

/// ‖a − b‖₂ / ‖b‖₂ in Double (‖a − b‖₂ when b is zero).
func relativeL2(_ a: [Float], _ b: [Double]) -> Double {
  precondition(a.count == b.count, "relativeL2: \(a.count) and \(b.count) values")
  var error = 0.0
  var norm = 0.0
  for (x, y) in zip(a, b) {
    error += (Double(x) - y) * (Double(x) - y)
    norm += y * y
  }
  return norm > 0 ? (error / norm).squareRoot() : error.squareRoot()
}

/// ‖a‖₂ in Double.
func l2Norm(_ a: [Float]) -> Double { a.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
