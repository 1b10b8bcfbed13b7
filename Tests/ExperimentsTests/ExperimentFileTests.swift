import Foundation
import NN
import Testing
import _TestSupport

@testable import Experiments

/// Loading experiment files: every problem at once, as `file: key.path: message`.
@Suite struct ExperimentFileTests {
  @Test func extendsAPresetAndOverridesOneField() throws {
    let fixture = try ExperimentFixture()
    let file = try fixture.load(
      #"{"extends": "paper", "notes": "K=4", "generator": {"levels": 4}}"#)
    #expect(file.name == "test")
    #expect(file.points.count == 1)
    let point = try #require(file.points.first)
    #expect(point.name == "base")
    var expected = Preset.paper.experiment
    expected.extends = "paper"
    expected.notes = "K=4"
    expected.generator.levels = 4
    expected.task.styles = [fixture.data + "/textures/brick.png"]
    expected.objective.weights = fixture.data + "/vgg19_normalised.h5"
    #expect(point.experiment == expected)
  }

  @Test(arguments: Preset.all.map(\.name))
  func everyPresetResolvesAndReloadsAsItsOwnJSON(name: String) throws {
    let fixture = try ExperimentFixture()
    let extended = try fixture.load(#"{"extends": "\#(name)"}"#)
    let experiment = try #require(extended.points.first).experiment
    #expect(experiment.extends == name)
    // The resolved point, written out, loads as a complete file without a preset (point.json).
    let text = String(decoding: try JSONEncoder().encode(experiment), as: UTF8.self)
    let reloaded = try fixture.load(text, name: "reloaded.json")
    #expect(try #require(reloaded.points.first).experiment == experiment)
  }

  @Test func presetsDifferOnlyInTheirOwnFields() throws {
    let v1 = Preset.textureNetsV1.experiment
    var paper = Preset.paper.experiment
    paper.notes = v1.notes
    paper.generator.levels = 6
    paper.generator.samplingStatistics = .batch
    paper.generator.initialization = .torch7
    paper.objective.style.normalizeGradients = true
    paper.training.schedule = .textureNetworksCode
    paper.training.iterations = 1500
    paper.evaluation.batchNorm = .batch
    #expect(paper == v1)
    #expect(Preset.master.experiment.generator.normalization == .instance)
    #expect(Preset.master.experiment.generator.activation == .relu)
    #expect(Preset.master.experiment.training.optimizer.learningRate == 1e-3)
    #expect(Preset.all.allSatisfy { !$0.source.isEmpty && $0.experiment.notes == $0.source })
    // texture_nets v1 normalises the texture terms' gradients only (descriptor_net.lua: the
    // content loss gets norm = false); an earlier preset normalised the content term too, and
    // its generators ignored the content image.
    let style = Preset.textureNetsV1Style.experiment.objective
    #expect(style.style.normalizeGradients && style.style.weight == 1e3)
    let content = try #require(style.content)
    #expect(!content.normalizeGradients && content.weight == 0.6)
  }

  @Test func misspeltKeysGetADidYouMean() throws {
    let fixture = try ExperimentFixture()
    let problems = try fixture.problems(
      #"{"extends": "paper", "generator": {"levles": 4}, "trainig": {}, "objective": {"style": {"layer": []}}}"#
    )
    #expect(
      problems == [
        #"test.json: trainig: unknown key; did you mean "training"?"#,
        #"test.json: generator.levles: unknown key; did you mean "levels"?"#,
        #"test.json: objective.style.layer: unknown key; did you mean "layers"?"#,
      ])
  }

  @Test func misspeltValuesGetADidYouMean() throws {
    let fixture = try ExperimentFixture()
    let problems = try fixture.problems(
      #"""
      {"extends": "paper", "generator": {"padding": "circlar"},
       "objective": {"style": {"layers": ["relu1_1", "relu6_1"], "loss": {"kind": "gramm", "normalization": "chw"}}},
       "gatys": {"optimizers": [{"kind": "lbgfs"}]}}
      """#)
    #expect(
      problems == [
        #"test.json: generator.padding: "circlar" is not a valid PaddingMode; did you mean "circular"? (known: zero, reflect, replicate, circular)"#,
        #"test.json: objective.style.loss.kind: "gramm" is not a feature loss; did you mean "gram"? (known: gram, content, meanStd, slicedWasserstein, mmd)"#,
        #"test.json: gatys.optimizers[0].kind: "lbgfs" is not an optimizer; did you mean "lbfgs"? (known: adam, lbfgs)"#,
      ])
    let layer = try fixture.problems(
      #"{"extends": "paper", "objective": {"style": {"layers": ["relu1_1", "relu6_1"]}}}"#)
    #expect(layer.count == 1)
    #expect(
      layer.first?.hasPrefix(
        #"test.json: objective.style.layers[1]: "relu6_1" is not a VGG-19 layer; did you mean "relu5_1"?"#
      ) == true)
  }

  @Test func wrongTypesNameTheKeyAndWhatWasFound() throws {
    let fixture = try ExperimentFixture()
    let problems = try fixture.problems(
      #"{"extends": "paper", "seed": -1, "training": {"batchSize": "sixteen"}, "evaluation": {"sizes": 256}}"#
    )
    #expect(
      problems == [
        "test.json: seed: expected a non-negative integer, got -1",
        #"test.json: training.batchSize: expected an integer, got a string "sixteen""#,
        "test.json: evaluation.sizes: expected an array, got a number 256",
      ])
  }

  @Test func unknownPresetsAndMissingSectionsAreNamed() throws {
    let fixture = try ExperimentFixture()
    #expect(
      try fixture.problems(#"{"extends": "papr"}"#).first
        == #"test.json: extends: "papr" is not a preset; did you mean "paper"? (known: paper, texture_nets_v1, texture_nets_v1_style, master)"#
    )
    let bare = try fixture.problems(#"{"notes": "", "seed": 0}"#)
    #expect(bare.count == 6)
    #expect(bare.first?.hasPrefix("test.json: task: missing") == true)
  }

  @Test func missingFilesAreReportedWithTheResolvedPath() throws {
    let fixture = try ExperimentFixture()
    let problems = try fixture.problems(
      #"{"extends": "paper", "task": {"styles": ["../nowhere.png", "$TEXTURE_NETS_DATA/textures/brick.png"]}}"#
    )
    let nowhere = fixture.directory.file("nowhere.png")
    #expect(
      problems == [
        "test.json: task.styles[0]: no such file: \(nowhere) (relative paths are relative to the experiment file)"
      ])
    let missing = fixture.directory.file("experiments/absent.json")
    do {
      _ = try ExperimentFile.load(missing, environment: fixture.environment)
      Issue.record("loading a missing file succeeded")
    } catch {
      #expect(error.description == "\(missing): no such file")
    }
    #expect(
      try fixture.problems("{\"extends\": \"paper\",\n \"seed\": }").first
        == "test.json: not valid JSON: line 2, column 10: expected a value (an object, array, string, number, true, false or null)"
    )
  }

  @Test func outOfRangeValuesAreAllReported() throws {
    let fixture = try ExperimentFixture()
    let problems = try fixture.problems(
      #"""
      {"extends": "paper", "generator": {"levels": 0},
       "training": {"batchSize": 0, "size": 250, "optimizer": {"learningRate": -1}},
       "evaluation": {"sizes": [256, 100], "seed": 0},
       "gatys": {"size": 512}}
      """#)
    #expect(problems.contains("test.json: generator.levels: must be 1 to 8, got 0"))
    #expect(problems.contains("test.json: training.batchSize: must be at least 1, got 0"))
    #expect(problems.contains { $0.hasPrefix("test.json: training.optimizer.learningRate: ") })
    #expect(
      problems.contains(
        "test.json: evaluation.seed: must differ from the experiment's seed (0), so that evaluation noise is fresh"
      ))
    #expect(
      problems.contains {
        $0.hasPrefix("test.json: gatys.size: 512 is not one of evaluation.sizes")
      })
    let sizes = try fixture.problems(
      #"{"extends": "paper", "training": {"size": 250}, "evaluation": {"sizes": [256, 100]}}"#)
    #expect(
      sizes == [
        "test.json: evaluation.sizes[1]: 100 is not a multiple of 2^(K-1) = 16 for K = 5 levels (nearest: 96 or 112)",
        "test.json: training.size: 250 is not a multiple of 2^(K-1) = 16 for K = 5 levels (nearest: 240 or 256)",
      ])
  }
}

/// Deep merge: objects member by member, other values replaced, another `kind` replaced whole.
@Suite struct MergeTests {
  @Test func objectsMergeAndAnotherKindReplaces() throws {
    let base = try JSONValue(
      parsing: #"{"a": {"b": 1, "c": [1, 2]}, "s": {"kind": "stepDecay", "factor": 0.7}}"#)
    let merged = base.merging(
      try JSONValue(parsing: #"{"a": {"c": [3]}, "s": {"kind": "constant"}}"#))
    #expect(
      merged == (try JSONValue(parsing: #"{"a": {"b": 1, "c": [3]}, "s": {"kind": "constant"}}"#)))
    let same = base.merging(try JSONValue(parsing: #"{"s": {"kind": "stepDecay", "factor": 0.8}}"#))
    #expect(same["s"] == (try JSONValue(parsing: #"{"kind": "stepDecay", "factor": 0.8}"#)))
  }

  @Test func parsingKeepsKeyOrderAndNumberText() throws {
    let tree = try JSONValue(
      parsing: #"{"zeta": 1e-3, "alpha": [true, null, "x\u00e9\n"], "mid": 18446744073709551615}"#)
    #expect(tree.keys == ["zeta", "alpha", "mid"])
    #expect(tree["zeta"] == .number("1e-3"))
    #expect(tree["mid"]?.text == "18446744073709551615")
    #expect(tree["alpha"] == .array([.bool(true), .null, .string("xé\n")]))
    #expect(
      throws: JSONSyntaxError(line: 1, column: 9, message: "expected ',' or '}' in an object")
    ) {
      try JSONValue(parsing: #"{"a": 1 "b": 2}"#)
    }
  }
}
