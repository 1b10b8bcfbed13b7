import Foundation
import Store
import TensorCore
import Testing
import _TestSupport

/// `harness import-generator` and `harness generate` end to end: the reference generator's
/// weights and noise from ../shared/reference/fixtures/vgg19_reference.h5 through the built
/// binary, compared with PyTorch's float64 outputs (batch and running statistics), and the
/// command's failures.
@Suite struct GenerateCommandTests {
  static let fixtureAvailable = TestData.available(TestData.vggFixturePath)
  static let skip = Comment(rawValue: TestData.skipReason("the PyTorch fixtures"))

  /// `harness import-generator` of the fixture's `group` with the reference configuration of
  /// `mode` and `levels`; returns the model path.
  static func importFixture(
    _ group: String, mode: String, levels: Int, into directory: TemporaryDirectory
  ) throws -> String {
    let printed = try HarnessProcess.run(["import-generator", "--print-reference-configuration"])
    #expect(printed.status == 0, "\(printed.standardError)")
    var json = printed.standardOutput
    json = json.replacingOccurrences(of: "\"mode\" : \"texture\"", with: "\"mode\" : \"\(mode)\"")
    json = json.replacingOccurrences(of: "\"levels\" : 5", with: "\"levels\" : \(levels)")
    let configuration = try directory.writeText(json, to: "\(mode).json")
    let model = directory.file("\(mode).h5")
    let run = try HarnessProcess.run([
      "import-generator", TestData.vggFixturePath + ":/generator/\(group)/weights", "-o", model,
      "--generator", configuration,
    ])
    #expect(run.status == 0, "\(run.standardError)")
    return model
  }

  @Test(
    "generate reproduces the PyTorch generator from its weights and noise",
    .enabled(if: fixtureAvailable, skip),
    arguments: [("texture", 5), ("style", 5)])
  func matchesTheReference(_ c: (group: String, levels: Int)) throws {
    let directory = try TemporaryDirectory()
    let fixture = TestData.vggFixturePath
    let model = try Self.importFixture(c.group, mode: c.group, levels: c.levels, into: directory)
    let reference = try HDF5File.open(fixture)
    defer { try? reference.close() }
    for (statistics, dataset) in [("batch", "output_train_bn"), ("running", "output_eval_bn")] {
      let expected = try reference.root.readTensor("generator/\(c.group)/\(dataset)")
      if c.group == "texture" {
        let out = directory.file("out-\(statistics)")
        let run = try HarnessProcess.run(
          ["generate", "--model", model, "--noise", fixture + ":/generator/texture/noise",
           "--batch-norm", statistics, "--out", out, "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")
        let samples = try HDF5File.open(out + "/samples.h5")
        let produced = try samples.root.readTensor("samples")
        try samples.close()
        let error = difference(produced, expected)
        #expect(error.relativeToMax < 1e-4, "\(statistics): \(error)")
        #expect(FileManager.default.fileExists(atPath: out + "/sample-0001.png"))
      } else if statistics == "running" {
        // The fixture's content batch is [image_a, image_b], and generate gives every sample
        // of a run one content image; running statistics make each sample independent of its
        // batch, so sample i is checked from its own noise and content.
        for index in 0..<2 {
          let out = directory.file("style-\(index)")
          let content = fixture + ":/inputs/" + (index == 0 ? "image_a" : "image_b")
          let noise = try Self.writeNoiseSlice(
            of: reference, group: "generator/style/noise", index: index, levels: c.levels,
            to: directory.file("noise-\(index).h5"))
          let run = try HarnessProcess.run(
            ["generate", "--model", model, "--noise", noise, "--content", content,
             "--batch-norm", "running", "--out", out, "--quiet"])
          #expect(run.status == 0, "\(run.standardError)")
          let samples = try HDF5File.open(out + "/samples.h5")
          let produced = try samples.root.readTensor("samples")
          try samples.close()
          let error = difference(produced, expected.batchSlice(index..<(index + 1)))
          #expect(error.relativeToMax < 1e-4, "style sample \(index): \(error)")
        }
      }
    }
  }

  /// Sample `index` of the noise group as its own `FILE.h5:/noise`.
  static func writeNoiseSlice(
    of file: HDF5File, group: String, index: Int, levels: Int, to path: String
  ) throws -> String {
    let output = try HDF5File.create(path)
    for k in 0..<levels {
      try output.root.write(
        try file.root.readTensor("\(group)/\(k)").batchSlice(index..<(index + 1)), to: "noise/\(k)")
    }
    try output.close()
    return path + ":/noise"
  }

  @Test("generate draws at any valid size and refuses the others", .enabled(if: fixtureAvailable, skip))
  func sizes() throws {
    let directory = try TemporaryDirectory()
    let model = try Self.importFixture("texture", mode: "texture", levels: 5, into: directory)
    let out = directory.file("wide")
    let wide = try HarnessProcess.run(
      ["generate", "--model", model, "--width", "96", "--height", "48", "--count", "3", "--batch", "2",
       "--seed", "4", "--out", out, "--quiet"])
    #expect(wide.status == 0, "\(wide.standardError)")
    #expect(wide.standardOutput.contains("3 samples of 48x96 in batches of 2"), "\(wide.standardOutput)")
    let samples = try HDF5File.open(out + "/samples.h5")
    #expect(try samples.root.readTensor("samples").shape == [3, 3, 48, 96])
    #expect(try samples.root.readTensor("noise/0").shape == [3, 3, 3, 6])
    try samples.close()
    let bad = try HarnessProcess.run(["generate", "--model", model, "--size", "100", "--out", directory.file("bad")])
    #expect(bad.status != 0)
    #expect(bad.standardError.contains("multiples of 16") && bad.standardError.contains("96 or 112"), "\(bad.standardError)")
    #expect(!FileManager.default.fileExists(atPath: directory.file("bad")), "a refused run leaves no folder")
  }

  @Test("import-generator and generate name the file and the problem")
  func failures() throws {
    let directory = try TemporaryDirectory()
    let missing = try HarnessProcess.run(["generate", "--model", directory.file("none.h5"), "--out", directory.file("o")])
    #expect(missing.status != 0 && missing.standardError.contains("none.h5"), "\(missing.standardError)")
    let config = try directory.writeText("{\"levels\": 5, \"mode\": \"texture\"}", to: "partial.json")
    let partial = try HarnessProcess.run(
      ["import-generator", directory.file("none.h5:/w"), "-o", directory.file("m.h5"), "--generator", config])
    #expect(partial.status != 0 && partial.standardError.contains("partial.json"), "\(partial.standardError)")
    #expect(partial.standardError.contains("missing"), "\(partial.standardError)")
  }

  @Test("weights that do not fit the configuration are refused, naming the tensor", .enabled(if: fixtureAvailable, skip))
  func mismatchedWeights() throws {
    let directory = try TemporaryDirectory()
    let printed = try HarnessProcess.run(["import-generator", "--print-reference-configuration"])
    let json = printed.standardOutput.replacingOccurrences(of: "\"levels\" : 5", with: "\"levels\" : 4")
    let configuration = try directory.writeText(json, to: "k4.json")
    let run = try HarnessProcess.run([
      "import-generator", TestData.vggFixturePath + ":/generator/texture/weights", "-o",
      directory.file("m.h5"), "--generator", configuration,
    ])
    #expect(run.status != 0)
    #expect(run.standardError.contains("to_rgb.weight"), "\(run.standardError)")
    #expect(run.standardError.contains("branch.4.conv0.weight"), "\(run.standardError)")
    #expect(!FileManager.default.fileExists(atPath: directory.file("m.h5")))
  }
}
