import ImageArguments
import Measurements
import Testing

@Suite struct BenchmarkTimerTests {
  @Test func recordsTheRequestedRuns() throws {
    var timer = BenchmarkTimer(runs: 3, warmup: 1)
    timer.settleBeforeEachRun = false
    var calls = 0
    let record = try #require(timer.record("case", flops: 2e9, threads: 1) { calls += 1 })
    #expect(calls >= 4)
    #expect(record.case == "case")
    #expect(record.minimumMilliseconds <= record.medianMilliseconds && record.medianMilliseconds <= record.maximumMilliseconds)
    #expect(record.cleanRuns + record.discardedRuns >= 3)
  }

  @Test func filteredCasesDoNotRun() {
    var timer = BenchmarkTimer(runs: 3, warmup: 1)
    timer.filter = ["vgg"]
    var calls = 0
    #expect(timer.record("conv1_1_fwd_256", threads: 1) { calls += 1 } == nil)
    #expect(calls == 0)
  }

  @Test func flopCountsMatchTheReference() {
    // bench_torch.py / the reference README: 47.338 GFLOP at 256², 99.24 GFLOP forward+backward.
    let forward = KernelBenchmark.vggForwardFlops(size: 256)
    #expect(abs(forward / 1e9 - 47.338) < 0.001)
    let backward = 2 * forward + 2 * KernelBenchmark.gramFlops(size: 256)
    #expect(abs(backward / 1e9 - 99.24) < 0.01)
  }
}
