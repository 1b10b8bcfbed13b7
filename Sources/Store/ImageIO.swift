import TensorCore

/// Reads a PNG or JPEG file into a float32 planar RGB image `[1, 3, H, W]` with values in [0, 1].
///
/// - The format is detected from the file's first bytes (its signature), never from the extension.
/// - PNG: 1-, 2-, 4-, 8- and 16-bit gray, gray+alpha, RGB, RGBA and palette images, with or without
///   a tRNS chunk, interlaced or not. A sample `v` becomes `v / (2^depth − 1)` exactly as stored
///   (16-bit 32767 → 32767/65535 ≈ 0.49999): no gamma, ICC or linear-light conversion is applied.
/// - JPEG (TurboJPEG, accurate integer DCT, fancy upsampling, as libjpeg's defaults and PIL):
///   YCbCr and grayscale, baseline or progressive; a byte `v` becomes `v / 255`. CMYK/YCCK JPEGs
///   are refused with `ImageError.unsupported`. Any libjpeg warning (e.g. premature end of data)
///   is an error, so a damaged file is never decoded silently. EXIF orientation is ignored (the
///   pixels are returned as stored, as PIL's `Image.open` does).
/// - Gray expands to three equal channels.
/// - Alpha policy: an image with alpha (an alpha channel, or a tRNS chunk) is composited over a
///   white background (1.0) on the stored values, i.e. in the image's own gamma, not in linear
///   light: `out = a · c + (1 − a) · 1`, with `a` and `c` the normalised alpha and colour.
///
/// - Throws: `ImageError`, naming `path`: missing, unreadable (permission, directory), empty,
///   truncated, corrupt, not an image, or unsupported.
public func readImage(path: String) throws(ImageError) -> Tensor {
  let bytes = try readImageFile(path: path)
  return try decodeImage(bytes, path: path)
}

/// Writes an image `[1, 3, H, W]` (or `[3, H, W]`) as an 8-bit RGB PNG, atomically.
///
/// Each value is clamped to [0, 1] (NaN becomes 0) and quantised as `round(v · 255)`, rounding
/// half away from zero, so `readImage` gives back `v` within 1/510. The file is first written
/// in full to a temporary file in the same directory, flushed, then renamed over `path`: a
/// crash never leaves a half-written image. Any existing file at `path` is replaced.
///
/// - Throws: `ImageError.unwritable` naming `path` (missing directory, permission, disk full).
public func writePNG(_ image: Tensor, path: String) throws(ImageError) {
  let dimensions = image.shape.dimensions
  precondition(
    (dimensions.count == 4 && dimensions[0] == 1 && dimensions[1] == 3)
      || (dimensions.count == 3 && dimensions[0] == 3),
    "writePNG: expected a [1, 3, H, W] or [3, H, W] image, got shape \(image.shape)")
  let height = dimensions[dimensions.count - 2]
  let width = dimensions[dimensions.count - 1]
  precondition(height > 0 && width > 0, "writePNG: cannot write an empty image \(image.shape)")
  let plane = height * width
  var rgb = [UInt8](repeating: 0, count: 3 * plane)
  image.withUnsafeBufferPointer { values in
    rgb.withUnsafeMutableBufferPointer { out in
      for channel in 0..<3 {
        for pixel in 0..<plane {
          out[3 * pixel + channel] = quantizedByte(values[channel * plane + pixel])
        }
      }
    }
  }
  let layout = PNGLayout(width: width, height: height, colourType: .rgb, bitDepth: 8)
  let bytes = try encodePNG(rgb, layout: layout, path: path)
  try writeFileAtomically(bytes, path: path)
}

/// `round(clamp(v, 0, 1) · 255)`, half away from zero; NaN gives 0.
func quantizedByte(_ value: Float) -> UInt8 {
  guard value > 0 else { return 0 }
  guard value < 1 else { return 255 }
  return UInt8((value * 255).rounded(.toNearestOrAwayFromZero))
}

/// Decodes a PNG or JPEG held in memory (see `readImage(path:)`); `path` only names the errors.
func decodeImage(_ bytes: [UInt8], path: String) throws(ImageError) -> Tensor {
  if bytes.isEmpty { throw .emptyFile(path: path) }
  switch ImageFormat(detecting: bytes) {
  case .png:
    return try decodePNG(bytes, path: path)
  case .jpeg:
    return try decodeJPEG(bytes, path: path)
  case .truncatedSignature(let format):
    throw .truncated(
      path: path, format: format,
      detail: "the file is only \(bytes.count) bytes long and ends inside the signature")
  case .other(let name):
    throw .unsupported(
      path: path, detail: "\(name) images are not supported; convert the file to PNG or JPEG")
  case .unknown:
    throw .notAnImage(path: path, firstBytes: Array(bytes.prefix(8)))
  }
}

/// Interleaved samples (per pixel: 1 gray, 2 gray+alpha, 3 RGB or 4 RGBA) to `[1, 3, H, W]`,
/// each sample divided by `maximum` (255 or 65535), gray expanded to three channels, alpha
/// composited over white on the stored values: `out = a · c + (1 − a)`.
func planarRGB<Sample: BinaryInteger>(
  _ samples: UnsafeBufferPointer<Sample>, width: Int, height: Int, channels: Int, maximum: Float
) -> Tensor {
  precondition(
    (1...4).contains(channels) && samples.count >= width * height * channels,
    "planarRGB: \(samples.count) samples do not hold \(width) x \(height) x \(channels)")
  let plane = width * height
  var image = Tensor(uninitialized: [1, 3, height, width])
  image.withUnsafeMutableBufferPointer { out in
    for pixel in 0..<plane {
      let base = pixel * channels
      // Gray (1, 2 channels) reads sample 0 three times; colour reads samples 0, 1, 2.
      let step = channels >= 3 ? 1 : 0
      let red = Float(samples[base]) / maximum
      let green = Float(samples[base + step]) / maximum
      let blue = Float(samples[base + 2 * step]) / maximum
      if channels == 2 || channels == 4 {
        let alpha = Float(samples[base + channels - 1]) / maximum
        out[pixel] = alpha * red + (1 - alpha)
        out[plane + pixel] = alpha * green + (1 - alpha)
        out[2 * plane + pixel] = alpha * blue + (1 - alpha)
      } else {
        out[pixel] = red
        out[plane + pixel] = green
        out[2 * plane + pixel] = blue
      }
    }
  }
  return image
}
