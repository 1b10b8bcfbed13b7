import Foundation
import Testing

@testable import Store
@testable import TensorCore

/// A smooth RGB test pattern (gradients and a soft disc), interleaved, `height x width x 3`.
func smoothRGB(width: Int, height: Int) -> [UInt8] {
  var samples: [UInt8] = []
  for y in 0..<height {
    for x in 0..<width {
      let dx = Double(x) - Double(width) / 2
      let dy = Double(y) - Double(height) / 2
      let disc = max(0, 1 - (dx * dx + dy * dy) / Double(width * width / 8))
      samples.append(UInt8(255 * Double(x) / Double(width - 1)))
      samples.append(UInt8(255 * Double(y) / Double(height - 1)))
      samples.append(UInt8(40 + 200 * disc))
    }
  }
  return samples
}

/// The shared image folder of the project (images for local testing; may be absent).
let sharedImageDirectory = "/work/shared/data"

/// Every image file under `sharedImageDirectory` (empty when the folder is absent).
func sharedImages() -> [String] {
  guard
    let names = FileManager.default.enumerator(atPath: sharedImageDirectory)?.allObjects
      as? [String]
  else { return [] }
  return names.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
    .map { sharedImageDirectory + "/" + $0 }
}

@Suite("Image I/O: JPEG")
struct ImageJPEGTests {
  @Test(
    "an RGB JPEG encoded with TurboJPEG decodes within JPEG tolerance",
    arguments: [(JPEGSubsampling.none, false), (.half, false), (.none, true)])
  func decodesEncodedRGB(subsampling: JPEGSubsampling, progressive: Bool) throws {
    let (width, height) = (40, 24)
    let source = smoothRGB(width: width, height: height)
    let jpeg = try encodeJPEG(
      source, width: width, height: height, format: .rgb, quality: 95,
      subsampling: subsampling, progressive: progressive, path: "rgb.jpg")
    try withImageDirectory { directory in
      let path = directory + "/picture.jpg"
      try writeFileBytes(jpeg, to: path)
      let image = try readImage(path: path)
      #expect(image.shape == [1, 3, height, width])
      let expected = (0..<3).flatMap { channel in
        (0..<(width * height)).map { Float(source[3 * $0 + channel]) / 255 }
      }
      let differences = zip(image.scalars, expected).map { abs($0 - $1) }
      let mean = differences.reduce(0, +) / Float(differences.count)
      #expect(mean < 0.01, "mean absolute difference \(mean)")
      #expect(differences.max() ?? 1 < 0.08, "largest difference \(differences.max() ?? 1)")
    }
  }

  @Test("a grayscale JPEG gives three equal channels")
  func decodesGray() throws {
    let (width, height) = (16, 16)
    let source = (0..<(width * height)).map { UInt8(($0 * 7) % 256 / 2 + 60) }
    let jpeg = try encodeJPEG(
      source, width: width, height: height, format: .gray, quality: 100, path: "g.jpg")
    let image = try decodeImage(jpeg, path: "g.jpg")
    let plane = width * height
    let values = image.scalars
    #expect(Array(values[0..<plane]) == Array(values[plane..<2 * plane]))
    #expect(Array(values[0..<plane]) == Array(values[2 * plane..<3 * plane]))
    let expected = source.map { Float($0) / 255 }
    #expect(largestDifference(Array(values[0..<plane]), expected) < 0.05)
  }

  @Test("a CMYK JPEG is refused with an error naming the file")
  func refusesCMYK() throws {
    let jpeg = try encodeJPEG(
      [UInt8](repeating: 100, count: 8 * 8 * 4), width: 8, height: 8, format: .cmyk, quality: 90,
      path: "cmyk.jpg")
    let error = imageError { _ = try decodeImage(jpeg, path: "dir/cmyk.jpg") }
    guard case .unsupported = error else {
      Issue.record("expected unsupported, got \(String(describing: error))")
      return
    }
    #expect(error?.description.hasPrefix("dir/cmyk.jpg: ") == true)
    #expect(error?.description.contains("CMYK") == true)
  }

  @Test(
    "the shared data images decode to [1, 3, H, W] in [0, 1]",
    .enabled(
      if: !sharedImages().isEmpty,
      "skipped: no images in \(sharedImageDirectory) (the shared data folder is absent)"))
  func decodesSharedImages() throws {
    for path in sharedImages() {
      let image = try readImage(path: path)
      let (n, c, h, w) = image.shape.nchw
      #expect(n == 1 && c == 3 && h >= 64 && w >= 64, "\(path): shape \(image.shape)")
      let values = image.scalars
      #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(path): values outside [0, 1]")
      let mean = values.reduce(0, +) / Float(values.count)
      #expect(mean > 0.02 && mean < 0.98, "\(path): mean \(mean)")
    }
  }

  @Test(
    "a style JPEG has the size in its header",
    .enabled(
      if: FileManager.default.fileExists(atPath: sharedImageDirectory + "/styles/starry.jpg"),
      "skipped: \(sharedImageDirectory)/styles/starry.jpg is absent"))
  func styleSize() throws {
    let image = try readImage(path: sharedImageDirectory + "/styles/starry.jpg")
    #expect(image.shape == [1, 3, 320, 512])
  }
}
