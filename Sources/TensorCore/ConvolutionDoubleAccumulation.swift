// A stride-1 convolution whose sums are accumulated in Double, for the generator's training
// forward pass.
//
//   out[n, o, y, x] = bias[o] + Σ_{i, ky, kx} W[o, i, ky, kx] · P[n, i, y + ky, x + kx]
//
// Why: in training mode a batch norm and a LeakyReLU follow every generator convolution, and the
// backward pass takes the LeakyReLU's derivative (1 or the slope) from the sign of each
// normalised value. float32 sums over I·k·k terms leave an error of a few 1e-6 of the values'
// spread, which flips that sign for the few values closer to zero than that (texture mode,
// 64x64, batch 2: one at 2.7e-6 of the spread in join.4's second norm), and each flip changes
// the texture-loss parameter gradients by up to 1e-2 relative. Summed in Double, the only errors
// left are the stored inputs' float32 rounding, well below that.

/// Whether trainable convolutions sum their training-mode forward pass in Double
/// (`convolutionForwardAccumulatingInDouble`) instead of the float32 kernels.
///
/// On by default, so that training reproduces float64 references to the last LeakyReLU sign
/// (`GeneratorGradientFixtureTests`: texture mode's texture-loss gradients are 3.3x float32
/// PyTorch's error with float32 sums, 1.8x with Double sums, against the budget of 2x). Its cost,
/// measured on a 2-core Xeon (model 207), 2026-12-02: the direct kernels' Double tiles take
/// ~3x the float32 kernels' time, which takes `gen_fwd_bwd_K5_b4_256` from 994 to 1195 ms and
/// `gen_fwd_bwd_K6_b4_256` from 1330 to 1525 ms (PyTorch: 2490 and 2857 ms) and adds ~5-8% to a
/// 128² training step. A scope may turn it off
/// (`ConvolutionPrecision.$sumsTrainingForwardInDouble.withValue(false) { ... }`) for float32
/// sums, whose rare LeakyReLU sign flips are the same rounding noise float32 PyTorch has.
public enum ConvolutionPrecision {
  /// Task-local; true unless a scope sets it.
  @TaskLocal public static var sumsTrainingForwardInDouble = true
}

/// `[N, I, H, W]` ⊛ `filter` `[O, I, k, k]` (+ `bias` `[O]`), stride 1, every sum accumulated
/// in Double and rounded once: `[N, O, H + 2p − k + 1, W + 2p − k + 1]`. Meant for small channel
/// counts (the generator's 3 to 48): where the direct kernels apply (AVX-512, "same" padding,
/// k = 1 or 3, at most 64 channels) their Double tiles compute it
/// (`DirectConvolutionKernels.correlateInDouble`); elsewhere a plain loop does
/// (`convolutionForwardAccumulatingInDoubleLoop`, also the fast path's naive twin in the tests).
public func convolutionForwardAccumulatingInDouble(
  _ input: Tensor, filter: ConvolutionFilter, bias: Tensor?, geometry: ConvolutionGeometry
) -> Tensor {
  precondition(geometry.stride == 1, "convolutionForwardAccumulatingInDouble: stride 1 only")
  if usesDirectKernels(filter: filter, geometry: geometry) {
    let (_, c, _, _) = input.shape.nchw
    precondition(
      c == filter.inputChannels,
      "convolutionForwardAccumulatingInDouble: input \(input.shape) does not fit filter \(filter.shape)")
    return directConvolutionForward(
      input, filter: filter, bias: bias, geometry: geometry, activation: .identity, inDouble: true)
  }
  return convolutionForwardAccumulatingInDoubleLoop(
    input, filter: filter, bias: bias, geometry: geometry)
}

/// `convolutionForwardAccumulatingInDouble` as a plain loop over output channels in groups of 4
/// and columns in groups of 8 (any padding, any kernel size).
func convolutionForwardAccumulatingInDoubleLoop(
  _ input: Tensor, filter: ConvolutionFilter, bias: Tensor?, geometry: ConvolutionGeometry
) -> Tensor {
  precondition(geometry.stride == 1, "convolutionForwardAccumulatingInDouble: stride 1 only")
  let (n, c, h, w) = input.shape.nchw
  precondition(
    c == filter.inputChannels && filter.kernelSize == geometry.kernelSize,
    "convolutionForwardAccumulatingInDouble: input \(input.shape) does not fit filter \(filter.shape)")
  let k = geometry.kernelSize
  let padded =
    geometry.padding == 0 ? input : pad(input, PaddingAmount(geometry.padding), mode: geometry.paddingMode)
  let paddedHeight = h + 2 * geometry.padding
  let paddedWidth = w + 2 * geometry.padding
  let outputHeight = geometry.outputSize(h)
  let outputWidth = geometry.outputSize(w)
  let o = filter.outputChannels
  let weight = filter.weight.scalars
  let biases = bias?.scalars.map(Double.init) ?? [Double](repeating: 0, count: o)
  // Output channels in groups of 4 (zero weights pad the last group); the weights of a group
  // interleaved as [I, k, k, 4] so one tap's four weights sit together.
  let groups = (o + 3) / 4
  let taps = c * k * k
  var packed = [Double](repeating: 0, count: groups * taps * 4)
  for channel in 0..<o {
    for tap in 0..<taps {
      packed[((channel / 4) * taps + tap) * 4 + channel % 4] = Double(weight[channel * taps + tap])
    }
  }
  let output = Tensor(uninitialized: [n, o, outputHeight, outputWidth])
  let destination = output.storage.pointer
  let plane = outputHeight * outputWidth
  let vectorColumns = outputWidth / 8 * 8
  padded.withUnsafeBufferPointer { paddedBuffer in
    packed.withUnsafeBufferPointer { packedBuffer in
      let source = paddedBuffer.baseAddress!
      Parallel.forEach(n * groups * outputHeight) { range in
        for task in range {
          let row = task % outputHeight
          let group = (task / outputHeight) % groups
          let image = task / (outputHeight * groups)
          let groupWeights = packedBuffer.baseAddress! + group * taps * 4
          let imageInput = source + image * c * paddedHeight * paddedWidth
          let channels = min(4, o - group * 4)
          let groupBiases = (0..<4).map { $0 < channels ? biases[group * 4 + $0] : 0 }
          var column = 0
          // Eight columns by four output channels in registers, over every input channel and tap.
          while column < vectorColumns {
            var s0 = SIMD8<Double>(repeating: groupBiases[0])
            var s1 = SIMD8<Double>(repeating: groupBiases[1])
            var s2 = SIMD8<Double>(repeating: groupBiases[2])
            var s3 = SIMD8<Double>(repeating: groupBiases[3])
            var tap = 0
            for i in 0..<c {
              for ky in 0..<k {
                let line = imageInput + (i * paddedHeight + row + ky) * paddedWidth + column
                for kx in 0..<k {
                  let v = SIMD8<Double>(
                    UnsafeRawPointer(line + kx).loadUnaligned(as: SIMD8<Float>.self))
                  let w = groupWeights + tap * 4
                  s0 += w[0] * v
                  s1 += w[1] * v
                  s2 += w[2] * v
                  s3 += w[3] * v
                  tap += 1
                }
              }
            }
            let first = destination + (image * o + group * 4) * plane + row * outputWidth + column
            UnsafeMutableRawPointer(first).storeBytes(of: SIMD8<Float>(s0), as: SIMD8<Float>.self)
            if channels > 1 {
              UnsafeMutableRawPointer(first + plane).storeBytes(of: SIMD8<Float>(s1), as: SIMD8<Float>.self)
            }
            if channels > 2 {
              UnsafeMutableRawPointer(first + 2 * plane).storeBytes(of: SIMD8<Float>(s2), as: SIMD8<Float>.self)
            }
            if channels > 3 {
              UnsafeMutableRawPointer(first + 3 * plane).storeBytes(of: SIMD8<Float>(s3), as: SIMD8<Float>.self)
            }
            column += 8
          }
          while column < outputWidth {
            for j in 0..<channels {
              var total = biases[group * 4 + j]
              var tap = 0
              for i in 0..<c {
                for ky in 0..<k {
                  let line = imageInput + (i * paddedHeight + row + ky) * paddedWidth + column
                  for kx in 0..<k {
                    total += groupWeights[tap * 4 + j] * Double(line[kx])
                    tap += 1
                  }
                }
              }
              destination[(image * o + group * 4 + j) * plane + row * outputWidth + column] = Float(total)
            }
            column += 1
          }
        }
      }
    }
  }
  return output
}
