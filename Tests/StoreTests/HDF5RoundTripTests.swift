import Foundation
import Store
import TensorCore
import Testing

@Suite("HDF5 round trips")
struct HDF5RoundTripTests {
  @Test("float32 tensors keep shape and every bit, chunked and compressed")
  func tensorRoundTrip() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("tensors.h5")
    let values = (0..<(8 * 3 * 5 * 7)).map { Float(sin(Double($0)) * 1e3) }
    let tensor = Tensor(shape: [8, 3, 5, 7], scalars: values)
    let large = Tensor(shape: [600, 600], scalars: (0..<360_000).map { Float($0) * 0.25 })
    do {
      let file = try HDF5File.create(path)
      let root = try file.root
      try root.write(tensor, to: "vgg/conv1_1/weight")
      try root.write(large, to: "/vgg/big", compression: .deflate(level: 1))
      try root.write(Tensor(scalar: 2.5), to: "scalar")
      try root.write(Tensor(zeros: [0, 3]), to: "empty")
      try root.write(tensor, to: "plain", compression: .none)
      try file.close()
    }
    let file = try HDF5File.open(path)
    let root = try file.root
    #expect(try root.readTensor("vgg/conv1_1/weight").scalars == values)
    #expect(try root.readTensor("vgg/conv1_1/weight").shape == [8, 3, 5, 7])
    #expect(try root.group("vgg").readTensor("conv1_1/weight").scalars == values)
    #expect(try root.readTensor("/vgg/big").scalars == large.scalars)
    #expect(try root.readTensor("scalar").shape == Shape([]))
    #expect(try root.readTensor("scalar").scalar == 2.5)
    #expect(try root.readTensor("empty").shape == [0, 3])
    #expect(try root.readTensor("plain").scalars == values)

    let info = try root.dataset("vgg/conv1_1/weight").info()
    #expect(info.elementType == .float32)
    #expect(info.chunkShape == [8, 3, 5, 7])
    #expect(info.filters == ["shuffle", "deflate(4)"])
    #expect(info.maximumShape == [8, 3, 5, 7])
    let big = try root.dataset("/vgg/big").info()
    #expect(big.chunkShape.map { $0.count * 4 <= 1 << 20 } == true)
    #expect(big.chunkShape?[1] == 600)
    #expect(try root.dataset("plain").info().filters == [])
    #expect(try root.dataset("scalar").info().chunkShape == nil)
  }

  @Test("float64, int32, int64 and uint8 datasets; float64 reads as a float32 tensor")
  func otherElementTypes() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("types.h5")
    let doubles = ShapedArray(shape: [2, 3], scalars: [1.0, 2.5, -3.25, 1e-10, 1e10, .pi])
    let int32s = ShapedArray<Int32>([7, -8, 9])
    let int64s = ShapedArray<Int64>(shape: [2, 1], scalars: [Int64.max, Int64.min])
    let bytes = ShapedArray<UInt8>([0, 128, 255])
    do {
      let file = try HDF5File.create(path)
      let root = try file.root
      try root.write(doubles, to: "goldens/doubles")
      try root.write(int32s, to: "indices/int32")
      try root.write(int64s, to: "indices/int64")
      try root.write(bytes, to: "bytes")
      try file.close()
    }
    let root = try HDF5File.open(path).root
    #expect(try root.read("goldens/doubles", as: Double.self) == doubles)
    #expect(try root.read("indices/int32", as: Int32.self) == int32s)
    #expect(try root.read("indices/int64", as: Int64.self) == int64s)
    #expect(try root.read("bytes", as: UInt8.self) == bytes)
    #expect(try root.dataset("goldens/doubles").info().elementType == .float64)
    #expect(try root.dataset("indices/int32").info().elementType == .int32)
    let converted = try root.readTensor("goldens/doubles")
    #expect(converted.shape == [2, 3])
    #expect(converted.scalars == doubles.scalars.map { Float($0) })
    #expect(try root.readTensor("indices/int32").scalars == [7, -8, 9])
    #expect(try root.read("indices/int32", as: Double.self).scalars == [7, -8, 9])
  }

  @Test("attributes: UTF-8 strings, JSON, string arrays, integers, reals, replacement")
  func attributes() throws {
    struct Config: Codable, Equatable {
      var name: String
      var seed: Int
      var layers: [String]
    }
    let directory = try HDF5TestDirectory()
    let path = directory.file("attributes.h5")
    let config = Config(name: "ablation-K · größe", seed: 17, layers: ["relu1_1", "relu2_1"])
    let long = String(repeating: "0123456789", count: 20_000)
    do {
      let file = try HDF5File.create(path)
      let root = try file.root
      try root.setAttribute("note", .string("héllo\nwörld ✓"))
      try root.setJSONAttribute("experiment", config)
      try root.setAttribute("long", .string(long))
      try root.setAttribute("empty", .string(""))
      try root.setAttribute("layers", .strings(["relu1_1", "relu2_1", ""]))
      try root.setAttribute("noStrings", .strings([]))
      try root.setAttribute("schemaVersion", .integer(1))
      try root.setAttribute("shape", .integers([64, 3, 3, 3]))
      try root.setAttribute("rate", .double(0.1))
      try root.setAttribute("rates", .doubles([0.1, 0.07]))
      try root.setAttribute("replaced", .integer(1))
      try root.setAttribute("replaced", .string("now text"))
      let weight = try root.write(Tensor(zeros: [2]), to: "w")
      try weight.setAttribute("torch_index", .integer(2))
      try root.group("/").setAttribute("removed", .double(1))
      try root.removeAttribute("removed")
      try file.close()
    }
    let root = try HDF5File.open(path).root
    #expect(try root.stringAttribute("note") == "héllo\nwörld ✓")
    #expect(try root.jsonAttribute(Config.self, "experiment") == config)
    #expect(try root.stringAttribute("long") == long)
    #expect(try root.attribute("empty") == .string(""))
    #expect(try root.stringsAttribute("layers") == ["relu1_1", "relu2_1", ""])
    #expect(try root.attribute("noStrings") == .strings([]))
    #expect(try root.integerAttribute("schemaVersion") == 1)
    #expect(try root.attribute("shape") == .integers([64, 3, 3, 3]))
    #expect(try root.attribute("rate") == .double(0.1))
    #expect(try root.doublesAttribute("rates") == [0.1, 0.07])
    #expect(try root.doublesAttribute("shape") == [64, 3, 3, 3])
    #expect(try root.attribute("replaced") == .string("now text"))
    #expect(try root.hasAttribute("removed") == false)
    #expect(try root.attributeIfPresent("removed") == nil)
    #expect(try root.dataset("w").integerAttribute("torch_index") == 2)
    #expect(
      try root.attributeNames() == [
        "empty", "experiment", "layers", "long", "noStrings", "note", "rate", "rates", "replaced",
        "schemaVersion", "shape",
      ])
    #expect(try root.attributeInfo("shape") == AttributeInfo(elementType: .int64, shape: [4]))
    #expect(try root.attributeInfo("note") == AttributeInfo(elementType: .string, shape: []))
  }

  @Test("groups: nested creation, listing, kinds, removal")
  func groups() throws {
    let directory = try HDF5TestDirectory()
    let file = try HDF5File.create(directory.file("groups.h5"))
    let root = try file.root
    let conv = try root.createGroup("vgg/conv1_1")
    #expect(conv.path == "/vgg/conv1_1")
    #expect(conv.name == "conv1_1")
    try conv.write(Tensor(zeros: [4]), to: "bias")
    try root.write(Tensor(zeros: [1]), to: "vgg/conv1_2/bias")
    try root.groupCreatingIfNeeded("vgg/conv2_1")
    try root.groupCreatingIfNeeded("vgg/conv2_1")
    #expect(try root.childNames() == ["vgg"])
    #expect(try root.group("vgg").childNames() == ["conv1_1", "conv1_2", "conv2_1"])
    #expect(try root.kind(of: "vgg") == .group)
    #expect(try root.kind(of: "vgg/conv1_1/bias") == .dataset)
    #expect(try root.kind(of: "vgg/nothing/deeper") == nil)
    #expect(try conv.kind(of: "/vgg") == .group)
    #expect(try root.datasetPaths() == ["vgg/conv1_1/bias", "vgg/conv1_2/bias"])
    try root.remove("vgg/conv1_2")
    #expect(try root.contains("vgg/conv1_2") == false)
    #expect(throws: StoreError.alreadyExists(file: file.path, path: "/vgg/conv1_1")) {
      try root.createGroup("vgg/conv1_1")
    }
    try root.write(Tensor(zeros: [2]), to: "vgg/conv1_1/bias", replacing: true)
    #expect(try root.readTensor("vgg/conv1_1/bias").shape == [2])
    try file.close()
  }

  @Test("reopening read-write keeps the content and adds to it")
  func reopen() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("reopen.h5")
    try HDF5File.create(path).close()
    do {
      let file = try HDF5File.open(path, mode: .readWrite)
      try file.root.write(Tensor(shape: [2], scalars: [1, 2]), to: "a")
      try file.close()
    }
    do {
      let file = try HDF5File.open(path, mode: .readWrite)
      try file.root.write(Tensor(shape: [1], scalars: [3]), to: "b")
    }
    let root = try HDF5File.open(path).root
    #expect(try root.readTensor("a").scalars == [1, 2])
    #expect(try root.readTensor("b").scalars == [3])
  }

  @Test("atomic replace: the old file survives a failed write, a finished write replaces it")
  func atomicReplace() throws {
    struct Interrupted: Error {}
    let directory = try HDF5TestDirectory()
    let path = directory.file("checkpoint.h5")
    try HDF5File.writeAtomically(path) { file in
      try file.root.write(Tensor(shape: [1], scalars: [1]), to: "step")
    }
    #expect(throws: Interrupted.self) {
      try HDF5File.writeAtomically(path) { file in
        try file.root.write(Tensor(shape: [1], scalars: [2]), to: "step")
        throw Interrupted()
      }
    }
    #expect(try HDF5File.open(path).root.readTensor("step").scalars == [1])
    try HDF5File.writeAtomically(path) { file in
      try file.root.write(Tensor(shape: [1], scalars: [3]), to: "step")
    }
    #expect(try HDF5File.open(path).root.readTensor("step").scalars == [3])
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(leftovers == ["checkpoint.h5"])
  }
}

/// The PyTorch fixtures file (h5py-written), present on the project's machines but not in the repo.
private let fixturePath = "/work/shared/reference/fixtures/vgg19_reference.h5"

/// The PyTorch fixtures (written by h5py) read with the store's API; values checked against h5py.
@Suite(
  "Reading h5py-written fixtures", .enabled(if: FileManager.default.fileExists(atPath: fixturePath))
)
struct HDF5FixtureTests {
  @Test("float64 goldens, float32 activations, int32 indices, string-array and int attributes")
  func fixtures() throws {
    let root = try HDF5File.open(fixturePath).root
    let layer = try root.group("vgg/zero_avg/a/relu1_1")
    #expect(try layer.read("sample_index", as: Int32.self).shape == [16, 3])
    #expect(
      try layer.read("sample_index", as: Int32.self).scalars.prefix(6) == [6, 20, 38, 52, 62, 11])
    #expect(
      try layer.read("stats", as: Double.self).scalars
        == [1.6107968629855844, 2.758902703023517, 0.0, 30.519450374133648])
    #expect(
      try layer.readTensor("stats").scalars
        == [1.6107968629855844, 2.758902703023517, 0, 30.519450374133648].map { Float($0) })
    let activation = try layer.readTensor("full")
    #expect(activation.shape == [64, 64, 64])
    #expect(activation[0, 0, 0] == 3.0832698345184326)
    #expect(try layer.attribute("shape") == .integers([64, 64, 64]))
    let names = try root.group("generator/style").stringsAttribute("param_names")
    #expect(names.count == 196)
    #expect(
      names.prefix(3) == ["branch.0.conv0.weight", "branch.0.conv0.bias", "branch.0.bn0.weight"])
    #expect(try root.dataset("inputs/image_a").attribute("a") == .integers([4, 3, 3]))
    #expect(try root.childNames().contains("generator"))
  }
}
