import CPNG
import TensorCore

/// A PNG colour type, by role (the raw values are the PNG specification's codes).
enum PNGColourType: Int32 {
  case gray = 0
  case rgb = 2
  case palette = 3
  case grayAlpha = 4
  case rgba = 6

  /// Samples per pixel in the file (a palette index counts as one).
  var channels: Int {
    switch self {
    case .gray, .palette: return 1
    case .grayAlpha: return 2
    case .rgb: return 3
    case .rgba: return 4
    }
  }
}

/// Everything `encodePNG` writes besides the samples; lets tests create every PNG flavour.
struct PNGLayout {
  var width: Int
  var height: Int
  var colourType: PNGColourType
  /// 1, 2, 4, 8 or 16, as the PNG specification allows for `colourType`.
  var bitDepth: Int
  /// Adam7 interlacing.
  var interlaced = false
  /// Palette images: RGB triples, one per entry.
  var palette: [UInt8] = []
  /// Palette images: a tRNS chunk with one alpha per leading palette entry (empty for none).
  var paletteAlpha: [UInt8] = []
  /// Gray or RGB images: a tRNS chunk naming the fully transparent value (1 or 3 samples).
  var transparentColour: [UInt16]? = nil
}

/// The failure text left by a CPNG call in `message`.
private func text(of message: [CChar]) -> String {
  let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
  return String(decoding: bytes, as: UTF8.self)
}

/// Decodes a PNG file's bytes into `[1, 3, H, W]` (see `readImage(path:)` for the conversion).
func decodePNG(_ bytes: [UInt8], path: String) throws(ImageError) -> Tensor {
  var image = cpng_image()
  var message = [CChar](repeating: 0, count: 256)
  let status = bytes.withUnsafeBufferPointer { data in
    message.withUnsafeMutableBufferPointer { buffer in
      cpng_decode(data.baseAddress, data.count, &image, buffer.baseAddress, buffer.count)
    }
  }
  defer { cpng_image_free(&image) }
  let detail = text(of: message)
  switch Int(status) {
  case Int(CPNG_OK): break
  case Int(CPNG_TRUNCATED): throw .truncated(path: path, format: "PNG", detail: detail)
  case Int(CPNG_TOO_LARGE): throw .unsupported(path: path, detail: detail)
  case Int(CPNG_NO_MEMORY):
    throw .unsupported(path: path, detail: "out of memory while decoding the PNG")
  default: throw .corrupt(path: path, format: "PNG", detail: detail)
  }
  guard let samples = image.samples else {
    throw .corrupt(path: path, format: "PNG", detail: "the decoder returned no samples")
  }
  let width = Int(image.width)
  let height = Int(image.height)
  let channels = Int(image.channels)
  let count = width * height * channels
  if image.bit_depth == 16 {
    let values = UnsafeBufferPointer(
      start: samples.assumingMemoryBound(to: UInt16.self), count: count)
    return planarRGB(values, width: width, height: height, channels: channels, maximum: 65535)
  }
  let values = UnsafeBufferPointer(start: samples.assumingMemoryBound(to: UInt8.self), count: count)
  return planarRGB(values, width: width, height: height, channels: channels, maximum: 255)
}

/// Encodes row-major interleaved `samples` (`UInt8` for bit depths up to 8, unpacked; `UInt16`
/// for 16; palette indices for palette images) as a PNG file's bytes.
///
/// - Throws: `ImageError.unwritable` naming `path` if libpng refuses the layout or runs out of
///   memory.
func encodePNG<Sample: FixedWidthInteger & UnsignedInteger>(
  _ samples: [Sample], layout: PNGLayout, path: String
) throws(ImageError) -> [UInt8] {
  precondition(
    Sample.bitWidth == (layout.bitDepth == 16 ? 16 : 8),
    "encodePNG: bit depth \(layout.bitDepth) needs \(layout.bitDepth == 16 ? 16 : 8)-bit samples")
  precondition(
    samples.count == layout.width * layout.height * layout.colourType.channels,
    "encodePNG: \(samples.count) samples for \(layout.width) x \(layout.height) x "
      + "\(layout.colourType.channels)")
  var png = cpng_buffer()
  var message = [CChar](repeating: 0, count: 256)
  let transparent = layout.transparentColour ?? []
  let status = samples.withUnsafeBytes { sampleBytes in
    layout.palette.withUnsafeBufferPointer { palette in
      layout.paletteAlpha.withUnsafeBufferPointer { paletteAlpha in
        var options = cpng_encode_options()
        options.width = UInt32(layout.width)
        options.height = UInt32(layout.height)
        options.color_type = layout.colourType.rawValue
        options.bit_depth = Int32(layout.bitDepth)
        options.interlaced = layout.interlaced ? 1 : 0
        options.samples = sampleBytes.baseAddress
        options.palette = palette.baseAddress
        options.palette_entries = Int32(palette.count / 3)
        options.palette_alpha = paletteAlpha.baseAddress
        options.palette_alpha_entries = Int32(paletteAlpha.count)
        options.has_transparent_color = layout.transparentColour == nil ? 0 : 1
        options.transparent_color = (
          transparent.first ?? 0,
          transparent.count > 1 ? transparent[1] : 0,
          transparent.count > 2 ? transparent[2] : 0
        )
        return message.withUnsafeMutableBufferPointer { buffer in
          cpng_encode(&options, &png, buffer.baseAddress, buffer.count)
        }
      }
    }
  }
  defer { cpng_buffer_free(&png) }
  guard Int(status) == Int(CPNG_OK), let data = png.data else {
    throw .unwritable(path: path, reason: "cannot encode the PNG: \(text(of: message))")
  }
  return Array(UnsafeBufferPointer(start: data, count: png.size))
}
