import TensorCore
import Testing

@testable import Optimizers

@Suite("Flat-vector kernels")
struct FlatVectorTests {
  static func vector(_ count: Int, seed: UInt64) -> Tensor {
    var random = RandomStream(seed: seed, name: "flat-vector")
    return random.uniformTensor([count], low: -1, high: 1)
  }

  @Test(
    "dot accumulates in Double, on and off chunk boundaries",
    arguments: [1, 7, 8192, 8193, 200_003])
  func dotMatchesNaive(count: Int) {
    let a = Self.vector(count, seed: 1)
    let b = Self.vector(count, seed: 2)
    var naive = 0.0
    for (x, y) in zip(a.scalars, b.scalars) { naive += Double(x) * Double(y) }
    let fast = FlatVector.dot(a, b)
    #expect(abs(fast - naive) <= 1e-12 * Double(count), "\(fast) against \(naive)")
  }

  @Test("a reduction gives the same bits on one thread and on several")
  func threadIndependent() {
    let a = Self.vector(300_001, seed: 3)
    let b = Self.vector(300_001, seed: 4)
    #expect(FlatVector.dot(a, b) == FlatVector.dot(a, b, parallel: false))
    #expect(FlatVector.sumOfMagnitudes(a) == FlatVector.sumOfMagnitudes(a, parallel: false))
  }

  @Test("the update and the trial point are bitwise equal")
  func stepMatchesUpdate() {
    let x = Self.vector(100_000, seed: 5)
    let d = Self.vector(100_000, seed: 6)
    var moved = Tensor(shape: x.shape, scalars: x.scalars)
    FlatVector.addScaled(&moved, 0.37, d)
    var trial = Tensor(uninitialized: x.shape)
    FlatVector.step(&trial, from: x, 0.37, along: d)
    #expect(moved.scalars == trial.scalars)
    #expect(FlatVector.maximumMagnitude(Tensor(shape: [3], scalars: [1, -4, 2])) == 4)
  }
}
