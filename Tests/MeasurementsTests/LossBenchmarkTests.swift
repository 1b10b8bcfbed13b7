import ImageArguments
import Measurements
import TensorCore
import Testing

@Suite struct LossBenchmarkTests {
  @Test func namesItsCasesByKindAndShape() {
    // One case is timed (each timed case first waits for a quiet machine); the filter skips the rest.
    var timer = BenchmarkTimer(runs: 1, warmup: 0)
    timer.settleBeforeEachRun = false
    timer.filter = ["loss_slicedWasserstein_p8_8x4"]
    var names: [String] = []
    LossBenchmark(shapes: [[1, 8, 4, 4]], timer: timer).run { record in
      if let record { names.append(record.case) }
    }
    #expect(names == ["loss_slicedWasserstein_p8_8x4"])
  }
}
