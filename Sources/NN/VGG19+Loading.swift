import Store
import TensorCore

extension VGG19 {
  /// Loads the descriptor from an HDF5 weights file in the layout `harness import-weights` and
  /// the reference's `vgg19_to_h5.py` write (`/<layer>/weight`, `/<layer>/bias`). Only the layers
  /// up to `deepestLayer` are read. A missing or mis-shaped layer is an error naming the file and
  /// the layer.
  public static func load(
    from path: String, padding: Padding = .zero, pooling: Pooling = .max,
    deepestLayer: VGGLayer = .relu5_1
  ) throws -> VGG19 {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    var weights: [String: (weight: Tensor, bias: Tensor)] = [:]
    var problems: [String] = []
    for name in requiredConvolutions(upTo: deepestLayer) {
      let root = try file.root
      guard try root.contains("\(name)/weight"), try root.contains("\(name)/bias") else {
        problems.append("\(name): missing (expected /\(name)/weight and /\(name)/bias)")
        continue
      }
      weights[name] = (
        try root.readTensor("\(name)/weight"), try root.readTensor("\(name)/bias")
      )
    }
    if !problems.isEmpty { throw VGGWeightsError(file: path, problems: problems) }
    do {
      return try VGG19(weights: weights, padding: padding, pooling: pooling, deepestLayer: deepestLayer)
    } catch {
      throw VGGWeightsError(file: path, problems: error.problems)
    }
  }
}
