import ArgumentParser
import Foundation
import Runs
import TensorCore

/// The `harness` command line: a thin front over the library targets (Gatys, Measurements, ...).
@main
struct Harness: ParsableCommand {
  /// Dies with a parent `harness run` (see `ParentWatch`), tunes the allocator (see
  /// `MemoryTuning`), loads OpenBLAS (a missing or foreign library is one line, `error: OpenBLAS:
  /// cannot load ...`, and exit status 1, before any work starts), then parses and runs the
  /// command.
  static func main() {
    ParentWatch.applyIfChild()
    MemoryTuning.apply()
    do {
      try BLAS.load()
    } catch {
      printError("error: \(error)")
      Foundation.exit(1)
    }
    main(experimentArguments(Array(CommandLine.arguments.dropFirst())))
  }

  /// The arguments with `run` put in front when the first one is an experiment file
  /// (`harness exp/ablation-K.json` runs it).
  static func experimentArguments(_ arguments: [String]) -> [String] {
    guard let first = arguments.first, first.hasSuffix(".json") else { return arguments }
    return ["run"] + arguments
  }

  static let configuration = CommandConfiguration(
    commandName: "harness",
    abstract: "Texture Networks (Ulyanov et al. 2016) against Gatys et al. optimisation, on the CPU.",
    discussion: """
      Reproduces the feed-forward texture generator of Ulyanov et al. (ICML 2016) and measures it \
      against iterative Gatys et al. optimisation with the same VGG-19 descriptor loss.

      The main job, an experiment file (every point of its sweep: train the generator, score \
      its samples, time it, and run Gatys to the same loss, each in a fresh process):
        harness exp/ablation-K.json       (the same: harness run FILE)
        harness validate exp/*.json
        harness run exp/ablation-K.json --backend slurm --cpus-per-task 2 --time 04:00:00
        harness status results/ablation-K   (each point's state; with --backend slurm, its job)
        harness presets [NAME]
        harness report results/ablation-K   (the notebook; harness run writes it too)

      First time on a machine: Scripts/setup (installs the libraries, fetches the normalised \
      VGG-19 and images into data/, converts the weights). Then, for example:

      Gatys et al. texture synthesis (L-BFGS from noise):
        harness gatys --style data/textures/brick.png --size 256 --out DIR
      Style transfer:
        harness gatys --content C.jpg --style S.jpg --out DIR
      Texture Networks: train a generator, then sample it (any size):
        harness train --style data/textures/gravel.png --size 128 --batch-size 4 --out DIR
        harness generate --model DIR/model.h5 --size 512 --count 8 --out SAMPLES
      What the VGG-19 descriptor sees (activations, Grams, losses, gradient):
        harness features IMG.png --style S.jpg --content IMG.png --out f.h5
      Speed and memory, comparable with the PyTorch reference's figures:
        harness bench descriptor --sizes 256,512
      The CPU, the OpenBLAS kernel (and who chose it), the threads:
        harness info
      A PyTorch VGG-19 checkpoint to HDF5 (no Python), and any HDF5 tree:
        harness import-weights SRC.pth -o DST.h5
        harness inspect FILE.h5

      Images are PNG, JPEG or FILE.h5:/dataset ([3, H, W] or [1, 3, H, W], RGB in [0, 1]). \
      Results record the git commit, toolchain, CPU, OpenBLAS kernel, threads and seed. Every \
      command takes --help.
      """,
    version: HarnessVersion.text,
    subcommands: [
      RunCommand.self, ReportCommand.self, StatusCommand.self, Validate.self, Presets.self,
      Info.self, GatysCommand.self, Train.self,
      Generate.self, Features.self, ImportWeights.self,
      ImportGenerator.self, Inspect.self, Bench.self,
      WriteSampleStore.self,
    ])
}

/// The version line of `harness --version`, with the machine facts every result records.
enum HarnessVersion {
  static let number = "0.1.0"
  static var text: String {
    "harness \(number)\n\(MachineDescription.current().summary)"
  }
}
