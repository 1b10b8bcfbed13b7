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

/// `[N, I, H, W]` ⊛ `filter` `[O, I, k, k]` (+ `bias` `[O]`), stride 1, every sum accumulated
/// in Double and rounded once: `[N, O, H + 2p − k + 1, W + 2p − k + 1]`. Meant for small channel
/// counts (the generator's 3 to 48); it is a direct loop, not a GEMM.
public func convolutionForwardAccumulatingInDouble(
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
  let weights = filter.weight.scalars.map(Double.init)
  let biases = bias?.scalars.map(Double.init) ?? [Double](repeating: 0, count: o)
  let output = Tensor(uninitialized: [n, o, outputHeight, outputWidth])
  let destination = output.storage.pointer
  let plane = outputHeight * outputWidth
  padded.withUnsafeBufferPointer { paddedBuffer in
    let source = paddedBuffer.baseAddress!
    Parallel.forEach(n * o) { range in
      var sums = [Double](repeating: 0, count: plane)
      sums.withUnsafeMutableBufferPointer { sumBuffer in
        let total = sumBuffer.baseAddress!
        for task in range {
          let (image, channel) = (task / o, task % o)
          for index in 0..<plane { total[index] = biases[channel] }
          for i in 0..<c {
            let inputPlane = source + (image * c + i) * paddedHeight * paddedWidth
            for ky in 0..<k {
              for kx in 0..<k {
                let weight = weights[((channel * c + i) * k + ky) * k + kx]
                for row in 0..<outputHeight {
                  let values = inputPlane + (row + ky) * paddedWidth + kx
                  let sumsRow = total + row * outputWidth
                  for column in 0..<outputWidth { sumsRow[column] += weight * Double(values[column]) }
                }
              }
            }
          }
          let out = destination + task * plane
          for index in 0..<plane { out[index] = Float(total[index]) }
        }
      }
    }
  }
  return output
}
