import Autodiff
import Foundation
import ImageArguments
import Losses
import Measurements
import NN
import Store
import TensorCore
import Testing
import _TestSupport

/// `FeatureExtraction` on a tiny VGG-19 prefix with random weights (preprocess, conv1_1,
/// conv1_2: no real weights needed): the file's layout, and every stored value against the
/// descriptor, `Objective` and `gradients` called directly.
@Suite struct FeatureExtractionTests {
  final class Setup {
    let files: TinyDescriptorFiles
    var directory: TemporaryDirectory { files.directory }
    var weights: String { files.weights }
    var images: String { files.images }

    init() throws {
      files = try TinyDescriptorFiles(
        "feature-extraction", seed: 7, stream: "tiny-vgg",
        images: [("a", [3, 8, 6]), ("b", [3, 8, 6]), ("square", [1, 3, 6, 6])]
      ) { root in
        try root.write(Tensor(shape: [3, 8, 6], repeating: 3e38), to: "huge")
      }
    }

    func argument(_ dataset: String) throws -> ImageArgument {
      try ImageArgument(parsing: "\(images):/\(dataset)")
    }

    func configuration(images: [String], content: String = "b") throws
      -> FeatureExtractionConfiguration
    {
      let loss = FeatureLossConfiguration(
        styles: [try argument("b"), try argument("square")], styleBlendWeights: [3, 1],
        content: try argument(content),
        featureTerms: [
          FeatureLossTerm(GramLoss(), layers: [.relu1_1, .relu1_2], weight: 2),
          FeatureLossTerm(ContentLoss(), layers: [.relu1_2], weight: 0.5),
        ],
        imageTerms: [ImageLossTerm(TotalVariationLoss(), weight: 0.1)])
      return FeatureExtractionConfiguration(
        images: try images.map(argument), layers: [.conv1_1, .relu1_1, .pool1], weights: weights,
        loss: loss)
    }
  }

  @Test func writesWhatTheDescriptorAndTheObjectiveGive() throws {
    let setup = try Setup()
    let configuration = try setup.configuration(images: ["a", "square"])
    let output = setup.directory.file("features.h5")
    var lines: [String] = []
    let summary = try FeatureExtraction(configuration).run(
      writingTo: output, harnessVersion: "test", arguments: ["harness", "features"]
    ) { lines.append($0) }
    #expect(lines.count == 2 && lines[0].hasPrefix("image 1/2 "))
    let file = try HDF5File.open(output)
    let root = try file.root
    #expect(try root.stringAttribute("format") == FeatureExtraction.format)
    #expect(
      try root.jsonAttribute(FeatureExtractionConfiguration.self, "configuration") == configuration)
    #expect(try root.stringsAttribute("layers") == ["conv1_1", "relu1_1", "pool1"])
    #expect(try root.stringAttribute("weights_source") == "random test weights")

    // Direct computation.
    let network = try VGG19.load(from: setup.weights, deepestLayer: .pool1)
    let a = try setup.argument("a").load().image
    let b = try setup.argument("b").load().image
    let square = try setup.argument("square").load().image
    #expect(try root.readTensor("inputs/0").scalars == a.scalars)
    #expect(try root.readTensor("inputs/0").shape == [3, 8, 6])
    #expect(try root.dataset("inputs/1").stringAttribute("source") == setup.images + ":/square")
    for (index, image) in [a, square].enumerated() {
      let features = network(Variable(image), taps: Set(configuration.layers))
      for layer in configuration.layers {
        let expected = try #require(features[layer]).value
        let (_, c, h, w) = expected.shape.nchw
        let path = "images/\(index)/\(layer.rawValue)"
        let activation = try root.readTensor("\(path)/activation")
        #expect(activation.shape == [c, h, w])
        #expect(difference(activation, expected.reshaped([c, h, w])).relativeToMax < 1e-6, "\(path)/activation")
        let gram = try root.readTensor("\(path)/gram")
        let expectedGram = gramForward(expected, normalizer: Float(c * h * w))
        #expect(gram.shape == [c, c])
        #expect(difference(gram, expectedGram.reshaped([c, c])).relativeToMax < 1e-6, "\(path)/gram")
        let stats = try root.read("\(path)/stats", as: Double.self)
        let expectedStats = ActivationStatistics(of: expected).values
        #expect(
          zip(stats.scalars, expectedStats).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        #expect(
          try root.dataset("\(path)/stats").stringsAttribute("names") == ActivationStatistics.names)
      }
    }

    let loss = try #require(configuration.loss)
    let objective = loss.objective
    let styleTaps = objective.layers(targeting: .style)
    let targets = try objective.targets(
      styles: [b, square].map { network(Variable($0), taps: styleTaps).mapValues(\.value) },
      styleWeights: [3, 1],
      content: network(Variable(b), taps: objective.layers(targeting: .content)).mapValues(\.value))
    let x = Variable(a, requiresGradient: true)
    var context = LossContext(random: RandomStream(seed: 0, name: "losses"))
    let evaluation = objective.evaluate(
      image: x, features: network(x, taps: objective.taps), targets: targets, context: &context)
    let terms = try root.dataset("loss/terms")
    #expect(try terms.stringsAttribute("names") == objective.termNames)
    #expect(
      try terms.stringsAttribute("names")
        == [
          "style/gram/relu1_1", "style/gram/relu1_2", "content/content/relu1_2",
          "image/totalVariation",
        ])
    #expect(try terms.doublesAttribute("weights") == [2, 2, 0.5, 0.1].map { Double(Float($0)) })
    let values = try terms.read(as: Double.self).scalars
    for (value, term) in zip(values, evaluation.terms) {
      #expect(abs(value - term.value) <= 1e-6 * abs(term.value), "\(term.name)")
    }
    let total = try root.read("loss/total", as: Double.self)
    #expect(total.shape == [])
    #expect(
      abs(total.scalars[0] - Double(evaluation.total.value.scalar)) <= 1e-6 * total.scalars[0])
    #expect(summary.totalLoss == total.scalars[0])
    let gradient = try root.readTensor("loss/gradient")
    let expectedGradient = gradients(of: evaluation.total, with: [x])[0]
    #expect(gradient.shape == [3, 8, 6])
    #expect(difference(gradient, expectedGradient.reshaped([3, 8, 6])).relativeL2 < 1e-6)
    #expect(try root.readTensor("loss/style/1").shape == [3, 6, 6])
    #expect(try root.dataset("loss/style/0").doublesAttribute("blend_weight") == [0.75])
    #expect(try root.dataset("loss/content").stringAttribute("source") == setup.images + ":/b")
    try file.close()
  }

  @Test func withoutActivationsOnlyStatisticsAndGramsAreWritten() throws {
    let setup = try Setup()
    var configuration = try setup.configuration(images: ["a"])
    configuration.storeActivations = false
    configuration.loss = nil
    let output = setup.directory.file("small.h5")
    try FeatureExtraction(configuration).run(
      writingTo: output, harnessVersion: "test", arguments: []
    ) { _ in }
    let file = try HDF5File.open(output)
    #expect(
      try file.root.datasetPaths().filter { $0.hasPrefix("images/") }.sorted() == [
        "images/0/conv1_1/gram", "images/0/conv1_1/stats", "images/0/pool1/gram",
        "images/0/pool1/stats", "images/0/relu1_1/gram", "images/0/relu1_1/stats",
      ])
    #expect(try !file.root.contains("loss"))
    try file.close()
  }

  @Test func compressedActivationsReadBackTheSame() throws {
    let setup = try Setup()
    var configuration = try setup.configuration(images: ["a"])
    configuration.loss = nil
    let plainPath = setup.directory.file("plain.h5")
    let packedPath = setup.directory.file("packed.h5")
    try FeatureExtraction(configuration).run(
      writingTo: plainPath, harnessVersion: "test", arguments: []
    ) { _ in }
    configuration.compressActivations = true
    try FeatureExtraction(configuration).run(
      writingTo: packedPath, harnessVersion: "test", arguments: []
    ) { _ in }
    let plain = try HDF5File.open(plainPath)
    let packed = try HDF5File.open(packedPath)
    let path = "images/0/relu1_1/activation"
    #expect(try plain.root.dataset(path).info().filters == [])
    #expect(try packed.root.dataset(path).info().filters == ["shuffle", "deflate(4)"])
    #expect(try plain.root.readTensor(path).scalars == packed.root.readTensor(path).scalars)
    try plain.close()
    try packed.close()
  }

  /// The second image overflows float32 in the x255 preprocessing: the run fails after the
  /// first image was written, and neither a file nor a temporary file is left.
  @Test func aFailedRunLeavesNoFile() throws {
    let setup = try Setup()
    let configuration = try setup.configuration(images: ["a", "huge"])
    let output = setup.directory.file("failed.h5")
    let before = try setup.directory.contents()
    #expect {
      try FeatureExtraction(configuration).run(
        writingTo: output, harnessVersion: "test", arguments: []
      ) { _ in }
    } throws: { error in
      "\(error)".hasPrefix(setup.images + ":/huge: ") && "\(error)".contains("not finite")
    }
    #expect(try setup.directory.contents() == before)
    // An existing output survives a failed run unchanged.
    try Data("previous".utf8).write(to: URL(fileURLWithPath: output))
    #expect(throws: FeatureExtractionError.self) {
      try FeatureExtraction(configuration).run(
        writingTo: output, harnessVersion: "test", arguments: []
      ) { _ in }
    }
    #expect(try String(contentsOfFile: output, encoding: .utf8) == "previous")
    #expect(try setup.directory.contents() == (before + ["failed.h5"]).sorted())
  }

  @Test func aContentImageOfAnotherSizeIsRefusedBeforeAnyWork() throws {
    let setup = try Setup()
    let configuration = try setup.configuration(images: ["a"], content: "square")
    let output = setup.directory.file("mismatch.h5")
    #expect {
      try FeatureExtraction(configuration).run(
        writingTo: output, harnessVersion: "test", arguments: []
      ) { _ in }
    } throws: { error in
      "\(error)".hasPrefix(
        setup.images + ":/square: the content image is [1, 3, 6, 6] but the first image")
    }
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test func missingWeightsAndMissingDirectoriesAreNamed() throws {
    let setup = try Setup()
    var configuration = try setup.configuration(images: ["a"])
    let missingDirectory = setup.directory.file("no/such/dir/out.h5")
    #expect(
      throws: FeatureExtractionError.missingOutputDirectory(
        output: missingDirectory, directory: setup.directory.file("no/such/dir"))
    ) {
      try FeatureExtraction(configuration).run(
        writingTo: missingDirectory, harnessVersion: "test", arguments: []
      ) { _ in }
    }
    configuration.weights = setup.directory.file("absent.h5")
    #expect(throws: FeatureExtractionError.missingWeights(configuration.weights)) {
      try FeatureExtraction(configuration).run(
        writingTo: setup.directory.file("out.h5"), harnessVersion: "test", arguments: []
      ) { _ in }
    }
  }

  @Test func aTermWithoutItsImageIsRefused() throws {
    let setup = try Setup()
    var configuration = try setup.configuration(images: ["a"])
    configuration.loss?.content = nil
    #expect(throws: FeatureExtractionError.missingTargetImage(term: "content", image: "content")) {
      try FeatureExtraction(configuration).run(
        writingTo: setup.directory.file("x.h5"), harnessVersion: "test", arguments: []
      ) { _ in }
    }
  }
}
