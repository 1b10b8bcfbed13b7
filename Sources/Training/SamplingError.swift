/// Why samples cannot be drawn as asked: one clear message naming the file or the option.
public enum SamplingError: Error, Equatable, CustomStringConvertible {
  /// The noise source is not `FILE.h5:/group` or its datasets do not fit the model.
  case badNoise(source: String, message: String)
  /// A style model without a content image, or a texture model given one.
  case content(message: String)
  /// The count or batch is not a positive number, or contradicts the noise file.
  case invalidCount(message: String)
  /// The requested size contradicts the noise file or is missing a dimension.
  case invalidSize(message: String)

  /// One line, for the command line.
  public var description: String {
    switch self {
    case .badNoise(let source, let message): return "\(source): \(message)"
    case .content(let message): return message
    case .invalidCount(let message): return message
    case .invalidSize(let message): return message
    }
  }
}
