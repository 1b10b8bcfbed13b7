// 2-D convolution (cross-correlation, as PyTorch and Caffe) of `[N, I, H, W]` with `[O, I, k, k]`.
//
//   out[n, o, y, x] = bias[o] + Σ_{i, ky, kx} W[o, i, ky, kx] · P[n, i, s·y + ky, s·x + kx]
//
// where P is the input padded by p on each side with the geometry's padding mode and s is the
// stride. These implementations share this file's entry points:
//   * stride 1, kernel 1 or 3 with "same" padding, at most 64 input and output channels, on an
//     AVX-512 CPU: direct convolution vectorised along the width (ConvolutionDirect.swift), for
//     the generator's 3 to 48 channels, where a GEMM starves (filters in the taps layout only:
//     the descriptor's Winograd-layout filters keep their kernel);
//   * stride 1 with ≥ 32 input channels, or 1x1 kernels: "shifted GEMMs" (ConvolutionShifted.swift):
//     for each tap (ky, kx), one GEMM of the tap's O × I matrix with the padded input viewed at an
//     offset, accumulated in place: no im2col copy at all;
//   * everything else (the first VGG layer's 3 channels, the generator's 8-40 channels, stride 2):
//     im2col + GEMM over tiles of output rows (ConvolutionIm2col.swift).
// The gradient with respect to the input is the same kind of convolution of the output gradient
// with the flipped, transposed filter (Winograd: the adjoint of its forward computation); padding
// modes other than zero fold the gradient that lands on the padding back onto the image
// (`padAdjoint`). Derivations: doc/convolution.md.

/// `[N, I, H, W]` ⊛ `filter` `[O, I, k, k]` (+ `bias` `[O]`), then `activation`:
/// `[N, O, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1]`.
public func convolutionForward(
  _ input: Tensor, filter: ConvolutionFilter, bias: Tensor?, geometry: ConvolutionGeometry,
  activation: FusedActivation = .identity
) -> Tensor {
  let (n, c, h, w) = input.shape.nchw
  checkConvolution(
    "convolutionForward", inputChannels: c, h: h, w: w, filter: filter, bias: bias,
    geometry: geometry)
  if usesDirectKernels(filter: filter, geometry: geometry) {
    return directConvolutionForward(
      input, filter: filter, bias: bias, geometry: geometry, activation: activation)
  }
  if let transform = winogradTransform(filter: filter, geometry: geometry) {
    return winogradConvolutionForward(
      input, transform: transform, outputChannels: filter.outputChannels, bias: bias,
      padding: PaddingAmount(geometry.padding), paddingMode: geometry.paddingMode,
      activation: activation)
  }
  if usesShiftedGEMMs(filter: filter, geometry: geometry) {
    return shiftedConvolution(
      input, taps: .forward(filter), bias: bias, padding: PaddingAmount(geometry.padding),
      paddingMode: geometry.paddingMode, activation: activation)
  }
  return im2colConvolutionForward(
    input, filter: filter, bias: bias, geometry: geometry, activation: activation,
    batch: n)
}

/// The gradient of `convolutionForward` (without activation) with respect to its input:
/// `dInput[n, i, y, x] = Σ dOut[n, o, y', x'] · W[o, i, ky, kx]` over `s·y' + ky − p = y`,
/// `s·x' + kx − p = x`, with the padding's gradient folded back. `[N, I, H, W]`.
///
/// With `accumulatingInto`, returns that tensor plus the gradient; the stride-1 zero-padding
/// kernel adds straight into its storage (no second activation-sized buffer).
public func convolutionBackwardInput(
  _ outputGradient: Tensor, filter: ConvolutionFilter, inputShape: Shape,
  geometry: ConvolutionGeometry, accumulatingInto existing: consuming Tensor? = nil
) -> Tensor {
  if var existing = existing.take() {
    precondition(
      existing.shape == inputShape,
      "convolutionBackwardInput: accumulating into \(existing.shape), input is \(inputShape)")
    if usesDirectKernels(filter: filter, geometry: geometry, backward: true) {
      checkBackwardInput(outputGradient, filter: filter, inputShape: inputShape, geometry: geometry)
      existing.makeUnique()
      return directConvolutionBackwardInput(
        outputGradient, filter: filter, inputShape: inputShape, geometry: geometry,
        accumulatingInto: existing)
    }
    if let transform = winogradTransform(filter: filter, geometry: geometry),
      geometry.paddingMode == .zero
    {
      checkBackwardInput(outputGradient, filter: filter, inputShape: inputShape, geometry: geometry)
      existing.makeUnique()
      winogradConvolutionBackwardInput(
        outputGradient, transform: transform, inputChannels: filter.inputChannels,
        crop: PaddingAmount(geometry.padding), accumulatingInto: existing)
      return existing
    }
    if usesShiftedGEMMs(filter: filter, geometry: geometry) && geometry.paddingMode == .zero {
      existing.makeUnique()
      shiftedConvolution(
        outputGradient, taps: .backward(filter), bias: nil,
        padding: PaddingAmount(geometry.kernelSize - 1 - geometry.padding), paddingMode: .zero,
        activation: .identity, accumulatingInto: existing)
      return existing
    }
    existing.add(
      convolutionBackwardInput(
        outputGradient, filter: filter, inputShape: inputShape, geometry: geometry))
    return existing
  }
  checkBackwardInput(outputGradient, filter: filter, inputShape: inputShape, geometry: geometry)
  if usesDirectKernels(filter: filter, geometry: geometry, backward: true) {
    return directConvolutionBackwardInput(
      outputGradient, filter: filter, inputShape: inputShape, geometry: geometry,
      accumulatingInto: nil)
  }
  if let transform = winogradTransform(filter: filter, geometry: geometry) {
    // The adjoint gives the padded input's gradient: zero padding drops its border, the other
    // modes fold it back onto the positions it copied.
    let p = geometry.padding
    let zero = geometry.paddingMode == .zero
    let padded = winogradConvolutionBackwardInput(
      outputGradient, transform: transform, inputChannels: filter.inputChannels,
      crop: PaddingAmount(zero ? p : 0))
    return zero ? padded : padAdjoint(padded, PaddingAmount(p), mode: geometry.paddingMode)
  }
  if usesShiftedGEMMs(filter: filter, geometry: geometry) {
    let k = geometry.kernelSize
    let p = geometry.padding
    if geometry.paddingMode == .zero {
      // Zero padding: the gradient on the padding is dropped, so compute only the interior.
      return shiftedConvolution(
        outputGradient, taps: .backward(filter), bias: nil, padding: PaddingAmount(k - 1 - p),
        paddingMode: .zero, activation: .identity)
    }
    let padded = shiftedConvolution(
      outputGradient, taps: .backward(filter), bias: nil, padding: PaddingAmount(k - 1),
      paddingMode: .zero, activation: .identity)
    return padAdjoint(padded, PaddingAmount(p), mode: geometry.paddingMode)
  }
  return im2colConvolutionBackwardInput(
    outputGradient, filter: filter, inputShape: inputShape, geometry: geometry)
}

/// The gradients of `convolutionForward` (without activation) with respect to the filter and the
/// bias: `dW[o, i, ky, kx] = Σ dOut[n, o, y, x] · P[n, i, s·y + ky, s·x + kx]`,
/// `dBias[o] = Σ dOut[n, o, y, x]`. Returns `[O, I, k, k]` and `[O]`.
public func convolutionBackwardFilter(
  _ outputGradient: Tensor, input: Tensor, filterShape: Shape, geometry: ConvolutionGeometry
) -> (filter: Tensor, bias: Tensor) {
  let (n, c, h, w) = input.shape.nchw
  let dims = filterShape.dimensions
  precondition(
    dims.count == 4 && dims[1] == c && dims[2] == geometry.kernelSize
      && dims[3] == geometry.kernelSize,
    "convolutionBackwardFilter: filter shape \(filterShape) does not fit input \(input.shape) and kernel \(geometry.kernelSize)"
  )
  let expected: Shape = [n, dims[0], geometry.outputSize(h), geometry.outputSize(w)]
  precondition(
    outputGradient.shape == expected,
    "convolutionBackwardFilter: output gradient has shape \(outputGradient.shape), expected \(expected)"
  )
  let biasGradient = sumPerChannel(outputGradient)
  let filterGradient: Tensor
  if DirectConvolution.appliesToFilterGradient(
    inputChannels: c, outputChannels: dims[0], plane: h * w, geometry: geometry)
  {
    filterGradient = directConvolutionFilterGradient(
      outputGradient, input: input, outputChannels: dims[0], geometry: geometry)
  } else if geometry.stride == 1 && c >= shiftedMinimumChannels {
    filterGradient = shiftedConvolutionFilterGradient(
      outputGradient, input: input, outputChannels: dims[0], geometry: geometry)
  } else {
    filterGradient = im2colConvolutionBackwardFilter(
      outputGradient, input: input, filterShape: filterShape, geometry: geometry)
  }
  return (filterGradient, biasGradient)
}

/// The Winograd transforms of `filter` when it is stored that way and the geometry allows
/// (3x3, stride 1).
func winogradTransform(filter: ConvolutionFilter, geometry: ConvolutionGeometry) -> Tensor? {
  guard geometry.stride == 1, geometry.kernelSize == 3 else { return nil }
  return filter.winogradTransform
}

/// Whether the direct kernels compute this convolution (`backward`: its input gradient): the
/// shapes `DirectConvolution.applies` admits, with a filter in the taps layout (a Winograd-layout
/// filter keeps the Winograd kernel). The input gradient's outputs are the filter's input
/// channels, computed 8 at a time: with fewer than 8 of them and many output channels (VGG's
/// conv1_1, 64 → 3) the im2col GEMM does as well, so it keeps that.
func usesDirectKernels(
  filter: ConvolutionFilter, geometry: ConvolutionGeometry, backward: Bool = false
) -> Bool {
  if backward && filter.inputChannels < 8 && filter.outputChannels > 16 { return false }
  return filter.layout == .taps
    && DirectConvolution.applies(
      inputChannels: filter.inputChannels, outputChannels: filter.outputChannels,
      geometry: geometry)
}

/// Input channels from which the shifted-GEMM kernels beat im2col (K = I per GEMM).
let shiftedMinimumChannels = 32

func usesShiftedGEMMs(filter: ConvolutionFilter, geometry: ConvolutionGeometry) -> Bool {
  geometry.stride == 1
    && (filter.inputChannels >= shiftedMinimumChannels || geometry.kernelSize == 1)
}

private func checkBackwardInput(
  _ outputGradient: Tensor, filter: ConvolutionFilter, inputShape: Shape,
  geometry: ConvolutionGeometry
) {
  let (n, c, h, w) = inputShape.nchw
  checkConvolution(
    "convolutionBackwardInput", inputChannels: c, h: h, w: w, filter: filter, bias: nil,
    geometry: geometry)
  let expected: Shape = [n, filter.outputChannels, geometry.outputSize(h), geometry.outputSize(w)]
  precondition(
    outputGradient.shape == expected,
    "convolutionBackwardInput: output gradient has shape \(outputGradient.shape), expected \(expected)"
  )
}

private func checkConvolution(
  _ name: String, inputChannels: Int, h: Int, w: Int, filter: ConvolutionFilter, bias: Tensor?,
  geometry: ConvolutionGeometry
) {
  precondition(
    inputChannels == filter.inputChannels,
    "\(name): input has \(inputChannels) channels, filter \(filter.shape) expects \(filter.inputChannels)"
  )
  precondition(
    filter.kernelSize == geometry.kernelSize,
    "\(name): filter \(filter.shape) does not match kernel size \(geometry.kernelSize)")
  precondition(
    h + 2 * geometry.padding >= geometry.kernelSize && w + 2 * geometry.padding >= geometry.kernelSize,
    "\(name): a \(h)x\(w) input padded by \(geometry.padding) is smaller than the \(geometry.kernelSize)x\(geometry.kernelSize) kernel"
  )
  if let bias {
    precondition(
      bias.count == filter.outputChannels,
      "\(name): bias has \(bias.count) values, filter \(filter.shape) has \(filter.outputChannels) outputs"
    )
  }
}
