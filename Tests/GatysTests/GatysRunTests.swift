import Autodiff
import Foundation
import Gatys
import Losses
import NN
import Optimizers
import Runs
import Store
import TensorCore
import Testing
import _TestSupport

/// `GatysRun` end to end on a tiny random VGG prefix: what it writes, resuming bit for bit,
/// divergence, interruption, stop-at-loss and the output-folder refusal.
@Suite struct GatysRunTests {
  @Test func writesItsOutputsAndLogsTheObjective() throws {
    let tiny = try TinyGatys()
    let configuration = tiny.configuration(iterations: 4)
    let output = tiny.folder("run")
    let summary = try tiny.run(configuration, output: output).run()
    #expect(summary.stopReason == .completed)
    #expect(summary.iterations == 4)
    #expect(summary.evaluations == 5, "L-BFGS without line search: one evaluation per iterate")
    #expect(summary.finalLoss < summary.initialLoss)
    #expect(summary.outputDirectory == output.path)

    let folder = try RunFolder.open(output)
    #expect(try folder.readJSON(GatysConfiguration.self, from: "configuration.json") == configuration)
    let provenance = try folder.readJSON(Provenance.self, from: "provenance.json")
    #expect(provenance.finished != nil)
    for name in [
      "final.png", "store.h5", "checkpoint.h5", "iterations/iteration-000002.png",
      "iterations/iteration-000004.png",
    ] {
      #expect(folder.contains(name), "no \(name)")
    }
    #expect(!folder.contains("iterations/iteration-000001.png"))

    let (file, table) = try TinyGatys.metrics(output)
    let root = try file.root
    #expect(
      table.columns == [
        "iteration", "wall_seconds", "iteration_seconds", "evaluations",
        "style/gram/relu1_1", "style/gram/relu1_2", "total", "peak_rss_mib",
      ])
    #expect(try table.column("iteration") == [0, 1, 2, 3, 4])
    #expect(try table.column("evaluations") == [1, 2, 3, 4, 5])
    let totals = try table.column("total")
    #expect(totals.first == summary.initialLoss && totals.last == summary.finalLoss)
    #expect(try root.dataset("metrics/iterations").doublesAttribute("term_weights") == [1e3, 1e3])
    // The style image keeps its aspect: 10 x 8 to a longest side of 16 is 16 x 13 (12.8 rounded).
    let style = try root.readTensor("inputs/style_0")
    #expect(style.shape == [1, 3, 16, 13])
    let initial = try root.readTensor("inputs/initial")
    #expect(initial.shape == [1, 3, 16, 16])
    let summaryAttribute = try root.jsonAttribute(GatysSummary.self, "summary")
    #expect(summaryAttribute.iterations == 4 && summaryAttribute.stopReason == .completed)

    // Row 0 against the objective evaluated directly at the starting image.
    let network = try configuration.loadNetwork()
    let objective = Objective(featureTerms: configuration.featureTerms)
    let targets = try objective.targets(
      styles: [network(Variable(style), taps: objective.layers(targeting: .style)).mapValues(\.value)],
      content: nil)
    var context = LossContext(random: RandomStream(seed: configuration.seed, name: "losses"))
    let x = Variable(initial)
    let evaluation = objective.evaluate(
      image: x, features: network(x, taps: objective.taps), targets: targets, context: &context)
    let expected = Double(evaluation.total.value.scalar)
    #expect(abs(totals[0] - expected) <= 1e-5 * abs(expected), "row 0 total \(totals[0]) != \(expected)")
    #expect(abs(try table.column("style/gram/relu1_1")[0] - evaluation.terms[0].value) <= 1e-5 * abs(evaluation.terms[0].value))
  }

  @Test(arguments: [OptimizerConfiguration.Kind.lbfgs, .adam])
  func anInterruptedRunResumesBitForBit(_ kind: OptimizerConfiguration.Kind) throws {
    let tiny = try TinyGatys()
    let configuration = tiny.configuration(content: true, kind: kind, iterations: 6)
    let straight = tiny.folder("straight")
    let whole = try tiny.run(configuration, output: straight).run()
    #expect(whole.iterations == 6)

    let interrupted = tiny.folder("interrupted")
    let first = try tiny.run(configuration, output: interrupted, interruptAfter: 3).run()
    #expect(first.stopReason == .interrupted)
    #expect(first.iterations == 3)
    let checkpoint = try HDF5File.open(interrupted.appendingPathComponent("checkpoint.h5").path)
    #expect(try (try checkpoint.root).integerAttribute("iteration") == 3)
    try checkpoint.close()

    let resumed = try GatysRun.resume(directory: interrupted, showsProgress: false) {
      $0.installsSignalHandling = false
    }
    #expect(resumed.stopReason == .completed)
    #expect(resumed.iterations == 6)
    #expect(resumed.evaluations == whole.evaluations)
    #expect(resumed.initialLoss == whole.initialLoss)
    #expect(resumed.finalLoss == whole.finalLoss)
    #expect(try TinyGatys.result(interrupted).scalars == (try TinyGatys.result(straight)).scalars)
    let (straightFile, straightTable) = try TinyGatys.metrics(straight)
    let (resumedFile, resumedTable) = try TinyGatys.metrics(interrupted)
    #expect(straightTable.columns.contains("content/content/relu1_2"))
    let timings: Set = ["wall_seconds", "iteration_seconds", "peak_rss_mib"]
    for column in straightTable.columns where !timings.contains(column) {
      #expect(try resumedTable.column(column) == straightTable.column(column), "\(column)")
    }
    #expect(try resumedTable.column("total").count == 7)
    let provenance = try RunFolder.open(interrupted).readJSON(Provenance.self, from: "provenance.json")
    #expect(provenance.resumed?.count == 1)
    #expect(provenance.resumed?.first?.contains("from iteration 3") == true)
    try straightFile.close()
    try resumedFile.close()
  }

  @Test func resumeWithMoreIterationsContinuesTheLoop() throws {
    let tiny = try TinyGatys()
    let output = tiny.folder("run")
    _ = try tiny.run(tiny.configuration(iterations: 2), output: output).run()
    let more = try GatysRun.resume(directory: output, iterations: 5, showsProgress: false) {
      $0.installsSignalHandling = false
    }
    #expect(more.iterations == 5)
    let configuration = try RunFolder.open(output).readJSON(GatysConfiguration.self, from: "configuration.json")
    #expect(configuration.iterations == 5)
    let (file, table) = try TinyGatys.metrics(output)
    #expect(try table.column("iteration") == [0, 1, 2, 3, 4, 5])
    try file.close()
  }

  @Test func aDivergedRunKeepsTheLastFiniteImage() throws {
    let tiny = try TinyGatys()
    var configuration = tiny.configuration(kind: .adam, iterations: 5)
    // Adam's first step moves every pixel by about the learning rate: 1e30 overflows the Grams.
    configuration.optimizer.learningRate = 1e30
    let output = tiny.folder("run")
    #expect {
      try tiny.run(configuration, output: output).run()
    } throws: { error in
      guard case .diverged(let iteration, let terms, let directory) = error as? GatysError else { return false }
      return iteration == 1 && terms == ["style/gram/relu1_1", "style/gram/relu1_2"] && directory == output.path
    }
    let file = try HDF5File.open(output.appendingPathComponent("store.h5").path)
    let root = try file.root
    let summary = try root.jsonAttribute(GatysSummary.self, "summary")
    #expect(summary.stopReason == .diverged)
    #expect(summary.divergedTerms == ["style/gram/relu1_1", "style/gram/relu1_2"])
    #expect(summary.finalLoss == summary.initialLoss)
    #expect(try root.readTensor("result/image").scalars == (try root.readTensor("inputs/initial")).scalars)
    try file.close()
    #expect(RunFolderTestsHelper.exists(output, "final.png"))
    #expect(
      GatysError.diverged(iteration: 1, terms: ["total"], directory: "/d").description
        == "the loss diverged at iteration 1: total is not finite; the store and the last finite image are in /d")
  }

  @Test func stopsWhenTheLossFallsBelowTheThreshold() throws {
    let tiny = try TinyGatys()
    let reference = tiny.folder("reference")
    _ = try tiny.run(tiny.configuration(iterations: 5), output: reference).run()
    let (file, table) = try TinyGatys.metrics(reference)
    let totals = try table.column("total")
    try file.close()
    try #require(totals[2] > totals[3], "the loss must fall from iteration 2 to 3: \(totals)")
    var configuration = tiny.configuration(iterations: 5)
    configuration.stopAtLoss = (totals[2] + totals[3]) / 2
    let summary = try tiny.run(configuration, output: tiny.folder("stopped")).run()
    #expect(summary.stopReason == .reachedLoss)
    #expect(summary.iterations == 3)
    #expect(summary.reachedLossAtIteration == 3)
    #expect((summary.reachedLossAfterSeconds ?? -1) >= 0)
    #expect(summary.finalLoss == totals[3])
  }

  @Test func refusesAnOutputFolderHoldingFiles() throws {
    let tiny = try TinyGatys()
    let output = tiny.folder("taken")
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: output.appendingPathComponent("notes.txt"))
    #expect(throws: RunFolderError.outputExists(output.path)) {
      try tiny.run(tiny.configuration(iterations: 1), output: output).run()
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: output.path) == ["notes.txt"])
  }

  @Test func prepareRejectsAnInvalidConfigurationListingEveryProblem() throws {
    let tiny = try TinyGatys()
    var configuration = tiny.configuration()
    configuration.size = 8
    configuration.printEvery = 0
    #expect {
      try GatysRun.prepare(configuration, outputDirectory: tiny.folder("x"), provenance: TinyGatys.provenance)
    } throws: { error in
      guard case .invalidConfiguration(let problems) = error as? GatysError else { return false }
      return problems.count == 2 && problems[0].hasPrefix("size:") && problems[1].hasPrefix("printEvery:")
    }
    #expect(!FileManager.default.fileExists(atPath: tiny.folder("x").path))
  }

  @Test func adamsFirstStepIsTheLearningRateAgainstTheGradientsSign() throws {
    let tiny = try TinyGatys()
    var configuration = tiny.configuration(kind: .adam, iterations: 1)
    configuration.optimizer.learningRate = 0.01
    let output = tiny.folder("run")
    let summary = try tiny.run(configuration, output: output).run()
    #expect(summary.evaluations == 2, "Adam: one evaluation per iterate")
    let file = try HDF5File.open(output.appendingPathComponent("store.h5").path)
    let root = try file.root
    let initial = try root.readTensor("inputs/initial")
    let style = try root.readTensor("inputs/style_0")
    let result = try root.readTensor("result/image")
    try file.close()
    let network = try configuration.loadNetwork()
    let objective = Objective(featureTerms: configuration.featureTerms)
    let targets = try objective.targets(
      styles: [network(Variable(style), taps: objective.layers(targeting: .style)).mapValues(\.value)],
      content: nil)
    var context = LossContext(random: RandomStream(seed: 0, name: "losses"))
    let x = Variable(initial, requiresGradient: true)
    let total = objective.evaluate(
      image: x, features: network(x, taps: objective.taps), targets: targets, context: &context
    ).total
    let gradient = gradients(of: total, with: [x])[0]
    // m̂ = g, v̂ = g²: the step is lr · g / (|g| + ε).
    for (index, (g, (start, end))) in zip(gradient.scalars, zip(initial.scalars, result.scalars)).enumerated() {
      let expected = start - Float(0.01 * Double(g) / (abs(Double(g)) + 1e-8))
      guard abs(end - expected) <= 1e-6 else {
        Issue.record("pixel \(index): \(end) != \(expected) (gradient \(g))")
        return
      }
    }
  }
}

/// File checks shared by the suites.
enum RunFolderTestsHelper {
  static func exists(_ folder: URL, _ name: String) -> Bool {
    FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)
  }
}
