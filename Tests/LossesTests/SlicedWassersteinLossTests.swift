import Autodiff
import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Losses

/// `slicedWasserstein`: known values, gradient, identities, randomness, sorting, options coding.
@Suite struct SlicedWassersteinLossTests {
  func features(_ shape: Shape, _ name: String) -> Tensor {
    var random = RandomStream(seed: 11, name: name)
    return random.uniformTensor(shape, low: 0, high: 1)
  }

  func value(
    _ loss: SlicedWassersteinLoss, _ x: Tensor, _ target: Tensor, seed: UInt64 = 1
  ) -> Float {
    var context = LossContext(random: RandomStream(seed: seed, name: "losses"))
    return loss(Variable(x), target: target, context: &context).value.scalar
  }

  @Test func knownValuesInOneDimension() {
    // C = 1: every direction is ±1, and either sign sorts the same pairs together.
    let loss = SlicedWassersteinLoss(options: .init(projections: 5))
    let x = Tensor(shape: [1, 1, 1, 3], scalars: [3, 1, 2])
    // sorted (1, 2, 3) against (0, 10, 20): (1 + 64 + 289) / 3
    let target = loss.target(from: Tensor(shape: [1, 1, 1, 3], scalars: [20, 0, 10]))
    #expect(abs(value(loss, x, target) - 118) < 1e-4)
    // Two exemplar points read at 3 quantiles: (0, 5, 10); (1 + 9 + 49) / 3
    let small = loss.target(from: Tensor(shape: [1, 1, 1, 2], scalars: [10, 0]))
    #expect(abs(value(loss, x, small) - 59.0 / 3) < 1e-4)
  }

  @Test func quantileResampling() {
    var out = [Float](repeating: 0, count: 3)
    let sorted: [Float] = [0, 10]
    sorted.withUnsafeBufferPointer { s in
      out.withUnsafeMutableBufferPointer { o in
        resampleQuantiles(s.baseAddress!, count: 2, into: o.baseAddress!, count: 3)
      }
    }
    #expect(out == [0, 5, 10])
    // Four points read at 2 quantiles: fractional indices 0.5 and 2.5.
    var two = [Float](repeating: 0, count: 2)
    let four: [Float] = [0, 1, 2, 4]
    four.withUnsafeBufferPointer { s in
      two.withUnsafeMutableBufferPointer { o in
        resampleQuantiles(s.baseAddress!, count: 4, into: o.baseAddress!, count: 2)
      }
    }
    #expect(two == [0.5, 3])
  }

  @Test(arguments: [(1, [1, 3, 3, 3] as [Int], "same size"), (2, [1, 3, 2, 4], "resampled")])
  func gradient(_ c: (batch: Int, targetShape: [Int], name: String)) {
    let loss = SlicedWassersteinLoss(options: .init(projections: 4))
    let target = loss.target(from: features(Shape(c.targetShape), "sw target"))
    // A small step: the sort makes the loss piecewise smooth, and a larger step could cross a tie.
    let results = checkGradients(
      names: ["features"], at: [features([c.batch, 3, 3, 3], "sw")], step: 1e-3
    ) { v in
      var context = LossContext(random: RandomStream(seed: 3, name: "losses"))
      return 10 * loss(v[0], target: target, context: &context)
    }
    for r in results {
      #expect(r.relativeError < LossGradientTests.tolerance, "slicedWasserstein \(c.name): \(r)")
    }
  }

  @Test func identicalPointSetsAndPermutations() {
    let loss = SlicedWassersteinLoss(options: .init(projections: 16))
    let x = features([1, 8, 6, 7], "sw points")
    #expect(value(loss, x, loss.target(from: x)) == 0)
    // Moving the points around (the same permutation in every channel) changes nothing.
    var random = RandomStream(seed: 2, name: "permutation")
    let permutation = Array(0..<42).shuffled(using: &random)
    let values = x.scalars
    var moved = values
    for channel in 0..<8 {
      for (to, from) in permutation.enumerated() {
        moved[channel * 42 + to] = values[channel * 42 + from]
      }
    }
    let shuffled = Tensor(shape: x.shape, scalars: moved)
    #expect(value(loss, shuffled, loss.target(from: x)) < 1e-10)
    let other = loss.target(from: features([1, 8, 5, 5], "sw other"))
    let a = value(loss, x, other)
    #expect(a > 1e-3 && abs(value(loss, shuffled, other) - a) <= 1e-5 * a)
  }

  @Test func directionsComeFromTheRunsStream() {
    let loss = SlicedWassersteinLoss(options: .init(projections: 4))
    let x = features([1, 6, 4, 4], "sw seeds")
    let target = loss.target(from: features([1, 6, 4, 4], "sw seeds target"))
    #expect(value(loss, x, target, seed: 7) == value(loss, x, target, seed: 7))
    #expect(value(loss, x, target, seed: 7) != value(loss, x, target, seed: 8))
    // Fresh directions at every evaluation of one run.
    var context = LossContext(random: RandomStream(seed: 7, name: "losses"))
    let first = loss(Variable(x), target: target, context: &context).value.scalar
    let second = loss(Variable(x), target: target, context: &context).value.scalar
    #expect(first == value(loss, x, target, seed: 7) && first != second)
  }

  @Test func batchesAverageOverImages() {
    let loss = SlicedWassersteinLoss(options: .init(projections: 8))
    let x = features([1, 3, 4, 4], "sw batch")
    let target = loss.target(from: x)
    let zeros = Tensor(zeros: [1, 3, 4, 4])
    let batch = Tensor(shape: [2, 3, 4, 4], scalars: x.scalars + zeros.scalars)
    // The batch shares one set of directions: (0 + L(zeros)) / 2.
    #expect(abs(value(loss, batch, target) - value(loss, zeros, target) / 2) < 1e-6)
  }

  @Test func blendingPoolsPointsInProportion() {
    let loss = SlicedWassersteinLoss()
    let a = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
    let b = Tensor(shape: [1, 1, 1, 2], scalars: [10, 20])
    // M_max = 4: a gives round(0.75·4) = 3 of its points, b round(0.25·4) = 1.
    let pool = loss.blend([a, b], weights: [0.75, 0.25])
    #expect(pool.shape == [1, 1, 1, 4])
    let values = pool.scalars
    #expect(Set(values.prefix(3)).isSubset(of: [1, 2, 3, 4]) && Set(values.prefix(3)).count == 3)
    #expect([10, 20].contains(values[3]))
    #expect(loss.blend([a, b], weights: [0.75, 0.25]).scalars == values)
    // A weight above the exemplar's share repeats all of its points: b gives round(0.5·4) = 2.
    #expect(loss.blend([a, b], weights: [0.5, 0.5]).scalars.suffix(2).sorted() == [10, 20])
  }

  @Test(arguments: [1, 7, 1000, 70_000])
  func radixSortMatchesTheStandardSort(_ count: Int) {
    var random = RandomStream(seed: UInt64(count), name: "radix")
    var values = (0..<count).map { _ in (random.uniform() - 0.5) * 200 }
    if count > 10 {
      values[3] = 0
      values[4] = -0.0
      values[5] = values[6]  // a tie
      values[7] = .greatestFiniteMagnitude
      values[8] = -.leastNonzeroMagnitude
    }
    let sorter = RadixSorter(capacity: count)
    var sorted = [Float](repeating: 0, count: count)
    var order = [Int32](repeating: 0, count: count)
    values.withUnsafeBufferPointer { v in
      sorted.withUnsafeMutableBufferPointer { s in
        order.withUnsafeMutableBufferPointer { o in
          sorter.sort(v.baseAddress!, count: count, into: s.baseAddress!, order: o.baseAddress!)
        }
      }
    }
    #expect(sorted == values.sorted())
    // The order is a permutation that reproduces the sorted values, stable on ties.
    #expect(Set(order).count == count)
    #expect(order.map { values[Int($0)] } == sorted)
    for i in 1..<max(count, 1)
    where sorted[i] == sorted[i - 1] && sorted[i].sign == sorted[i - 1].sign {
      #expect(order[i] > order[i - 1])
    }
  }

  @Test func optionsCoding() throws {
    let json =
      #"{"kind": "slicedWasserstein", "layers": ["relu1_1"], "weight": 1, "projections": 32}"#
    let term = try JSONDecoder().decode(FeatureLossTerm.self, from: Data(json.utf8))
    #expect((term.loss as? SlicedWassersteinLoss)?.options == .init(projections: 32))
    #expect(
      try JSONDecoder().decode(FeatureLossTerm.self, from: try JSONEncoder().encode(term)) == term)
    for bad in [#""weight": 1"#, #""weight": 1, "projections": 0"#] {
      #expect(throws: DecodingError.self) {
        _ = try JSONDecoder().decode(
          FeatureLossTerm.self,
          from: Data(#"{"kind": "slicedWasserstein", "layers": ["relu1_1"], \#(bad)}"#.utf8))
      }
    }
  }
}
