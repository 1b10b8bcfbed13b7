import Store
import TensorCore

/// Why an image argument (`ImageArgument`) could not be parsed or loaded. Every message starts
/// with the file, and for HDF5 inputs the dataset, as `FILE.h5:/path: problem`.
public enum ImageArgumentError: Error, Equatable, CustomStringConvertible {
  /// The argument is the empty string.
  case emptyArgument
  /// `FILE.h5:` with no dataset path after the colon.
  case missingDatasetPath(file: String)
  /// A PNG or JPEG file could not be read (missing, not an image, truncated, ...).
  case image(ImageError)
  /// An HDF5 file named without a dataset; `candidates` are its image-shaped datasets.
  case hdf5WithoutDataset(file: String, candidates: [String])
  /// The HDF5 file does not exist.
  case missingFile(file: String, dataset: String)
  /// The file exists but is not HDF5.
  case notHDF5(file: String, dataset: String, reason: String)
  /// Nothing is stored at `dataset`; `suggestion` is the closest dataset path, `candidates` the
  /// image-shaped datasets of the file.
  case missingDataset(file: String, dataset: String, suggestion: String?, candidates: [String])
  /// `dataset` is a group (or another non-dataset object); `candidates` are the image-shaped
  /// datasets below it.
  case notADataset(file: String, dataset: String, candidates: [String])
  /// The dataset holds neither float32 nor float64 values.
  case wrongElementType(file: String, dataset: String, found: String)
  /// The dataset's shape is not `[3, H, W]` or `[1, 3, H, W]`.
  case wrongShape(file: String, dataset: String, shape: Shape)
  /// `count` values are NaN or infinite; the first, `firstValue`, at (channel, row, column).
  case nonFinite(
    file: String, dataset: String, count: Int, firstPosition: [Int], firstValue: String)
  /// Another failure reading the HDF5 file (`detail` is the store's message).
  case unreadable(file: String, dataset: String, detail: String)

  /// One line (or a few, listing candidates): `FILE.h5:/path: problem`.
  public var description: String {
    switch self {
    case .emptyArgument:
      return "an image argument is empty; give a PNG or JPEG file or FILE.h5:/path/to/dataset"
    case .missingDatasetPath(let file):
      return "\(file): no dataset path after ':'; write \(file):/path/to/dataset"
    case .image(let error):
      return error.description
    case .hdf5WithoutDataset(let file, let candidates):
      return "\(file): an HDF5 file, not an image; name a dataset as \(file):/path/to/dataset"
        + Self.listing(candidates, in: "it")
    case .missingFile(let file, let dataset):
      return "\(file): no such file (reading \(file):\(dataset))"
    case .notHDF5(let file, let dataset, let reason):
      return "\(file): not an HDF5 file (\(reason)); cannot read dataset \(dataset)"
    case .missingDataset(let file, let dataset, let suggestion, let candidates):
      let hint = suggestion.map { " (did you mean \"\($0)\"?)" } ?? ""
      return "\(file):\(dataset): no such dataset\(hint)" + Self.listing(candidates, in: "the file")
    case .notADataset(let file, let dataset, let candidates):
      return "\(file):\(dataset): a group, not a dataset"
        + Self.listing(candidates, in: "the group")
    case .wrongElementType(let file, let dataset, let found):
      return "\(file):\(dataset): holds \(found) values; an image dataset must be float32 or "
        + "float64 RGB in [0, 1]"
    case .wrongShape(let file, let dataset, let shape):
      return "\(file):\(dataset): shape \(shape); expected [3, H, W] or [1, 3, H, W] (RGB, "
        + "H and W at least 1)"
    case .nonFinite(let file, let dataset, let count, let position, let value):
      let where_ =
        position.count == 3
        ? "channel \(position[0]), row \(position[1]), column \(position[2])" : "\(position)"
      let noun = count == 1 ? "value is" : "values are"
      return "\(file):\(dataset): \(count) \(noun) not finite (the first, \(value), at "
        + "\(where_)); an image must be finite"
    case .unreadable(let file, let dataset, let detail):
      return "\(file):\(dataset): cannot read the dataset: \(detail)"
    }
  }

  /// `; image datasets in PLACE: /a [3, 64, 64], ...` (at most 8), or `; PLACE holds no [3, H, W]
  /// float dataset`.
  private static func listing(_ candidates: [String], in place: String) -> String {
    guard !candidates.isEmpty else { return "; \(place) holds no [3, H, W] float dataset" }
    let limit = 8
    let shown = candidates.prefix(limit).joined(separator: ", ")
    let more = candidates.count > limit ? ", ... (\(candidates.count) in all)" : ""
    return "; image datasets in \(place): \(shown)\(more)"
  }
}
