import Foundation
import Store
import TensorCore
import Testing

@Suite("HDF5 errors name the file and the path")
struct HDF5ErrorTests {
  @Test("a missing file")
  func missingFile() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("absent.h5")
    let error = #expect(throws: StoreError.self) { try HDF5File.open(path) }
    #expect(error == .fileNotFound(file: path))
    #expect(error?.description == "\(path): no such file")
  }

  @Test(
    "files that are not HDF5",
    arguments: [
      ("text.h5", Data("this is not an HDF5 file\n".utf8), "no HDF5 signature in its 25 bytes"),
      ("empty.h5", Data(), "the file is empty"),
      (
        "png.h5", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        "no HDF5 signature in its 8 bytes"
      ),
    ])
  func notHDF5(name: String, contents: Data, reason: String) throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file(name)
    try contents.write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: StoreError.self) { try HDF5File.open(path) }
    #expect(error == .notHDF5(file: path, reason: reason))
    #expect(error?.description == "\(path): not an HDF5 file (\(reason))")
  }

  @Test("a directory")
  func directoryIsNotAFile() throws {
    let directory = try HDF5TestDirectory()
    let error = #expect(throws: StoreError.self) { try HDF5File.open(directory.path) }
    #expect(error == .notHDF5(file: directory.path, reason: "it is a directory"))
  }

  @Test("a truncated HDF5 file gives HDF5's reason, not a crash")
  func truncated() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("truncated.h5")
    do {
      let file = try HDF5File.create(path)
      try file.root.write(Tensor(zeros: [256, 256]), to: "big", compression: .none)
      try file.close()
    }
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: StoreError.self) { try HDF5File.open(path).root.readTensor("big") }
    let text = error?.description ?? ""
    #expect(text.hasPrefix("\(path): /: HDF5 failed opening the file: "))
    #expect(text.contains("truncated file"))
  }

  @Test("missing paths, wrong kinds, wrong attribute kinds, existing files")
  func pathErrors() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("paths.h5")
    let file = try HDF5File.create(path)
    let root = try file.root
    try root.write(Tensor(zeros: [2]), to: "weights/bias")
    try root.setAttribute("note", .string("text"))

    let missing = #expect(throws: StoreError.self) { try root.readTensor("weights/weight") }
    #expect(missing?.description == "\(path): /weights/weight: not found")
    let deeper = #expect(throws: StoreError.self) { try root.group("no/such/group") }
    #expect(deeper?.description == "\(path): /no/such/group: not found")
    let kind = #expect(throws: StoreError.self) { try root.readTensor("weights") }
    #expect(kind?.description == "\(path): /weights: expected a dataset, found a group")
    let group = #expect(throws: StoreError.self) { try root.group("weights/bias") }
    #expect(group?.description == "\(path): /weights/bias: expected a group, found a dataset")
    let attribute = #expect(throws: StoreError.self) { try root.integerAttribute("note") }
    #expect(
      attribute?.description == "\(path): /@note: expected one integer, found string of shape []")
    let absent = #expect(throws: StoreError.self) { try root.attribute("nothing") }
    #expect(absent?.description == "\(path): /@nothing: not found")
    let exists = #expect(throws: StoreError.self) { try HDF5File.create(path) }
    #expect(exists?.description == "\(path): /: already exists")
    let twice = #expect(throws: StoreError.self) {
      try root.write(Tensor(zeros: [1]), to: "weights/bias")
    }
    #expect(twice?.description == "\(path): /weights/bias: already exists")
    try file.close()
  }

  @Test("writing to a read-only file")
  func readOnly() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("readonly.h5")
    try HDF5File.create(path).close()
    let root = try HDF5File.open(path).root
    let error = #expect(throws: StoreError.self) { try root.write(Tensor(zeros: [1]), to: "x") }
    #expect(error?.description == "\(path): /x: HDF5 failed writing: the file is open read-only")
  }

  @Test("using a closed file")
  func closed() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("closed.h5")
    let file = try HDF5File.create(path)
    let root = try file.root
    try file.close()
    try file.close()
    let error = #expect(throws: StoreError.self) { try root.childNames() }
    #expect(error?.description == "\(path): /: HDF5 failed using the file: the file was closed")
  }
}
