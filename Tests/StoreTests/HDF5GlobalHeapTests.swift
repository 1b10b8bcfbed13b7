import Foundation
import Testing
import _TestSupport

@testable import Store

/// A damaged global heap collection (where variable-length strings live) is one error naming the
/// file and the byte, not a crash or a hang inside libhdf5 1.10.8: the hdf5 fuzz target found a
/// string attribute's object declaring 7.5e18 bytes (SIGSEGV in `H5HG_read`) and a free-space
/// object of size 0 (`H5HG__cache_heap_deserialize` loops forever), both in
/// `Tests/Fuzz/Regressions/hdf5/`.
@Suite struct HDF5GlobalHeapTests {
  static func regression(_ name: String) -> String {
    TestData.repositoryRoot.appendingPathComponent("Tests/Fuzz/Regressions/hdf5/\(name)").path
  }

  @Test(arguments: [
    (
      "fuzz-found-global-heap-object-segfault.h5",
      "global heap collection at byte 2048 (where variable-length strings are stored): object 1"
        + " at byte 2064 declares 7523097587054805022 bytes, but only 4064 remain in the"
        + " 4096-byte collection"
    ),
    (
      "fuzz-found-global-heap-free-space-hang.h5",
      "global heap collection at byte 2048 (where variable-length strings are stored): its free"
        + " space at byte 2112 declares 0 bytes, less than its own 16-byte header"
    ),
  ])
  func aDamagedCollectionIsOneErrorBeforeLibHDF5ReadsIt(name: String, detail: String) {
    let path = Self.regression(name)
    #expect(throws: StoreError.damaged(file: path, detail: detail)) {
      _ = try HDF5File.open(path)
    }
    #expect(throws: StoreError.damaged(file: path, detail: detail)) {
      _ = try HDF5File.open(path, mode: .readWrite)
    }
  }

  @Test func soundFilesWithStringsPass() throws {
    let folder = try TemporaryDirectory()
    let path = folder.file("strings.h5")
    let file = try HDF5File.create(path)
    for index in 0..<200 {
      try file.root.setAttribute("text\(index)", .string(String(repeating: "x", count: index)))
    }
    try file.close()
    #expect(HDF5GlobalHeapCheck.problem(inFileAt: path) == nil)
    let reopened = try HDF5File.open(path)
    #expect(try reopened.root.attribute("text199") == .string(String(repeating: "x", count: 199)))
    try reopened.close()
    let corpus = TestData.repositoryRoot.appendingPathComponent("Tests/Fuzz/Corpus/hdf5").path
    for name in try FileManager.default.contentsOfDirectory(atPath: corpus) {
      #expect(HDF5GlobalHeapCheck.problem(inFileAt: "\(corpus)/\(name)") == nil, "\(name)")
    }
  }

  /// A collection of `size` bytes at byte 8 of an otherwise empty image, with `objects` as
  /// (index, declared size, data bytes written).
  static func image(size: UInt64, objects: [(UInt16, UInt64, Int)], padTo total: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 8) + Array("GCOL".utf8) + [1, 0, 0, 0]
    bytes += withUnsafeBytes(of: size.littleEndian, Array.init)
    for (index, declared, written) in objects {
      bytes += withUnsafeBytes(of: index.littleEndian, Array.init) + [0, 0, 0, 0, 0, 0]
      bytes += withUnsafeBytes(of: declared.littleEndian, Array.init)
      bytes += [UInt8](repeating: 0xAB, count: written)
    }
    return bytes + [UInt8](repeating: 0, count: max(0, total - bytes.count))
  }

  static func problem(_ bytes: [UInt8]) -> String? {
    HDF5GlobalHeapCheck.problem(in: bytes)
  }

  @Test func theWalkFollowsLibHDF5sLayout() {
    // 16-byte header, object 1 (5 bytes, padded to 8), free space for the rest: 128 bytes.
    let sound = Self.image(size: 128, objects: [(1, 5, 8), (0, 88, 0)], padTo: 200)
    #expect(Self.problem(sound) == nil)
    // Tail shorter than an object header is free space without a header.
    let tail = Self.image(size: 48, objects: [(1, 8, 8)], padTo: 64)
    #expect(Self.problem(tail) == nil)
    let prefix = "global heap collection at byte 8 (where variable-length strings are stored): "
    #expect(
      Self.problem(Self.image(size: 128, objects: [(1, 97, 0)], padTo: 200))
        == prefix + "object 1 at byte 24 declares 97 bytes, but only 96 remain in the 128-byte"
        + " collection")
    #expect(
      Self.problem(Self.image(size: 128, objects: [(1, 5, 8), (0, 89, 0)], padTo: 200))
        == prefix + "its free space at byte 48 declares 89 bytes, but only 88 remain in the"
        + " 128-byte collection")
    #expect(
      Self.problem(Self.image(size: 128, objects: [(0, 15, 0)], padTo: 200))
        == prefix + "its free space at byte 24 declares 15 bytes, less than its own 16-byte"
        + " header")
    #expect(
      Self.problem(Self.image(size: 1000, objects: [], padTo: 200))
        == prefix + "its free space at byte 24 declares 0 bytes, less than its own 16-byte"
        + " header")
    #expect(
      Self.problem(Self.image(size: 8, objects: [], padTo: 200))
        == prefix + "it declares 8 bytes, less than its own 16-byte header")
    // Past the end of the file libhdf5 reads zeros: a header there is a free space of size 0.
    #expect(
      Self.problem(Array(Self.image(size: 128, objects: [(1, 5, 8)], padTo: 0).prefix(48)))
        == prefix + "its free space at byte 48, past the end of the file (48 bytes), where"
        + " libhdf5 reads zeros, declares 0 bytes, less than its own 16-byte header")
    // The file ends inside the collection's size field (two of its eight bytes kept: 128).
    #expect(
      Self.problem(Array(Self.image(size: 128, objects: [], padTo: 0).prefix(18)))
        == prefix + "its free space at byte 24, past the end of the file (18 bytes), where"
        + " libhdf5 reads zeros, declares 0 bytes, less than its own 16-byte header")
    // A collection running past the end is sound if its free space reaches over it.
    #expect(
      Self.problem(Array(Self.image(size: 128, objects: [(1, 5, 8), (0, 88, 0)], padTo: 0)
        .prefix(64))) == nil)
    // A "GCOL" not followed by version 1 is not a collection.
    var other = Self.image(size: 1000, objects: [], padTo: 200)
    other[12] = 2
    #expect(Self.problem(other) == nil)
  }
}
