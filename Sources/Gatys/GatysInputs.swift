import ImageArguments
import Store
import TensorCore

/// The images of a Gatys run at their working sizes, `[1, 3, H, W]` each, RGB in [0, 1].
public struct GatysInputs: Sendable {
  /// The style or texture exemplars, resized so the longest side is `styleScale · size`.
  public var styles: [Tensor]
  /// The content image resized so the longest side is `size`, or nil.
  public var content: Tensor?
  /// The starting image, at the output size.
  public var initial: Tensor

  /// The output size `(height, width)`: the content's, else `size × size`.
  public var outputSize: (height: Int, width: Int) {
    (initial.shape[2], initial.shape[3])
  }

  /// Resizes loaded images as `configuration` says and makes the starting image.
  ///
  /// `styles` and `content` are the loaded images (any size); `initialImage` is the loaded image
  /// of `.image(_)` initialisation. Random starting images come from the `initialisation` stream
  /// of the configuration's seed.
  public static func prepare(
    styles: [Tensor], content: Tensor?, initialImage: Tensor?, configuration: GatysConfiguration
  ) -> GatysInputs {
    let resizedContent = content.map { resizedLongestSide($0, to: configuration.size) }
    let height = resizedContent?.shape[2] ?? configuration.size
    let width = resizedContent?.shape[3] ?? configuration.size
    let styleSide = max(1, Int((configuration.styleScale * Double(configuration.size)).rounded()))
    let resizedStyles = styles.map { resizedLongestSide($0, to: styleSide) }
    let initial: Tensor
    switch configuration.initialization {
    case .content:
      initial = resizedContent ?? Tensor(shape: [1, 3, height, width], repeating: 0.5)
    case .image:
      let image = initialImage ?? Tensor(shape: [1, 3, height, width], repeating: 0.5)
      initial = image.shape == [1, 3, height, width] ? image : resizeImage(image, height: height, width: width)
    case .random(let distribution, let scale):
      var random = RandomStream(seed: configuration.seed, name: "initialisation")
      switch distribution {
      case .uniform:
        initial = random.uniformTensor([1, 3, height, width], low: 0, high: scale)
      case .normal:
        initial = random.normalTensor([1, 3, height, width], mean: 0.5, standardDeviation: scale)
      }
    }
    return GatysInputs(styles: resizedStyles, content: resizedContent, initial: initial)
  }

  /// `image` `[1, 3, h, w]` resized so that max(h, w) = `side`, keeping the aspect ratio
  /// (unchanged when it already is): `ImageResizing.longestSide`, the one rule `harness features`
  /// uses too.
  public static func resizedLongestSide(_ image: Tensor, to side: Int) -> Tensor {
    ImageResizing(size: side, mode: .longestSide).apply(image)
  }
}
