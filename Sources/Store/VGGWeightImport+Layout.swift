/// One convolution of the VGG-19 weights file: its group name and the shape it must have.
public struct VGGConvolutionSpec: Sendable, Equatable {
  /// The HDF5 group name: `preprocess`, or `conv{block}_{index}` (paper spelling, e.g. `conv4_2`).
  public let name: String
  /// Input channels I of the weight `[O, I, kH, kW]`.
  public let inputChannels: Int
  /// Output channels O of the weight and of the bias `[O]`.
  public let outputChannels: Int
  /// kH = kW: 1 for `preprocess`, 3 for every VGG convolution.
  public let kernelSize: Int

  /// The weight shape `[O, I, kH, kW]`.
  public var weightShape: [Int] { [outputChannels, inputChannels, kernelSize, kernelSize] }
  /// The bias shape `[O]`.
  public var biasShape: [Int] { [outputChannels] }
}

extension VGGWeightImport {
  /// The 17 convolutions of the weights file, in forward order: a 1x1 `preprocess` (3 -> 3), then
  /// VGG-19's 16 3x3 convolutions in five blocks of 2, 2, 4, 4, 4 layers with 64, 128, 256, 512,
  /// 512 channels.
  /// - Reference: Simonyan & Zisserman 2015, table 1 (configuration E);
  ///   ../shared/reference/README.md ("Weights file").
  public static let layout: [VGGConvolutionSpec] = {
    var specs = [
      VGGConvolutionSpec(name: "preprocess", inputChannels: 3, outputChannels: 3, kernelSize: 1)
    ]
    var channels = 3
    for (block, (count, width)) in zip([2, 2, 4, 4, 4], [64, 128, 256, 512, 512]).enumerated() {
      for index in 1...count {
        specs.append(
          VGGConvolutionSpec(
            name: "conv\(block + 1)_\(index)", inputChannels: channels, outputChannels: width,
            kernelSize: 3))
        channels = width
      }
    }
    return specs
  }()

  /// The `nn.Sequential` indices of AdaIN's normalised VGG-19 (`vgg_normalised.pth`), in
  /// `layout` order; the gaps are its ReflectionPad2d, ReLU and MaxPool layers.
  public static let adainIndices = [0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51]

  /// The `features.N` indices of torchvision's `vgg19` (no `preprocess`): conv1_1 ... conv5_4.
  public static let torchvisionIndices = [
    0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34,
  ]

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
