import Foundation

/// What ran a computation, recorded with every result: CPU model, core count, BLAS kernel, threads.
public struct MachineDescription: Codable, Equatable, Sendable {
  /// The CPU model string from /proc/cpuinfo, e.g. "AMD EPYC".
  public var cpuModel: String
  /// The CPU vendor, family and model numbers, e.g. "AuthenticAMD family 26 model 2".
  public var cpuIdentity: String
  /// Online logical CPUs.
  public var logicalCPUs: Int
  /// The OpenBLAS kernel in use, e.g. "SkylakeX".
  public var blasKernel: String
  /// Where that kernel choice came from ("environment", "cpu features", "OpenBLAS default").
  public var blasKernelSource: String
  /// OpenBLAS's build configuration string.
  public var blasConfiguration: String
  /// OpenBLAS's (and the harness's) thread count.
  public var threads: Int

  /// The description of the current process's machine.
  public static func current() -> MachineDescription {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    func field(_ key: String) -> String {
      for line in info.split(separator: "\n") where line.hasPrefix(key) {
        if let colon = line.firstIndex(of: ":") {
          return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
      }
      return "unknown"
    }
    return MachineDescription(
      cpuModel: field("model name"),
      cpuIdentity: "\(field("vendor_id")) family \(field("cpu family")) model \(field("model"))",
      logicalCPUs: ProcessInfo.processInfo.activeProcessorCount,
      blasKernel: BLAS.kernel,
      blasKernelSource: BLAS.kernelSource,
      blasConfiguration: BLAS.configuration,
      threads: Parallel.threads)
  }

  /// One line: `AMD EPYC (AuthenticAMD family 26 model 2), 2 CPUs, OpenBLAS SkylakeX, 2 threads`.
  public var summary: String {
    "\(cpuModel) (\(cpuIdentity)), \(logicalCPUs) CPUs, OpenBLAS \(blasKernel) (\(blasKernelSource)), \(threads) threads"
  }
}
