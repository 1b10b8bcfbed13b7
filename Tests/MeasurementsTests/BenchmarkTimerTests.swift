import Foundation
import Measurements
import Testing

@Suite struct BenchmarkTimerTests {
  /// Every call is accounted for (warm-up + kept + discarded runs), the times are the body's
  /// (it sleeps 5 ms), and the rate is the FLOP count over the median.
  @Test func recordsTheRequestedRuns() throws {
    var timer = BenchmarkTimer(runs: 3, warmup: 1)
    timer.settleBeforeEachRun = false
    var calls = 0
    let record = try #require(timer.record("case", flops: 2e9, threads: 1) {
      calls += 1
      usleep(5_000)
    })
    #expect(record.case == "case")
    #expect(record.threads == 1)
    if record.cleanRuns >= 3 {
      #expect(record.cleanRuns == 3, "stops once 3 clean runs are in")
      #expect(calls == 1 + record.cleanRuns + record.discardedRuns)
    } else {
      // A busy machine: every attempt was made and the contended runs count too.
      #expect(calls == 1 + timer.maximumAttempts)
      #expect(record.discardedRuns == 0)
    }
    #expect(record.minimumMilliseconds >= 5, "a 5 ms body timed at \(record.minimumMilliseconds) ms")
    #expect(record.minimumMilliseconds <= record.medianMilliseconds)
    #expect(record.medianMilliseconds <= record.maximumMilliseconds)
    let gflops = try #require(record.gflops)
    #expect(abs(gflops - 2e9 / (record.medianMilliseconds / 1000) / 1e9) <= 1e-12 * gflops)
    #expect(gflops < 2e9 / 0.005 / 1e9, "at most 2 GFLOP per 5 ms")
  }

  @Test func theMedianIsTheMiddleRun() {
    var timer = BenchmarkTimer(runs: 3, warmup: 0)
    timer.settleBeforeEachRun = false
    timer.maximumAttempts = 3
    var call = 0
    let durations: [UInt32] = [30_000, 2_000, 12_000]
    let (times, _, _) = timer.measure {
      usleep(durations[call])
      call += 1
    }
    #expect(call == 3)
    #expect(times.count == 3)
    let sorted = times.sorted()
    // 2 ms, 12 ms, 30 ms in some order, each at least its sleep.
    #expect(sorted[0] >= 2 && sorted[1] >= 12 && sorted[2] >= 30)
    #expect(sorted[1] < 30, "the middle run is the 12 ms one")
  }

  @Test func filteredCasesDoNotRun() {
    var timer = BenchmarkTimer(runs: 3, warmup: 1)
    timer.filter = ["vgg"]
    var calls = 0
    #expect(timer.record("conv1_1_fwd_256", threads: 1) { calls += 1 } == nil)
    #expect(calls == 0)
    #expect(timer.includes("vgg_fwd_256") && !timer.includes("gram_256"))
  }

  @Test func flopCountsMatchTheReference() {
    // bench_torch.py / the reference README: 47.338 GFLOP at 256², 99.24 GFLOP forward+backward.
    let forward = KernelBenchmark.vggForwardFlops(size: 256)
    #expect(abs(forward / 1e9 - 47.338) < 0.001)
    let backward = 2 * forward + 2 * KernelBenchmark.gramFlops(size: 256)
    #expect(abs(backward / 1e9 - 99.24) < 0.01)
  }

  /// The JSON of `harness bench --json` keeps the reference's snake_case keys.
  @Test func recordsKeepTheirJSONSpelling() throws {
    let record = BenchmarkRecord(
      case: "c", medianMilliseconds: 2, minimumMilliseconds: 1, maximumMilliseconds: 3, gflops: 4,
      threads: 2, cleanRuns: 5, discardedRuns: 1, note: "n", peakResidentMiB: 100)
    let object = try #require(
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any])
    #expect(
      Set(object.keys) == [
        "case", "median_ms", "min_ms", "max_ms", "gflops", "threads", "clean_runs", "discarded_runs",
        "note", "peak_rss_mib",
      ])
    #expect(object["median_ms"] as? Double == 2 && object["peak_rss_mib"] as? Double == 100)
    #expect(try JSONDecoder().decode(BenchmarkRecord.self, from: JSONEncoder().encode(record)) == record)
  }
}
