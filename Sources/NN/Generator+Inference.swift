import TensorCore

// Sampling without a tape, on tensors: the same function as `Generator.callAsFunction` in
// inference mode, with fewer passes over memory and fewer intermediates.
//
// * A normalisation with fixed statistics (batch norm with running averages) is folded into the
//   convolution before it: W'[o] = a[o] · W[o], b'[o] = a[o] · b[o] + s[o] with
//   a = γ / √(σ²_running + ε), s = β − μ_running · a, and the activation runs in the
//   convolution's epilogue: one pass for convolution, normalisation and activation.
// * A normalisation with the batch's (or, instance norm, the plane's) statistics reads the
//   convolution's output once for them, then normalises and activates it in place.
// * The coarse branch of a join is normalised on the small tensor and written, upsampled, straight
//   into the join's concatenation buffer: batch (and instance) norm statistics of a ×2 nearest
//   upsampling equal its input's, the biased variance included (each value repeated 4 times), and
//   the per-channel affine map commutes with the upsampling. The fine branch is normalised while
//   it is copied into the same buffer.
// * With fixed statistics in the finest join and the output layer, those run in bands of rows
//   (Generator+BandedInference.swift).

extension Generator {
  /// The inference-mode output `[N, 3, H, W]` for `noise` and, in style mode, `content`; shapes
  /// already checked.
  func inferenceOutput(noise: [Tensor], content: Tensor?) -> Tensor {
    var inputs = noise
    if configuration.mode == .style, let content {
      var pyramid = [content]
      for _ in 1..<configuration.levels {
        pyramid.append(averagePool2x2Forward(pyramid[pyramid.count - 1]))
      }
      inputs = zip(pyramid.reversed(), noise).map { image, z in
        configuration.noiseChannels == 0 ? image : concatenateChannels([image, z])
      }
    }
    var current = branches[0].inferenceOutput(inputs[0])
    let levels = max(configuration.levels, 1)
    for k in 1..<levels {
      let fine = branches[k].inferenceOutput(inputs[k])
      if k == levels - 1, let tail = bandedTail() {
        return bandedOutput(coarse: consume current, fine: consume fine, tail: tail)
      }
      let joined = inferenceJoinInput(k, coarse: consume current, fine: consume fine)
      current = joins[k - 1].inferenceOutput(consume joined)
    }
    let activation = outputNormalization == nil ? nil : configuration.activation.fused
    return normalizedConvolution(
      toRGB, normalization: outputNormalization, activation: activation, input: current)
  }

  /// `cat(bn_coarse_k(up2(coarse)), bn_fine_k(fine))`, written into one buffer.
  private func inferenceJoinInput(_ k: Int, coarse: consuming Tensor, fine: consuming Tensor)
    -> Tensor
  {
    let (n, coarseChannels, h, w) = coarse.shape.nchw
    let fineChannels = fine.shape.nchw.c
    var joined = Tensor(uninitialized: [n, coarseChannels + fineChannels, 2 * h, 2 * w])
    let coarseMap = coarseNormalizations[k - 1].planeAffine(for: coarse)
    writePlaneAffine(
      coarse, scale: coarseMap.scale, shift: coarseMap.shift, upsampled: true, into: &joined,
      firstChannel: 0)
    let fineMap = fineNormalizations[k - 1].planeAffine(for: fine)
    writePlaneAffine(
      fine, scale: fineMap.scale, shift: fineMap.shift, upsampled: false, into: &joined,
      firstChannel: coarseChannels)
    return joined
  }
}

extension ConvolutionBlock {
  /// The block in inference mode on a tensor (see Generator+Inference.swift); the input is freed
  /// by the caller once the first convolution has read it.
  func inferenceOutput(_ x: consuming Tensor) -> Tensor {
    var y = normalizedConvolution(
      convolutions[0], normalization: normalizations[0], activation: activation.fused, input: x)
    _ = consume x
    for j in 1..<3 {
      y = normalizedConvolution(
        convolutions[j], normalization: normalizations[j], activation: activation.fused, input: y)
    }
    return y
  }
}

/// `activation(normalization(conv(input)))` in inference mode (no normalisation or activation
/// when nil). `[N, I, H, W]` → `[N, O, H, W]`.
func normalizedConvolution(
  _ convolution: Conv2D, normalization: NormalizationLayer?, activation: FusedActivation?,
  input: Tensor
) -> Tensor {
  guard let normalization else {
    return InferenceConvolution(convolution, folding: nil, activation: activation ?? .identity)(
      input)
  }
  if let affine = normalization.fixedAffine {
    return InferenceConvolution(convolution, folding: affine, activation: activation ?? .identity)(
      input)
  }
  var output = InferenceConvolution(convolution, folding: nil, activation: .identity)(input)
  let (scale, shift) = normalization.planeAffine(for: output)
  applyPlaneAffine(&output, scale: scale, shift: shift, activation: activation ?? .identity)
  return output
}

/// A convolution prepared for sampling: `activation(conv'(x))`, `[N, I, H, W]` → `[N, O, H, W]`,
/// where conv' is the convolution with a fixed per-channel affine map `y = a[o] · y + s[o]`
/// (a batch norm's running statistics) folded in when given: W'[o] = a[o] · W[o],
/// b'[o] = a[o] · b[o] + s[o].
struct InferenceConvolution {
  /// The (folded) filter in the kernels' layout.
  let filter: ConvolutionFilter
  /// The (folded) bias `[O]`.
  let bias: Tensor
  /// Kernel size and padding of the convolution.
  let geometry: ConvolutionGeometry
  /// The activation in the convolution's epilogue.
  let activation: FusedActivation

  init(
    _ convolution: Conv2D, folding affine: (scale: [Float], shift: [Float])?,
    activation: FusedActivation
  ) {
    geometry = ConvolutionGeometry(
      kernelSize: convolution.kernelSize, paddingMode: convolution.padding)
    self.activation = activation
    let weight = convolution.weight.value
    guard let (scale, shift) = affine else {
      filter = ConvolutionFilter(weight)
      bias = convolution.bias.value
      return
    }
    let (o, i, k, _) = weight.shape.nchw
    let perOutput = i * k * k
    var folded = weight
    folded.withUnsafeMutableBufferPointer { values in
      for output in 0..<o {
        for index in (output * perOutput)..<((output + 1) * perOutput) {
          values[index] *= scale[output]
        }
      }
    }
    let biases = convolution.bias.value.scalars
    filter = ConvolutionFilter(folded)
    bias = Tensor(shape: [o], scalars: (0..<o).map { scale[$0] * biases[$0] + shift[$0] })
  }

  /// The convolution of `input` `[N, I, H, W]`: `[N, O, H, W]`.
  func callAsFunction(_ input: Tensor) -> Tensor {
    convolutionForward(
      input, filter: filter, bias: bias, geometry: geometry, activation: activation)
  }
}
