import Testing

@testable import Optimizers

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
  @Test(
    "the paper's schedule: ×0.7 after iteration 1000 and every 200 after",
    arguments: [
      (1, 1.0), (1000, 1.0), (1001, 0.7), (1200, 0.7), (1201, 0.49), (1400, 0.49),
      (1401, 0.343), (2000, 0.7 * 0.7 * 0.7 * 0.7 * 0.7),
    ])
  func paper(iteration: Int, multiplier: Double) {
    let rate = LearningRateSchedule.textureNetworksPaper.learningRate(
      base: 0.1, atIteration: iteration)
    #expect(abs(rate - 0.1 * multiplier) < 1e-15, "iteration \(iteration): \(rate)")
  }

  @Test(
    "the official code's schedule: ×0.8 every 300 iterations",
    arguments: [(1, 0), (300, 0), (301, 1), (600, 1), (601, 2), (1500, 4)])
  func official(iteration: Int, decays: Int) {
    let schedule = LearningRateSchedule.textureNetworksCode
    #expect(schedule.decayCount(atIteration: iteration) == decays)
    var expected = 0.1
    for _ in 0..<decays { expected *= 0.8 }
    #expect(schedule.learningRate(base: 0.1, atIteration: iteration) == expected)
  }

  @Test("constant keeps the base rate")
  func constant() {
    for iteration in [1, 10, 100_000] {
      #expect(
        LearningRateSchedule.constant.learningRate(base: 0.02, atIteration: iteration) == 0.02)
      #expect(LearningRateSchedule.constant.multiplier(atIteration: iteration) == 1)
    }
  }
}
