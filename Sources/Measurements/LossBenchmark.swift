import Autodiff
import Losses
import TensorCore

/// The loss benchmark (`harness bench losses`): one forward + backward (value and gradient with
/// respect to the features) of each feature-loss formulation on one layer's features, for a deep
/// small map (`[1, 512, 32, 32]`, relu4_1/relu5_1-like) and a shallow large one (`[1, 64, 256,
/// 256]`, relu1_1 at 256x256). Case names: `loss_<kind>[_<variant>]_<C>x<H>`. The exemplar's
/// features have the same shape; its statistic is computed once, outside the timed runs, as a run
/// does. Random features, uniform on [0, 1).
public struct LossBenchmark {
  /// One timed formulation: a case-name stem and the loss.
  struct Case {
    var name: String
    var loss: any FeatureLoss
  }

  let timer: BenchmarkTimer
  let shapes: [Shape]

  /// A benchmark over `shapes` (default: the two above) with `timer`.
  public init(
    shapes: [Shape] = [[1, 512, 32, 32], [1, 64, 256, 256]],
    timer: BenchmarkTimer = BenchmarkTimer()
  ) {
    self.shapes = shapes
    self.timer = timer
  }

  /// The formulations timed at `channels` channels: Gram (`chw`), meanStd, sliced Wasserstein
  /// with P = C directions (the paper's choice) and P = 64, MMD with the Gram-equivalent
  /// polynomial and the adaptive Gaussian on 1024 sampled positions.
  static func cases(channels: Int) -> [Case] {
    [
      Case(name: "gram", loss: GramLoss(options: .init(normalization: .chw))),
      Case(name: "meanStd", loss: MeanStdLoss(options: .init(epsilon: 1e-5))),
      Case(
        name: "slicedWasserstein_p\(channels)",
        loss: SlicedWassersteinLoss(options: .init(projections: channels))),
      Case(
        name: "slicedWasserstein_p64", loss: SlicedWassersteinLoss(options: .init(projections: 64))),
      Case(
        name: "mmd_polynomial_s1024",
        loss: MMDLoss(
          options: .init(kernel: .polynomial(degree: 2, offset: 0, scale: 1), samples: 1024))),
      Case(
        name: "mmd_gaussian_s1024",
        loss: MMDLoss(options: .init(kernel: .gaussian(bandwidth: .adaptive), samples: 1024))),
    ]
  }

  /// The case names at `shape`, `loss_<kind>[_<variant>]_<C>x<H>`, in the order they run.
  public static func caseNames(shape: Shape) -> [String] {
    let (_, c, h, _) = shape.nchw
    var seen: Set<String> = []
    return cases(channels: c).map(\.name).filter { seen.insert($0).inserted }.map { "loss_\($0)_\(c)x\(h)" }
  }

  /// The kinds of the formulations timed (each registered feature loss should have one).
  public static var kinds: Set<String> { Set(cases(channels: 8).map { type(of: $0.loss).kind }) }

  /// Runs every case, reporting each record as it completes; a record's note ends with the
  /// loss value of its last timed run (`loss 1.234567e-02`).
  public func run(report: (BenchmarkRecord?) -> Void) {
    let threads = Parallel.threads
    for shape in shapes {
      var random = RandomStream(seed: 3, name: "loss benchmark \(shape)")
      let features = random.uniformTensor(shape)
      let exemplar = random.uniformTensor(shape)
      let (_, c, h, _) = shape.nchw
      var seen: Set<String> = []
      for entry in Self.cases(channels: c) where seen.insert(entry.name).inserted {
        let target = entry.loss.target(from: exemplar)
        var context = LossContext(random: RandomStream(seed: 4, name: "losses"))
        var value: Float = 0
        var record = timer.record(
          "loss_\(entry.name)_\(c)x\(h)", threads: threads, note: "forward + backward to the features"
        ) {
          let x = Variable(features, requiresGradient: true)
          let loss = entry.loss(x, target: target, context: &context)
          value = loss.value.scalar
          _ = gradients(of: loss, with: [x])
        }
        record?.note? += String(format: "; loss %.6e", Double(value))
        report(record)
      }
    }
  }
}
