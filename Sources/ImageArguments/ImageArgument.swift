import Foundation
import Store
import Suggestions
import TensorCore

/// An image named on the command line or in an experiment file: a PNG or JPEG file, or a float
/// dataset inside an HDF5 file, written `FILE.h5:/path/to/dataset` (also `.hdf5:`), so that exact
/// arrays (a fixture's input, a generator's unclamped output) can be used without 8-bit rounding.
///
/// Loading gives RGB `[1, 3, H, W]` float32. An HDF5 dataset must be float32 or float64 of shape
/// `[3, H, W]` or `[1, 3, H, W]` (channels R, G, B), finite, meant to lie in [0, 1].
///
/// Parsing reads the file system only to resolve ambiguity: text naming an existing file is that
/// file, even if it contains `:` (`shots/12:30.png`). Otherwise the text is split at the first
/// `:` that follows `.h5` or `.hdf5` (any case) and whose left part exists as a file, or, when
/// no such file exists, at the first such `:` (loading then reports the missing file). Any other
/// text is an image path. In JSON an argument is its text.
///
/// - Note: Values outside [0, 1] are accepted (the descriptor is defined for any real input, and
///   a generator's raw output is worth examining as is) and reported by
///   `LoadedImage.rangeWarning`; non-finite values are an error.
public struct ImageArgument: Equatable, Sendable, CustomStringConvertible, Codable {
  /// Where the pixels come from.
  public enum Source: Equatable, Sendable {
    /// A PNG or JPEG file (the format is detected by content).
    case imageFile(path: String)
    /// The dataset at absolute path `dataset` (`/inputs/image_a`) of the HDF5 file `file`.
    case hdf5Dataset(file: String, dataset: String)
  }

  /// The text as given.
  public let text: String
  /// What the text names.
  public let source: Source

  /// The file-name endings that mark an HDF5 file before `:`.
  public static let hdf5Suffixes = [".h5", ".hdf5"]

  /// Parses `text` (see the type's documentation). Throws for empty text and for `FILE.h5:`
  /// with nothing after the colon; every other problem is found by `load`.
  public init(parsing text: String) throws(ImageArgumentError) {
    guard !text.isEmpty else { throw .emptyArgument }
    self.text = text
    if Self.fileExists(text) {
      source = .imageFile(path: text)
      return
    }
    let splits = Self.hdf5Splits(of: text)
    guard let chosen = splits.first(where: { Self.fileExists($0.file) }) ?? splits.first else {
      source = .imageFile(path: text)
      return
    }
    guard !chosen.dataset.isEmpty else { throw .missingDatasetPath(file: chosen.file) }
    let dataset = chosen.dataset.hasPrefix("/") ? chosen.dataset : "/" + chosen.dataset
    source = .hdf5Dataset(file: chosen.file, dataset: dataset)
  }

  /// The file the argument reads (the image, or the HDF5 file).
  public var file: String {
    switch source {
    case .imageFile(let path): return path
    case .hdf5Dataset(let file, _): return file
    }
  }

  /// The text as given.
  public var description: String { text }

  /// Every way to read `text` as `FILE.h5:DATASET`, leftmost colon first.
  static func hdf5Splits(of text: String) -> [(file: String, dataset: String)] {
    var splits: [(file: String, dataset: String)] = []
    var index = text.startIndex
    while let colon = text[index...].firstIndex(of: ":") {
      let file = String(text[..<colon])
      if hdf5Suffixes.contains(where: { file.lowercased().hasSuffix($0) }) {
        splits.append((file, String(text[text.index(after: colon)...])))
      }
      index = text.index(after: colon)
    }
    return splits
  }

  static func fileExists(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      && !isDirectory.boolValue
  }

  /// Decodes the text and parses it.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    do {
      try self.init(parsing: text)
    } catch {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
    }
  }

  /// Encodes the text.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(text)
  }

  /// Two arguments are equal when their texts are.
  public static func == (a: ImageArgument, b: ImageArgument) -> Bool { a.text == b.text }
}

/// An image as loaded: RGB `[1, 3, H, W]`, resized if asked, with its value range.
public struct LoadedImage: Sendable {
  /// Where it came from.
  public var argument: ImageArgument
  /// The image `[1, 3, H, W]`, after resizing.
  public var image: Tensor
  /// `[1, 3, H, W]` as stored, before resizing.
  public var storedShape: Shape
  /// The smallest value as stored.
  public var minimum: Float
  /// The largest value as stored.
  public var maximum: Float

  /// `ARGUMENT: values span [a, b], outside [0, 1]; used as given`, or nil inside [0, 1].
  public var rangeWarning: String? {
    guard minimum < 0 || maximum > 1 else { return nil }
    return "\(argument.text): values span [\(minimum), \(maximum)], outside [0, 1]; used as given"
  }
}

extension ImageArgument {
  /// Loads the image as RGB `[1, 3, H, W]`, then applies `resizing` (nil: as stored).
  ///
  /// - Throws: `ImageArgumentError` naming the file (and the dataset): missing file, not an
  ///   image, not HDF5, missing dataset (with a did-you-mean and the image-shaped datasets the
  ///   file holds), wrong element type, wrong shape, non-finite values.
  public func load(resizing: ImageResizing? = nil) throws(ImageArgumentError) -> LoadedImage {
    let stored: Tensor
    switch source {
    case .imageFile(let path):
      stored = try Self.readImageFile(path)
    case .hdf5Dataset(let file, let dataset):
      stored = try Self.readDataset(file: file, dataset: dataset)
    }
    var minimum = Float.infinity
    var maximum = -Float.infinity
    stored.withUnsafeBufferPointer { values in
      for value in values {
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
      }
    }
    let image = resizing.map { $0.apply(stored) } ?? stored
    return LoadedImage(
      argument: self, image: image, storedShape: stored.shape, minimum: minimum, maximum: maximum)
  }

  /// A PNG or JPEG; an HDF5 file named without a dataset gets a message saying how to name one.
  static func readImageFile(_ path: String) throws(ImageArgumentError) -> Tensor {
    do {
      return try readImage(path: path)
    } catch {
      if case .notAnImage(_, let firstBytes) = error, firstBytes == hdf5Signature {
        throw .hdf5WithoutDataset(file: path, candidates: imageDatasets(inFile: path))
      }
      throw .image(error)
    }
  }

  /// The first 8 bytes of every HDF5 file (at offset 0, where this reader looks).
  static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

  /// The dataset `[3, H, W]` or `[1, 3, H, W]`, float32 or float64, finite, as `[1, 3, H, W]`.
  static func readDataset(file path: String, dataset: String) throws(ImageArgumentError) -> Tensor {
    let file: HDF5File
    do {
      file = try HDF5File.open(path)
    } catch StoreError.fileNotFound {
      throw .missingFile(file: path, dataset: dataset)
    } catch StoreError.notHDF5(_, let reason) {
      throw .notHDF5(file: path, dataset: dataset, reason: reason)
    } catch {
      throw .unreadable(file: path, dataset: dataset, detail: "\(error)")
    }
    defer { try? file.close() }
    do {
      let root = try file.root
      switch try root.kind(of: dataset) {
      case nil:
        let all = (try? root.datasetPaths().map { "/" + $0 }) ?? []
        throw ImageArgumentError.missingDataset(
          file: path, dataset: dataset, suggestion: closestName(to: dataset, among: all),
          candidates: imageDatasets(in: root))
      case .group?:
        throw ImageArgumentError.notADataset(
          file: path, dataset: dataset, candidates: imageDatasets(in: try root.group(dataset)))
      case .other?:
        throw ImageArgumentError.notADataset(file: path, dataset: dataset, candidates: [])
      case .dataset?:
        break
      }
      let info = try root.dataset(dataset).info()
      guard info.elementType == .float32 || info.elementType == .float64 else {
        throw ImageArgumentError.wrongElementType(
          file: path, dataset: dataset, found: "\(info.elementType)")
      }
      guard let (height, width) = imageSize(of: info.shape) else {
        throw ImageArgumentError.wrongShape(file: path, dataset: dataset, shape: info.shape)
      }
      let image = try root.readTensor(dataset).reshaped([1, 3, height, width])
      try requireFinite(image, file: path, dataset: dataset)
      return image
    } catch let error as ImageArgumentError {
      throw error
    } catch {
      throw .unreadable(file: path, dataset: dataset, detail: "\(error)")
    }
  }

  /// `(H, W)` when `shape` is `[3, H, W]` or `[1, 3, H, W]` with H, W ≥ 1, else nil.
  static func imageSize(of shape: Shape) -> (height: Int, width: Int)? {
    let dimensions = shape.dimensions
    let spatial: ArraySlice<Int>
    switch dimensions.count {
    case 3 where dimensions[0] == 3: spatial = dimensions[1...]
    case 4 where dimensions[0] == 1 && dimensions[1] == 3: spatial = dimensions[2...]
    default: return nil
    }
    guard let height = spatial.first, let width = spatial.last, height > 0, width > 0 else {
      return nil
    }
    return (height, width)
  }

  /// Throws `nonFinite` with the count and the first position (channel, row, column).
  static func requireFinite(_ image: Tensor, file: String, dataset: String)
    throws(ImageArgumentError)
  {
    let (_, _, h, w) = image.shape.nchw
    var count = 0
    var first: (index: Int, value: Float)?
    image.withUnsafeBufferPointer { values in
      for (index, value) in values.enumerated() where !value.isFinite {
        count += 1
        if first == nil { first = (index, value) }
      }
    }
    guard let first else { return }
    throw .nonFinite(
      file: file, dataset: dataset, count: count,
      firstPosition: [first.index / (h * w), first.index / w % h, first.index % w],
      firstValue: "\(first.value)")
  }

  /// The float datasets of image shape in the HDF5 file at `path` (empty if it cannot be read).
  static func imageDatasets(inFile path: String) -> [String] {
    guard let file = try? HDF5File.open(path) else { return [] }
    defer { try? file.close() }
    guard let root = try? file.root else { return [] }
    return imageDatasets(in: root)
  }

  /// The float datasets of image shape below `group`, as absolute paths with their shapes.
  static func imageDatasets(in group: HDF5Group) -> [String] {
    guard let paths = try? group.datasetPaths() else { return [] }
    let prefix = group.path == "/" ? "/" : group.path + "/"
    return paths.compactMap { relative in
      guard let info = try? group.dataset(relative).info(),
        info.elementType == .float32 || info.elementType == .float64,
        imageSize(of: info.shape) != nil
      else { return nil }
      return "\(prefix)\(relative) \(info.shape)"
    }
  }
}
