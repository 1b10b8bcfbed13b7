import TensorCore

/// Keeps the content image's colours: the result's luminance with the content's chrominance
/// (neural-style's `-original_colors 1`, Gatys et al. 2016 "Preserving color in neural artistic
/// style transfer", luminance-only transfer done after the optimisation).
///
/// With BT.601 YUV, `Y = 0.299 R + 0.587 G + 0.114 B`, `U = 0.492 (B − Y)`, `V = 0.877 (R − Y)`:
/// the output is `rgb(Y_result, U_content, V_content)`. Both images are `[1, 3, H, W]` of the same
/// size; the result is clamped to [0, 1] only when written as an image.
///
/// - Note: Deviation: neural-style converts with `image.rgb2yuv` of the Torch image package (same
///   BT.601 coefficients); the paper also proposes histogram matching, not implemented here.
public func keepingOriginalColors(of content: Tensor, luminanceFrom result: Tensor) -> Tensor {
  precondition(
    content.shape == result.shape && content.shape.rank == 4 && content.shape[1] == 3,
    "keepingOriginalColors: content \(content.shape) and result \(result.shape) must be the same [N, 3, H, W]")
  let (n, _, h, w) = result.shape.nchw
  let plane = h * w
  let c = content.scalars
  let r = result.scalars
  var output = [Float](repeating: 0, count: r.count)
  for image in 0..<n {
    let base = image * 3 * plane
    for p in 0..<plane {
      let luminance = 0.299 * r[base + p] + 0.587 * r[base + plane + p] + 0.114 * r[base + 2 * plane + p]
      let contentLuminance = 0.299 * c[base + p] + 0.587 * c[base + plane + p] + 0.114 * c[base + 2 * plane + p]
      let u = 0.492 * (c[base + 2 * plane + p] - contentLuminance)
      let v = 0.877 * (c[base + p] - contentLuminance)
      let red = luminance + v / 0.877
      let blue = luminance + u / 0.492
      let green = (luminance - 0.299 * red - 0.114 * blue) / 0.587
      output[base + p] = red
      output[base + plane + p] = green
      output[base + 2 * plane + p] = blue
    }
  }
  return Tensor(shape: result.shape, scalars: output)
}
