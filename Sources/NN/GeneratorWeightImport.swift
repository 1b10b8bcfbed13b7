import Foundation
import Store
import TensorCore

/// Weights in the reference layout (`state_dict` names, `branch.0.conv0.weight`, ...) read from
/// either place PyTorch users keep them, for `Generator.load(_:source:)`.
public enum GeneratorWeightImport {
  /// Every dataset under `group` of the HDF5 file at `path`, by its path relative to the group
  /// (e.g. `vgg19_reference.h5`, `/generator/texture/weights`), as float32.
  public static func tensors(hdf5 path: String, group: String) throws -> [String: Tensor] {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    let root = try file.root
    guard try root.kind(of: group) == .group else {
      throw GeneratorError.badModelFile(
        file: path, message: "\(group): no such group (expected the weights in the reference layout)")
    }
    let weights = try root.group(group)
    var tensors: [String: Tensor] = [:]
    for name in try weights.datasetPaths() { tensors[name] = try weights.readTensor(name) }
    return tensors
  }

  /// Every tensor of a PyTorch `state_dict` saved with `torch.save` (zip or legacy format), by
  /// name, as float32 (integer tensors, such as `num_batches_tracked`, are converted).
  public static func tensors(torchCheckpoint path: String) throws -> [String: Tensor] {
    let checkpoint = try TorchCheckpoint(contentsOf: path)
    var tensors: [String: Tensor] = [:]
    for (name, tensor) in checkpoint.tensors {
      if tensor.dataType.isFloatingPoint {
        tensors[name] = try tensor.tensor(name: name, file: checkpoint.file)
      } else {
        let values = try tensor.integers(name: name, file: checkpoint.file).map { Float($0) }
        tensors[name] = Tensor(shape: Shape(tensor.shape), scalars: values)
      }
    }
    return tensors
  }

  /// The tensors at `source`: `FILE.h5:/group` (an HDF5 group; `FILE.h5` alone is its root) or a
  /// `torch.save` checkpoint (`FILE.pth`, `FILE.pt`). The format is told by the file's first
  /// bytes, not its extension. Returns the tensors and the source as named in errors.
  public static func tensors(from source: String) throws -> (tensors: [String: Tensor], source: String) {
    var path = source
    var group = "/"
    if !FileManager.default.fileExists(atPath: source), let colon = source.lastIndex(of: ":") {
      path = String(source[..<colon])
      group = String(source[source.index(after: colon)...])
    }
    guard FileManager.default.fileExists(atPath: path) else {
      throw GeneratorError.badModelFile(file: path, message: "no such file")
    }
    if try isHDF5(path) {
      return (try tensors(hdf5: path, group: group), "\(path):\(group)")
    }
    guard group == "/" else {
      throw GeneratorError.badModelFile(
        file: path, message: "not an HDF5 file, so it has no group \(group)")
    }
    return (try tensors(torchCheckpoint: path), path)
  }

  /// Whether the file starts with the HDF5 signature (`\x89HDF\r\n\x1a\n`).
  static func isHDF5(_ path: String) throws -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw GeneratorError.badModelFile(file: path, message: "cannot be opened for reading")
    }
    defer { try? handle.close() }
    let start = (try? handle.read(upToCount: 8)) ?? Data()
    return start.elementsEqual([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A])
  }
}

extension Generator {
  /// A generator of `configuration` with the weights in the reference layout at `source`
  /// (`GeneratorWeightImport.tensors(from:)`: `FILE.h5:/group` or a `torch.save` state dict),
  /// verified by name and shape (`load(_:source:)`).
  public init(_ configuration: GeneratorConfiguration, importing source: String) throws {
    let (tensors, described) = try GeneratorWeightImport.tensors(from: source)
    var random = RandomStream(seed: 0, name: "overwritten by the imported weights")
    self = try Generator(configuration, random: &random)
    try load(tensors, source: described)
  }
}
