import CTurboJPEG
import TensorCore

/// The largest JPEG `decodeJPEG` accepts, in pixels (2^28, i.e. 16384 x 16384).
let maximumJPEGPixels = 1 << 28

/// TurboJPEG's message for the last failure on `handle` (or of initialisation when nil).
private func turboMessage(_ handle: tjhandle?) -> String {
  guard let text = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
  return String(cString: text)
}

/// A failed TurboJPEG decode as an `ImageError`: truncated when libjpeg ran out of data,
/// unsupported for valid JPEG variants libjpeg-turbo does not decode (12-bit samples, lossless),
/// truncated when the file lacks its end-of-image marker (`FF D9`), corrupt otherwise.
private func decodeFailure(
  _ handle: tjhandle, bytes: [UInt8], path: String, detail knownDetail: String? = nil
) -> ImageError {
  let detail = knownDetail ?? turboMessage(handle)
  let endsWithMarker = bytes.count >= 2 && bytes[bytes.count - 2] == 0xFF && bytes.last == 0xD9
  if detail.lowercased().contains("premature end") {
    return .truncated(path: path, format: "JPEG", detail: detail)
  }
  if detail.hasPrefix("Unsupported JPEG") {
    return .unsupported(path: path, detail: "\(detail) (libjpeg-turbo decodes 8-bit lossy JPEG)")
  }
  if !endsWithMarker {
    return .truncated(path: path, format: "JPEG", detail: detail)
  }
  return .corrupt(path: path, format: "JPEG", detail: detail)
}

/// Decodes a JPEG file's bytes into `[1, 3, H, W]` (see `readImage(path:)` for the conversion).
func decodeJPEG(_ bytes: [UInt8], path: String) throws(ImageError) -> Tensor {
  guard let handle = tjInitDecompress() else {
    throw .unsupported(path: path, detail: "TurboJPEG cannot start: \(turboMessage(nil))")
  }
  defer { tjDestroy(handle) }
  var width: Int32 = 0
  var height: Int32 = 0
  var subsampling: Int32 = 0
  var colourSpace: Int32 = 0
  let headerStatus = bytes.withUnsafeBufferPointer { data in
    tjDecompressHeader3(
      handle, data.baseAddress, UInt(data.count), &width, &height, &subsampling, &colourSpace)
  }
  guard headerStatus == 0 else { throw decodeFailure(handle, bytes: bytes, path: path) }
  if colourSpace == Int32(TJCS_CMYK.rawValue) || colourSpace == Int32(TJCS_YCCK.rawValue) {
    throw .unsupported(
      path: path, detail: "CMYK JPEG images are not supported; convert the file to RGB first")
  }
  // A header cut short can "succeed" with no frame: libjpeg inserts an end marker when the data
  // runs out, leaving a datastream of tables only.
  guard width > 0, height > 0 else {
    throw decodeFailure(
      handle, bytes: bytes, path: path, detail: "the data holds no complete frame header")
  }
  guard Int(width) * Int(height) <= maximumJPEGPixels else {
    throw .unsupported(path: path, detail: "the image is too large (\(width) x \(height) pixels)")
  }
  var rgb = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
  let status = bytes.withUnsafeBufferPointer { data in
    rgb.withUnsafeMutableBufferPointer { out in
      tjDecompress2(
        handle, data.baseAddress, UInt(data.count), out.baseAddress, width, 0, height,
        Int32(TJPF_RGB.rawValue), TJFLAG_STOPONWARNING)
    }
  }
  guard status == 0 else { throw decodeFailure(handle, bytes: bytes, path: path) }
  return rgb.withUnsafeBufferPointer { samples in
    planarRGB(samples, width: Int(width), height: Int(height), channels: 3, maximum: 255)
  }
}

/// The pixel layout of the samples given to `encodeJPEG`.
enum JPEGPixelFormat {
  /// 3 bytes per pixel; encoded as YCbCr with `subsampling`.
  case rgb
  /// 1 byte per pixel; encoded as a grayscale JPEG.
  case gray
  /// 4 bytes per pixel; encoded as a YCCK (CMYK) JPEG.
  case cmyk
}

/// Chroma subsampling of an encoded colour JPEG.
enum JPEGSubsampling {
  /// No chroma subsampling (4:4:4).
  case none
  /// Chroma halved in both directions (4:2:0), the common camera setting.
  case half
}

/// Encodes row-major interleaved 8-bit samples as a JPEG file's bytes with TurboJPEG (for tests
/// and fixtures; the harness itself writes PNG only), baseline or `progressive`.
///
/// - Throws: `ImageError.unwritable` naming `path` if TurboJPEG fails.
func encodeJPEG(
  _ samples: [UInt8], width: Int, height: Int, format: JPEGPixelFormat, quality: Int,
  subsampling: JPEGSubsampling = .none, progressive: Bool = false, path: String
) throws(ImageError) -> [UInt8] {
  let pixelFormat: TJPF
  let channels: Int
  switch format {
  case .rgb: (pixelFormat, channels) = (TJPF_RGB, 3)
  case .gray: (pixelFormat, channels) = (TJPF_GRAY, 1)
  case .cmyk: (pixelFormat, channels) = (TJPF_CMYK, 4)
  }
  precondition(
    samples.count == width * height * channels,
    "encodeJPEG: \(samples.count) samples for \(width) x \(height) x \(channels)")
  let chroma: TJSAMP =
    format == .gray ? TJSAMP_GRAY : (subsampling == .none ? TJSAMP_444 : TJSAMP_420)
  guard let handle = tjInitCompress() else {
    throw .unwritable(path: path, reason: "TurboJPEG cannot start: \(turboMessage(nil))")
  }
  defer { tjDestroy(handle) }
  var jpeg: UnsafeMutablePointer<UInt8>? = nil
  var size: UInt = 0
  let status = samples.withUnsafeBufferPointer { data in
    tjCompress2(
      handle, data.baseAddress, Int32(width), 0, Int32(height), Int32(pixelFormat.rawValue),
      &jpeg, &size, Int32(chroma.rawValue), Int32(quality),
      TJFLAG_ACCURATEDCT | (progressive ? TJFLAG_PROGRESSIVE : 0))
  }
  defer { if let jpeg { tjFree(jpeg) } }
  guard status == 0, let jpeg else {
    throw .unwritable(path: path, reason: "cannot encode the JPEG: \(turboMessage(handle))")
  }
  return Array(UnsafeBufferPointer(start: jpeg, count: Int(size)))
}
