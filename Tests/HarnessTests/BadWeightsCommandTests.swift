import Foundation
import Store
import TensorCore
import Testing
import _TestSupport

/// `harness gatys` and `harness features` with a weights file that does not fit VGG-19 (a
/// misspelt layer beside the real ones) or is no HDF5 file: one error naming the file and what is
/// wrong with it (`VGG19.load`'s `StoreError`), nothing written. On a tiny random VGG prefix.
@Suite struct BadWeightsCommandTests {
  func files() throws -> TinyDescriptorFiles {
    try TinyDescriptorFiles("bad-weights", seed: 5, stream: "bad-weights", images: [("style", [3, 12, 12])])
  }

  /// The commands, each reading the weights `weights` and writing into `directory`.
  func commands(_ files: TinyDescriptorFiles, weights: String) -> [(name: String, arguments: [String])] {
    [
      (
        "gatys",
        [
          "gatys", "--style", files.argument("style"), "--style-layers", "relu1_1", "--size", "16",
          "--iterations", "1", "--weights", weights, "--out", files.directory.file("gatys"), "--quiet",
        ]
      ),
      (
        "features",
        [
          "features", files.argument("style"), "--layers", "relu1_1", "--weights", weights, "--out",
          files.directory.file("features.h5"),
        ]
      ),
    ]
  }

  @Test func aMisspeltLayerIsOneErrorNamingTheFileAndThePath() throws {
    let files = try files()
    let file = try HDF5File.open(files.weights, mode: .readWrite)
    try file.root.write(Tensor(zeros: [64, 3, 3, 3]), to: "conv1_l/weight")
    try file.close()
    for (name, arguments) in commands(files, weights: files.weights) {
      let output = try HarnessProcess.run(arguments)
      #expect(output.status == 1, "\(name): \(output.standardError)")
      #expect(
        output.standardErrorWithoutKernelWarning
          == "Error: \(files.weights): /: the stored tensors do not match the model (1 problem):\n"
          + "  conv1_l/weight: unused: file has [64, 3, 3, 3], model has no such parameter\n",
        "\(name)")
    }
    #expect(try files.directory.contents().sorted() == ["images.h5", "tiny_vgg.h5"])
  }

  @Test func aFileThatIsNotHDF5IsOneErrorNamingIt() throws {
    let files = try files()
    let weights = try files.directory.writeText("not weights\n", to: "weights.h5")
    for (name, arguments) in commands(files, weights: weights) {
      let output = try HarnessProcess.run(arguments)
      #expect(output.status == 1, "\(name): \(output.standardError)")
      let messages = output.standardErrorWithoutKernelWarning
      #expect(messages.hasPrefix("Error: \(weights): not an HDF5 file ("), "\(name): \(output.standardError)")
      #expect(messages.split(separator: "\n").count == 1, "\(name): \(output.standardError)")
    }
    #expect(try files.directory.contents().sorted() == ["images.h5", "tiny_vgg.h5", "weights.h5"])
  }
}
