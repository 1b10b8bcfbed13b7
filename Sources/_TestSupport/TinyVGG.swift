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

/// A test's files for running the descriptor without the real weights: a fresh directory holding
/// `tiny_vgg.h5` (`TinyVGG.writeWeights`) and `images.h5` with one dataset per image (drawn
/// U[0, 1) in the given order from the same stream, after the weights; `extra` writes more).
public final class TinyDescriptorFiles {
  /// The directory (removed with this value).
  public let directory: TemporaryDirectory
  /// The weights file.
  public var weights: String { directory.file("tiny_vgg.h5") }
  /// The images file.
  public var images: String { directory.file("images.h5") }

  /// Writes both files, drawing from `RandomStream(seed: seed, name: stream)`.
  public init(
    _ label: String, seed: UInt64, stream: String, images: [(name: String, shape: Shape)],
    extra: (HDF5Group) throws -> Void = { _ in }
  ) throws {
    directory = try TemporaryDirectory(label)
    var random = RandomStream(seed: seed, name: stream)
    try TinyVGG.writeWeights(to: directory.file("tiny_vgg.h5"), random: &random)
    let file = try HDF5File.create(directory.file("images.h5"))
    for (name, shape) in images { try file.root.write(random.uniformTensor(shape), to: name) }
    try extra(try file.root)
    try file.close()
  }

  /// The image argument text of dataset `name`, `images.h5:/name`.
  public func argument(_ name: String) -> String { "\(images):/\(name)" }
}
