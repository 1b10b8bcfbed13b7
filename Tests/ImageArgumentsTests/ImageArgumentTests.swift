import Foundation
import ImageArguments
import TensorCore
import Testing
import _TestSupport

@testable import Store

/// `ImageArgument`: parsing (`FILE.h5:/dataset` against plain paths), loading PNG, JPEG and HDF5
/// datasets, and every error message.
@Suite struct ImageArgumentTests {
  /// A directory holding `images.h5` (datasets of every interesting kind), `picture.png`,
  /// `photo.jpg`, `notes.txt`, `fake.h5` (text) and `a:b.png` (a PNG whose name has a colon).
  final class Files {
    let directory: TemporaryDirectory
    var h5: String { directory.file("images.h5") }

    init() throws {
      directory = try TemporaryDirectory("image-arguments")
      let file = try HDF5File.create(directory.file("images.h5"))
      let root = try file.root
      try root.write(rampTensor([3, 4, 5]), to: "inputs/image_a")
      try root.write(rampTensor([1, 3, 4, 5], offset: 0.1), to: "inputs/batched")
      try root.write(
        ShapedArray(shape: [3, 2, 2], scalars: (0..<12).map { Double($0) / 16 }), to: "float64")
      try root.write(
        ShapedArray(shape: [3, 2, 2], scalars: [Int32](repeating: 1, count: 12)), to: "ints")
      try root.write(rampTensor([4, 2, 2]), to: "four_channels")
      try root.write(rampTensor([2, 3, 2, 2]), to: "batch_of_two")
      try root.write(rampTensor([3, 0, 2]), to: "empty", compression: .none)
      var nan = rampTensor([3, 2, 2])
      nan.withUnsafeMutableBufferPointer {
        $0[5] = .nan; $0[9] = .infinity
      }
      try root.write(nan, to: "nan")
      try root.write(rampTensor([3, 2, 2], offset: -0.5, step: 0.2), to: "out_of_range")
      try file.close()
      try writePNG(rampTensor([1, 3, 4, 6], step: 0.01), path: directory.file("picture.png"))
      try writePNG(rampTensor([1, 3, 2, 2]), path: directory.file("a:b.png"))
      let samples = (0..<(8 * 8 * 3)).map { UInt8($0 % 251) }
      let jpeg = try encodeJPEG(
        samples, width: 8, height: 8, format: .rgb, quality: 95, path: "photo.jpg")
      try Data(jpeg).write(to: URL(fileURLWithPath: directory.file("photo.jpg")))
      try directory.writeText("not an image\n", to: "notes.txt")
      try directory.writeText("not HDF5 either\n", to: "fake.h5")
    }
  }

  @Test func plainPathsAreImageFiles() throws {
    let files = try Files()
    let png = try ImageArgument(parsing: files.directory.file("picture.png"))
    #expect(png.source == .imageFile(path: files.directory.file("picture.png")))
    // A missing file without an HDF5 suffix before a colon is still an image path.
    let missing = try ImageArgument(parsing: "shots/12:30.png")
    #expect(missing.source == .imageFile(path: "shots/12:30.png"))
  }

  @Test func anExistingFileWithAColonIsThatFile() throws {
    let files = try Files()
    let path = files.directory.file("a:b.png")
    #expect(try ImageArgument(parsing: path).source == .imageFile(path: path))
    #expect(try ImageArgument(parsing: path).load().image.shape == [1, 3, 2, 2])
  }

  @Test(arguments: [
    ("images.h5:/inputs/image_a", "images.h5", "/inputs/image_a"),
    ("images.h5:inputs/image_a", "images.h5", "/inputs/image_a"),
    ("IMAGES.H5:/x", "IMAGES.H5", "/x"),
    ("run.hdf5:/samples/step-100", "run.hdf5", "/samples/step-100"),
    ("dir.h5/file.h5:/a:b", "dir.h5/file.h5", "/a:b"),
  ])
  func hdf5SuffixSplitsAtTheColon(_ c: (text: String, file: String, dataset: String)) throws {
    let argument = try ImageArgument(parsing: c.text)
    #expect(argument.source == .hdf5Dataset(file: c.file, dataset: c.dataset))
    #expect(argument.file == c.file)
    #expect(argument.description == c.text)
  }

  @Test func theSplitWhoseFileExistsWins() throws {
    let directory = try TemporaryDirectory()
    // A file literally named `x.h5:y.h5`: the later colon is the separator.
    let odd = directory.file("x.h5:y.h5")
    let file = try HDF5File.create(odd)
    try file.root.write(rampTensor([3, 2, 2]), to: "image")
    try file.close()
    let argument = try ImageArgument(parsing: odd + ":/image")
    #expect(argument.source == .hdf5Dataset(file: odd, dataset: "/image"))
    #expect(try argument.load().image.scalars == rampTensor([3, 2, 2]).scalars)
  }

  @Test func loadsDatasetsExactly() throws {
    let files = try Files()
    let plain = try ImageArgument(parsing: files.h5 + ":/inputs/image_a").load()
    #expect(plain.image.shape == [1, 3, 4, 5])
    #expect(plain.image.scalars == rampTensor([3, 4, 5]).scalars)
    #expect(plain.storedShape == [1, 3, 4, 5])
    #expect(plain.rangeWarning == nil)
    let batched = try ImageArgument(parsing: files.h5 + ":/inputs/batched").load()
    #expect(batched.image.scalars == rampTensor([1, 3, 4, 5], offset: 0.1).scalars)
    let double = try ImageArgument(parsing: files.h5 + ":/float64").load()
    #expect(double.image.shape == [1, 3, 2, 2])
    #expect(double.image.scalars == (0..<12).map { Float($0) / 16 })
  }

  @Test func loadsPNGAndJPEG() throws {
    let files = try Files()
    let png = try ImageArgument(parsing: files.directory.file("picture.png")).load()
    #expect(png.image.shape == [1, 3, 4, 6])
    let expected = rampTensor([1, 3, 4, 6], step: 0.01).scalars
    #expect(zip(png.image.scalars, expected).allSatisfy { abs($0 - $1) <= 1.0 / 510 + 1e-6 })
    let jpeg = try ImageArgument(parsing: files.directory.file("photo.jpg")).load()
    #expect(jpeg.image.shape == [1, 3, 8, 8])
    #expect(jpeg.minimum >= 0 && jpeg.maximum <= 1)
  }

  @Test func valuesOutsideTheUnitIntervalAreKeptWithAWarning() throws {
    let files = try Files()
    let loaded = try ImageArgument(parsing: files.h5 + ":/out_of_range").load()
    #expect(loaded.minimum == -0.5)
    #expect(abs(loaded.maximum - 1.7) < 1e-6)
    let warning = try #require(loaded.rangeWarning)
    #expect(warning.hasPrefix(files.h5 + ":/out_of_range: values span [-0.5, 1.7"))
    #expect(warning.hasSuffix("outside [0, 1]; used as given"))
  }

  @Test func resizingAppliesAfterLoading() throws {
    let files = try Files()
    let argument = try ImageArgument(parsing: files.h5 + ":/inputs/image_a")
    let longest = try argument.load(resizing: ImageResizing(size: 10, mode: .longestSide))
    #expect(longest.image.shape == [1, 3, 8, 10])
    #expect(longest.storedShape == [1, 3, 4, 5])
    let cropped = try argument.load(resizing: ImageResizing(size: 2, mode: .centreCrop))
    #expect(cropped.image.shape == [1, 3, 2, 2])
  }

  /// Each bad argument and the start and a distinctive part of its message.
  static let errorCases: [(text: String, prefix: String, contains: String)] = [
    ("", "an image argument is empty", "FILE.h5:/path/to/dataset"),
    (
      "DIR/images.h5:", "DIR/images.h5: no dataset path after ':'", "DIR/images.h5:/path/to/dataset"
    ),
    ("DIR/missing.png", "DIR/missing.png: no such file", ""),
    ("DIR/notes.txt", "DIR/notes.txt: not a PNG or JPEG image", "6e 6f 74"),
    (
      "DIR/images.h5", "DIR/images.h5: an HDF5 file, not an image; name a dataset",
      "image datasets in it: /float64 [3, 2, 2], /inputs/batched [1, 3, 4, 5]"
    ),
    ("DIR/nothere.h5:/x", "DIR/nothere.h5: no such file (reading DIR/nothere.h5:/x)", ""),
    ("DIR/fake.h5:/x", "DIR/fake.h5: not an HDF5 file", "cannot read dataset /x"),
    (
      "DIR/images.h5:/inputs/image_c", "DIR/images.h5:/inputs/image_c: no such dataset",
      "no such dataset (did you mean \"/inputs/image_a\"?); image datasets in the file: "
    ),
    (
      "DIR/images.h5:/inputs", "DIR/images.h5:/inputs: a group, not a dataset",
      "image datasets in the group: /inputs/batched [1, 3, 4, 5], /inputs/image_a [3, 4, 5]"
    ),
    ("DIR/images.h5:/ints", "DIR/images.h5:/ints: holds int32 values", "float32 or float64"),
    (
      "DIR/images.h5:/four_channels", "DIR/images.h5:/four_channels: shape [4, 2, 2]",
      "expected [3, H, W] or [1, 3, H, W]"
    ),
    ("DIR/images.h5:/batch_of_two", "DIR/images.h5:/batch_of_two: shape [2, 3, 2, 2]", "expected"),
    ("DIR/images.h5:/empty", "DIR/images.h5:/empty: shape [3, 0, 2]", "at least 1"),
    (
      "DIR/images.h5:/nan", "DIR/images.h5:/nan: 2 values are not finite",
      "(the first, nan, at channel 1, row 0, column 1); an image must be finite"
    ),
  ]

  @Test(arguments: errorCases)
  func everyProblemHasAMessageNamingTheFile(_ c: (text: String, prefix: String, contains: String))
    throws
  {
    let files = try Files()
    let dir = files.directory.path
    let text = c.text.replacingOccurrences(of: "DIR", with: dir)
    var message = ""
    do {
      _ = try ImageArgument(parsing: text).load()
      Issue.record("\(c.text) loaded")
    } catch {
      message = error.description
    }
    let prefix = c.prefix.replacingOccurrences(of: "DIR", with: dir)
    #expect(message.hasPrefix(prefix), "\(message)")
    let part = c.contains.replacingOccurrences(of: "DIR", with: dir)
    #expect(part.isEmpty || message.contains(part), "\(message)")
  }

  @Test func codesAsItsText() throws {
    let files = try Files()
    let argument = try ImageArgument(parsing: files.h5 + ":/inputs/image_a")
    let data = try JSONEncoder().encode([argument])
    #expect(String(decoding: data, as: UTF8.self).contains("images.h5:\\/inputs\\/image_a"))
    #expect(try JSONDecoder().decode([ImageArgument].self, from: data) == [argument])
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode([ImageArgument].self, from: Data("[\"x.h5:\"]".utf8))
    }
  }
}
