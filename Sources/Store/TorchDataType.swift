/// The element type of a PyTorch storage, named as `torch.dtype` prints it without the prefix.
///
/// Checkpoints name it through the storage class in the pickle (`torch.FloatStorage` is float32).
/// - Reference: PyTorch `torch/storage.py` (`_pickle_storage_type`) and `torch/_utils.py`.
public enum TorchDataType: String, Sendable, CaseIterable {
  case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

  /// The width of one element in bytes.
  public var byteWidth: Int {
    switch self {
    case .float64, .int64: return 8
    case .float32, .int32: return 4
    case .float16, .bfloat16, .int16: return 2
    case .int8, .uint8, .bool: return 1
    }
  }

  /// Whether the elements are floating-point numbers (convertible to float32).
  public var isFloatingPoint: Bool {
    switch self {
    case .float32, .float64, .float16, .bfloat16: return true
    default: return false
    }
  }

  /// The storage class that stands for this type in a pickle (`FloatStorage` for float32).
  public var storageClassName: String {
    switch self {
    case .float32: return "FloatStorage"
    case .float64: return "DoubleStorage"
    case .float16: return "HalfStorage"
    case .bfloat16: return "BFloat16Storage"
    case .int64: return "LongStorage"
    case .int32: return "IntStorage"
    case .int16: return "ShortStorage"
    case .int8: return "CharStorage"
    case .uint8: return "ByteStorage"
    case .bool: return "BoolStorage"
    }
  }

  /// The type whose storage class is `torch.<name>`, if this reader supports it.
  public init?(storageClassName name: String) {
    guard let match = Self.allCases.first(where: { $0.storageClassName == name }) else {
      return nil
    }
    self = match
  }
}
