import TensorCore

/// One tensor read from a PyTorch checkpoint: its type, its shape and its elements in row-major
/// order (offsets and strides already applied), as little-endian bytes.
public struct CheckpointTensor: Sendable, Equatable {
  /// The element type recorded in the checkpoint.
  public let dataType: TorchDataType
  /// The sizes, outermost first (`[O, I, kH, kW]` for a conv weight, `[O]` for a bias).
  public let shape: [Int]
  /// The elements, row-major, little-endian, `shape.product * dataType.byteWidth` bytes.
  public let bytes: [UInt8]

  /// A tensor from its parts; `bytes.count` must be `shape.product * dataType.byteWidth`.
  public init(dataType: TorchDataType, shape: [Int], bytes: [UInt8]) {
    precondition(
      bytes.count == shape.reduce(1, *) * dataType.byteWidth,
      "CheckpointTensor: \(bytes.count) bytes do not fill shape \(shape) of \(dataType)")
    self.dataType = dataType
    self.shape = shape
    self.bytes = bytes
  }

  /// A float32 tensor holding `values` in row-major order.
  public init(shape: [Int], floats values: [Float]) {
    var bytes = [UInt8]()
    bytes.reserveCapacity(values.count * 4)
    for value in values {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    self.init(dataType: .float32, shape: shape, bytes: bytes)
  }

  /// The number of elements.
  public var count: Int { shape.reduce(1, *) }

  /// The elements as float32. float32 is copied exactly; float16 and bfloat16 widen exactly;
  /// float64 rounds to nearest (as numpy's `astype(np.float32)`). Integer types throw.
  public func floats(name: String, file: String) throws -> [Float] {
    switch dataType {
    case .float32: return elements(UInt32.self).map { Float(bitPattern: $0) }
    case .float64: return elements(UInt64.self).map { Float(Double(bitPattern: $0)) }
    case .float16: return elements(UInt16.self).map(Self.floatFromHalf)
    case .bfloat16: return elements(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
    default:
      throw CheckpointError.unsupportedDataType(
        file: file, tensor: name, dataType: dataType.rawValue,
        expected: "a floating-point type (float32, float64, float16 or bfloat16)")
    }
  }

  /// The elements as Int64, for the integer and bool types. Floating types throw.
  public func integers(name: String, file: String) throws -> [Int64] {
    switch dataType {
    case .int64: return elements(UInt64.self).map { Int64(bitPattern: $0) }
    case .int32: return elements(UInt32.self).map { Int64(Int32(bitPattern: $0)) }
    case .int16: return elements(UInt16.self).map { Int64(Int16(bitPattern: $0)) }
    case .int8: return bytes.map { Int64(Int8(bitPattern: $0)) }
    case .uint8, .bool: return bytes.map { Int64($0) }
    default:
      throw CheckpointError.unsupportedDataType(
        file: file, tensor: name, dataType: dataType.rawValue,
        expected: "an integer or bool type")
    }
  }

  /// The elements as a float32 `Tensor` of the same shape (see `floats(name:file:)`).
  public func tensor(name: String, file: String) throws -> Tensor {
    Tensor(shape: Shape(shape), scalars: try floats(name: name, file: file))
  }

  /// The elements reinterpreted as little-endian unsigned integers of `T`'s width.
  private func elements<T: FixedWidthInteger>(_: T.Type) -> [T] {
    var result = [T](repeating: 0, count: bytes.count / MemoryLayout<T>.size)
    result.withUnsafeMutableBytes { target in
      bytes.withUnsafeBytes { source in target.copyMemory(from: source) }
    }
    if T(littleEndian: 1) != 1 { result = result.map { T(littleEndian: $0) } }
    return result
  }

  /// IEEE 754 binary16 bits to float32, exactly (subnormals, infinities and NaN included).
  static func floatFromHalf(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
      // Zero or subnormal: mantissa · 2^-24, exact in float32.
      let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
      return sign != 0 ? -magnitude : magnitude
    case 31:
      return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:
      return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
    }
  }
}
