import Autodiff
import NN
import Store
import TensorCore
import Testing
import _TestSupport

/// The generator's forward pass against the PyTorch reference's float64 goldens
/// (vgg19_reference.h5 `/generator/texture` and `/generator/style`: K = 5, 8 channels, batch 2,
/// 64x64, weights and noise read from the fixture): the output with batch statistics
/// (`output_train_bn`), with the running statistics (`output_eval_bn`), and the texture trace
/// block by block. Budget: 1e-4 relative (max |Δ| / max |reference|); float32 PyTorch itself is
/// within 6e-6.
@Suite(
  .enabled(
    if: TestData.available(TestData.vggFixturePath),
    Comment(rawValue: TestData.skipReason("the PyTorch fixtures (vgg19_reference.h5)"))))
struct GeneratorFixtureTests {
  static let budget = 1e-4

  @Test(arguments: [GeneratorConfiguration.Mode.texture, .style])
  func outputsMatchWithBatchAndRunningStatistics(_ mode: GeneratorConfiguration.Mode) throws {
    let reference = try GeneratorReference(mode: mode)
    let file = try HDF5File.open(TestData.vggFixturePath)
    let group = try file.root.group("generator/\(mode.rawValue)")
    #expect(reference.generator.parameterCount == 71_659 + (mode == .style ? 3 * 8 * 9 * 5 : 0))

    // Training mode: batch statistics, a tape, running averages updated.
    var training = reference.generator
    let trained = training(
      noise: reference.noise.map { Variable($0) }, content: reference.content.map { Variable($0) },
      mode: .training)
    let expectedTrain = try group.readTensor("output_train_bn")
    let trainDifference = difference(trained.value, expectedTrain)
    print("generator \(mode) output_train_bn (training mode): \(trainDifference)")
    #expect(trainDifference.relativeToMax < Self.budget, "\(mode) output_train_bn: \(trainDifference)")

    // Sampling with batch statistics (texture_nets v1) gives the same values, with no tape.
    var sampler = reference.generator
    sampler.samplingStatistics = .batch
    let sampled = try sampler.sample(noise: reference.noise, content: reference.content)
    let sampledDifference = difference(sampled, expectedTrain)
    #expect(sampledDifference.relativeToMax < Self.budget, "\(mode) sampled, batch statistics: \(sampledDifference)")

    // Sampling with the running statistics.
    sampler.samplingStatistics = .running
    let evaluated = try sampler.sample(noise: reference.noise, content: reference.content)
    let evalDifference = difference(evaluated, try group.readTensor("output_eval_bn"))
    print("generator \(mode) output_eval_bn: \(evalDifference)")
    #expect(evalDifference.relativeToMax < Self.budget, "\(mode) output_eval_bn: \(evalDifference)")
  }

  @Test func textureTraceMatchesBlockByBlock() throws {
    let reference = try GeneratorReference(mode: .texture)
    let file = try HDF5File.open(TestData.vggFixturePath)
    let trace = try file.root.group("generator/texture/trace_train_bn")
    var generator = reference.generator
    var blocks: [String: Tensor] = [:]
    _ = generator(noise: reference.noise.map { Variable($0) }, mode: .training) { name, output in
      blocks[name] = output.value
    }
    let names = try trace.childNames()
    #expect(names.count == 2 * reference.configuration.levels - 1)
    for name in names.sorted() {
      let block = try #require(blocks[name], "the generator has no block \(name)")
      let d = difference(block, try trace.readTensor(name))
      print("generator texture trace_train_bn/\(name): \(d)")
      #expect(d.relativeToMax < Self.budget, "trace_train_bn/\(name): \(d)")
    }
  }

  /// The paper's "arbitrary size" claim: weights made for 64x64 samples sample 128x96 (batch 3).
  @Test(arguments: [GeneratorConfiguration.Mode.texture, .style])
  func samplesAtASizeItWasNotMadeFor(_ mode: GeneratorConfiguration.Mode) throws {
    var generator = try GeneratorReference(mode: mode).generator
    var random = RandomStream(seed: 5, name: "generator noise")
    let noise = try generator.configuration.drawNoise(batch: 3, height: 128, width: 96, random: &random)
    let content = mode == .style ? random.uniformTensor([3, 3, 128, 96]) : nil
    for statistics in BatchNormStatistics.allCases {
      generator.samplingStatistics = statistics
      let sample = try generator.sample(noise: noise, content: content)
      #expect(sample.shape == [3, 3, 128, 96])
      #expect(sample.scalars.allSatisfy { $0.isFinite })
      #expect(Set(sample.scalars).count > 1000, "a constant sample")
    }
  }
}
