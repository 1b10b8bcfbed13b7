import NN
import Store
import TensorCore

/// A VGG-19 prefix with random weights, for tests that run the descriptor without the real
/// weights: the real preprocess (RGB [0, 1] to BGR · 255 − the ImageNet mean, so huge inputs
/// overflow float32 as they would) and `layers` with N(0, 0.01²) weights and N(0, 0.05²) biases
/// drawn from `random`, in the layout of `harness import-weights`.
public enum TinyVGG {
  /// Writes the weights file at `path`; `VGG19.load(from: path, deepestLayer:)` reads it for any
  /// layer up to the last of `layers`.
  public static func writeWeights(
    to path: String, layers: [String] = ["conv1_1", "conv1_2"], random: inout RandomStream
  ) throws {
    let file = try HDF5File.create(path)
    var preprocess = Tensor(zeros: [3, 3, 1, 1])
    preprocess.withUnsafeMutableBufferPointer { for o in 0..<3 { $0[o * 3 + 2 - o] = 255 } }
    let mean = Tensor(shape: [3], scalars: [-103.939, -116.779, -123.68])
    let preprocessGroup = try file.root.createGroup("preprocess")
    try preprocessGroup.write(preprocess, to: "weight")
    try preprocessGroup.write(mean, to: "bias")
    for name in layers {
      guard let shape = VGG19.weightShapes[name] else {
        preconditionFailure("TinyVGG: \(name) is not a VGG-19 convolution")
      }
      let group = try file.root.createGroup(name)
      try group.write(random.normalTensor(shape, standardDeviation: 0.01), to: "weight")
      try group.write(random.normalTensor([shape[0]], standardDeviation: 0.05), to: "bias")
    }
    try file.root.setAttribute("source", .string("random test weights"))
    try file.close()
  }
}
