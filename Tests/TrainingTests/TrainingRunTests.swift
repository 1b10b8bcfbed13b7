import Foundation
import ImageArguments
import Losses
import NN
import Optimizers
import Runs
import Store
import TensorCore
import Testing
import Training
import _TestSupport

/// The trainer end to end on a tiny random descriptor: outputs, determinism, exact resume after
/// an interruption in texture and style mode, the schedule in the metrics, divergence.
@Suite struct TrainingRunTests {
  @Test("a run writes the model, the store with one named row per iteration, samples and a summary")
  func outputs() throws {
    let tiny = try TinyTraining()
    let out = tiny.folder("run")
    let summary = try tiny.run(tiny.configuration(), output: out).run()
    #expect(summary.stopReason == .completed && summary.iterations == 6)
    for name in ["model.h5", "store.h5", "configuration.json", "provenance.json", "summary.json", "checkpoint.h5",
                 "samples/iteration-000000.png", "samples/iteration-000002.png", "samples/iteration-000006.png",
                 "samples/final.png"] {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
    }
    let file = try HDF5File.open(out.appendingPathComponent("store.h5").path)
    let table = try MetricsTable(opening: "metrics/iterations", in: try file.root)
    #expect(table.columns == [
      "iteration", "wall_seconds", "iteration_seconds", "learning_rate", "style/gram/relu1_1",
      "style/gram/relu1_2", "total", "gradient_norm", "peak_rss_mib",
    ])
    #expect(try table.column("iteration") == [1, 2, 3, 4, 5, 6])
    // stepDecay(0.5, start 2, interval 2): 0.1, 0.1, 0.05, 0.05, 0.025, 0.025.
    #expect(try table.column("learning_rate") == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    let totals = try table.column("total")
    let first = try table.column("style/gram/relu1_1")
    let second = try table.column("style/gram/relu1_2")
    for i in 0..<6 { #expect(abs(totals[i] - (first[i] + second[i])) <= 1e-6 * totals[i]) }
    #expect(try table.column("gradient_norm").allSatisfy { $0 > 0 && $0.isFinite })
    try file.close()
    // The model file reloads as the generator that was trained, and samples.
    let model = try GeneratorModelFile.read(out.appendingPathComponent("model.h5").path)
    #expect(model.generator.configuration == tiny.configuration().generator)
    #expect(model.generator.parameterCount == summary.parameterCount)
    let sheet = try readImage(path: out.appendingPathComponent("samples/final.png").path)
    #expect(sheet.shape == [1, 3, 16, 2 * 16 + 4])
    let reloaded = try JSONDecoder().decode(
      TrainingConfiguration.self, from: Data(contentsOf: out.appendingPathComponent("configuration.json")))
    #expect(reloaded == tiny.configuration())
  }

  @Test("training lowers the loss: the mean of the last iterations is below the first's")
  func learns() throws {
    let tiny = try TinyTraining()
    var configuration = tiny.configuration(iterations: 40)
    configuration.schedule = .constant
    configuration.optimizer.learningRate = 0.02
    let out = tiny.folder("run")
    let summary = try tiny.run(configuration, output: out).run()
    #expect(summary.finalLossMean < 0.5 * summary.initialLoss, "\(summary.initialLoss) -> \(summary.finalLossMean)")
  }

  @Test("the same configuration gives the same numbers, bit for bit")
  func deterministic() throws {
    let tiny = try TinyTraining()
    try tiny.run(tiny.configuration(iterations: 3), output: tiny.folder("a")).run()
    try tiny.run(tiny.configuration(iterations: 3), output: tiny.folder("b")).run()
    #expect(try TinyTraining.deterministicRows(tiny.folder("a")) == TinyTraining.deterministicRows(tiny.folder("b")))
    #expect(try TinyTraining.weights(tiny.folder("a")) == TinyTraining.weights(tiny.folder("b")))
    var other = tiny.configuration(iterations: 3)
    other.seed = 1
    try tiny.run(other, output: tiny.folder("c")).run()
    #expect(try TinyTraining.deterministicRows(tiny.folder("a")) != TinyTraining.deterministicRows(tiny.folder("c")))
  }

  @Test(
    "an interrupted run resumed from its checkpoint ends bit for bit as one that never stopped",
    arguments: [(false, 3), (true, 3), (true, 4)])
  func resumeIsExact(style: Bool, stopAfter: Int) throws {
    let tiny = try TinyTraining()
    let configuration = tiny.configuration(style: style, iterations: 7)
    let straight = tiny.folder("straight")
    let stopped = tiny.folder("stopped")
    try tiny.run(configuration, output: straight).run()
    let first = try tiny.run(configuration, output: stopped, interruptAfter: stopAfter).run()
    #expect(first.stopReason == .interrupted && first.iterations == stopAfter)
    let resumed = try TrainingRun.resume(directory: stopped, showsProgress: false) { run in
      run.installsSignalHandling = false
    }
    #expect(resumed.stopReason == .completed && resumed.iterations == 7)
    #expect(try TinyTraining.deterministicRows(straight) == TinyTraining.deterministicRows(stopped))
    #expect(try TinyTraining.weights(straight) == TinyTraining.weights(stopped))
    let provenance = try String(contentsOf: stopped.appendingPathComponent("provenance.json"), encoding: .utf8)
    #expect(provenance.contains("from iteration \(stopAfter)"))
  }

  @Test("a damaged store is rebuilt from the checkpoint's metrics on resume")
  func damagedStoreIsRebuilt() throws {
    let tiny = try TinyTraining()
    let configuration = tiny.configuration(iterations: 5)
    try tiny.run(configuration, output: tiny.folder("straight")).run()
    let stopped = tiny.folder("stopped")
    _ = try tiny.run(configuration, output: stopped, interruptAfter: 2).run()
    try Data("not HDF5".utf8).write(to: stopped.appendingPathComponent("store.h5"))
    try TrainingRun.resume(directory: stopped, showsProgress: false) { $0.installsSignalHandling = false }
    #expect(try TinyTraining.deterministicRows(tiny.folder("straight")) == TinyTraining.deterministicRows(stopped))
  }

  @Test("a diverging loss stops the run at that iteration, names the term and keeps the last good model")
  func divergence() throws {
    let tiny = try TinyTraining()
    var configuration = tiny.configuration(iterations: 8)
    configuration.optimizer.learningRate = 1e30
    configuration.schedule = .constant
    configuration.checkpointEvery = 1
    let out = tiny.folder("run")
    var stoppedAt = 0
    do {
      try tiny.run(configuration, output: out).run()
      Issue.record("a learning rate of 1e30 should make the loss overflow")
    } catch let TrainingError.diverged(iteration, terms, directory) {
      stoppedAt = iteration
      #expect(terms.contains("total") || terms.contains("gradient_norm"))
      #expect(directory == out.path)
    }
    #expect(stoppedAt >= 2, "the first iteration (initial weights) has a finite loss")
    let rows = try TinyTraining.deterministicRows(out)
    #expect(rows.count == stoppedAt)
    #expect(rows.dropLast().allSatisfy { $0.allSatisfy(\.isFinite) })
    let summary = try JSONDecoder().decode(
      TrainingSummary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
    #expect(summary.stopReason == .diverged && summary.iterations == stoppedAt)
    // The model is the last one whose loss was finite: the weights before the last good update.
    let model = try GeneratorModelFile.read(out.appendingPathComponent("model.h5").path)
    #expect(model.generator.namedTensors.allSatisfy { $0.value.scalars.allSatisfy(\.isFinite) })
    // The checkpoint is the last one written before the divergence, and it reads.
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint.h5").path))
  }
}

/// The trainer's configuration: every problem reported at once, the schedule's JSON.
@Suite struct TrainingConfigurationTests {
  @Test("bad values are each reported, with their key")
  func problems() throws {
    let tiny = try TinyTraining()
    var configuration = tiny.configuration()
    configuration.size = 18
    configuration.featureTerms[0].weight = -1
    configuration.optimizer.learningRate = -0.1
    configuration.batchSize = 0
    configuration.schedule = .stepDecay(factor: 0.7, start: 10, interval: 0)
    let problems = configuration.problems()
    #expect(problems.contains { $0.hasPrefix("size: 18 is not a multiple of 2^(K-1) = 4") && $0.contains("16 or 20") })
    #expect(problems.contains { $0.hasPrefix("featureTerms[0].weight: must be non-negative") })
    #expect(problems.contains { $0.hasPrefix("optimizer.learningRate: must be finite and positive") })
    #expect(problems.contains { $0.hasPrefix("batchSize:") })
    #expect(problems.contains { $0.hasPrefix("schedule.interval:") })
    #expect(throws: TrainingError.self) { try TrainingRun.prepare(configuration, provenance: TinyTraining.provenance) }
    #expect(tiny.configuration().problems().isEmpty)
    #expect(tiny.configuration(style: true).problems().isEmpty)
  }

  @Test("a style generator needs a content set, a texture generator takes none")
  func modeAndContent() throws {
    let tiny = try TinyTraining()
    var texture = tiny.configuration()
    texture.content = ContentSetConfiguration(paths: ["x"])
    #expect(texture.problems().contains { $0.hasPrefix("content: a texture generator") })
    var style = tiny.configuration(style: true)
    style.content = nil
    #expect(style.problems().contains { $0.hasPrefix("content: a style generator") })
  }

  @Test("schedules round-trip through their flat JSON form; an unknown kind has a did-you-mean")
  func scheduleJSON() throws {
    for schedule in [
      LearningRateSchedule.constant, .textureNetworksPaper, .milestones(factor: 0.5, milestones: [3, 9]),
    ] {
      let data = try JSONEncoder().encode(schedule)
      #expect(try JSONDecoder().decode(LearningRateSchedule.self, from: data) == schedule)
    }
    let text = #"{"kind": "stepDecy", "factor": 0.7, "start": 1, "interval": 2}"#
    #expect {
      try JSONDecoder().decode(LearningRateSchedule.self, from: Data(text.utf8))
    } throws: { "\($0)".contains("did you mean \"stepDecay\"") }
    #expect(LearningRateSchedule.milestones(factor: 0.5, milestones: [5, 3]).problems().count == 1)
  }
}

/// The content set: listing, checks, crops and the epoch order.
@Suite struct ContentSetTests {
  @Test("a missing path, an empty folder, a non-image and a too-small image are each named")
  func badContent() throws {
    let tiny = try TinyTraining()
    let empty = tiny.folder("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    let junk = tiny.directory.file("junk.png")
    try Data("not a PNG".utf8).write(to: URL(fileURLWithPath: junk))
    let configuration = ContentSetConfiguration(paths: [
      tiny.folder("missing").path, empty.path, junk, "\(tiny.images):/c0",
    ])
    do {
      _ = try ContentSet(configuration, size: 24)
      Issue.record("the content set should be refused")
    } catch let TrainingError.badContent(problems) {
      #expect(problems.contains { $0.contains("missing") })
      #expect(problems.contains { $0.contains("empty") && $0.contains("no PNG or JPEG") })
      #expect(problems.contains { $0.contains("junk.png") })
      #expect(problems.contains { $0.contains("c0") && $0.contains("28x20 pixels is smaller than the training size 24x24") })
    }
  }

  @Test("a folder lists its PNG and JPEG files in name order")
  func folderListing() throws {
    let tiny = try TinyTraining()
    let folder = tiny.folder("photos")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var random = RandomStream(seed: 1, name: "photos")
    for name in ["b.png", "a.png"] {
      try writePNG(random.uniformTensor([1, 3, 20, 20]), path: folder.appendingPathComponent(name).path)
    }
    try Data().write(to: folder.appendingPathComponent("notes.txt"))
    let set = try ContentSet(ContentSetConfiguration(paths: [folder.path]), size: 16)
    #expect(set.images.map { ($0.text as NSString).lastPathComponent } == ["a.png", "b.png"])
  }

  @Test("every crop gives the training size; a random crop is a window of the scaled image")
  func crops() throws {
    let tiny = try TinyTraining()
    for crop in ContentSetConfiguration.Crop.allCases {
      let set = try ContentSet(ContentSetConfiguration(paths: ["\(tiny.images):/c2"], crop: crop), size: 16)
      var random = RandomStream(seed: 2, name: "crops")
      let image = try set.image(0, random: &random)
      #expect(image.shape == [1, 3, 16, 16], "\(crop)")
    }
    // 30 x 18 (H x W) scaled to 26 x 16: a random window starts at a row in 0 ... 10.
    let set = try ContentSet(ContentSetConfiguration(paths: ["\(tiny.images):/c2"], crop: .randomCrop), size: 16)
    let scaled = resizeImage(try ImageArgument(parsing: "\(tiny.images):/c2").load().image, height: 26, width: 16)
    var random = RandomStream(seed: 3, name: "crops")
    var tops = Set<Int>()
    for _ in 0..<30 {
      let image = try set.image(0, random: &random)
      let top = (0...10).first { top in
        (0..<16).allSatisfy { x in image.scalars[x] == scaled.scalars[top * 16 + x] }
      }
      #expect(top != nil)
      if let top { tops.insert(top) }
    }
    #expect(tops.count > 3)
  }

  @Test("the order visits every image once per epoch and reshuffles between epochs")
  func order() {
    var order = ContentOrder(count: 5)
    var random = RandomStream(seed: 4, name: "content order")
    let first = (0..<5).map { _ in order.next(random: &random) }
    let second = (0..<5).map { _ in order.next(random: &random) }
    #expect(first.sorted() == [0, 1, 2, 3, 4] && second.sorted() == [0, 1, 2, 3, 4])
    #expect(first != second)
  }

  @Test("a sample sheet puts images side by side with white gaps")
  func sheet() {
    var random = RandomStream(seed: 5, name: "sheet")
    let images = random.uniformTensor([3, 3, 4, 5])
    let sheet = sampleSheet(images, gap: 2)
    #expect(sheet.shape == [1, 3, 4, 19])
    let s = sheet.scalars
    let i = images.scalars
    let imageOneFirst: Int = 7  // image 1, channel 0, row 0, column 0 of the sheet
    let sheetLast: Int = 2 * 76 + 3 * 19 + 18  // channel 2, row 3, last column
    let imageTwoLast: Int = 2 * 60 + 2 * 20 + 3 * 5 + 4  // image 2, channel 2, row 3, column 4
    #expect(s[imageOneFirst] == i[60])
    #expect(s[sheetLast] == i[imageTwoLast])
    #expect(s[5] == 1 && s[6] == 1)
  }
}
