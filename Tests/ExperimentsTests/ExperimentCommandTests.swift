import Foundation
import Testing
import _TestSupport

@testable import Experiments

/// `harness FILE.json`, `harness run --dry-run`, `harness validate` and `harness presets` through
/// the built binary.
@Suite struct ExperimentCommandTests {
  @Test func anExperimentFileAsTheFirstArgumentRunsIt() throws {
    let fixture = try ExperimentFixture()
    let path = try fixture.write(
      #"{"extends": "paper", "sweep": {"grid": {"generator.levels": [4, 5]}}}"#)
    let output = try HarnessProcess.run(
      [path, "--dry-run", "--out", fixture.directory.file("results")],
      environment: fixture.environment)
    #expect(output.status == 0, "\(output.standardError)")
    #expect(
      output.standardOutput == """
        test: 2 of 2 points
          \(fixture.directory.file("results"))/levels=4  (generator.levels=4)
          \(fixture.directory.file("results"))/levels=5  (generator.levels=5)

        """)
    #expect(!FileManager.default.fileExists(atPath: fixture.directory.file("results")))
  }

  @Test func validateReportsEveryProblemAndFails() throws {
    let fixture = try ExperimentFixture()
    let good = try fixture.write(#"{"extends": "paper"}"#, name: "good.json")
    let bad = try fixture.write(
      #"{"extends": "paper", "generator": {"levles": 4}, "seed": "x"}"#, name: "bad.json")
    let output = try HarnessProcess.run(["validate", good, bad], environment: fixture.environment)
    #expect(output.status == 1)
    #expect(output.standardOutput == "\(good): ok, 1 point\n")
    #expect(
      output.standardError == """
        error: \(bad): seed: expected an integer, got a string "x"
        error: \(bad): generator.levles: unknown key; did you mean "levels"?

        """)
  }

  @Test func presetsListAndPrintOneThatLoadsAsAFile() throws {
    let fixture = try ExperimentFixture()
    let list = try HarnessProcess.run(["presets"])
    #expect(list.status == 0)
    #expect(
      list.standardOutput.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        == Preset.all.map { Substring($0.name) })
    let printed = try HarnessProcess.run(["presets", "texture_nets_v1"])
    #expect(printed.status == 0)
    let path = try fixture.write(printed.standardOutput, name: "v1.json")
    let loaded = try ExperimentFile.load(
      path, environment: fixture.environment, currentDirectory: fixture.directory.url)
    var expected = Preset.textureNetsV1.experiment
    expected.task.styles = [fixture.data + "/textures/brick.png"]
    expected.objective.weights = fixture.data + "/vgg19_normalised.h5"
    #expect(try #require(loaded.points.first).experiment == expected)
    let unknown = try HarnessProcess.run(["presets", "mastr"])
    #expect(unknown.status != 0)
    #expect(unknown.standardError.contains(#""mastr" is not a preset; did you mean "master"?"#))
  }
}
