import Foundation
import NN
import Runs
import Store
import TensorCore
import Testing
import Training
import _TestSupport

/// The sampler on small random generators written to model files by the test: sizes, batching,
/// seeds, noise files, content images and every bad request. Needs no weights or fixtures.
@Suite struct SamplerTests {
  /// A model file holding a freshly initialised generator with `levels` scales.
  static func modelFile(
    in directory: TemporaryDirectory, levels: Int = 3, mode: GeneratorConfiguration.Mode = .texture,
    statistics: BatchNormStatistics = .batch, name: String = "model.h5"
  ) throws -> String {
    var configuration = GeneratorConfiguration.textureNets(levels: levels, mode: mode)
    configuration.samplingStatistics = statistics
    var random = RandomStream(seed: 11, name: "test generator")
    let generator = try Generator(configuration, random: &random)
    let path = directory.file(name)
    try GeneratorModelFile.write(generator, provenance: ["made by": "SamplerTests"], to: path)
    return path
  }

  @Test("samples have the asked shape at a size never trained at, non-square, and are finite")
  func shapesAndFiniteness() throws {
    let directory = try TemporaryDirectory()
    let model = try Self.modelFile(in: directory)
    let sampler = try Sampler(SamplingConfiguration(model: model, height: 24, width: 40, count: 3, batch: 2))
    #expect(sampler.configuration.count == 3 && sampler.configuration.batch == 2)
    let drawn = sampler.draw()
    #expect(drawn.samples.shape == [3, 3, 24, 40])
    #expect(drawn.noise.map(\.shape) == [[3, 3, 6, 10], [3, 3, 12, 20], [3, 3, 24, 40]])
    #expect(drawn.samples.scalars.allSatisfy { $0.isFinite })
    #expect(drawn.measurement.batchSeconds.count == 2)
    #expect(drawn.measurement.count == 3)
  }

  @Test("a sample's noise depends on the seed and its index, not on the count or the batch")
  func noiseIsPerSample() throws {
    let directory = try TemporaryDirectory()
    let model = try Self.modelFile(in: directory, statistics: .running)
    let one = try Sampler(SamplingConfiguration(model: model, height: 16, width: 16, count: 4, batch: 1, seed: 5))
    let all = try Sampler(SamplingConfiguration(model: model, height: 16, width: 16, count: 4, batch: 4, seed: 5))
    let other = try Sampler(SamplingConfiguration(model: model, height: 16, width: 16, count: 4, batch: 4, seed: 6))
    let a = one.draw()
    let b = all.draw()
    #expect(a.noise.map(\.scalars) == b.noise.map(\.scalars))
    // Running statistics: each sample is independent of its batch.
    #expect(difference(a.samples, b.samples).relativeToMax < 1e-6)
    #expect(other.draw().noise[2].scalars != b.noise[2].scalars)
  }

  @Test("the noise written to samples.h5 redraws the same samples")
  func noiseFileRoundTrip() throws {
    let directory = try TemporaryDirectory()
    let model = try Self.modelFile(in: directory)
    let sampler = try Sampler(SamplingConfiguration(model: model, height: 32, width: 16, count: 2, seed: 3))
    let drawn = sampler.draw()
    let folder = try RunFolder.create(at: directory.url.appendingPathComponent("first"))
    try sampler.write(
      samples: drawn.samples, noise: drawn.noise, measurement: drawn.measurement, to: folder,
      provenance: .current(seed: 3, harnessVersion: "test"))
    for name in ["samples.h5", "sample-0000.png", "sample-0001.png", "sampling.json", "measurement.json", "provenance.json"] {
      #expect(folder.contains(name), "\(name) missing")
    }
    let store = try HDF5File.open(folder.path(of: "samples.h5"))
    let stored = try store.root.readTensor("samples")
    #expect(try store.root.stringAttribute("schema") == SamplesFile.schema)
    try store.close()
    #expect(stored.scalars == drawn.samples.scalars)
    let again = try Sampler(SamplingConfiguration(model: model, noise: folder.path(of: "samples.h5") + ":/noise"))
    #expect(again.configuration.height == 32 && again.configuration.width == 16)
    #expect(again.configuration.count == 2)
    #expect(again.draw().samples.scalars == drawn.samples.scalars)
  }

  @Test("a style model scales and crops its content to the output size")
  func styleContent() throws {
    let directory = try TemporaryDirectory()
    let model = try Self.modelFile(in: directory, mode: .style)
    let image = Tensor(shape: [1, 3, 30, 45], scalars: (0..<(3 * 30 * 45)).map { Float($0 % 17) / 16 })
    let imagePath = directory.file("content.png")
    try writePNG(image, path: imagePath)
    let own = try Sampler(SamplingConfiguration(model: model, content: imagePath))
    #expect(own.configuration.height == 28 && own.configuration.width == 44)
    #expect(own.content?.shape == [1, 3, 28, 44])
    let sized = try Sampler(SamplingConfiguration(model: model, height: 16, width: 16, count: 2, content: imagePath))
    #expect(sized.draw().samples.shape == [2, 3, 16, 16])
  }

  /// The error text of `body`.
  func errorText(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test("bad requests get one clear message")
  func badRequests() throws {
    let directory = try TemporaryDirectory()
    let model = try Self.modelFile(in: directory)
    let style = try Self.modelFile(in: directory, mode: .style, name: "style.h5")
    let size = errorText { _ = try Sampler(SamplingConfiguration(model: model, height: 30, width: 32)) }
    #expect(size.contains("multiples of 4") && size.contains("28 or 32"), "\(size)")
    let missing = errorText { _ = try Sampler(SamplingConfiguration(model: directory.file("none.h5"))) }
    #expect(missing.contains("none.h5"), "\(missing)")
    let noContent = errorText { _ = try Sampler(SamplingConfiguration(model: style)) }
    #expect(noContent.contains("style model") && noContent.contains("--content"), "\(noContent)")
    let textureContent = errorText {
      _ = try Sampler(SamplingConfiguration(model: model, content: directory.file("c.png")))
    }
    #expect(textureContent.contains("texture model"), "\(textureContent)")
    let count = errorText { _ = try Sampler(SamplingConfiguration(model: model, count: 0)) }
    #expect(count.contains("count must be at least 1"), "\(count)")

    // Noise made for a generator with 2 scales does not fit one with 3.
    let noisePath = directory.file("noise.h5")
    let file = try HDF5File.create(noisePath)
    try file.root.write(Tensor(zeros: [1, 3, 8, 8]), to: "z/0")
    try file.root.write(Tensor(zeros: [1, 3, 16, 16]), to: "z/1")
    try file.root.write(Tensor(zeros: [1, 3, 16, 16]), to: "wrong/0")
    try file.root.write(Tensor(zeros: [1, 3, 16, 16]), to: "wrong/1")
    try file.root.write(Tensor(zeros: [1, 3, 16, 16]), to: "wrong/2")
    try file.close()
    let levels = errorText { _ = try Sampler(SamplingConfiguration(model: model, noise: noisePath + ":/z")) }
    #expect(levels.contains("no dataset /z/2") && levels.contains("3 scales"), "\(levels)")
    let shapes = errorText { _ = try Sampler(SamplingConfiguration(model: model, noise: noisePath + ":/wrong")) }
    #expect(shapes.contains("noise 0 has shape [1, 3, 16, 16], expected [1, 3, 4, 4]"), "\(shapes)")
    let noGroup = errorText { _ = try Sampler(SamplingConfiguration(model: model, noise: noisePath)) }
    #expect(noGroup.contains("FILE.h5:/group"), "\(noGroup)")
    let tooMany = errorText {
      _ = try Sampler(SamplingConfiguration(model: model, count: 2, noise: noisePath + ":/wrong"))
    }
    #expect(tooMany.contains("noise for 1 samples, 2 were asked for"), "\(tooMany)")
  }
}
