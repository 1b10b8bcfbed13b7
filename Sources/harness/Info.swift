import ArgumentParser
import TensorCore

/// `harness info`: the machine facts recorded with every result.
struct Info: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the CPU, the OpenBLAS kernel and the thread count this process uses.",
    discussion: """
      OpenBLAS's kernel decides GEMM speed (up to 4.7x). The harness chooses it from the CPU's \
      features unless OPENBLAS_CORETYPE is set; the thread count is every core unless \
      OPENBLAS_NUM_THREADS (or --threads on commands that compute) says otherwise. These facts are \
      recorded with every result.
      """)

  @Option(help: "Set the thread count before reporting (as the computing commands' --threads does).")
  var threads: Int?

  func run() throws {
    if let threads { BLAS.setThreads(threads) }
    let machine = MachineDescription.current()
    print("cpu:           \(machine.cpuModel) (\(machine.cpuIdentity))")
    print("logical cpus:  \(machine.logicalCPUs)")
    print("blas kernel:   \(machine.blasKernel) (chosen by: \(machine.blasKernelSource))")
    print("blas threads:  \(machine.threads)")
    print("blas build:    \(machine.blasConfiguration)")
    if let warning = BLAS.kernelWarning { print("warning: \(warning)") }
  }
}
