/// What a file's first bytes say it is; the extension is never consulted.
enum ImageFormat: Equatable {
  /// Starts with the 8-byte PNG signature `89 50 4E 47 0D 0A 1A 0A`.
  case png
  /// Starts with a JPEG start-of-image marker followed by another marker: `FF D8 FF`.
  case jpeg
  /// Shorter than the signature of `format` but a prefix of it: a truncated file.
  case truncatedSignature(format: String)
  /// Another image format, recognised so the error can name it.
  case other(name: String)
  /// Nothing recognised.
  case unknown

  static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
  static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

  /// The format of a file whose bytes are `bytes` (non-empty).
  init(detecting bytes: [UInt8]) {
    if bytes.starts(with: Self.pngSignature) {
      self = .png
    } else if bytes.starts(with: Self.jpegSignature) {
      self = .jpeg
    } else if bytes.count < Self.pngSignature.count && Self.pngSignature.starts(with: bytes) {
      self = .truncatedSignature(format: "PNG")
    } else if bytes.count < Self.jpegSignature.count && Self.jpegSignature.starts(with: bytes) {
      self = .truncatedSignature(format: "JPEG")
    } else if let name = Self.otherFormatName(bytes) {
      self = .other(name: name)
    } else {
      self = .unknown
    }
  }

  /// Names formats with distinctive signatures, so "unsupported GIF" beats "not an image".
  private static func otherFormatName(_ bytes: [UInt8]) -> String? {
    let ascii = { (text: String) in Array(text.utf8) }
    if bytes.starts(with: ascii("GIF87a")) || bytes.starts(with: ascii("GIF89a")) { return "GIF" }
    if bytes.count >= 12 && bytes.starts(with: ascii("RIFF"))
      && Array(bytes[8..<12]) == ascii("WEBP")
    {
      return "WebP"
    }
    if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
    {
      return "TIFF"
    }
    if bytes.count >= 12 && Array(bytes[4..<12]) == ascii("ftypavif") { return "AVIF" }
    if bytes.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) { return "JPEG 2000" }
    if bytes.starts(with: ascii("qoif")) { return "QOI" }
    return nil
  }
}
