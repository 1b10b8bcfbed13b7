import Autodiff
import Foundation
import Losses
import Measurements
import TensorCore
import Testing
import _TestSupport

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

  /// A new style formulation in the registry without a benchmark case fails here (the content
  /// loss, a plain mean squared difference, is not one).
  @Test func everyRegisteredStyleLossIsTimed() {
    #expect(LossBenchmark.kinds == Set(featureLossTypes.map { $0.kind }).subtracting([ContentLoss.kind]))
    let names = LossBenchmark.caseNames(shape: [1, 64, 256, 256])
    #expect(names.count == Set(names).count, "duplicate case names: \(names)")
    #expect(names.first == "loss_gram_64x256")
    #expect(names.contains("loss_slicedWasserstein_p64_64x256"))
    // P = C = 64 and P = 64 are one case at 64 channels.
    #expect(names.filter { $0.hasPrefix("loss_slicedWasserstein") }.count == 1)
    #expect(LossBenchmark.caseNames(shape: [1, 512, 32, 32]).filter { $0.hasPrefix("loss_slicedWasserstein") }.count == 2)
  }

  /// The timed body computes the loss it is named after: the recorded value is the Gram loss of
  /// the benchmark's features, computed here directly.
  @Test func theTimedBodyComputesTheNamedLoss() throws {
    var timer = BenchmarkTimer(runs: 1, warmup: 0)
    timer.settleBeforeEachRun = false
    timer.filter = ["loss_gram_8x4"]
    var records: [BenchmarkRecord] = []
    let shape: Shape = [1, 8, 4, 4]
    LossBenchmark(shapes: [shape], timer: timer).run { record in
      if let record { records.append(record) }
    }
    let record = try #require(records.first)
    #expect(records.count == 1)
    #expect(record.medianMilliseconds > 0)
    #expect(record.minimumMilliseconds <= record.medianMilliseconds)
    #expect(record.medianMilliseconds <= record.maximumMilliseconds)
    let note = try #require(record.note)
    let text = try #require(note.components(separatedBy: "; loss ").last)
    let recorded = try #require(Double(text), "note: \(note)")

    var random = RandomStream(seed: 3, name: "loss benchmark \(shape)")
    let features = random.uniformTensor(shape)
    let exemplar = random.uniformTensor(shape)
    let loss = GramLoss(options: .init(normalization: .chw))
    var context = LossContext(random: RandomStream(seed: 4, name: "losses"))
    let value = Double(loss(Variable(features), target: loss.target(from: exemplar), context: &context).value.scalar)
    #expect(value > 0)
    #expect(abs(recorded - value) <= 1e-6 * value, "recorded \(recorded), direct \(value)")
  }
}
