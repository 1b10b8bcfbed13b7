extension VGGWeightImport {
  /// The `nn.Sequential` indices of AdaIN's normalised VGG-19 (`vgg_normalised.pth`), in
  /// `VGG19Layout.convolutions` order: `preprocess` is module 0; each 3x3 convolution is preceded by its
  /// ReflectionPad2d and followed by its ReLU, and each block ends with a MaxPool2d.
  public static let adainIndices: [Int] = {
    var indices = [0]
    var next = 1
    for spec in VGG19Layout.convolutions.dropFirst() {
      indices.append(next + 1)  // the padding comes first
      next += 3 + (spec.isFollowedByPooling ? 1 : 0)
    }
    return indices
  }()

  /// The `features.N` indices of torchvision's `vgg19` (no `preprocess`), conv1_1 ... conv5_4:
  /// each convolution is followed by its ReLU, and each block ends with a MaxPool2d.
  public static let torchvisionIndices: [Int] = {
    var indices: [Int] = []
    var next = 0
    for spec in VGG19Layout.convolutions.dropFirst() {
      indices.append(next)
      next += 2 + (spec.isFollowedByPooling ? 1 : 0)
    }
    return indices
  }()

  /// torchvision's ImageNet normalisation `(x - mean) / std` for RGB in [0, 1].
  /// - Reference: torchvision `VGG19_Weights.IMAGENET1K_V1.transforms` (ImageClassification).
  public static let torchvisionMean: [Double] = [0.485, 0.456, 0.406]
  /// See `torchvisionMean`.
  public static let torchvisionStandardDeviation: [Double] = [0.229, 0.224, 0.225]

  /// The Caffe ImageNet mean in BGR order (0-255), subtracted by AdaIN's `preprocess`.
  public static let caffeMeanBGR: [Float] = [103.939, 116.779, 123.68]

  /// The `layout` root attribute: the array layout and the convolution convention.
  public static let layoutDescription =
    "weight: (out, in, kH, kW) float32 (OIHW); the convolutions are cross-correlations as in torch "
    + "and caffe; bias: (out,) float32"

  /// The input convention of AdaIN's `vgg_normalised.pth` (its `preprocess` is the documented one).
  public static let adainInputConvention =
    "Feed RGB in [0, 1], NCHW. 'preprocess' is a 1x1 conv with weight[o, 2 - o] = 255 (0 "
    + "elsewhere) and bias = -(103.939, 116.779, 123.68): it turns RGB into BGR scaled to 0-255 "
    + "minus the Caffe ImageNet mean. The 3x3 convs follow Gatys et al.'s normalised VGG-19 "
    + "(caffe weights rescaled so that mean activations are 1). Each 3x3 conv (stride 1, padding "
    + "1: zero as in caffe/Gatys or reflect as in AdaIN) is followed by ReLU; 2x2 stride-2 "
    + "pooling follows conv1_2, conv2_2, conv3_4 and conv4_4."

  /// The input convention when `preprocess` was synthesised for torchvision weights.
  public static let torchvisionInputConvention =
    "Feed RGB in [0, 1], NCHW. 'preprocess' was synthesised by harness import-weights (torchvision "
    + "has no such layer): a 1x1 conv with weight[o, o] = 1 / std[o] (0 elsewhere) and bias[o] = "
    + "-mean[o] / std[o], mean = (0.485, 0.456, 0.406), std = (0.229, 0.224, 0.225), computed in "
    + "float64 and rounded to float32. It equals torchvision's Normalize, (x - mean) / std, up to "
    + "float32 rounding. The 3x3 convs are torchvision's ImageNet VGG-19 (RGB, not rescaled: "
    + "activations and style-loss magnitudes differ from the normalised VGG-19 of Gatys et al.). "
    + "Each 3x3 conv (stride 1, padding 1) is followed by ReLU; 2x2 stride-2 max pooling follows "
    + "conv1_2, conv2_2, conv3_4 and conv4_4."
}
