import Foundation
import NN
import Runs
import Store
import Testing
import _TestSupport

/// `harness train` end to end on a tiny random descriptor (no weights needed): a kill -9 at a
/// random iteration and a resume end bit for bit as a run that never stopped; Ctrl-C; bad input;
/// the trained model samples with `harness generate`.
@Suite struct TrainCommandTests {
  /// The tiny descriptor and images, and a texture training command on them.
  final class Files {
    let files: TinyDescriptorFiles
    init(_ label: String = #function) throws {
      files = try TinyDescriptorFiles(
        label, seed: 9, stream: "train-command", images: [("style", [3, 40, 36]), ("content", [3, 40, 48])])
    }
    var directory: TemporaryDirectory { files.directory }
    func folder(_ name: String) -> String { files.directory.file(name) }
    func arguments(iterations: Int, out: String, extra: [String] = []) -> [String] {
      [
        "train", "--style", files.argument("style"), "--weights", files.weights, "--size", "32",
        "--batch-size", "2", "--levels", "3", "--iterations", "\(iterations)", "--style-layers",
        "relu1_1,relu1_2", "--sample-every", "0", "--checkpoint-every", "2", "--quiet", "--out", out,
      ] + extra
    }
  }

  /// Every metrics row without the timing and memory columns, and the model's weights.
  static func outcome(_ folder: String) throws -> (rows: [[Double]], weights: [String: [Float]]) {
    let file = try HDF5File.open(folder + "/store.h5")
    defer { try? file.close() }
    let table = try MetricsTable(opening: "metrics/iterations", in: try file.root)
    let timing: Set<String> = ["wall_seconds", "iteration_seconds", "peak_rss_mib"]
    let keep = table.columns.indices.filter { !timing.contains(table.columns[$0]) }
    let rows = try table.rows().map { row in keep.map { row[$0] } }
    let model = try GeneratorModelFile.read(folder + "/model.h5")
    let weights = Dictionary(uniqueKeysWithValues: model.generator.namedTensors.map { ($0.path, $0.value.scalars) })
    return (rows, weights)
  }

  /// Starts `harness arguments...` in the background.
  static func start(_ arguments: [String]) throws -> Process {
    guard let executable = HarnessProcess.executable else { throw HarnessProcessError.notBuilt }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// The iteration of the run's checkpoint (0 when there is none yet).
  static func checkpointIteration(_ folder: String) -> Int {
    guard let file = try? HDF5File.open(folder + "/checkpoint.h5"), let root = try? file.root,
      let iteration = try? root.integerAttribute("iteration")
    else { return 0 }
    try? file.close()
    return Int(iteration)
  }

  @Test("killed with SIGKILL at a random iteration and resumed, a run ends bit for bit as one that never stopped",
        arguments: [[] as [String], ["--content", "CONTENT", "--content-layers", "relu1_2"]])
  func killAndResume(_ extra: [String]) throws {
    let files = try Files()
    let extra = extra.map { $0 == "CONTENT" ? files.files.argument("content") : $0 }
    let straight = files.folder("straight")
    let killed = files.folder("killed")
    let total = 24
    let result = try HarnessProcess.run(files.arguments(iterations: total, out: straight, extra: extra))
    #expect(result.status == 0, "\(result.standardError)")
    // Kill once a checkpoint at or after a random iteration is on disk (so the kill falls at a
    // random point of the loop, after that checkpoint).
    let target = 2 * Int.random(in: 1...8)
    let process = try Self.start(files.arguments(iterations: total, out: killed, extra: extra))
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline && Self.checkpointIteration(killed) < target && process.isRunning {
      usleep(Int32.random(in: 1_000...30_000).magnitude)
    }
    #expect(process.isRunning, "the run ended before it was killed (target iteration \(target))")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)
    let at = Self.checkpointIteration(killed)
    #expect(at >= target && at < total, "killed after the checkpoint of iteration \(at), target \(target)")
    let resumed = try HarnessProcess.run(["train", "--resume", killed, "--quiet"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    let a = try Self.outcome(straight)
    let b = try Self.outcome(killed)
    #expect(a.rows.count == total && b.rows.count == total)
    #expect(a.rows == b.rows, "killed after iteration \(at)")
    #expect(a.weights == b.weights, "killed after iteration \(at)")
  }

  @Test("Ctrl-C stops with a checkpoint and exit status 130; --resume finishes the run")
  func interruptAndResume() throws {
    let files = try Files()
    let out = files.folder("run")
    let process = try Self.start(files.arguments(iterations: 100_000, out: out))
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline && Self.checkpointIteration(out) < 2 { usleep(20_000) }
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    let stopped = Self.checkpointIteration(out)
    #expect(stopped >= 2)
    let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
    #expect(summary.contains("interrupted"))
    let resumed = try HarnessProcess.run(["train", "--resume", out, "--iterations", "\(stopped + 2)", "--quiet"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(try Self.outcome(out).rows.count == stopped + 2)
  }

  @Test("a resume of a folder another process is writing is refused, naming the holder")
  func aSecondWriterIsRefused() throws {
    let files = try Files()
    let out = files.folder("run")
    #expect(try HarnessProcess.run(files.arguments(iterations: 4, out: out)).status == 0)
    let before = try Self.outcome(out)
    let holder = try RunFolder.open(URL(fileURLWithPath: out)).lockForWriting()
    let refused = try HarnessProcess.run(["train", "--resume", out, "--iterations", "6", "--quiet"])
    #expect(refused.status == 1)
    #expect(
      refused.standardError.contains(
        "\(out): another process is writing this run folder (pid \(getpid()) on host "),
      "\(refused.standardError)")
    #expect(try Self.outcome(out).rows == before.rows)
    holder.release()
    let resumed = try HarnessProcess.run(["train", "--resume", out, "--iterations", "6", "--quiet"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(try Self.outcome(out).rows.count == 6)
  }

  @Test("the trained model samples with harness generate at another size")
  func generateFromTrainedModel() throws {
    let files = try Files()
    let out = files.folder("run")
    #expect(try HarnessProcess.run(files.arguments(iterations: 2, out: out)).status == 0)
    let samples = files.folder("samples")
    let result = try HarnessProcess.run([
      "generate", "--model", out + "/model.h5", "--size", "48", "--count", "2", "--out", samples, "--quiet",
    ])
    #expect(result.status == 0, "\(result.standardError)")
    let image = try readImage(path: samples + "/sample-0000.png")
    #expect(image.shape == [1, 3, 48, 48])
  }

  @Test(
    "bad input gets one clear message, a non-zero exit and no output folder",
    arguments: [
      (["--style", "MISSING.png"], "MISSING.png"),
      (["--size", "30"], "not a multiple of 2^(K-1) = 4"),
      (["--style-weight=-1"], "must be non-negative"),
      (["--learning-rate=-0.1"], "learningRate: must be finite and positive"),
      (["--style-loss", "gramm"], "did you mean \"gram\""),
      (["--content", "EMPTY"], "holds no PNG or JPEG"),
      (["--content", "STYLE", "--size", "48"], "smaller than the training size 48x48"),
      (["--schedule", "paperr"], "--schedule: expected paper"),
      (["--activation", "tanh"], "--activation: expected relu or leakyReLU"),
    ])
  func badInput(_ c: (arguments: [String], message: String)) throws {
    let files = try Files()
    let empty = files.folder("empty")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let out = files.folder("run")
    var arguments = files.arguments(iterations: 1, out: out)
    let stand = ["EMPTY": empty, "STYLE": files.files.argument("style"), "MISSING.png": files.folder("MISSING.png")]
    arguments += c.arguments.map { stand[$0] ?? $0 }
    let result = try HarnessProcess.run(arguments)
    #expect(result.status != 0)
    #expect(result.standardError.contains(c.message), "\(result.standardError)")
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}
