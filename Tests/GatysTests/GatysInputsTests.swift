import Gatys
import ImageArguments
import TensorCore
import Testing
import _TestSupport

@Suite struct GatysInputsTests {
  /// `gatys` and `features --size` bring a non-square image to the same size (they used to
  /// differ by a pixel: one rounded, the other truncated).
  @Test(arguments: [(6, 7), (7, 6), (333, 500), (10, 8), (8, 12), (5, 7)])
  func contentAndStylesUseTheOneLongestSideRule(_ c: (Int, Int)) throws {
    let directory = try TemporaryDirectory()
    let image = rampTensor([1, 3, c.0, c.1], step: 1e-6)
    var configuration = GatysConfiguration(styles: ["s.png"], content: "c.png", weights: "w.h5")
    configuration.size = 16
    configuration.styleScale = 2
    let inputs = GatysInputs.prepare(
      styles: [image], content: image, initialImage: nil, configuration: configuration)
    let content = try #require(inputs.content)
    let expected = ImageResizing(size: 16, mode: .longestSide).outputSize(height: c.0, width: c.1)
    #expect(content.shape == [1, 3, expected.height, expected.width])
    #expect(inputs.initial.shape == content.shape, "starts from the content")
    let style = ImageResizing(size: 32, mode: .longestSide).outputSize(height: c.0, width: c.1)
    #expect(inputs.styles[0].shape == [1, 3, style.height, style.width])
    // The same through an image argument with --size 16.
    let path = directory.file("image.h5")
    try HDF5ForTests.write(image, to: path)
    let loaded = try ImageArgument(parsing: "\(path):/image").load(
      resizing: ImageResizing(size: 16, mode: .longestSide))
    #expect(loaded.image.shape == content.shape)
    #expect(loaded.image.scalars == content.scalars)
  }

  @Test func aRandomStartComesFromTheInitialisationStream() {
    var configuration = GatysConfiguration(styles: ["s.png"], weights: "w.h5")
    configuration.size = 16
    configuration.seed = 5
    let style = rampTensor([1, 3, 20, 20])
    let inputs = GatysInputs.prepare(styles: [style], content: nil, initialImage: nil, configuration: configuration)
    var random = RandomStream(seed: 5, name: "initialisation")
    #expect(inputs.initial.scalars == random.uniformTensor([1, 3, 16, 16], low: 0, high: 1).scalars)
    #expect(inputs.outputSize.height == 16 && inputs.outputSize.width == 16)
    #expect(inputs.styles[0].shape == [1, 3, 16, 16])
  }
}
