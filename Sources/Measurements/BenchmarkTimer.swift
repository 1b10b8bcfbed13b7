import Foundation
import Runs

/// Timings of one benchmark case: median, min and max over the clean runs, in milliseconds.
public struct BenchmarkRecord: Codable, Equatable, Sendable {
  /// The case name, e.g. `vgg_fwd_bwd_input_256` (the PyTorch reference's names where they match).
  public var `case`: String
  /// Median wall time of the clean runs, ms.
  public var medianMilliseconds: Double
  /// Fastest clean run, ms.
  public var minimumMilliseconds: Double
  /// Slowest clean run, ms.
  public var maximumMilliseconds: Double
  /// Useful work per second at the median: convolution FLOPs (2 · multiply-adds) / time, GFLOP/s;
  /// nil when the case has no FLOP count.
  public var gflops: Double?
  /// Worker threads.
  public var threads: Int
  /// Runs kept (clean).
  public var cleanRuns: Int
  /// Runs discarded because other processes used the CPU during them.
  public var discardedRuns: Int
  /// Free-form detail (the GEMM shape, the loss value, ...).
  public var note: String?
  /// For memory cases: the peak resident set size (VmHWM) of a fresh process, MiB.
  public var peakResidentMiB: Double?

  /// The JSON keys of `harness bench --json` (snake_case, as the PyTorch reference's records).
  enum CodingKeys: String, CodingKey {
    case `case`
    case medianMilliseconds = "median_ms"
    case minimumMilliseconds = "min_ms"
    case maximumMilliseconds = "max_ms"
    case gflops
    case threads
    case cleanRuns = "clean_runs"
    case discardedRuns = "discarded_runs"
    case note
    case peakResidentMiB = "peak_rss_mib"
  }

  /// A record with every field given.
  public init(
    case name: String, medianMilliseconds: Double, minimumMilliseconds: Double,
    maximumMilliseconds: Double, gflops: Double?, threads: Int, cleanRuns: Int, discardedRuns: Int,
    note: String?, peakResidentMiB: Double? = nil
  ) {
    self.case = name
    self.medianMilliseconds = medianMilliseconds
    self.minimumMilliseconds = minimumMilliseconds
    self.maximumMilliseconds = maximumMilliseconds
    self.gflops = gflops
    self.threads = threads
    self.cleanRuns = cleanRuns
    self.discardedRuns = discardedRuns
    self.note = note
    self.peakResidentMiB = peakResidentMiB
  }
}

/// Times closures the way the PyTorch reference's `bench_torch.py` does: warm-up runs, then runs
/// until `runs` clean ones are collected. A run is clean when other processes used less than 5%
/// of a core during it (+30 ms for /proc/stat tick granularity); before each run the timer waits
/// (up to 20 s) for the machine to be quiet.
public struct BenchmarkTimer: Sendable {
  /// Clean runs wanted.
  public var runs: Int
  /// Warm-up runs (not timed).
  public var warmup: Int
  /// Give up after this many attempts; with fewer than 3 clean runs, the contended ones count too.
  public var maximumAttempts: Int
  /// When set, only cases whose names contain one of these substrings run; `record` returns nil
  /// for the others.
  public var filter: [String]?
  /// Wait for a quiet 0.3 s window before every run, as `bench_torch.py` does (its published
  /// figures include the cost of waking the cores after that pause); otherwise runs go back to
  /// back after one initial wait, which measures the steady state of a long loop.
  public var settleBeforeEachRun = true

  /// A timer taking `runs` clean runs after `warmup` warm-up runs.
  public init(runs: Int = 7, warmup: Int = 2) {
    self.runs = runs
    self.warmup = warmup
    maximumAttempts = 3 * runs
  }

  /// Whether `filter` lets case `name` run.
  public func includes(_ name: String) -> Bool {
    filter.map { $0.contains { name.contains($0) } } ?? true
  }

  /// Times `body`; returns wall-clock milliseconds of the kept runs and the clean/discarded counts.
  public func measure(_ body: () -> Void) -> (milliseconds: [Double], clean: Int, discarded: Int) {
    for _ in 0..<warmup { body() }
    var clean: [Double] = []
    var dirty: [Double] = []
    CPUActivity.waitUntilQuiet()
    for attempt in 0..<maximumAttempts {
      if settleBeforeEachRun && attempt > 0 { CPUActivity.waitUntilQuiet() }
      let before = CPUActivity.snapshot()
      body()
      let after = CPUActivity.snapshot()
      let wall = after.wall - before.wall
      let others = CPUActivity.otherProcessesSeconds(from: before, to: after)
      if others < 0.05 * wall + 0.03 { clean.append(wall * 1000) } else { dirty.append(wall * 1000) }
      if clean.count >= runs { break }
    }
    if clean.count >= 3 { return (clean, clean.count, dirty.count) }
    return (clean + dirty, clean.count, 0)
  }

  /// A record for `name` from `measure(body)`; `flops` is the work of one run. Nil when `filter`
  /// excludes the case (it is not run).
  public func record(
    _ name: String, flops: Double? = nil, threads: Int, note: String? = nil, _ body: () -> Void
  ) -> BenchmarkRecord? {
    if !includes(name) { return nil }
    let (times, clean, discarded) = measure(body)
    let sorted = times.sorted()
    let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    return BenchmarkRecord(
      case: name, medianMilliseconds: median, minimumMilliseconds: sorted.first ?? 0, maximumMilliseconds: sorted.last ?? 0,
      gflops: flops.map { $0 / (median / 1000) / 1e9 }, threads: threads, cleanRuns: clean,
      discardedRuns: discarded, note: note)
  }
}

/// CPU time of the whole machine and of this process, from /proc/stat and getrusage.
enum CPUActivity {
  struct Snapshot {
    var wall: Double
    var machineBusy: Double
    var processBusy: Double
  }

  static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

  static func snapshot() -> Snapshot {
    var busy = 0.0
    if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
      let line = stat.split(separator: "\n").first
    {
      let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
      if fields.count > 4 { busy = (fields.reduce(0, +) - fields[3] - fields[4]) / ticksPerSecond }
    }
    // This process and its waited-for children (a benchmark's child process is not "other").
    var own = 0.0
    for who in [RUSAGE_SELF, RUSAGE_CHILDREN] {
      var usage = rusage()
      getrusage(Int32(who.rawValue), &usage)
      own +=
        Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
    return Snapshot(wall: monotonicSeconds(), machineBusy: busy, processBusy: own)
  }

  /// CPU-seconds used by other processes between two snapshots.
  static func otherProcessesSeconds(from a: Snapshot, to b: Snapshot) -> Double {
    max(0, (b.machineBusy - a.machineBusy) - (b.processBusy - a.processBusy))
  }

  /// Waits up to `limit` seconds for a 0.3 s window in which others used < 10% of a core.
  static func waitUntilQuiet(limit: Double = 20, window: Double = 0.3) {
    let deadline = monotonicSeconds() + limit
    while monotonicSeconds() < deadline {
      let a = snapshot()
      usleep(UInt32(window * 1e6))
      if otherProcessesSeconds(from: a, to: snapshot()) < 0.1 * window + 0.02 { return }
    }
  }
}
