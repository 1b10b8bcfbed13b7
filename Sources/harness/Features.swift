import ArgumentParser
import Foundation
import ImageArguments
import Losses
import Measurements
import NN
import TensorCore

/// `harness features IMAGE... --out FILE.h5`: the VGG-19 descriptor's activations, Gram matrices
/// and statistics per image, and with `--style` / `--content` every loss term and the gradient.
struct Features: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write what the VGG-19 descriptor sees: activations, Gram matrices, statistics, "
      + "and optionally every loss term and the input gradient.",
    discussion: """
      IMAGE is a PNG or JPEG file, or a float32/float64 dataset in an HDF5 file written \
      FILE.h5:/path/to/dataset ([3, H, W] or [1, 3, H, W], RGB in [0, 1]; exact values, no \
      8-bit rounding). Values outside [0, 1] are used as given, with a warning; NaN or \
      infinite values are an error. Every image (also --style and --content) is used as \
      stored unless --size N: --resize longestSide (default, as neural-style's -image_size) \
      scales the longer side to N keeping the aspect ratio; --resize centreCrop scales the \
      shorter side to N and takes the centred N x N (the PyTorch reference's preprocessing).

      The descriptor runs once per image, stopping at the deepest layer needed. With \
      --style and/or --content, the objective

        L = style_weight * sum_l style_loss(F_l(x), style target_l)
          + content_weight * sum_l mean((F_l(x) - F_l(content))^2)
          [+ tv_weight * TV(x)]

      is evaluated on the FIRST image x (style targets from every --style image, their \
      statistics blended by --style-blend), and its gradient with respect to x is written. \
      Defaults: style layers relu1_1,relu2_1,relu3_1,relu4_1,relu5_1, content layer relu4_2, \
      weights 1 and 1, style loss gram with --gram-normalization (chw: G = F F^T / (C H W), \
      the mean over C x C of the squared difference, as texture_nets and the reference). \
      Other registered losses take their options as JSON (--style-loss-options).

      The output is written to a temporary file and renamed over --out only when complete: a \
      failed run leaves no file (an existing --out is kept). One progress line per image goes \
      to stderr. Layout (h5py: f["images/0/relu1_1/gram"][()], \
      dict(zip(f["loss/terms"].attrs["names"], f["loss/terms"][()]))):

      \(FeatureExtraction.layout)

      Check the descriptor against the PyTorch reference (F = \
      ../shared/reference/fixtures/vgg19_reference.h5):
        harness features F:/inputs/image_a F:/inputs/image_b \\
          --style F:/inputs/image_b --content F:/inputs/image_b \\
          --out out.h5 [--pooling average]
        python3 Scripts/compare_features_h5.py out.h5 F
      """)

  @Argument(
    help: "Images: PNG or JPEG files, or FILE.h5:/dataset ([3, H, W] float, RGB in [0, 1]).",
    transform: { try ImageArgument(parsing: $0) })
  var images: [ImageArgument]

  @Option(
    help: "Comma-separated taps to write, by paper name (conv1_1 ... relu5_4, pool1 ... pool5).")
  var layers = FeatureExtractionConfiguration.defaultLayers.map(\.rawValue).joined(separator: ",")

  @Option(
    help: "Padding of the 3x3 convolutions: zero (Caffe, Gatys), reflect (AdaIN), none (valid).")
  var padding: VGG19.Padding = .zero

  @Option(help: "Pooling: max (VGG, texture_nets) or average (recommended by Gatys et al.).")
  var pooling: VGG19.Pooling = .max

  @Option(
    help:
      "The VGG-19 weights (HDF5). Default: $TEXTURE_NETS_DATA/vgg19_normalised.h5 if set, else data/vgg19_normalised.h5."
  )
  var weights: String?

  @Option(
    name: [.short, .customLong("out")], help: "The HDF5 file to write (replaced atomically).")
  var out: String

  @Option(help: "Resize every image to N (see --resize); default: use them as stored.")
  var size: Int?

  @Option(help: "With --size: longestSide (keep aspect) or centreCrop (N x N).")
  var resize: ImageResizing.Mode = .longestSide

  @Flag(help: "Write only statistics and Gram matrices, not the activations (which are large).")
  var noActivations = false

  @Flag(help: "Compress the activations (shuffle + deflate: ~40% smaller, ~4x slower to write).")
  var compress = false

  @Option(
    help: "A style (texture) image for the objective; repeat for several.",
    transform: { try ImageArgument(parsing: $0) })
  var style: [ImageArgument] = []

  @Option(
    help: "The content image for the objective.", transform: { try ImageArgument(parsing: $0) })
  var content: ImageArgument?

  @OptionGroup(title: "Loss terms (with --style or --content; --gram-normalization also for the stored Grams)")
  var loss: LossTermOptions<FeaturesLossDefaults>

  @Option(help: "Seed of the random stream of losses that sample.")
  var seed: UInt64 = 0

  @Option(help: "Worker threads (default: OPENBLAS_NUM_THREADS, else every core).")
  var threads: Int?

  func validate() throws {
    _ = try makeConfiguration()
    if let size, size < 1 { throw ValidationError("--size must be at least 1, got \(size)") }
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
  }

  func run() throws {
    if let threads { BLAS.setThreads(threads) }
    let configuration = try makeConfiguration()
    let summary = try FeatureExtraction(configuration).run(
      writingTo: out, harnessVersion: HarnessVersion.number, arguments: CommandLine.arguments
    ) { line in
      FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    let loss = summary.totalLoss.map { ", loss \($0) with its gradient" } ?? ""
    print("wrote \(out): \(summary.images) image(s) x \(summary.layers) layer(s)\(loss)")
  }

  /// The configuration the options describe; every bad name is a `ValidationError`.
  func makeConfiguration() throws -> FeatureExtractionConfiguration {
    let written = try layerList(layers, option: "--layers")
    var lossConfiguration: FeatureLossConfiguration?
    if !style.isEmpty || content != nil {
      let terms = try loss.featureTerms(style: !style.isEmpty, content: content != nil)
      let imageTerms = loss.tvWeight.map { [ImageLossTerm(TotalVariationLoss(), weight: $0)] } ?? []
      lossConfiguration = FeatureLossConfiguration(
        styles: style, styleBlendWeights: try loss.styleBlendWeights(), content: content,
        featureTerms: terms, imageTerms: imageTerms, seed: seed)
    } else if loss.styleBlend != nil || loss.tvWeight != nil {
      throw ValidationError("--style-blend and --tv-weight need --style or --content")
    }
    return FeatureExtractionConfiguration(
      images: images, layers: written, padding: padding, pooling: pooling,
      gramNormalization: loss.gramNormalization,
      resizing: size.map { ImageResizing(size: max($0, 1), mode: resize) },
      weights: weights ?? defaultWeightsPath, storeActivations: !noActivations,
      compressActivations: compress, loss: lossConfiguration)
  }
}
