import ImageArguments
import Losses
import NN
import TensorCore

extension FeatureExtraction {
  /// Checks, before any heavy work, that every image reaches the layers it is read at, that a
  /// content image has the first image's size, that the objective has the images it targets and
  /// that the blend weights fit.
  func checkSizes(inputs: [LoadedImage], lossInputs: LossInputs?, deepestWritten: VGGLayer)
    throws(FeatureExtractionError)
  {
    let padding = configuration.padding
    for (index, input) in inputs.enumerated() {
      let deepest = index == 0 ? (configuration.allTaps.max() ?? deepestWritten) : deepestWritten
      try Self.requireReachable(input, layer: deepest, padding: padding)
    }
    guard let lossInputs, let first = inputs.first else { return }
    let objective = lossInputs.objective
    for term in objective.featureTerms {
      if term.target == .style && lossInputs.styles.isEmpty {
        throw .missingTargetImage(term: term.kind, image: "style")
      }
      if term.target == .content && lossInputs.content == nil {
        throw .missingTargetImage(term: term.kind, image: "content")
      }
    }
    _ = try lossInputs.blendWeights()
    if let deepestStyle = objective.layers(targeting: .style).max() {
      for style in lossInputs.styles {
        try Self.requireReachable(style, layer: deepestStyle, padding: padding)
      }
    }
    if let content = lossInputs.content, !objective.layers(targeting: .content).isEmpty,
      content.image.shape != first.image.shape
    {
      throw .contentSizeMismatch(
        content: content.argument.text, contentShape: content.image.shape,
        image: first.argument.text, imageShape: first.image.shape)
    }
    let usesUnnormalizedGram = objective.featureTerms.contains { term in
      (term.loss as? GramLoss)?.options.normalization == .gatys && term.target == .style
    }
    if usesUnnormalizedGram {
      for style in lossInputs.styles where style.image.shape != first.image.shape {
        throw .styleSizeMismatch(
          style: style.argument.text, styleShape: style.image.shape, image: first.argument.text,
          imageShape: first.image.shape)
      }
    }
  }

  /// Throws `imageTooSmall` unless `image`'s maps keep at least one pixel down to `layer`.
  static func requireReachable(_ image: LoadedImage, layer: VGGLayer, padding: VGG19.Padding)
    throws(FeatureExtractionError)
  {
    let (_, _, h, w) = image.image.shape.nchw
    if featureSize(height: h, width: w, at: layer, padding: padding) == nil {
      throw .imageTooSmall(
        image: image.argument.text, height: h, width: w, layer: layer, padding: padding)
    }
  }

  /// The spatial size of the descriptor's map at `layer` for an `height × width` input, or nil
  /// when a map on the way would be empty. A 3x3 convolution keeps the size (zero, reflect) or
  /// takes 2 off each side (none); a 2x2 stride-2 pooling halves it, rounding down.
  public static func featureSize(
    height: Int, width: Int, at layer: VGGLayer, padding: VGG19.Padding
  ) -> (height: Int, width: Int)? {
    var (h, w) = (height, width)
    guard h >= 1 && w >= 1 else { return nil }
    // Reflect padding of 1 needs at least 2 pixels to mirror.
    let minimumConvolutionInput = padding == .reflect ? 2 : (padding == .none ? 3 : 1)
    for candidate in VGGLayer.allCases where candidate <= layer {
      let name = candidate.rawValue
      if name.hasPrefix("conv") {
        guard h >= minimumConvolutionInput && w >= minimumConvolutionInput else { return nil }
        if padding == .none { (h, w) = (h - 2, w - 2) }
      } else if name.hasPrefix("pool") {
        (h, w) = (h / 2, w / 2)
        guard h >= 1 && w >= 1 else { return nil }
      }
    }
    return (h, w)
  }
}
