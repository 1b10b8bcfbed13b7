import Autodiff
import Foundation
import Losses
import TensorCore
import Testing
import _TestSupport

/// `mmd`: known values, the Gram identity, gradients, subsampling, options coding.
@Suite struct MMDLossTests {
  func features(_ shape: Shape, _ name: String) -> Tensor {
    var random = RandomStream(seed: 13, name: name)
    return random.uniformTensor(shape, low: 0, high: 1)
  }

  func value(_ loss: MMDLoss, _ x: Tensor, _ target: Tensor, seed: UInt64 = 1) -> Float {
    var context = LossContext(random: RandomStream(seed: seed, name: "losses"))
    return loss(Variable(x), target: target, context: &context).value.scalar
  }

  func mmd(_ kernel: MMDLoss.Kernel, samples: Int = 1024) -> MMDLoss {
    MMDLoss(options: .init(kernel: kernel, samples: samples))
  }

  @Test func knownValuesOnTwoPoints() {
    // One image point x = 1 and one exemplar point t = 3 (C = 1).
    let x = Tensor(shape: [1, 1, 1, 1], scalars: [1])
    let t = Tensor(shape: [1, 1, 1, 1], scalars: [3])
    // Gaussian σ = 1: k(x,x) = k(t,t) = 1, k(x,t) = e^(−4/2).
    let gaussian = mmd(.gaussian(bandwidth: .fixed(1)))
    #expect(abs(value(gaussian, x, gaussian.target(from: t)) - Float(2 - 2 * exp(-2.0))) < 1e-6)
    // (xy + 1)²: 4 + 100 − 2·16 = 72.
    let polynomial = mmd(.polynomial(degree: 2, offset: 1, scale: 1))
    #expect(value(polynomial, x, polynomial.target(from: t)) == 72)
    // Linear kernel, image points (1, 2): (mean x − mean t)² / scale = (1.5 − 3)² / 2.
    let linear = mmd(.polynomial(degree: 1, offset: 0, scale: 2))
    let two = Tensor(shape: [1, 1, 1, 2], scalars: [1, 2])
    #expect(value(linear, two, linear.target(from: t)) == 1.125)
    // Adaptive: 2σ² = mean squared distance over distinct pairs = (4 + 4) / 2 (one x–t pair, both ways).
    let adaptive = mmd(.gaussian(bandwidth: .adaptive))
    #expect(abs(value(adaptive, x, adaptive.target(from: t)) - Float(2 - 2 * exp(-1.0))) < 1e-6)
  }

  @Test func secondOrderPolynomialIsTheGramLoss() {
    // Li et al. 2017: MMD² with (xᵀy)² on every position = ‖F Fᵀ/M − T Tᵀ/M'‖² = C² · gram(hw).
    let x = features([1, 4, 3, 5], "mmd gram")
    let exemplar = features([1, 4, 4, 4], "mmd gram target")
    let loss = mmd(.polynomial(degree: 2, offset: 0, scale: 1), samples: 16)
    let gram = GramLoss(options: .init(normalization: .hw))
    var context = LossContext(random: RandomStream(seed: 1, name: "losses"))
    let expected =
      16 * gram(Variable(x), target: gram.target(from: exemplar), context: &context).value.scalar
    let actual = value(loss, x, loss.target(from: exemplar))
    #expect(
      expected > 1e-3 && abs(actual - expected) <= 1e-4 * expected,
      "mmd \(actual), 16 · gram \(expected)")
  }

  @Test(arguments: [
    ("polynomial", MMDLoss.Kernel.polynomial(degree: 2, offset: 0, scale: 1)),
    ("gaussian", .gaussian(bandwidth: .fixed(0.5))), ("adaptive", .gaussian(bandwidth: .adaptive)),
  ])
  func identicalPointSetsGiveZero(_ c: (name: String, kernel: MMDLoss.Kernel)) {
    let x = features([1, 5, 4, 4], "mmd identical")
    let loss = mmd(c.kernel)
    #expect(abs(value(loss, x, loss.target(from: x))) < 1e-5, "\(c.name)")
    #expect(
      value(loss, x, loss.target(from: features([1, 5, 4, 4], "mmd other"))) > 1e-3, "\(c.name)")
  }

  @Test(arguments: [
    ("polynomial, subsampled", MMDLoss.Kernel.polynomial(degree: 2, offset: 0.5, scale: 3), 10),
    ("cubic", .polynomial(degree: 3, offset: 1, scale: 2), 100),
    ("gaussian", .gaussian(bandwidth: .fixed(0.8)), 100),
    ("gaussian, subsampled", .gaussian(bandwidth: .fixed(0.8)), 10),
    ("adaptive", .gaussian(bandwidth: .adaptive), 100),
    ("adaptive, subsampled", .gaussian(bandwidth: .adaptive), 10),
  ])
  func gradient(_ c: (name: String, kernel: MMDLoss.Kernel, samples: Int)) {
    let loss = mmd(c.kernel, samples: c.samples)
    let target = loss.target(from: features([1, 3, 3, 4], "mmd target"))
    let results = checkGradients(names: ["features"], at: [features([2, 3, 4, 4], "mmd")]) { v in
      var context = LossContext(random: RandomStream(seed: 3, name: "losses"))
      return 10 * loss(v[0], target: target, context: &context)
    }
    for r in results {
      #expect(r.relativeError < LossGradientTests.tolerance, "mmd \(c.name): \(r)")
    }
  }

  @Test func subsamplesComeFromTheRunsStream() {
    let loss = mmd(.gaussian(bandwidth: .fixed(1)), samples: 6)
    let x = features([1, 3, 5, 5], "mmd seeds")
    let target = loss.target(from: features([1, 3, 5, 5], "mmd seeds target"))
    #expect(value(loss, x, target, seed: 4) == value(loss, x, target, seed: 4))
    #expect(value(loss, x, target, seed: 4) != value(loss, x, target, seed: 5))
    // Only the 6 sampled positions of the 25 get a gradient.
    var context = LossContext(random: RandomStream(seed: 4, name: "losses"))
    let input = Variable(x, requiresGradient: true)
    let g = gradients(of: loss(input, target: target, context: &context), with: [input])[0]
    let touched = (0..<25).filter { position in
      (0..<3).contains { g.scalars[$0 * 25 + position] != 0 }
    }
    #expect(touched.count == 6)
  }

  @Test func batchesAverageOverImages() {
    let loss = mmd(.gaussian(bandwidth: .fixed(1)))
    let x = features([1, 2, 3, 3], "mmd batch")
    let target = loss.target(from: x)
    let zeros = Tensor(zeros: [1, 2, 3, 3])
    let batch = Tensor(shape: [2, 2, 3, 3], scalars: x.scalars + zeros.scalars)
    #expect(abs(value(loss, batch, target) - value(loss, zeros, target) / 2) < 1e-6)
  }

  @Test func optionsCoding() throws {
    let decoder = JSONDecoder()
    func term(_ fields: String) throws -> FeatureLossTerm {
      try decoder.decode(
        FeatureLossTerm.self,
        from: Data(#"{"kind": "mmd", "layers": ["relu1_1"], "weight": 1, \#(fields)}"#.utf8))
    }
    let polynomial = try term(
      #""kernel": "polynomial", "degree": 2, "offset": 0, "scale": 1, "samples": 512"#)
    #expect(
      (polynomial.loss as? MMDLoss)?.options
        == .init(kernel: .polynomial(degree: 2, offset: 0, scale: 1), samples: 512))
    let gaussian = try term(#""kernel": "gaussian", "bandwidth": 2.5, "samples": 64"#)
    #expect((gaussian.loss as? MMDLoss)?.options.kernel == .gaussian(bandwidth: .fixed(2.5)))
    let adaptive = try term(#""kernel": "gaussian", "bandwidth": "adaptive", "samples": 64"#)
    #expect((adaptive.loss as? MMDLoss)?.options.kernel == .gaussian(bandwidth: .adaptive))
    for decoded in [polynomial, gaussian, adaptive] {
      let encoded = try JSONEncoder().encode(decoded)
      #expect(try decoder.decode(FeatureLossTerm.self, from: encoded) == decoded)
      // Only the kernel's own parameters are written.
      let keys = Set(
        (try JSONSerialization.jsonObject(with: encoded) as? [String: Any] ?? [:]).keys)
      #expect(keys.contains("degree") == (decoded == polynomial))
      #expect(keys.contains("bandwidth") == (decoded != polynomial))
    }
    let bad = [
      #""kernel": "polynomial", "offset": 0, "scale": 1, "samples": 8"#,  // no degree
      #""kernel": "polynomial", "degree": 2, "offset": 0, "samples": 8"#,  // no scale
      #""kernel": "gaussian", "samples": 8"#,  // no bandwidth
      #""kernel": "gaussian", "bandwidth": 1"#,  // no samples
      #""kernel": "laplace", "bandwidth": 1, "samples": 8"#,
      #""kernel": "gaussian", "bandwidth": "wide", "samples": 8"#,
      #""kernel": "gaussian", "bandwidth": 0, "samples": 8"#,
      #""kernel": "polynomial", "degree": 0, "offset": 0, "scale": 1, "samples": 8"#,
      #""kernel": "gaussian", "bandwidth": 1, "samples": 0"#,
    ]
    for fields in bad { #expect(throws: DecodingError.self, "\(fields)") { _ = try term(fields) } }
  }
}
