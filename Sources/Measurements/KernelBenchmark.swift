import Autodiff
import NN
import TensorCore

/// The engine benchmark (`harness bench kernels`): each VGG-19 convolution up to conv5_1 at the
/// given input size (forward, input gradient, weight gradient, and the plain sgemm of the same
/// GEMM shape), then the whole network to relu5_1: forward, and forward + backward to the input
/// through the style (five Gram losses) and content (relu4_2) losses, as the PyTorch reference's
/// `vgg_fwd_relu5_1_<size>` and `vgg_fwd_bwd_input_<size>` cases. Random weights (He scale).
public struct KernelBenchmark {
  /// One VGG-19 convolution: name, input channels, output channels, spatial size.
  public struct Layer: Sendable {
    /// The paper name, e.g. `conv3_1`.
    public var name: String
    /// Input channels.
    public var inputChannels: Int
    /// Output channels.
    public var outputChannels: Int
    /// The spatial size (square) of its input and output.
    public var size: Int
  }

  /// The distinct convolution shapes of VGG-19 up to conv5_1 for an input of `size`.
  public static func layers(size: Int) -> [Layer] {
    [
      Layer(name: "conv1_1", inputChannels: 3, outputChannels: 64, size: size),
      Layer(name: "conv1_2", inputChannels: 64, outputChannels: 64, size: size),
      Layer(name: "conv2_1", inputChannels: 64, outputChannels: 128, size: size / 2),
      Layer(name: "conv2_2", inputChannels: 128, outputChannels: 128, size: size / 2),
      Layer(name: "conv3_1", inputChannels: 128, outputChannels: 256, size: size / 4),
      Layer(name: "conv3_2", inputChannels: 256, outputChannels: 256, size: size / 4),
      Layer(name: "conv4_1", inputChannels: 256, outputChannels: 512, size: size / 8),
      Layer(name: "conv4_2", inputChannels: 512, outputChannels: 512, size: size / 8),
      Layer(name: "conv5_1", inputChannels: 512, outputChannels: 512, size: size / 16),
    ]
  }

  /// Convolution FLOPs (2 · multiply-adds) of VGG-19 to relu5_1 for a square input, including
  /// the 1x1 preprocess layer: 47.338 GFLOP at 256x256 (the reference README's count).
  public static func vggForwardFlops(size: Int) -> Double {
    var flops = 2.0 * 3 * 3 * Double(size * size)
    var side = size
    var inputs = 3
    for (block, count) in [(1, 2), (2, 2), (3, 4), (4, 4), (5, 1)] {
      let width = [64, 128, 256, 512, 512][block - 1]
      for _ in 0..<count {
        flops += 2.0 * Double(inputs * width * 9 * side * side)
        inputs = width
      }
      side /= 2
    }
    return flops
  }

  /// Gram-matrix FLOPs of the five style layers (forward; the backward costs the same again).
  public static func gramFlops(size: Int) -> Double {
    let layers: [(channels: Int, stride: Int)] = [(64, 1), (128, 2), (256, 4), (512, 8), (512, 16)]
    var total = 0.0
    for layer in layers {
      let side = Double(size / layer.stride)
      total += 2 * Double(layer.channels * layer.channels) * side * side
    }
    return total
  }

  /// Random VGG-19 weights (uniform, He scale), enough to time the network.
  public static func randomWeights(seed: UInt64 = 0) -> [String: (weight: Tensor, bias: Tensor)] {
    var random = RandomStream(seed: seed, name: "benchmark weights")
    var weights: [String: (weight: Tensor, bias: Tensor)] = [:]
    for (name, shape) in VGG19.weightShapes {
      let fanIn = Float(shape[1] * shape[2] * shape[3])
      let bound = (6 / fanIn).squareRoot()
      weights[name] = (
        random.uniformTensor(shape, low: -bound, high: bound),
        random.uniformTensor([shape[0]], low: -0.01, high: 0.01)
      )
    }
    return weights
  }

  let timer: BenchmarkTimer
  let size: Int

  /// A benchmark at `size` x `size` with `timer`.
  public init(size: Int = 256, timer: BenchmarkTimer = BenchmarkTimer()) {
    self.size = size
    self.timer = timer
  }

  /// Runs every case, reporting each record as it completes.
  public func run(report: (BenchmarkRecord?) -> Void) throws(VGGWeightsError) {
    let threads = Parallel.threads
    var random = RandomStream(seed: 1, name: "benchmark inputs")
    for layer in Self.layers(size: size) {
      let geometry = ConvolutionGeometry(kernelSize: 3)
      let input = random.uniformTensor([1, layer.inputChannels, layer.size, layer.size])
      let weight = random.uniformTensor([layer.outputChannels, layer.inputChannels, 3, 3], low: -0.1, high: 0.1)
      let bias = random.uniformTensor([layer.outputChannels])
      let filter = ConvolutionFilter(weight)
      let outputGradient = random.uniformTensor([1, layer.outputChannels, layer.size, layer.size])
      let positions = layer.size * layer.size
      let reduction = layer.inputChannels * 9
      let flops = 2.0 * Double(layer.outputChannels * reduction * positions)
      let shape = "GEMM M=\(layer.outputChannels) N=\(positions) K=\(reduction)"
      let a = random.uniformTensor([layer.outputChannels, reduction])
      let b = random.uniformTensor([reduction, positions])
      report(timer.record("\(layer.name)_sgemm_\(size)", flops: flops, threads: threads, note: shape) {
        _ = matrixMultiply(a, b)
      })
      report(timer.record("\(layer.name)_fwd_\(size)", flops: flops, threads: threads, note: shape) {
        _ = convolutionForward(input, filter: filter, bias: bias, geometry: geometry, activation: .relu)
      })
      report(timer.record("\(layer.name)_bwd_input_\(size)", flops: flops, threads: threads, note: shape) {
        _ = convolutionBackwardInput(outputGradient, filter: filter, inputShape: input.shape, geometry: geometry)
      })
      if layer.inputChannels >= 16 {
        let winograd = ConvolutionFilter(weight, layout: .winograd)
        report(timer.record("\(layer.name)_fwd_winograd_\(size)", flops: flops, threads: threads, note: "Winograd F(4x4, 3x3)") {
          _ = convolutionForward(input, filter: winograd, bias: bias, geometry: geometry, activation: .relu)
        })
        report(timer.record("\(layer.name)_bwd_input_winograd_\(size)", flops: flops, threads: threads, note: "Winograd F(4x4, 3x3)") {
          _ = convolutionBackwardInput(outputGradient, filter: winograd, inputShape: input.shape, geometry: geometry)
        })
      }
      report(timer.record("\(layer.name)_bwd_weight_\(size)", flops: flops, threads: threads, note: shape) {
        _ = convolutionBackwardFilter(outputGradient, input: input, filterShape: weight.shape, geometry: geometry)
      })
    }
    let network = try VGG19(weights: Self.randomWeights())
    try runNetwork(network, label: "", report: report)
  }

  /// The descriptor cases with real weights (`harness bench descriptor`): forward to relu5_1 and
  /// forward + input backward through the style and content losses, at each of `sizes`.
  public static func runDescriptor(
    weights: String, sizes: [Int], timer: BenchmarkTimer, report: (BenchmarkRecord?) -> Void
  ) throws {
    let network = try VGG19.load(from: weights)
    for size in sizes {
      try KernelBenchmark(size: size, timer: timer).runNetwork(network, label: "", report: report)
    }
  }

  /// The whole-network cases for `network`: `vgg_fwd_relu5_1_<size><label>` and
  /// `vgg_fwd_bwd_input_<size><label>`.
  public func runNetwork(_ network: VGG19, label: String, report: (BenchmarkRecord?) -> Void) throws(VGGWeightsError) {
    let threads = Parallel.threads
    var random = RandomStream(seed: 2, name: "benchmark images")
    let image = random.uniformTensor([1, 3, size, size])
    let style = random.uniformTensor([1, 3, size, size])
    let content = random.uniformTensor([1, 3, size, size])
    let forwardFlops = Self.vggForwardFlops(size: size)
    report(timer.record("vgg_fwd_relu5_1_\(size)\(label)", flops: forwardFlops, threads: threads) {
      _ = network(Variable(image), taps: [.relu5_1])
    })
    let styleLayers = VGGLayer.styleLayers
    let styleFeatures = network(Variable(style), taps: Set(styleLayers))
    let targets = styleLayers.compactMap { layer -> Tensor? in
      guard let f = styleFeatures[layer]?.value else { return nil }
      let (_, c, h, w) = f.shape.nchw
      return gramForward(f, normalizer: Float(c * h * w))
    }
    guard let contentTarget = network(Variable(content), taps: [.relu4_2])[.relu4_2]?.value else {
      return
    }
    let backwardFlops = 2 * forwardFlops + 2 * Self.gramFlops(size: size)
    var loss: Float = 0
    report(timer.record("vgg_fwd_bwd_input_\(size)\(label)", flops: backwardFlops, threads: threads,
                        note: "style (5 Gram layers) + content (relu4_2) loss, input gradient only") {
      let x = Variable(content, requiresGradient: true)
      let features = network(x, taps: Set(styleLayers + [.relu4_2]))
      var terms: [(weight: Float, value: Variable)] = []
      for (layer, target) in zip(styleLayers, targets) {
        guard let f = features[layer] else { continue }
        let (_, c, h, w) = f.shape.nchw
        terms.append((1, meanSquaredError(gram(f, normalizer: Float(c * h * w)), target: target)))
      }
      if let f = features[.relu4_2] { terms.append((1, meanSquaredError(f, target: contentTarget))) }
      let total = weightedSum(terms)
      loss = total.value.scalar
      _ = gradients(of: total, with: [x])
    })
    _ = loss
  }
}
