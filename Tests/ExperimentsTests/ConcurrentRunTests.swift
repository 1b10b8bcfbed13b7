import Foundation
import NN
import Store
import Testing
import Training
import _TestSupport

@testable import Experiments

/// Two `harness run` of one experiment at once never write the same point (the point locks), and
/// a run killed with SIGKILL leaves a lock the next run takes over; either way the results are a
/// single run's, bit for bit (timings aside).
@Suite(.serialized) struct ConcurrentRunTests {
  /// What a point produced that does not depend on timing: the summary's losses and counts, the
  /// training's metric rows and weights, the Gatys store's rows and image.
  struct PointOutcome: Equatable {
    var finalLoss: Double
    var sampleLosses: [[Double]]
    var gatys: [[Double]]
    var trainingRows: [[Double]]
    var weights: [String: [Float]]
    var gatysRows: [[Double]]
    var gatysImage: [Float]

    init(_ folder: URL) throws {
      let summary = try JSONDecoder().decode(
        PointSummary.self, from: Data(contentsOf: folder.appendingPathComponent("summary.json")))
      finalLoss = summary.trainingFinalLoss
      sampleLosses = summary.evaluations.map(\.sampleLosses)
      gatys = summary.gatys.map { [Double($0.iterations), $0.finalLoss, $0.targetLoss] }
      trainingRows = try Self.rows(folder.appendingPathComponent("training/store.h5").path)
      let model = try GeneratorModelFile.read(folder.appendingPathComponent("training/model.h5").path)
      weights = Dictionary(
        uniqueKeysWithValues: model.generator.namedTensors.map { ($0.path, $0.value.scalars) })
      let gatysStore = folder.appendingPathComponent("gatys/lbfgs/store.h5").path
      gatysRows = try Self.rows(gatysStore)
      let file = try HDF5File.open(gatysStore)
      defer { try? file.close() }
      gatysImage = try file.root.readTensor("result/image").scalars
    }

    /// The rows of `/metrics/iterations` without the timing and memory columns.
    static func rows(_ path: String) throws -> [[Double]] {
      let file = try HDF5File.open(path)
      defer { try? file.close() }
      let table = try MetricsTable(opening: "metrics/iterations", in: try file.root)
      let keep = table.columns.indices.filter { !TrainingRun.timingColumns.contains(table.columns[$0]) }
      return try table.rows().map { row in keep.map { row[$0] } }
    }
  }

  /// A `harness run` in the background, its standard error going to a file.
  struct Background {
    let process: Process
    let log: String

    init(_ arguments: [String], log: String) throws {
      guard let executable = HarnessProcess.executable else { throw HarnessProcessError.notBuilt }
      self.log = log
      _ = FileManager.default.createFile(atPath: log, contents: Data())
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
      process = Process()
      process.executableURL = executable
      process.arguments = arguments
      process.environment = ProcessInfo.processInfo.environment.merging(
        HarnessProcess.childEnvironment()) { $1 }
      process.standardError = handle
      process.standardOutput = handle
      try process.run()
    }

    func finish() throws -> (status: Int32, text: String) {
      process.waitUntilExit()
      return (process.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
    }
  }

  static func setUp() throws -> (TinyDescriptorFiles, String) {
    let files = try ExperimentRunnerTests.files()
    let path = try files.directory.writeText(ExperimentRunnerTests.experiment(files), to: "tiny.json")
    return (files, path)
  }

  static func single(_ path: String, root: String) throws -> [String: PointOutcome] {
    let result = try HarnessProcess.run(["run", path, "--out", root, "--quiet"])
    #expect(result.status == 0, "\(result.standardError)")
    return try outcomes(root)
  }

  static func outcomes(_ root: String) throws -> [String: PointOutcome] {
    var outcomes: [String: PointOutcome] = [:]
    for name in ["levels=1", "levels=2"] {
      outcomes[name] = try PointOutcome(URL(fileURLWithPath: root).appendingPathComponent(name))
    }
    return outcomes
  }

  @Test("two harness run of one experiment at once: both finish, each point is written once, the results are a single run's")
  func twoRunsAtOnce() throws {
    let (files, path) = try Self.setUp()
    let expected = try Self.single(path, root: files.directory.file("single"))
    let root = files.directory.file("shared")
    let runs = try (1...2).map { try Background(["run", path, "--out", root, "--quiet"], log: files.directory.file("run-\($0).log")) }
    let results = try runs.map { try $0.finish() }
    for result in results { #expect(result.status == 0, "\(result.text)") }
    let text = results.map(\.text).joined(separator: "\n")
    for point in ["levels=1", "levels=2"] {
      let trainings = text.split(separator: "\n").filter { $0.contains(point) && $0.contains("] training 4 iterations") }
      #expect(trainings.count == 1, "\(point) trained \(trainings.count) times:\n\(text)")
      let folder = root + "/" + point
      let entries = try FileManager.default.contentsOfDirectory(atPath: folder)
      #expect(!entries.contains { $0.contains("incomplete") }, "\(entries)")
      let provenance = try String(contentsOfFile: folder + "/training/provenance.json", encoding: .utf8)
      #expect(!provenance.contains("\"resumed\""), "the point was resumed: \(provenance)")
      // Both printed the full table: the second waited for the point the first was writing.
      for result in results {
        #expect(result.text.split(separator: "\n").contains { $0.hasPrefix(point + " ") }, "\(result.text)")
      }
    }
    #expect(text.contains("is writing this point"), "the runs never met at a lock:\n\(text)")
    #expect(try Self.outcomes(root) == expected)
  }

  @Test("a harness run killed with SIGKILL leaves its lock to the next run, which takes it over and ends as a single run")
  func killedRunsLockIsTakenOver() throws {
    let (files, path) = try Self.setUp()
    let expected = try Self.single(path, root: files.directory.file("single"))
    let root = files.directory.file("killed")
    let run = try Background(["run", path, "--out", root, "--quiet"], log: files.directory.file("killed.log"))
    let checkpoint = root + "/levels=1/training/checkpoint.h5"
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline && run.process.isRunning && !FileManager.default.fileExists(atPath: checkpoint) {
      usleep(2_000)
    }
    #expect(run.process.isRunning, "the run ended before it was killed")
    kill(run.process.processIdentifier, SIGKILL)
    _ = try run.finish()
    let lock = try String(contentsOfFile: root + "/levels=1.lock", encoding: .utf8)
    #expect(lock.contains("\"pid\":\(run.process.processIdentifier)"), "\(lock)")
    let again = try HarnessProcess.run(["run", path, "--out", root, "--quiet"])
    #expect(again.status == 0, "\(again.standardError)")
    #expect(
      again.standardError.contains(
        "taking over the lock \(root)/levels=1.lock of pid \(run.process.processIdentifier)"),
      "\(again.standardError)")
    #expect(try Self.outcomes(root) == expected)
    #expect(try String(contentsOfFile: root + "/levels=1.lock", encoding: .utf8).isEmpty)
  }
}
