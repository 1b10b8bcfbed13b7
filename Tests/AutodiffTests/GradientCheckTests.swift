import Autodiff
import Testing
import TensorCore
import _TestSupport

/// One op under a finite-difference check: its inputs and how to apply it.
struct GradientCase: CustomTestStringConvertible, Sendable {
  var name: String
  var inputNames: [String]
  var inputs: @Sendable () -> [Tensor]
  var apply: @Sendable ([Variable]) -> Variable
  var testDescription: String { name }
}

/// Values uniform in ±[0.1, 1]: away from the kinks of ReLU at 0 for a step of 1e-2.
func awayFromZero(_ shape: Shape, _ name: String) -> Tensor {
  var random = RandomStream(seed: 11, name: name)
  var t = Tensor(uninitialized: shape)
  t.withUnsafeMutableBufferPointer { values in
    for i in values.indices {
      let magnitude = 0.1 + 0.9 * random.uniform()
      values[i] = random.uniform() < 0.5 ? -magnitude : magnitude
    }
  }
  return t
}

/// Distinct values 0.05 apart in random order: max pooling has no near-ties.
func distinct(_ shape: Shape, _ name: String) -> Tensor {
  var random = RandomStream(seed: 12, name: name)
  var order = Array(0..<shape.count)
  order.shuffle(using: &random)
  return Tensor(shape: shape, scalars: order.map { Float($0) * 0.05 - 1 })
}

func uniform(_ shape: Shape, _ name: String, low: Float = -1, high: Float = 1) -> Tensor {
  var random = RandomStream(seed: 13, name: name)
  return random.uniformTensor(shape, low: low, high: high)
}

func convolutionCase(
  _ label: String, channels: Int, outputs: Int, size: Int, kernel: Int, stride: Int,
  mode: PaddingMode, activation: FusedActivation = .identity
) -> GradientCase {
  let geometry = ConvolutionGeometry(kernelSize: kernel, stride: stride, paddingMode: mode)
  return GradientCase(
    name: "conv2d \(label) \(channels)->\(outputs) k\(kernel) s\(stride) \(mode)",
    inputNames: ["input", "weight", "bias"],
    inputs: {
      [
        uniform([2, channels, size, size], "x\(label)"),
        uniform([outputs, channels, kernel, kernel], "w\(label)", low: -0.3, high: 0.3),
        uniform([outputs], "b\(label)", low: 0.5, high: 1),
      ]
    },
    apply: { v in conv2d(v[0], weight: v[1], bias: v[2], geometry: geometry, activation: activation) })
}

let gradientCases: [GradientCase] =
  PaddingMode.allCases.flatMap { mode in
    [
      convolutionCase("im2col", channels: 3, outputs: 4, size: 5, kernel: 3, stride: 1, mode: mode),
      convolutionCase("shifted", channels: 33, outputs: 3, size: 4, kernel: 3, stride: 1, mode: mode),
      convolutionCase("stride2", channels: 3, outputs: 2, size: 6, kernel: 3, stride: 2, mode: mode),
    ]
  } + [
    convolutionCase("1x1", channels: 5, outputs: 3, size: 3, kernel: 1, stride: 1, mode: .zero),
    convolutionCase("relu", channels: 3, outputs: 4, size: 4, kernel: 3, stride: 1, mode: .zero, activation: .relu),
    GradientCase(
      name: "conv2d into an accumulated input gradient (shifted)", inputNames: ["x", "w"],
      inputs: { [uniform([1, 33, 4, 4], "acc x"), uniform([33, 33, 3, 3], "acc w", low: -0.1, high: 0.1)] },
      apply: { v in conv2d(v[0], weight: v[1], bias: nil, geometry: ConvolutionGeometry(kernelSize: 3)) + v[0] }),
    GradientCase(
      name: "conv2d into an accumulated input gradient (reflect)", inputNames: ["x", "w"],
      inputs: { [uniform([1, 3, 5, 5], "acc2 x"), uniform([3, 3, 3, 3], "acc2 w", low: -0.3, high: 0.3)] },
      apply: { v in
        conv2d(v[0], weight: v[1], bias: nil, geometry: ConvolutionGeometry(kernelSize: 3, paddingMode: .reflect)) + v[0]
      }),
    GradientCase(
      name: "relu", inputNames: ["x"], inputs: { [awayFromZero([2, 3, 4, 5], "relu")] },
      apply: { relu($0[0]) }),
    GradientCase(
      name: "leakyReLU", inputNames: ["x"], inputs: { [awayFromZero([2, 3, 4, 5], "leaky")] },
      apply: { leakyReLU($0[0], slope: 0.01) }),
    GradientCase(
      name: "maxPool2x2", inputNames: ["x"], inputs: { [distinct([2, 2, 5, 6], "max")] },
      apply: { maxPool2x2($0[0]) }),
    GradientCase(
      name: "averagePool2x2", inputNames: ["x"], inputs: { [uniform([2, 2, 5, 6], "avg")] },
      apply: { averagePool2x2($0[0]) }),
    GradientCase(
      name: "upsampleNearest2x", inputNames: ["x"], inputs: { [uniform([2, 2, 3, 4], "up")] },
      apply: { upsampleNearest2x($0[0]) }),
    GradientCase(
      name: "concatenateChannels", inputNames: ["a", "b"],
      inputs: { [uniform([2, 2, 3, 3], "ca"), uniform([2, 3, 3, 3], "cb")] },
      apply: { concatenateChannels([$0[0], $0[1]]) }),
    GradientCase(
      name: "batchNormTraining", inputNames: ["x", "gamma", "beta"],
      inputs: { [uniform([3, 2, 3, 4], "bn"), uniform([2], "bng", low: 0.5, high: 1.5), uniform([2], "bnb")] },
      apply: { v in batchNormTraining(v[0], gamma: v[1], beta: v[2], epsilon: 1e-5).output }),
    GradientCase(
      name: "batchNormInference", inputNames: ["x", "gamma", "beta"],
      inputs: { [uniform([2, 3, 3, 3], "bi"), uniform([3], "big", low: 0.5, high: 1.5), uniform([3], "bib")] },
      apply: { v in
        batchNormInference(
          v[0], gamma: v[1], beta: v[2], mean: Tensor(shape: [3], scalars: [0.1, -0.2, 0.3]),
          variance: Tensor(shape: [3], scalars: [0.5, 1.5, 0.9]), epsilon: 1e-5)
      }),
    GradientCase(
      name: "instanceNorm", inputNames: ["x", "gamma", "beta"],
      inputs: { [uniform([2, 3, 3, 4], "in"), uniform([3], "ing", low: 0.5, high: 1.5), uniform([3], "inb")] },
      apply: { v in instanceNorm(v[0], gamma: v[1], beta: v[2], epsilon: 1e-5) }),
    GradientCase(
      name: "add", inputNames: ["a", "b"], inputs: { [uniform([2, 3], "aa"), uniform([2, 3], "ab")] },
      apply: { $0[0] + $0[1] }),
    GradientCase(
      name: "subtract", inputNames: ["a", "b"], inputs: { [uniform([2, 3], "sa"), uniform([2, 3], "sb")] },
      apply: { $0[0] - $0[1] }),
    GradientCase(
      name: "multiply", inputNames: ["a", "b"], inputs: { [uniform([2, 3], "ma"), uniform([2, 3], "mb")] },
      apply: { $0[0] * $0[1] }),
    GradientCase(
      name: "scale", inputNames: ["x"], inputs: { [uniform([2, 3], "sc")] }, apply: { 2.5 * $0[0] }),
    GradientCase(
      name: "addingPerChannel", inputNames: ["x", "b"],
      inputs: { [uniform([2, 3, 2, 2], "apx"), uniform([1, 3, 1, 1], "apb")] },
      apply: { addingPerChannel($0[0], $0[1]) }),
    GradientCase(
      name: "multiplyingPerChannel", inputNames: ["x", "s"],
      inputs: { [uniform([2, 3, 2, 2], "mpx"), uniform([3], "mps")] },
      apply: { multiplyingPerChannel($0[0], $0[1]) }),
    GradientCase(
      name: "sum", inputNames: ["x"], inputs: { [uniform([2, 3, 2], "su")] }, apply: { sum($0[0]) }),
    GradientCase(
      name: "mean", inputNames: ["x"], inputs: { [uniform([2, 3, 2], "me")] }, apply: { mean($0[0]) }),
    GradientCase(
      name: "reshape", inputNames: ["x"], inputs: { [uniform([2, 3, 2], "re")] },
      apply: { reshape($0[0], [3, 4]) }),
    GradientCase(
      name: "matmul", inputNames: ["a", "b"], inputs: { [uniform([3, 4], "mma"), uniform([4, 5], "mmb")] },
      apply: { matmul($0[0], $0[1]) }),
    GradientCase(
      name: "gram", inputNames: ["x"], inputs: { [uniform([2, 3, 4, 5], "gr")] },
      apply: { gram($0[0], normalizer: 60) }),
    GradientCase(
      name: "meanSquaredError", inputNames: ["x"], inputs: { [uniform([2, 3, 4], "mse")] },
      apply: { meanSquaredError($0[0], target: uniform([2, 3, 4], "mse target")) }),
    GradientCase(
      name: "weightedSum", inputNames: ["a", "b"], inputs: { [uniform([], "wa"), uniform([], "wb")] },
      apply: { weightedSum([(2, $0[0]), (-0.5, $0[1])]) }),
  ]

@Suite struct GradientCheckTests {
  /// Relative to the largest numeric gradient; see `checkGradients` for why 1e-2.
  let tolerance = 1e-2

  @Test(arguments: gradientCases)
  func pullbackMatchesFiniteDifferences(_ testCase: GradientCase) {
    let results = checkGradients(names: testCase.inputNames, at: testCase.inputs(), testCase.apply)
    for result in results {
      #expect(result.relativeError < tolerance, "\(testCase.name): \(result)")
    }
  }

  /// The one op whose pullback is not its derivative by design: gradient L1 normalisation.
  @Test func gradientL1NormalisationDividesByTheNorm() {
    let x = Variable(Tensor(shape: [4], scalars: [1, 2, 3, 4]), requiresGradient: true)
    let y = normalizingGradientL1(x)
    #expect(y.value.scalars == [1, 2, 3, 4])
    let seed = Tensor(shape: [4], scalars: [1, -2, 3, -4])
    let g = gradients(of: y, seed: seed, with: [x])[0].scalars
    let expected: [Float] = [0.1, -0.2, 0.3, -0.4]
    for (a, b) in zip(g, expected) { #expect(abs(a - b) < 1e-6) }
  }
}
