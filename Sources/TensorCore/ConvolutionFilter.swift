/// A convolution filter `[O, I, k, k]` prepared for the convolution kernels, in one of two layouts:
///
/// - `taps` (the default): tap-major, `[k·k, O, I]`; tap `t = ky·k + kx` holds the `O × I` matrix
///   `W[:, :, ky, kx]`, as the shifted-GEMM and im2col kernels read it;
/// - `winograd` (3x3 filters): the Winograd F(4x4, 3x3) transform `U = G g Gᵀ` of every `3 × 3`
///   kernel, `[36, O, I]`, as the Winograd kernel reads it in both directions
///   (ConvolutionWinograd.swift).
///
/// A frozen network (the VGG-19 descriptor) prepares its filters once and keeps only that layout;
/// trainable layers prepare theirs on every call (a copy of a few thousand floats).
public struct ConvolutionFilter: @unchecked Sendable {
  /// How a filter is stored for the kernels.
  public enum Layout: Sendable {
    /// `[k·k, O, I]`: shifted GEMMs and im2col.
    case taps
    /// `[36, O, I]`, Winograd F(4x4, 3x3) transforms: 3x3 stride-1 convolutions only.
    case winograd
  }

  /// The filter in `[O, I, k, k]` terms: output channels.
  public let outputChannels: Int
  /// Input channels.
  public let inputChannels: Int
  /// The kernel size `k` (square kernels only).
  public let kernelSize: Int
  /// The stored layout.
  public let layout: Layout
  private let stored: Tensor

  /// `[k·k, O, I]` (recovered from the Winograd transform, to its rounding, when stored that way).
  public var taps: Tensor {
    layout == .taps ? stored : winogradInverse(stored, outputChannels: outputChannels, inputChannels: inputChannels)
  }

  /// `[36, O, I]` when stored as Winograd transforms, else nil.
  public var winogradTransform: Tensor? { layout == .winograd ? stored : nil }

  /// Prepares `weight` `[O, I, k, k]` in `layout` (`.winograd` needs k = 3, and falls back to
  /// `.taps` on a CPU without AVX-512).
  public init(_ weight: Tensor, layout: Layout = .taps) {
    let dims = weight.shape.dimensions
    precondition(
      dims.count == 4 && dims[2] == dims[3],
      "ConvolutionFilter: expected a square [O, I, k, k] filter, got \(weight.shape)")
    precondition(
      layout == .taps || dims[2] == 3,
      "ConvolutionFilter: the Winograd layout needs a 3x3 filter, got \(weight.shape)")
    outputChannels = dims[0]
    inputChannels = dims[1]
    kernelSize = dims[2]
    // The Winograd transforms are AVX-512 kernels (WinogradKernels): elsewhere the filter keeps
    // its taps and the GEMM-based kernels compute it.
    let layout: Layout = layout == .winograd && !DirectConvolution.isAvailable ? .taps : layout
    self.layout = layout
    if layout == .winograd {
      stored = winogradTransform3x3(weight)
      return
    }
    let tapCount = kernelSize * kernelSize
    let matrix = outputChannels * inputChannels
    let taps = Tensor(uninitialized: [tapCount, outputChannels, inputChannels])
    weight.withUnsafeBufferPointer { source in
      let destination = taps.storage.pointer
      for index in 0..<matrix {
        for tap in 0..<tapCount {
          destination[tap * matrix + index] = source[index * tapCount + tap]
        }
      }
    }
    stored = taps
  }

  /// A filter from taps already in `[k·k, O, I]` layout.
  public init(taps: Tensor, kernelSize: Int) {
    let dims = taps.shape.dimensions
    precondition(
      dims.count == 3 && dims[0] == kernelSize * kernelSize,
      "ConvolutionFilter: taps \(taps.shape) do not match kernel size \(kernelSize)")
    outputChannels = dims[1]
    inputChannels = dims[2]
    self.kernelSize = kernelSize
    layout = .taps
    stored = taps
  }

  /// The filter back in `[O, I, k, k]` layout.
  public var weight: Tensor {
    let tapCount = kernelSize * kernelSize
    let matrix = outputChannels * inputChannels
    let weight = Tensor(uninitialized: [outputChannels, inputChannels, kernelSize, kernelSize])
    taps.withUnsafeBufferPointer { source in
      let destination = weight.storage.pointer
      for index in 0..<matrix {
        for tap in 0..<tapCount {
          destination[index * tapCount + tap] = source[tap * matrix + index]
        }
      }
    }
    return weight
  }

  /// The shape `[O, I, k, k]`.
  public var shape: Shape { [outputChannels, inputChannels, kernelSize, kernelSize] }
}

/// The geometry of a 2-D convolution: kernel size, stride and padding.
public struct ConvolutionGeometry: Equatable, Sendable {
  /// Kernel size `k` (square).
  public var kernelSize: Int
  /// Stride (1 or 2 in this project; any positive value works).
  public var stride: Int
  /// Padding on each side.
  public var padding: Int
  /// How the padding is filled.
  public var paddingMode: PaddingMode

  /// A geometry; `padding` defaults to `k / 2` ("same" size at stride 1).
  public init(kernelSize: Int, stride: Int = 1, padding: Int? = nil, paddingMode: PaddingMode = .zero) {
    precondition(kernelSize >= 1 && stride >= 1, "convolution: kernel and stride must be positive")
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding ?? kernelSize / 2
    self.paddingMode = paddingMode
  }

  /// The output size along one axis: `(size + 2p − k) / stride + 1`.
  public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }
}

/// The activation fused into a convolution's output loop.
public enum FusedActivation: Equatable, Sendable {
  /// None: the convolution's value.
  case identity
  /// `max(0, ·)`.
  case relu
  /// `x > 0 ? x : slope · x` (the generator's LeakyReLU, Texture Networks' official code).
  case leakyReLU(slope: Float)

  /// The factor applied to negative values: nil for `identity`, 0 for `relu`, the slope.
  public var negativeSlope: Float? {
    switch self {
    case .identity: return nil
    case .relu: return 0
    case .leakyReLU(let slope): return slope
    }
  }

  /// The activation of one value.
  @inlinable @inline(__always)
  public func callAsFunction(_ x: Float) -> Float {
    switch self {
    case .identity: return x
    case .relu: return max(x, 0)
    case .leakyReLU(let slope): return x > 0 ? x : slope * x
    }
  }
}
