import ImageArguments
import NN
import TensorCore

/// Why `harness features` could not run; each case names the image argument or setting at fault.
public enum FeatureExtractionError: Error, Equatable, CustomStringConvertible {
  /// No image was given.
  case noImages
  /// No layer was given.
  case noLayers
  /// The weights file does not exist.
  case missingWeights(String)
  /// The output's directory does not exist (or is not a directory).
  case missingOutputDirectory(output: String, directory: String)
  /// The image is too small for the descriptor to reach `layer` (its maps would vanish).
  case imageTooSmall(
    image: String, height: Int, width: Int, layer: VGGLayer, padding: VGG19.Padding)
  /// A content term compares the first image with a content image of another size.
  case contentSizeMismatch(content: String, contentShape: Shape, image: String, imageShape: Shape)
  /// `gatys` Gram normalisation compares unnormalised Gram matrices, so sizes must agree.
  case styleSizeMismatch(style: String, styleShape: Shape, image: String, imageShape: Shape)
  /// A term targets an image that was not given.
  case missingTargetImage(term: String, image: String)
  /// Blend weights that do not fit the styles.
  case badBlendWeights([Float], styles: Int)
  /// The descriptor's output for an image is not finite at `layer` (overflow from huge inputs).
  case nonFiniteActivation(image: String, layer: VGGLayer, count: Int)
  /// The objective's total or its gradient is not finite.
  case nonFiniteLoss(image: String, what: String)

  /// One line naming the argument and the problem.
  public var description: String {
    switch self {
    case .noImages:
      return "no image given: name at least one PNG, JPEG or FILE.h5:/dataset"
    case .noLayers:
      return "no layer given: --layers relu1_1,relu2_1,..."
    case .missingWeights(let path):
      return "\(path): no such file (the VGG-19 weights: Scripts/setup makes "
        + "data/vgg19_normalised.h5; or give --weights FILE.h5)"
    case .missingOutputDirectory(let output, let directory):
      return "\(output): cannot write here: the directory \(directory) does not exist"
    case .imageTooSmall(let image, let height, let width, let layer, let padding):
      return "\(image): \(height) x \(width) is too small to reach \(layer.rawValue) with "
        + "\(padding.rawValue) padding (a feature map would have no pixels); use a larger image "
        + "or --size"
    case .contentSizeMismatch(let content, let contentShape, let image, let imageShape):
      return "\(content): the content image is \(contentShape) but the first image (\(image)) is "
        + "\(imageShape); the content loss compares them position by position, so give them "
        + "the same size (--size N brings every image to the same size)"
    case .styleSizeMismatch(let style, let styleShape, let image, let imageShape):
      return "\(style): the style image is \(styleShape) but the first image (\(image)) is "
        + "\(imageShape); gatys Gram normalisation does not divide by the map size, so its "
        + "style loss needs equal sizes (use chw or hw, or --size)"
    case .missingTargetImage(let term, let image):
      return "the \(term) loss needs a \(image) image: add --\(image) IMAGE"
    case .badBlendWeights(let weights, let styles):
      return "--style-blend \(weights.map { "\($0)" }.joined(separator: ",")) does not fit "
        + "\(styles) style image(s): give one non-negative weight per style, with a positive sum"
    case .nonFiniteActivation(let image, let layer, let count):
      return "\(image): \(count) activations at \(layer.rawValue) are not finite (the input's "
        + "values are too large for float32 after the x255 preprocessing); nothing was written"
    case .nonFiniteLoss(let image, let what):
      return "\(image): the \(what) is not finite; nothing was written"
    }
  }
}
