/// A convolution filter `[O, I, k, k]` stored tap-major, `[k·k, O, I]`, the layout the
/// shifted-GEMM convolution kernels read.
///
/// Tap `t = ky·k + kx` holds the `O × I` matrix `W[:, :, ky, kx]`. A frozen network (the VGG-19
/// descriptor) prepares its filters once and keeps only this layout; trainable layers prepare
/// theirs on every call (a copy of a few thousand floats).
public struct ConvolutionFilter: @unchecked Sendable {
  /// The filter in `[O, I, k, k]` terms: output channels.
  public let outputChannels: Int
  /// Input channels.
  public let inputChannels: Int
  /// The kernel size `k` (square kernels only).
  public let kernelSize: Int
  /// `[k·k, O, I]`.
  public let taps: Tensor

  /// Re-lays `weight` `[O, I, k, k]` out tap-major.
  public init(_ weight: Tensor) {
    let dims = weight.shape.dimensions
    precondition(
      dims.count == 4 && dims[2] == dims[3],
      "ConvolutionFilter: expected a square [O, I, k, k] filter, got \(weight.shape)")
    outputChannels = dims[0]
    inputChannels = dims[1]
    kernelSize = dims[2]
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
    self.taps = taps
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
    self.taps = taps
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
public enum FusedActivation: Sendable {
  /// None: the convolution's value.
  case identity
  /// `max(0, ·)`.
  case relu
}
