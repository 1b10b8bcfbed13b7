import Foundation
import Runs
import TensorCore

/// Times the Texture Networks generator's convolutions (Ulyanov et al. 2016; the reference
/// `TextureNet` of ../shared/reference) shape by shape: forward (with bias), input gradient and
/// weight + bias gradient, through the GEMM-based kernels ("old") and the direct small-channel
/// kernels ("new", `ConvolutionDispatch.allowsDirectKernels`), and sums them over the generator's
/// sequence of convolutions for each (K, batch).
///
/// The sequence, at output size M (256): for each scale k = 0 (coarsest, M/2^(K−1)) ... K−1 (M),
/// a branch block 3→8 (3x3), 8→8 (3x3), 8→8 (1x1); for k ≥ 1 a join block of c = 8(k+1)
/// channels, c→c (3x3), c→c (3x3), c→c (1x1); then the 1x1 output convolution 8K→3 at M. Circular
/// padding, as the paper. FLOPs are 2 · multiply-adds, as bench_torch.py counts them.
public struct GeneratorConvolutionBenchmark {
  /// One convolution shape of the generator.
  public struct Shape: Hashable, Sendable, CustomStringConvertible {
    /// Input channels.
    public var inputChannels: Int
    /// Output channels.
    public var outputChannels: Int
    /// Kernel size (1 or 3).
    public var kernel: Int
    /// Height and width.
    public var size: Int

    /// A shape: `inputChannels` → `outputChannels`, a `kernel`x`kernel` filter, `size`².
    public init(inputChannels: Int, outputChannels: Int, kernel: Int, size: Int) {
      self.inputChannels = inputChannels
      self.outputChannels = outputChannels
      self.kernel = kernel
      self.size = size
    }

    /// FLOPs of one image: `2 · I · O · k² · size²`.
    public var flopsPerImage: Double {
      2 * Double(inputChannels * outputChannels * kernel * kernel * size * size)
    }

    /// e.g. `40->40 k3 256`.
    public var description: String { "\(inputChannels)->\(outputChannels) k\(kernel) \(size)" }
  }

  /// The timings of one shape at one batch size, seconds (median).
  public struct Timing: Sendable {
    /// The shape.
    public var shape: Shape
    /// Images per call.
    public var batch: Int
    /// Forward, input gradient, weight + bias gradient through the GEMM-based kernels.
    public var old: (forward: Double, input: Double, weight: Double)
    /// The same through the direct kernels.
    public var new: (forward: Double, input: Double, weight: Double)
    /// max |new − old| / max |old| over the three results.
    public var relativeDifference: Double
  }

  /// The generator's convolutions in order for `levels` K at output `size`.
  public static func sequence(levels: Int, size: Int = 256, channels: Int = 8, noiseChannels: Int = 3)
    -> [Shape]
  {
    var shapes: [Shape] = []
    for k in 0..<levels {
      let side = size >> (levels - 1 - k)
      shapes += [
        Shape(inputChannels: noiseChannels, outputChannels: channels, kernel: 3, size: side),
        Shape(inputChannels: channels, outputChannels: channels, kernel: 3, size: side),
        Shape(inputChannels: channels, outputChannels: channels, kernel: 1, size: side),
      ]
      if k > 0 {
        let c = channels * (k + 1)
        shapes += [
          Shape(inputChannels: c, outputChannels: c, kernel: 3, size: side),
          Shape(inputChannels: c, outputChannels: c, kernel: 3, size: side),
          Shape(inputChannels: c, outputChannels: c, kernel: 1, size: side),
        ]
      }
    }
    shapes.append(Shape(inputChannels: channels * levels, outputChannels: 3, kernel: 1, size: size))
    return shapes
  }

  /// Seconds of the median of runs of `body` repeated for at least `seconds` (and 3 runs).
  static func median(seconds: Double, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    let start = monotonicSeconds()
    while times.count < 3 || (monotonicSeconds() - start < seconds && times.count < 200) {
      let t = monotonicSeconds()
      body()
      times.append(monotonicSeconds() - t)
    }
    return times.sorted()[times.count / 2]
  }

  /// Time spent per case (seconds, at least 3 runs).
  public var secondsPerCase: Double

  /// A benchmark spending about `secondsPerCase` on each timing.
  public init(secondsPerCase: Double = 0.15) { self.secondsPerCase = secondsPerCase }

  /// Times `shape` at `batch` both ways (the old way inside
  /// `ConvolutionDispatch.$allowsDirectKernels.withValue(false)`).
  public func time(_ shape: Shape, batch: Int) -> Timing {
    var random = RandomStream(seed: 3, name: "generator convolution \(shape) b\(batch)")
    let s = shape.size
    let x = random.uniformTensor([batch, shape.inputChannels, s, s], low: -1, high: 1)
    let w = random.uniformTensor([shape.outputChannels, shape.inputChannels, shape.kernel, shape.kernel], low: -0.3, high: 0.3)
    let b = random.uniformTensor([shape.outputChannels], low: -0.1, high: 0.1)
    let dy = random.uniformTensor([batch, shape.outputChannels, s, s], low: -1, high: 1)
    let geometry = ConvolutionGeometry(kernelSize: shape.kernel, paddingMode: .circular)
    var results: [[Tensor]] = []
    var times: [(Double, Double, Double)] = []
    for direct in [false, true] {
      ConvolutionDispatch.$allowsDirectKernels.withValue(direct) {
        let filter = ConvolutionFilter(w)
        var y = Tensor(zeros: [1])
        var dx = Tensor(zeros: [1])
        var dw = Tensor(zeros: [1])
        let forward = Self.median(seconds: secondsPerCase) {
          y = convolutionForward(x, filter: filter, bias: b, geometry: geometry)
        }
        let input = Self.median(seconds: secondsPerCase) {
          dx = convolutionBackwardInput(dy, filter: filter, inputShape: x.shape, geometry: geometry)
        }
        let weight = Self.median(seconds: secondsPerCase) {
          dw = convolutionBackwardFilter(dy, input: x, filterShape: w.shape, geometry: geometry).filter
        }
        results.append([y, dx, dw])
        times.append((forward, input, weight))
      }
    }
    var worst = 0.0
    for (old, new) in zip(results[0], results[1]) {
      let a = old.scalars
      let c = new.scalars
      let largest = a.reduce(0) { max($0, abs(Double($1))) }
      let delta = zip(a, c).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
      worst = max(worst, delta / max(largest, .leastNormalMagnitude))
    }
    return Timing(
      shape: shape, batch: batch, old: times[0], new: times[1], relativeDifference: worst)
  }

  /// Times every distinct shape of the K = `levels` generators at each batch size and returns a
  /// Markdown report: one table of GFLOP/s per shape, and the sequence totals per (K, batch).
  public func run(levels: [Int] = [5, 6], batches: [Int] = [1, 4, 16], size: Int = 256,
                  progress: (String) -> Void = { _ in }) -> String {
    var distinct: [Shape] = []
    for k in levels {
      for shape in Self.sequence(levels: k, size: size) where !distinct.contains(shape) {
        distinct.append(shape)
      }
    }
    var timings: [Int: [Shape: Timing]] = [:]
    var lines = [
      "| shape (I->O k size) | batch | fwd old | fwd new | bwd input old | bwd input new | bwd weight old | bwd weight new | new/old max rel. diff |",
      "|---|---|---|---|---|---|---|---|---|",
    ]
    func rate(_ flops: Double, _ seconds: Double) -> String {
      String(Int((flops / seconds / 1e9).rounded()))
    }
    for batch in batches {
      for shape in distinct {
        let t = time(shape, batch: batch)
        timings[batch, default: [:]][shape] = t
        let flops = shape.flopsPerImage * Double(batch)
        let line =
          "| \(shape) | \(batch) | \(rate(flops, t.old.forward)) | \(rate(flops, t.new.forward)) | \(rate(flops, t.old.input)) | \(rate(flops, t.new.input)) | \(rate(flops, t.old.weight)) | \(rate(flops, t.new.weight)) | \(String(format: "%.1e", t.relativeDifference)) |"
        lines.append(line)
        progress(line)
      }
    }
    lines += [
      "",
      "GFLOP/s per layer (2 · multiply-adds / median time). Sequence totals (sum of the layers' median times, ms):",
      "",
      "| K | batch | GFLOP fwd | fwd old ms | fwd new ms | fwd+bwd (input + weight) old ms | fwd+bwd new ms | fwd GFLOP/s new |",
      "|---|---|---|---|---|---|---|---|",
    ]
    for k in levels {
      for batch in batches {
        var flops = 0.0
        var forwardOld = 0.0, forwardNew = 0.0, allOld = 0.0, allNew = 0.0
        for shape in Self.sequence(levels: k, size: size) {
          guard let t = timings[batch]?[shape] else { continue }
          flops += shape.flopsPerImage * Double(batch)
          forwardOld += t.old.forward
          forwardNew += t.new.forward
          allOld += t.old.forward + t.old.input + t.old.weight
          allNew += t.new.forward + t.new.input + t.new.weight
        }
        lines.append(
          "| \(k) | \(batch) | \(String(format: "%.2f", flops / 1e9)) | \(String(format: "%.1f", forwardOld * 1e3)) | \(String(format: "%.1f", forwardNew * 1e3)) | \(String(format: "%.1f", allOld * 1e3)) | \(String(format: "%.1f", allNew * 1e3)) | \(rate(flops, forwardNew)) |"
        )
      }
    }
    return lines.joined(separator: "\n")
  }
}
