import Autodiff
import Foundation
import NN
import TensorCore
import Testing
import _TestSupport

@Suite struct GeneratorTests {
  func generator(_ configuration: GeneratorConfiguration, seed: UInt64 = 1) throws -> Generator {
    var random = RandomStream(seed: seed, name: "generator initialisation")
    return try Generator(configuration, random: &random)
  }

  /// The counts the reference README states (PyTorch `sum(p.numel() for p in gen.parameters())`).
  @Test(arguments: [
    (5, GeneratorConfiguration.Mode.texture, 71_659), (6, .texture, 116_915), (6, .style, 118_211),
  ])
  func parameterCountsAreTheReferences(_ levels: Int, _ mode: GeneratorConfiguration.Mode, _ count: Int)
    throws
  {
    let network = try generator(.textureNets(levels: levels, mode: mode))
    #expect(network.parameterCount == count)
  }

  @Test func namesAreTheReferenceStateDictNames() throws {
    let network = try generator(.textureNets(levels: 3))
    let names = network.parameters.map(\.path)
    #expect(names.prefix(8) == [
      "branch.0.conv0.weight", "branch.0.conv0.bias", "branch.0.bn0.weight", "branch.0.bn0.bias",
      "branch.0.conv1.weight", "branch.0.conv1.bias", "branch.0.bn1.weight", "branch.0.bn1.bias",
    ])
    #expect(names.suffix(2) == ["to_rgb.weight", "to_rgb.bias"])
    #expect(names.contains("bn_coarse.2.weight") && names.contains("join.2.bn2.bias"))
    #expect(!names.contains("bn_coarse.0.weight") && !names.contains("join.0.conv0.weight"))
    let shapes = network.expectedShapes
    #expect(shapes["bn_coarse.2.running_mean"] == [16])
    #expect(shapes["join.2.conv0.weight"] == [24, 24, 3, 3])
    #expect(shapes["branch.1.conv0.weight"] == [8, 3, 3, 3])
    #expect(shapes["to_rgb.weight"] == [3, 24, 1, 1])
    // 3 branches + 2 joins with 3 norms each, 2 coarse and 2 fine norms: 19 batch norms.
    #expect(network.buffers.count == 2 * 19)
    #expect(Set(network.namedTensors.map(\.path)).count == names.count + 38)
  }

  @Test func instanceNormHasNoBuffersAndThePysticheOutputAddsANorm() throws {
    var configuration = GeneratorConfiguration.textureNets(levels: 2)
    configuration.normalization = .instance
    configuration.outputLayer = .convolutionNormActivation
    let network = try generator(configuration)
    #expect(network.buffers.isEmpty)
    #expect(network.parameters.map(\.path).suffix(4) == [
      "to_rgb.weight", "to_rgb.bias", "to_rgb_norm.weight", "to_rgb_norm.bias",
    ])
  }

  @Test func initialisationFollowsPyTorchOrTorch7() throws {
    let pytorch = try generator(.textureNets(levels: 2))
    var torch7Configuration = GeneratorConfiguration.textureNets(levels: 2)
    torch7Configuration.initialization = .torch7
    let torch7 = try generator(torch7Configuration)
    for (path, value) in pytorch.parameters {
      let values = value.value.scalars
      if path.contains(".conv") || path.hasPrefix("to_rgb") {
        let shape = value.shape
        let fanIn = Float(pytorch.expectedShapes[path.replacingOccurrences(of: ".bias", with: ".weight")]
          .map { $0.count / $0[0] } ?? shape.count)
        let bound = 1 / fanIn.squareRoot()
        #expect(values.allSatisfy { abs($0) <= bound } && values.contains { abs($0) > bound / 4 }, "\(path)")
      } else if path.hasSuffix(".weight") {
        #expect(values.allSatisfy { $0 == 1 }, "\(path)")
      } else {
        #expect(values.allSatisfy { $0 == 0 }, "\(path)")
      }
    }
    for (path, value) in torch7.parameters where !path.contains(".conv") && path.hasSuffix(".weight")
      && !path.hasPrefix("to_rgb")
    {
      #expect(value.value.scalars.allSatisfy { $0 >= 0 && $0 < 1 } && Set(value.value.scalars).count > 1, "\(path)")
    }
    // Seeded: the same stream gives the same weights; another seed others.
    #expect(try generator(.textureNets(levels: 2)).namedTensors.map(\.value.scalars) == pytorch.namedTensors.map(\.value.scalars))
    #expect(try generator(.textureNets(levels: 2), seed: 2).namedTensors.map(\.value.scalars) != pytorch.namedTensors.map(\.value.scalars))
  }

  @Test func noiseHasOneTensorPerScaleCoarsestFirst() throws {
    let configuration = GeneratorConfiguration.textureNets(levels: 4)
    var random = RandomStream(seed: 7, name: "generator noise")
    let noise = try configuration.drawNoise(batch: 3, height: 32, width: 48, random: &random)
    #expect(noise.map(\.shape) == [[3, 3, 4, 6], [3, 3, 8, 12], [3, 3, 16, 24], [3, 3, 32, 48]])
    #expect(noise.allSatisfy { $0.scalars.allSatisfy { $0 >= 0 && $0 < 1 } })
    var again = RandomStream(seed: 7, name: "generator noise")
    #expect(try configuration.drawNoise(batch: 3, height: 32, width: 48, random: &again).map(\.scalars) == noise.map(\.scalars))
    var normal = configuration
    normal.noiseDistribution = .normal
    var stream = RandomStream(seed: 7, name: "generator noise")
    let values = try normal.drawNoise(batch: 4, height: 64, width: 64, random: &stream).flatMap(\.scalars)
    let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
    let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
    #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03 && values.contains { $0 < 0 })
  }

  @Test func invalidSizesGetOneMessageNamingTheValidOnes() throws {
    let configuration = GeneratorConfiguration.textureNets(levels: 5)
    #expect(throws: Never.self) { try configuration.validateSize(height: 128, width: 96) }
    do {
      try configuration.validateSize(height: 100, width: 64)
      Issue.record("100x64 accepted")
    } catch {
      #expect(
        error.description
          == "a generator with 5 scales samples heights and widths that are positive multiples of 16 (2^(K-1)); 100x64 is not (nearest valid height 96 or 112)"
      )
    }
    do {
      _ = try configuration.noiseShapes(batch: 1, height: 8, width: 250)
      Issue.record("8x250 accepted")
    } catch {
      #expect(error.description.hasSuffix("8x250 is not (nearest valid height 16, width 240 or 256)"))
    }
    #expect(throws: GeneratorError.invalidBatch(0)) {
      _ = try configuration.noiseShapes(batch: 0, height: 16, width: 16)
    }
  }

  @Test func invalidConfigurationsNameTheField() {
    var configuration = GeneratorConfiguration.textureNets(levels: 9)
    #expect(throws: GeneratorError.invalidConfiguration(field: "levels", message: "must be 1 to 8, got 9")) {
      try configuration.validate()
    }
    configuration.levels = 3
    configuration.noiseChannels = 0
    #expect(throws: GeneratorError.invalidConfiguration(
      field: "noiseChannels", message: "must be at least 1 in texture mode (the only input), got 0")) {
      try configuration.validate()
    }
    configuration.mode = .style
    #expect(throws: Never.self) { try configuration.validate() }
  }

  @Test func wrongInputsAreNamedWithBothShapes() throws {
    let network = try generator(.textureNets(levels: 3))
    var random = RandomStream(seed: 1, name: "noise")
    var noise = try network.configuration.drawNoise(batch: 2, height: 16, width: 16, random: &random)
    #expect(throws: Never.self) { _ = try network.sample(noise: noise) }
    noise[1] = Tensor(zeros: [2, 3, 9, 8])
    #expect(throws: GeneratorError.inputMismatch(message: "noise 1 has shape [2, 3, 9, 8], expected [2, 3, 8, 8] for 2 samples of 16x16")) {
      _ = try network.sample(noise: noise)
    }
    #expect(throws: GeneratorError.inputMismatch(message: "2 noise tensors for a generator with 3 scales (one per scale, coarsest first)")) {
      _ = try network.sample(noise: Array(noise.prefix(2)))
    }
    let style = try generator(.textureNets(levels: 3, mode: .style))
    let styleNoise = try style.configuration.drawNoise(batch: 2, height: 16, width: 16, random: &random)
    #expect(throws: GeneratorError.inputMismatch(message: "a style generator needs a content image [2, 3, 16, 16]")) {
      _ = try style.sample(noise: styleNoise)
    }
    #expect(throws: GeneratorError.inputMismatch(message: "the content has shape [1, 3, 16, 16], expected [2, 3, 16, 16] (the batch and size of the noise)")) {
      _ = try style.sample(noise: styleNoise, content: Tensor(zeros: [1, 3, 16, 16]))
    }
  }

  /// Any valid size and batch, including non-square and a content-only style model; inference
  /// records no tape.
  @Test(arguments: [
    (GeneratorConfiguration.Mode.texture, 3, 1, 16, 16), (.texture, 4, 3, 40, 24), (.style, 3, 2, 8, 12),
    (.texture, 1, 2, 5, 7),
  ])
  func samplesAtAnyValidSize(
    _ mode: GeneratorConfiguration.Mode, _ levels: Int, _ batch: Int, _ height: Int, _ width: Int
  ) throws {
    var configuration = GeneratorConfiguration.textureNets(levels: levels, mode: mode)
    if mode == .style { configuration.noiseChannels = 0 }
    for statistics in BatchNormStatistics.allCases {
      configuration.samplingStatistics = statistics
      let network = try generator(configuration)
      var random = RandomStream(seed: 3, name: "noise")
      let noise = try configuration.drawNoise(batch: batch, height: height, width: width, random: &random)
      let content = mode == .style ? random.uniformTensor([batch, 3, height, width]) : nil
      let sample = try network.sample(noise: noise, content: content)
      #expect(sample.shape == [batch, 3, height, width])
      #expect(sample.scalars.allSatisfy { $0.isFinite })
      var copy = network
      let output = copy(noise: noise.map { Variable($0) }, content: content.map { Variable($0) }, mode: .inference)
      #expect(!output.requiresGradient)
    }
  }

  /// `sample` (fused normalisations, folded running statistics, upsampling into the join's
  /// buffer) is the same function as the taped network in inference mode, for every
  /// normalisation, sampling statistics, activation, output layer and mode; the running
  /// statistics are first moved off their initial 0 and 1 by a training pass.
  @Test(arguments: [
    (GeneratorConfiguration.Mode.texture, GeneratorConfiguration.Normalization.batch,
     Activation.leakyReLU(slope: 0.01), GeneratorConfiguration.OutputLayer.convolution),
    (.texture, .batch, .relu, .convolutionNormActivation),
    (.texture, .instance, .leakyReLU(slope: 0.2), .convolution),
    (.style, .batch, .leakyReLU(slope: 0.01), .convolutionNormActivation),
    (.style, .instance, .relu, .convolution),
  ])
  func fusedSamplingMatchesTheTapedNetwork(
    _ mode: GeneratorConfiguration.Mode, _ normalization: GeneratorConfiguration.Normalization,
    _ activation: Activation, _ outputLayer: GeneratorConfiguration.OutputLayer
  ) throws {
    var configuration = GeneratorConfiguration.textureNets(levels: 4, mode: mode)
    configuration.normalization = normalization
    configuration.activation = activation
    configuration.outputLayer = outputLayer
    configuration.initialization = .torch7
    var network = try generator(configuration)
    var random = RandomStream(seed: 11, name: "noise")
    let noise = try configuration.drawNoise(batch: 2, height: 32, width: 24, random: &random)
    let content = mode == .style ? random.uniformTensor([2, 3, 32, 24]) : nil
    _ = network(noise: noise.map { Variable($0) }, content: content.map { Variable($0) }, mode: .training)
    for statistics in BatchNormStatistics.allCases {
      network.samplingStatistics = statistics
      let fused = try network.sample(noise: noise, content: content)
      var copy = network
      let taped = copy(
        noise: noise.map { Variable($0) }, content: content.map { Variable($0) }, mode: .inference
      ).value
      let d = difference(fused, taped)
      #expect(d.relativeToMax < 1e-5, "\(mode) \(normalization) \(activation) \(outputLayer) \(statistics): \(d)")
    }
  }

  @Test func trainingModeUpdatesTheRunningStatisticsAsPyTorch() throws {
    var network = try generator(.textureNets(levels: 1))
    var random = RandomStream(seed: 4, name: "noise")
    let noise = try network.configuration.drawNoise(batch: 2, height: 4, width: 4, random: &random)
    // The first batch norm sees conv0's output: recompute its statistics here.
    let conv = network.branches[0].convolutions[0]
    let y = conv(Variable(noise[0]), mode: .inference).value
    _ = network(noise: noise.map { Variable($0) }, mode: .training)
    let (n, c, h, w) = y.shape.nchw
    let m = Double(n * h * w)
    for channel in 0..<c {
      var values: [Double] = []
      for image in 0..<n {
        for i in 0..<(h * w) { values.append(Double(y.scalars[(image * c + channel) * h * w + i])) }
      }
      let mean = values.reduce(0, +) / m
      let unbiased = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (m - 1)
      let buffers = Dictionary(uniqueKeysWithValues: network.buffers)
      let runningMean = try #require(buffers["branch.0.bn0.running_mean"]).scalars[channel]
      let runningVariance = try #require(buffers["branch.0.bn0.running_var"]).scalars[channel]
      #expect(abs(Double(runningMean) - 0.1 * mean) < 1e-6)
      #expect(abs(Double(runningVariance) - (0.9 + 0.1 * unbiased)) < 1e-6)
    }
  }

  @Test func configurationRoundTripsThroughJSONWithItsFieldNames() throws {
    var configuration = GeneratorConfiguration.textureNets(levels: 6, mode: .style)
    configuration.activation = .relu
    let data = try JSONEncoder().encode(configuration)
    let text = String(decoding: data, as: UTF8.self)
    for key in [
      "levels", "channelsPerLevel", "noiseChannels", "noiseDistribution", "mode", "normalization",
      "samplingStatistics", "activation", "padding", "outputLayer", "initialization",
    ] {
      #expect(text.contains("\"\(key)\""), "\(key) missing from \(text)")
    }
    let decoded = try JSONDecoder().decode(GeneratorConfiguration.self, from: data)
    #expect(decoded == configuration)
    let leaky = try JSONDecoder().decode(Activation.self, from: Data(#"{"kind": "leakyReLU", "slope": 0.2}"#.utf8))
    #expect(leaky == .leakyReLU(slope: 0.2))
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(Activation.self, from: Data(#"{"kind": "tanh"}"#.utf8))
    }
  }

  /// Loading by name: unknown, missing and mis-shaped tensors are listed with both shapes.
  @Test func loadingNamesEveryMissingUnusedAndMisshapedTensor() throws {
    var network = try generator(.textureNets(levels: 2))
    var tensors = Dictionary(uniqueKeysWithValues: network.namedTensors)
    tensors["branch.0.conv0.bias"] = nil
    tensors["join.1.conv0.weight"] = Tensor(zeros: [16, 16, 1, 1])
    tensors["join.7.conv0.weight"] = Tensor(zeros: [2])
    tensors["bn_fine.1.num_batches_tracked"] = Tensor(scalar: 1)
    do {
      try network.load(tensors, source: "test")
      Issue.record("loaded")
    } catch {
      #expect(
        error.description == """
          test: the weights do not fit the generator configuration (3 problems):
            branch.0.conv0.bias: missing: model expects [8], file has no such dataset
            join.1.conv0.weight: shape mismatch: model expects [16, 16, 3, 3], file has [16, 16, 1, 1]
            join.7.conv0.weight: unused: file has [2], model has no such parameter
          """)
    }
    var good = Dictionary(uniqueKeysWithValues: network.namedTensors.map { ($0.path, Tensor(shape: $0.value.shape, repeating: 0.5)) })
    good["bn_fine.1.num_batches_tracked"] = Tensor(scalar: 3)
    try network.load(good, source: "test")
    #expect(network.namedTensors.allSatisfy { $0.value.scalars.allSatisfy { $0 == 0.5 } })
  }
}
