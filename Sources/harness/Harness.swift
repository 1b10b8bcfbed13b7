import ArgumentParser
import TensorCore

/// The `harness` command line: a thin front over the Experiments target.
@main
struct Harness: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "harness",
    abstract: "Texture Networks (Ulyanov et al. 2016) against Gatys et al. optimisation, on the CPU.",
    discussion: """
      Reproduces the feed-forward texture generator of Ulyanov et al. (ICML 2016) and measures it \
      against iterative Gatys et al. optimisation with the same VGG-19 descriptor loss.

      First time on a machine: Scripts/setup (installs the libraries, fetches and converts the \
      VGG-19 weights into data/). Then, for example:

        harness info                                   what runs here: CPU, BLAS kernel, threads
        harness import-weights SRC.pth -o DST.h5       PyTorch checkpoint -> HDF5 weights
        harness inspect FILE.h5                        the tree of an HDF5 file

      Every command takes --help.
      """,
    version: HarnessVersion.text,
    subcommands: [
      Info.self, GatysCommand.self, Features.self, ImportWeights.self, Inspect.self, Bench.self,
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
