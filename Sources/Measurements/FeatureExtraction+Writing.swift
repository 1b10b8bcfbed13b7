import Autodiff
import ImageArguments
import Losses
import NN
import Store
import TensorCore

extension FeatureExtraction {
  /// The value of the root attribute `format`.
  public static let format = "harness features 1"

  /// The file layout, as printed by `harness features --help` and the README.
  public static let layout = """
    /  @format = "harness features 1"
       @configuration  JSON: images, layers, padding, pooling, gramNormalization,
                       resizing, weights, storeActivations, loss (its terms as
                       in experiment files)
       @provenance     JSON: harnessVersion, arguments, machine, created,
                       weights {path, sha256, source, sourceSHA256}
       also, for h5py: @images @layers (strings), @padding @pooling
       @gram_normalization @resizing @weights_file @weights_sha256
       @weights_source @harness_version @machine
    /inputs/<i>     [3, H, W] float32: image i as the descriptor saw it (after
                    --size); @source (the argument), @stored_shape
    /images/<i>/<layer>/activation  [C, h, w] float32 (not with --no-activations;
                                    shuffle + deflate with --compress)
    /images/<i>/<layer>/gram        [C, C] float32: F F^T / @normalizer, F the
                                    activation as [C, h*w]; @normalization
    /images/<i>/<layer>/stats       [4] float64: mean, std (population), min,
                                    max over the activation; @names
    With --style / --content (the objective, on image 0 only):
    /loss/terms     [T] float64: every term, unweighted; @names (strings such
                    as style/gram/relu1_1, content/content/relu4_2), @weights
    /loss/total     float64 scalar: the sum of weights * terms
    /loss/gradient  [3, H, W] float32: d total / d /inputs/0
    /loss/style/<j> [3, H, W] float32: style image j as used; @source,
                    @blend_weight
    /loss/content   [3, H, W] float32: the content image as used; @source
    /loss           @objective (JSON: terms, blend weights, seed)
    """

  /// Root attributes, `/inputs/<i>`, and the objective's images under `/loss`.
  func writeHeader(
    _ root: HDF5Group, provenance: Provenance, inputs: [LoadedImage], lossInputs: LossInputs?
  ) throws {
    let settings = configuration
    try root.setAttribute("format", .string(Self.format))
    try root.setJSONAttribute("configuration", settings)
    try root.setJSONAttribute("provenance", provenance)
    let resizing = settings.resizing.map { "\($0.mode.rawValue) \($0.size)" } ?? "none"
    let attributes: [(String, AttributeValue)] = [
      ("images", .strings(settings.images.map(\.text))),
      ("layers", .strings(settings.layers.map(\.rawValue))),
      ("padding", .string(settings.padding.rawValue)),
      ("pooling", .string(settings.pooling.rawValue)),
      ("gram_normalization", .string(settings.gramNormalization.rawValue)),
      ("resizing", .string(resizing)),
      ("weights_file", .string(provenance.weights.path)),
      ("weights_sha256", .string(provenance.weights.sha256)),
      ("weights_source", .string(provenance.weights.source ?? "")),
      ("harness_version", .string(provenance.harnessVersion)),
      ("machine", .string(provenance.machine.summary)),
    ]
    for (name, value) in attributes { try root.setAttribute(name, value) }
    for (index, input) in inputs.enumerated() {
      try writeImage(input, to: "inputs/\(index)", in: root)
    }
    guard let lossInputs else { return }
    let loss = try root.groupCreatingIfNeeded("loss")
    try loss.setJSONAttribute("objective", lossInputs.configuration)
    let blend = try lossInputs.blendWeights()
    for (index, style) in lossInputs.styles.enumerated() {
      let dataset = try writeImage(style, to: "style/\(index)", in: loss)
      try dataset.setAttribute("blend_weight", .double(Double(blend[index])))
    }
    if let content = lossInputs.content {
      try writeImage(content, to: "content", in: loss)
    }
  }

  /// `[3, H, W]` with `@source` and `@stored_shape`.
  @discardableResult
  func writeImage(_ image: LoadedImage, to path: String, in group: HDF5Group) throws
    -> HDF5Dataset
  {
    let (_, c, h, w) = image.image.shape.nchw
    let dataset = try group.write(image.image.reshaped([c, h, w]), to: path)
    try dataset.setAttribute("source", .string(image.argument.text))
    try dataset.setAttribute(
      "stored_shape", .integers(image.storedShape.dimensions.dropFirst().map(Int64.init)))
    return dataset
  }

  /// `/images/<index>/<layer>/{activation, gram, stats}` for every configured layer.
  func writeFeatures(
    _ features: [VGGLayer: Tensor], of input: LoadedImage, index: Int, to root: HDF5Group
  ) throws {
    for layer in configuration.layers {
      guard let activation = features[layer] else {
        preconditionFailure("FeatureExtraction: the forward pass did not return \(layer.rawValue)")
      }
      let (_, c, h, w) = activation.shape.nchw
      let invalid = activation.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
      if invalid > 0 {
        throw FeatureExtractionError.nonFiniteActivation(
          image: input.argument.text, layer: layer, count: invalid)
      }
      let group = "images/\(index)/\(layer.rawValue)"
      if configuration.storeActivations {
        try root.write(
          activation.reshaped([c, h, w]), to: "\(group)/activation",
          compression: configuration.compressActivations ? .standard : .none)
      }
      let normalizer = Self.gramNormalizer(
        configuration.gramNormalization, channels: c, height: h, width: w)
      let gram = try root.write(
        gramForward(activation, normalizer: normalizer).reshaped([c, c]), to: "\(group)/gram")
      try gram.setAttribute("normalization", .string(configuration.gramNormalization.rawValue))
      try gram.setAttribute("normalizer", .double(Double(normalizer)))
      let statistics = ActivationStatistics(of: activation)
      let stats = try root.write(
        ShapedArray(statistics.values), to: "\(group)/stats", compression: .none)
      try stats.setAttribute("names", .strings(ActivationStatistics.names))
    }
  }

  /// The divisor of F Fᵀ: C·H·W (`chw`), H·W (`hw`) or 1 (`gatys`, whose 1 / (4 N² M²) is
  /// part of the loss, not of the matrix), as `GramLoss` normalises.
  static func gramNormalizer(
    _ normalization: GramLoss.Normalization, channels: Int, height: Int, width: Int
  ) -> Float {
    switch normalization {
    case .chw: return Float(channels * height * width)
    case .hw: return Float(height * width)
    case .gatys: return 1
    }
  }

  /// Evaluates the objective on the first image, writes `/loss/{terms, total, gradient}` and
  /// returns the total.
  func writeLoss(
    image: Variable, features: [VGGLayer: Variable], targets: Objective.Targets,
    inputs: LossInputs, argument: String, to root: HDF5Group
  ) throws -> Double {
    var context = LossContext(random: RandomStream(seed: inputs.configuration.seed, name: "losses"))
    let evaluation = inputs.objective.evaluate(
      image: image, features: features, targets: targets, context: &context)
    let total = Double(evaluation.total.value.scalar)
    guard total.isFinite, evaluation.terms.allSatisfy({ $0.value.isFinite }) else {
      throw FeatureExtractionError.nonFiniteLoss(image: argument, what: "loss")
    }
    let gradient = gradients(of: evaluation.total, with: [image])[0]
    guard gradient.scalars.allSatisfy(\.isFinite) else {
      throw FeatureExtractionError.nonFiniteLoss(image: argument, what: "gradient of the loss")
    }
    let loss = try root.groupCreatingIfNeeded("loss")
    let terms = try loss.write(
      ShapedArray(evaluation.terms.map(\.value)), to: "terms", compression: .none)
    try terms.setAttribute("names", .strings(evaluation.terms.map(\.name)))
    try terms.setAttribute("weights", .doubles(evaluation.terms.map { Double($0.weight) }))
    try loss.write(ShapedArray(shape: [], scalars: [total]), to: "total", compression: .none)
    let (_, c, h, w) = gradient.shape.nchw
    let stored = try loss.write(gradient.reshaped([c, h, w]), to: "gradient")
    try stored.setAttribute("of", .string("/loss/total"))
    try stored.setAttribute("with_respect_to", .string("/inputs/0"))
    return total
  }
}
