import Foundation
import ImageArguments
import Store
import TensorCore

/// The content images of style-mode training, listed and checked once: every file of the
/// configuration's paths (folders expanded to their PNG and JPEG files, sorted by name), each
/// readable and at least the training size on both sides. Batches are read from disk as they are
/// needed, so a large set costs no memory.
public struct ContentSet: Sendable {
  /// The images, in set order.
  public let images: [ImageArgument]
  /// The crop to the training size.
  public let crop: ContentSetConfiguration.Crop
  /// The training size.
  public let size: Int

  /// The file extensions a folder's images are found by (case-insensitive).
  public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

  /// Lists and checks the set: throws `TrainingError.badContent` naming the folder or file for a
  /// missing path, an empty folder, an unreadable image or one smaller than `size` (all problems
  /// at once).
  public init(_ configuration: ContentSetConfiguration, size: Int) throws {
    var images: [ImageArgument] = []
    var problems: [String] = []
    for path in configuration.paths {
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        let found = names.filter { Self.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        if found.isEmpty {
          problems.append("\(path): the content folder holds no PNG or JPEG image")
        }
        for name in found {
          do { images.append(try ImageArgument(parsing: (path as NSString).appendingPathComponent(name))) } catch {
            problems.append("\(error)")
          }
        }
      } else {
        do { images.append(try ImageArgument(parsing: path)) } catch { problems.append("\(error)") }
      }
    }
    for image in images {
      do {
        let loaded = try image.load()
        let (_, _, h, w) = loaded.image.shape.nchw
        if h < size || w < size {
          problems.append("\(image.text): \(w)x\(h) pixels is smaller than the training size \(size)x\(size)")
        }
      } catch {
        problems.append("\(error)")
      }
    }
    guard problems.isEmpty else { throw TrainingError.badContent(problems) }
    self.images = images
    crop = configuration.crop
    self.size = size
  }

  /// A set of `images` taken as they are (already checked).
  init(images: [ImageArgument], crop: ContentSetConfiguration.Crop, size: Int) {
    self.images = images
    self.crop = crop
    self.size = size
  }

  /// Image `index` at the training size, `[1, 3, size, size]`; a random crop draws its offset
  /// from `random`.
  public func image(_ index: Int, random: inout RandomStream) throws -> Tensor {
    let loaded = try images[index].load().image
    let (_, _, h, w) = loaded.shape.nchw
    switch crop {
    case .resize:
      return h == size && w == size ? loaded : resizeImage(loaded, height: size, width: size)
    case .centreCrop:
      return scaleShorterSideAndCentreCrop(loaded, side: size)
    case .randomCrop:
      let heightBinds = h <= w
      let scaledHeight = heightBinds ? size : max(size, size * h / w)
      let scaledWidth = heightBinds ? max(size, size * w / h) : size
      let scaled = scaledHeight == h && scaledWidth == w
        ? loaded : resizeImage(loaded, height: scaledHeight, width: scaledWidth)
      let top = random.integer(below: scaledHeight - size + 1)
      let left = random.integer(below: scaledWidth - size + 1)
      return Store.crop(scaled, top: top, left: left, height: size, width: size)
    }
  }
}

/// The order in which a content set is visited: a random permutation per epoch (Fisher–Yates,
/// from the `content order` stream), consumed `batchSize` images at a time, a new permutation
/// drawn when one is used up. Checkpoints store it, so a resumed run sees the same images.
public struct ContentOrder: Equatable, Sendable {
  /// The current epoch's permutation of the set's indices.
  public var permutation: [Int]
  /// How many of them have been used.
  public var position: Int

  /// An order of a set of `count` images that draws its first permutation when first used.
  public init(count: Int) {
    permutation = Array(0..<count)
    position = count
  }

  /// An order restored from a checkpoint.
  public init(permutation: [Int], position: Int) {
    self.permutation = permutation
    self.position = position
  }

  /// The next image index, drawing a new permutation from `random` at an epoch's end.
  public mutating func next(random: inout RandomStream) -> Int {
    if position >= permutation.count {
      for i in stride(from: permutation.count - 1, to: 0, by: -1) {
        permutation.swapAt(i, random.integer(below: i + 1))
      }
      position = 0
    }
    defer { position += 1 }
    return permutation[position]
  }
}
