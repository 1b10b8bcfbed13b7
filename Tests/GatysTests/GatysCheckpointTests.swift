import Foundation
import Gatys
import Optimizers
import Runs
import Store
import TensorCore
import Testing
import _TestSupport

/// Checkpoints of interrupted runs: what `--resume` refuses and how the message names the file.
@Suite struct GatysCheckpointTests {
  /// A run stopped after 2 of 4 iterations, with its checkpoint.
  func interruptedRun(_ tiny: TinyGatys) throws -> URL {
    let output = tiny.folder("run")
    let summary = try tiny.run(tiny.configuration(iterations: 4), output: output, interruptAfter: 2).run()
    #expect(summary.stopReason == .interrupted && summary.iterations == 2)
    return output
  }

  @Test func theCheckpointHoldsTheLoopPositionAndTheOptimiser() throws {
    let tiny = try TinyGatys()
    let output = try interruptedRun(tiny)
    let file = try HDF5File.open(output.appendingPathComponent("checkpoint.h5").path)
    let root = try file.root
    #expect(try root.stringAttribute("format") == "texture-nets-harness gatys checkpoint, version 2")
    #expect(try root.integerAttribute("iteration") == 2)
    let optimizer = try root.group("optimizer")
    #expect(try optimizer.stringAttribute("kind") == "lbfgs")
    // The named state of L-BFGS, as `WeightStore.saveState` writes it.
    let state = try WeightStore.readState(from: optimizer)
    let pairs = state.tensors.keys.filter { $0.hasPrefix("pairs/") && $0.hasSuffix("/step") }.count
    #expect((1...2).contains(pairs))
    #expect(state.scalars["iterationCount"] == 2)
    #expect(Set(state.tensors.keys) == Set(try LBFGSState(namedState: OptimizerState(
      tensors: state.tensors, scalars: state.scalars)).namedState.tensors.keys))
    #expect(try optimizer.readTensor("parameters").shape == [1, 3, 16, 16])
    let store = try HDF5File.open(output.appendingPathComponent("store.h5").path)
    #expect(try optimizer.readTensor("parameters").scalars == (try store.root.readTensor("result/image")).scalars)
    try store.close()
    try file.close()
    // Written atomically: no partial file beside it.
    let names = try FileManager.default.contentsOfDirectory(atPath: output.path)
    #expect(!names.contains { $0.contains(".partial-") }, "\(names)")
  }

  @Test func anOptimiserThatIsNotTheConfigurationsIsRefusedNamingTheCheckpoint() throws {
    let tiny = try TinyGatys()
    let output = try interruptedRun(tiny)
    let folder = try RunFolder.open(output)
    var configuration = try folder.readJSON(GatysConfiguration.self, from: "configuration.json")
    configuration.optimizer = GatysConfiguration.Defaults.optimizer(.adam)
    try folder.writeJSON(configuration, to: "configuration.json")
    let checkpoint = folder.path(of: "checkpoint.h5")
    #expect {
      try GatysRun.resume(directory: output, showsProgress: false) { $0.installsSignalHandling = false }
    } throws: { error in
      guard case .badCheckpoint(let path, let reason) = error as? GatysError else { return false }
      return path == checkpoint && reason.contains("not the configuration's adam")
    }
  }

  @Test func adamsCheckpointIsItsNamedStateWithTheImage() throws {
    let tiny = try TinyGatys()
    let output = tiny.folder("run")
    let summary = try tiny.run(tiny.configuration(kind: .adam, iterations: 4), output: output, interruptAfter: 2)
      .run()
    #expect(summary.stopReason == .interrupted && summary.iterations == 2)
    let file = try HDF5File.open(output.appendingPathComponent("checkpoint.h5").path)
    defer { try? file.close() }
    let optimizer = try file.root.group("optimizer")
    #expect(try optimizer.stringAttribute("kind") == "adam")
    let state = try WeightStore.readState(from: optimizer)
    // Two steps; three evaluations (each iterate's loss is logged), the last one cached.
    #expect(Set(state.tensors.keys) == ["image", "m/image", "v/image", "evaluation/gradient"])
    #expect(Set(state.scalars.keys) == ["step", "evaluationCount", "evaluation/loss"])
    #expect(state.scalars["step"] == 2 && state.scalars["evaluationCount"] == 3)
    #expect(state.scalars["evaluation/loss"] == (try file.root.doublesAttribute("last_loss")).first)
    #expect(state.tensors["m/image"]?.shape == [1, 3, 16, 16])
    let store = try HDF5File.open(output.appendingPathComponent("store.h5").path)
    #expect(state.tensors["image"]?.scalars == (try store.root.readTensor("result/image")).scalars)
    try store.close()
  }

  @Test(arguments: [OptimizerConfiguration.Kind.lbfgs, .adam])
  func aStateThatDoesNotFitIsABadCheckpointNamingTheFile(_ kind: OptimizerConfiguration.Kind) throws {
    let tiny = try TinyGatys()
    let output = tiny.folder("run")
    _ = try tiny.run(tiny.configuration(kind: kind, iterations: 4), output: output, interruptAfter: 2).run()
    let path = output.appendingPathComponent("checkpoint.h5").path
    let file = try HDF5File.open(path, mode: .readWrite)
    try file.root.group("optimizer").write(Tensor(zeros: [2]), to: "stray")
    try file.close()
    let optimizerName = kind == .lbfgs ? "L-BFGS" : "Adam"
    #expect {
      try GatysRun.resume(directory: output, showsProgress: false) { $0.installsSignalHandling = false }
    } throws: { error in
      (error as? GatysError)?.description
        == "\(path): bad checkpoint: \(optimizerName): saved state does not fit: unused tensor 'stray'"
    }
  }

  @Test func aForeignCheckpointIsRefused() throws {
    let tiny = try TinyGatys()
    let output = try interruptedRun(tiny)
    let path = output.appendingPathComponent("checkpoint.h5").path
    let file = try HDF5File.open(path, mode: .readWrite)
    try file.root.setAttribute("format", .string("something else"))
    try file.close()
    #expect {
      try GatysRun.resume(directory: output, showsProgress: false) { $0.installsSignalHandling = false }
    } throws: { error in
      guard case .badCheckpoint(let named, _) = error as? GatysError else { return false }
      return named == path
    }
  }

  @Test func aFolderWithoutACheckpointCannotBeResumed() throws {
    let tiny = try TinyGatys()
    let output = tiny.folder("finished")
    var configuration = tiny.configuration(iterations: 1)
    configuration.checkpointEvery = 0
    _ = try tiny.run(configuration, output: output).run()
    #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("checkpoint.h5").path))
    #expect {
      try GatysRun.resume(directory: output, showsProgress: false)
    } throws: { error in
      (error as? GatysError)?.description
        == "\(output.path): cannot resume: no checkpoint.h5 (a run directory of harness gatys has one)"
    }
  }
}
