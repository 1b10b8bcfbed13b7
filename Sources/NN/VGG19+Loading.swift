import Store
import TensorCore

extension VGG19 {
  /// Loads the descriptor from an HDF5 weights file in the layout `harness import-weights` and
  /// the reference's `vgg19_to_h5.py` write (`/<layer>/weight` `[O, I, k, k]`, `/<layer>/bias`
  /// `[O]`, the layers of `VGG19Layout`). Only the layers up to `deepestLayer` are read.
  ///
  /// Verified by `WeightStore`: the layers up to `deepestLayer` must be there; deeper VGG-19
  /// layers may be absent (a prefix of the network) but must have their shapes when present;
  /// anything else in the file is unused. Every missing, unused or mis-shaped dataset is reported
  /// at once, in a `StoreError.verificationFailed` naming the file and each path, so a file with
  /// an extra or misspelt layer (`conv1_l/weight`) is an error, not silently ignored.
  public static func load(
    from path: String, padding: Padding = .zero, pooling: Pooling = .max,
    deepestLayer: VGGLayer = .relu5_1
  ) throws -> VGG19 {
    let required = requiredConvolutions(upTo: deepestLayer)
    let deeper = convolutionNames.filter { !required.contains($0) }
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let tensors = try WeightStore.load(
      VGG19Layout.parameterShapes(of: required),
      optional: VGG19Layout.parameterShapes(of: deeper), from: try file.root)
    var weights: [String: (weight: Tensor, bias: Tensor)] = [:]
    for name in required {
      guard let weight = tensors["\(name)/weight"], let bias = tensors["\(name)/bias"] else {
        continue  // verified present above; `VGG19(weights:)` would name it missing
      }
      weights[name] = (weight, bias)
    }
    do {
      return try VGG19(
        weights: weights, padding: padding, pooling: pooling, deepestLayer: deepestLayer)
    } catch {
      throw VGGWeightsError(file: path, problems: error.problems)
    }
  }
}
