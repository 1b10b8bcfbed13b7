import Autodiff
import NN
import TensorCore
import Testing
import _TestSupport

/// `Generator.sample` with the finest join and output layer computed in bands of rows
/// (Generator+BandedInference.swift) against the same function on full-size tensors
/// (`SamplingBands.rows = 0`) and the taped network in inference mode.
///
/// Tolerances: banded and full-size must be bit-identical (every kept value is computed by the
/// same kernel from the same inputs in the same order); against the tape, 1e-5 of the largest
/// value, as `GeneratorTests.fusedSamplingMatchesTheTapedNetwork` (the fused path folds the batch
/// norms into the convolutions, which rounds differently).
@Suite struct GeneratorBandedSamplingTests {
  /// A generator with Torch7's U[0, 1) γ and running statistics moved away from (0, 1) by one
  /// training forward, sampling with the running statistics.
  func trainedGenerator(
    _ configuration: GeneratorConfiguration, height: Int, width: Int
  ) throws -> Generator {
    var configuration = configuration
    configuration.initialization = .torch7
    var random = RandomStream(seed: 5, name: "generator initialisation")
    var network = try Generator(configuration, random: &random)
    var noiseRandom = RandomStream(seed: 6, name: "training noise")
    let noise = try configuration.drawNoise(
      batch: 2, height: height, width: width, random: &noiseRandom)
    let content =
      configuration.mode == .style ? noiseRandom.uniformTensor([2, 3, height, width]) : nil
    _ = network(
      noise: noise.map { Variable($0) }, content: content.map { Variable($0) }, mode: .training)
    network.samplingStatistics = .running
    return network
  }

  /// Samples `network` with `rows` rows per band (nil: the default, 0: full size), checks it
  /// against the full-size path (identical) and returns it.
  func expectBandsMatch(
    _ network: Generator, noise: [Tensor], content: Tensor?, rows: [Int?], _ label: String
  ) throws {
    let full = try SamplingBands.$rows.withValue(0) {
      try network.sample(noise: noise, content: content)
    }
    var copy = network
    let taped = copy(
      noise: noise.map { Variable($0) }, content: content.map { Variable($0) }, mode: .inference
    ).value
    let tapeDifference = difference(full, taped)
    #expect(tapeDifference.relativeToMax < 1e-5, "\(label), full size against the tape: \(tapeDifference)")
    for rowsPerBand in rows {
      let banded = try SamplingBands.$rows.withValue(rowsPerBand) {
        try network.sample(noise: noise, content: content)
      }
      let d = difference(banded, full)
      #expect(d.maxAbsolute == 0, "\(label), \(rowsPerBand.map(String.init) ?? "default") rows per band: \(d)")
      let bandedTapeDifference = difference(banded, taped)
      #expect(bandedTapeDifference.relativeToMax < 1e-5, "\(label) against the tape: \(bandedTapeDifference)")
    }
  }

  /// Every padding mode at K = 1, 2, 5, batch 1 and 3, non-square; bands of 1 row, odd splits
  /// (H not a multiple of the band), exact splits and a band taller than the image.
  @Test(arguments: PaddingMode.allCases, [1, 2, 5])
  func bandsEqualTheFullSizePathForEveryPadding(_ padding: PaddingMode, _ levels: Int) throws {
    var configuration = GeneratorConfiguration.textureNets(levels: levels)
    configuration.padding = padding
    let (height, width) = [1: (7, 5), 2: (18, 10), 5: (48, 32)][levels]!
    let network = try trainedGenerator(configuration, height: height, width: width)
    for batch in [1, 3] {
      var random = RandomStream(seed: UInt64(batch), name: "noise")
      let noise = try configuration.drawNoise(
        batch: batch, height: height, width: width, random: &random)
      try expectBandsMatch(
        network, noise: noise, content: nil, rows: [nil, 1, 3, 5, 7, 16, height, 100],
        "K=\(levels) \(padding) batch \(batch) \(height)x\(width)")
    }
  }

  /// Style mode (with and without noise), both activations, both output layers.
  @Test(arguments: [
    (GeneratorConfiguration.Mode.style, Activation.relu, GeneratorConfiguration.OutputLayer.convolutionNormActivation, 3, PaddingMode.reflect),
    (.style, .leakyReLU(slope: 0.2), .convolution, 0, .circular),
    (.texture, .relu, .convolution, 3, .replicate),
    (.texture, .leakyReLU(slope: 0.01), .convolutionNormActivation, 3, .zero),
    (.style, .leakyReLU(slope: 0.01), .convolution, 3, .circular),
  ])
  func bandsCoverStyleModeActivationsAndOutputLayers(
    _ mode: GeneratorConfiguration.Mode, _ activation: Activation,
    _ outputLayer: GeneratorConfiguration.OutputLayer, _ noiseChannels: Int, _ padding: PaddingMode
  ) throws {
    var configuration = GeneratorConfiguration.textureNets(levels: 3, mode: mode)
    configuration.activation = activation
    configuration.outputLayer = outputLayer
    configuration.noiseChannels = noiseChannels
    configuration.padding = padding
    let (height, width) = (28, 36)
    let network = try trainedGenerator(configuration, height: height, width: width)
    for batch in [1, 3] {
      var random = RandomStream(seed: 9, name: "noise")
      let noise = try configuration.drawNoise(
        batch: batch, height: height, width: width, random: &random)
      let content = mode == .style ? random.uniformTensor([batch, 3, height, width]) : nil
      try expectBandsMatch(
        network, noise: noise, content: content, rows: [nil, 2, 6, 9],
        "\(mode) \(activation) \(outputLayer) noise \(noiseChannels) \(padding) batch \(batch)")
    }
  }

  /// The default band height: 32 rows for K = 5 at width 256 (40 channels), at least 16.
  @Test func defaultBandsAre32RowsAt256AndAtLeast16() {
    #expect(SamplingBands.defaultRows(channels: 40, width: 256) == 32)
    #expect(SamplingBands.defaultRows(channels: 48, width: 256) == 26)
    #expect(SamplingBands.defaultRows(channels: 40, width: 2048) == 16)
  }

  /// Batch statistics and instance norm need the whole join's statistics: whatever the band
  /// setting, they keep the full-size path and match the tape.
  @Test(arguments: [
    (GeneratorConfiguration.Normalization.batch, BatchNormStatistics.batch),
    (.instance, .running),
  ])
  func statisticsOfTheBatchKeepTheFullSizePath(
    _ normalization: GeneratorConfiguration.Normalization, _ statistics: BatchNormStatistics
  ) throws {
    var configuration = GeneratorConfiguration.textureNets(levels: 3)
    configuration.normalization = normalization
    var network = try trainedGenerator(configuration, height: 20, width: 12)
    network.samplingStatistics = statistics
    var random = RandomStream(seed: 3, name: "noise")
    let noise = try configuration.drawNoise(batch: 2, height: 20, width: 12, random: &random)
    var copy = network
    let taped = copy(noise: noise.map { Variable($0) }, mode: .inference).value
    let sampled = try SamplingBands.$rows.withValue(3) { try network.sample(noise: noise) }
    let d = difference(sampled, taped)
    #expect(d.relativeToMax < 1e-5, "\(normalization) \(statistics): \(d)")
  }
}
