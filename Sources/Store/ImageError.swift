/// Why an image could not be read or written. Every message starts with the file's path, as given.
///
/// Thrown by `readImage(path:)` and `writePNG(_:path:)`; decoding never crashes on bad input.
public enum ImageError: Error, Equatable, CustomStringConvertible {
  /// No file (or no directory on the way to it) at `path`.
  case missingFile(path: String)
  /// The file exists but cannot be read: permission denied, a directory, an I/O error, ...
  case unreadable(path: String, reason: String)
  /// The file has no bytes.
  case emptyFile(path: String)
  /// The data ends before the image does; `format` is "PNG" or "JPEG".
  case truncated(path: String, format: String, detail: String)
  /// The data is damaged: a bad CRC, a bad compressed stream, impossible header values, ...
  case corrupt(path: String, format: String, detail: String)
  /// The file starts with neither the PNG nor the JPEG signature.
  case notAnImage(path: String, firstBytes: [UInt8])
  /// A real image this reader does not handle (another format, CMYK JPEG, too large).
  case unsupported(path: String, detail: String)
  /// The image cannot be written to `path`: missing directory, permission denied, disk full, ...
  case unwritable(path: String, reason: String)

  /// The file the error is about.
  public var path: String {
    switch self {
    case .missingFile(let path), .unreadable(let path, _), .emptyFile(let path),
      .truncated(let path, _, _), .corrupt(let path, _, _), .notAnImage(let path, _),
      .unsupported(let path, _), .unwritable(let path, _):
      return path
    }
  }

  /// `path: problem`, e.g. `data/cat.png: truncated PNG: the data ends before the image does`.
  public var description: String {
    switch self {
    case .missingFile(let path):
      return "\(path): no such file"
    case .unreadable(let path, let reason):
      return "\(path): cannot read the file: \(reason)"
    case .emptyFile(let path):
      return "\(path): the file is empty (0 bytes), not an image"
    case .truncated(let path, let format, let detail):
      return "\(path): truncated \(format) file: \(detail)"
    case .corrupt(let path, let format, let detail):
      return "\(path): corrupt \(format) file: \(detail)"
    case .notAnImage(let path, let firstBytes):
      let shown = firstBytes.map { byte in
        let hex = String(byte, radix: 16)
        return hex.count == 1 ? "0" + hex : hex
      }
      return "\(path): not a PNG or JPEG image (it starts with bytes "
        + "\(shown.joined(separator: " ")); the format is detected by content, not by extension)"
    case .unsupported(let path, let detail):
      return "\(path): unsupported image: \(detail)"
    case .unwritable(let path, let reason):
      return "\(path): cannot write the image: \(reason)"
    }
  }
}
