import Foundation

/// The process's resident memory from /proc/self/status, in MiB.
///
/// `VmHWM` is the peak resident set size since the process started: what the benchmarks compare
/// with PyTorch's (bench_torch.py reads the same field; `ru_maxrss` survives `execve` and would
/// report a parent's size).
public enum ProcessMemory {
  /// Peak resident set size (VmHWM), MiB; 0 where /proc is unavailable.
  public static var peakResidentMiB: Double { field("VmHWM:") }

  /// Current resident set size (VmRSS), MiB; 0 where /proc is unavailable.
  public static var residentMiB: Double { field("VmRSS:") }

  private static func field(_ name: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
      return 0
    }
    for line in status.split(separator: "\n") where line.hasPrefix(name) {
      let parts = line.split(separator: " ", omittingEmptySubsequences: true)
      if parts.count >= 2, let kilobytes = Double(parts[1]) { return kilobytes / 1024 }
    }
    return 0
  }
}
