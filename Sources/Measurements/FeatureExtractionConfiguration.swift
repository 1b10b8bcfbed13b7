import ImageArguments
import Losses
import NN

/// What `harness features` computes: the VGG-19 descriptor's view of some images, and optionally
/// an objective's loss terms and input gradient. Stored as JSON in the output's `configuration`
/// attribute (keys are these property names).
public struct FeatureExtractionConfiguration: Codable, Equatable, Sendable {
  /// The images to describe, in order (`/inputs/<i>`, `/images/<i>`).
  public var images: [ImageArgument]
  /// The taps whose activations, Gram matrices and statistics are written.
  public var layers: [VGGLayer]
  /// The descriptor's padding.
  public var padding: VGG19.Padding
  /// The descriptor's pooling.
  public var pooling: VGG19.Pooling
  /// How the stored Gram matrices are normalised (`chw`: F Fᵀ / (C·H·W); `hw`: / (H·W);
  /// `gatys`: F Fᵀ itself, the paper's 1 / (4 N² M²) belonging to the loss, not the matrix).
  public var gramNormalization: GramLoss.Normalization
  /// How every image (inputs, styles, content) is resized; nil keeps them as stored.
  public var resizing: ImageResizing?
  /// The HDF5 weights file (`harness import-weights` / `vgg19_to_h5.py` layout).
  public var weights: String
  /// Whether the activations themselves are written (they dominate the file's size).
  public var storeActivations: Bool
  /// Whether activations are stored compressed (shuffle + deflate 4: about 40% smaller after
  /// ReLU, but about 4x slower to write than the descriptor takes to compute them).
  public var compressActivations: Bool
  /// The objective evaluated on the first image, if any.
  public var loss: FeatureLossConfiguration?

  /// A configuration; see the properties.
  public init(
    images: [ImageArgument], layers: [VGGLayer], padding: VGG19.Padding = .zero,
    pooling: VGG19.Pooling = .max, gramNormalization: GramLoss.Normalization = .chw,
    resizing: ImageResizing? = nil, weights: String, storeActivations: Bool = true,
    compressActivations: Bool = false, loss: FeatureLossConfiguration? = nil
  ) {
    self.images = images
    self.layers = layers
    self.padding = padding
    self.pooling = pooling
    self.gramNormalization = gramNormalization
    self.resizing = resizing
    self.weights = weights
    self.storeActivations = storeActivations
    self.compressActivations = compressActivations
    self.loss = loss
  }

  /// The taps `harness features` writes by default: the style layers of Gatys et al. and the
  /// content layer relu4_2.
  public static let defaultLayers: [VGGLayer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu4_2, .relu5_1]

  /// The default weight of the style term: 1, so the stored terms are the plain losses.
  public static let defaultStyleWeight: Float = 1

  /// Every layer a forward pass must reach: the written taps and the objective's.
  public var allTaps: Set<VGGLayer> {
    Set(layers).union(loss.map { Objective(featureTerms: $0.featureTerms).taps } ?? [])
  }
}

/// The objective of `harness features --style ... --content ...`, evaluated on the first image:
///
///   L = Σ_terms w_t · Σ_layers loss_t(F_l(x), target_l) + Σ_image-terms w_i · loss_i(x)
///
/// with targets from the style images (statistics blended by `styleBlendWeights`) and the
/// content image. Only `Losses.Objective` applies the weights.
public struct FeatureLossConfiguration: Codable, Equatable, Sendable {
  /// The style (texture) exemplars; at least one if a term targets `style`.
  public var styles: [ImageArgument]
  /// One weight per style (normalised to sum 1); nil: equal weights.
  public var styleBlendWeights: [Float]?
  /// The content image, required if a term targets `content`.
  public var content: ImageArgument?
  /// The feature-loss terms.
  public var featureTerms: [FeatureLossTerm]
  /// The image-loss terms (regularisers such as total variation).
  public var imageTerms: [ImageLossTerm]
  /// The seed of the `losses` random stream (losses that sample draw from it).
  public var seed: UInt64

  /// An objective configuration; see the properties.
  public init(
    styles: [ImageArgument], styleBlendWeights: [Float]? = nil, content: ImageArgument?,
    featureTerms: [FeatureLossTerm], imageTerms: [ImageLossTerm] = [], seed: UInt64 = 0
  ) {
    self.styles = styles
    self.styleBlendWeights = styleBlendWeights
    self.content = content
    self.featureTerms = featureTerms
    self.imageTerms = imageTerms
    self.seed = seed
  }

  /// The objective of the terms.
  public var objective: Objective {
    Objective(featureTerms: featureTerms, imageTerms: imageTerms)
  }
}
