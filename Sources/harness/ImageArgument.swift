import Foundation
import Store
import TensorCore

/// An image argument: a PNG or JPEG path, or `FILE.h5:/dataset` (`[3, H, W]` or `[1, 3, H, W]`).
struct ImageArgument {
  var text: String
  init(_ text: String) { self.text = text }

  func load() throws -> Tensor {
    if let range = text.range(of: ".h5:"), !FileManager.default.fileExists(atPath: text) {
      let file = String(text[..<range.lowerBound]) + ".h5"
      let dataset = String(text[range.upperBound...])
      let tensor = try HDF5File.open(file).root.readTensor(dataset)
      return tensor.reshaped([1, 3, tensor.shape[tensor.shape.rank - 2], tensor.shape[tensor.shape.rank - 1]])
    }
    return try readImage(path: text)
  }
}
