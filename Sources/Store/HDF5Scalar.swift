@preconcurrency import CHDF5
import TensorCore

/// The element type of an HDF5 dataset or attribute, named as numpy names dtypes
/// (`float32`, `int64`, `uint8`, `string`).
public enum ElementType: Hashable, Sendable, CustomStringConvertible {
  /// IEEE floating point of `bits` bits (16, 32, 64).
  case float(bits: Int)
  /// Two's-complement signed integer of `bits` bits.
  case signedInteger(bits: Int)
  /// Unsigned integer of `bits` bits.
  case unsignedInteger(bits: Int)
  /// Text, fixed or variable length.
  case string
  /// Any other HDF5 class (enum, compound, opaque, reference, ...), by its HDF5 class name.
  case other(String)

  /// 32-bit float: the type of every tensor the store writes.
  public static let float32 = ElementType.float(bits: 32)
  /// 64-bit float: metric tables, and the PyTorch fixtures' goldens.
  public static let float64 = ElementType.float(bits: 64)
  /// 32-bit signed integer.
  public static let int32 = ElementType.signedInteger(bits: 32)
  /// 64-bit signed integer.
  public static let int64 = ElementType.signedInteger(bits: 64)
  /// 8-bit unsigned integer.
  public static let uint8 = ElementType.unsignedInteger(bits: 8)

  /// Whether values of this type convert to and from numbers (floats and integers).
  public var isNumeric: Bool {
    switch self {
    case .float, .signedInteger, .unsignedInteger: return true
    case .string, .other: return false
    }
  }

  /// numpy's name: `float32`, `int64`, `uint8`, `string`, or the HDF5 class name.
  public var description: String {
    switch self {
    case .float(let bits): return "float\(bits)"
    case .signedInteger(let bits): return "int\(bits)"
    case .unsignedInteger(let bits): return "uint\(bits)"
    case .string: return "string"
    case .other(let name): return name
    }
  }

  /// The element type of the HDF5 datatype `type`.
  init(hdf5Type type: hid_t) {
    let bits = H5Tget_size(type) * 8
    switch H5Tget_class(type) {
    case H5T_FLOAT: self = .float(bits: bits)
    case H5T_INTEGER:
      self =
        H5Tget_sign(type) == H5T_SGN_NONE
        ? .unsignedInteger(bits: bits) : .signedInteger(bits: bits)
    case H5T_STRING: self = .string
    case H5T_ENUM: self = .other("enum")
    case H5T_COMPOUND: self = .other("compound")
    case H5T_ARRAY: self = .other("array")
    case H5T_VLEN: self = .other("vlen")
    case H5T_OPAQUE: self = .other("opaque")
    case H5T_REFERENCE: self = .other("reference")
    case H5T_BITFIELD: self = .other("bitfield")
    case H5T_TIME: self = .other("time")
    default: self = .other("unknown")
    }
  }
}

/// A Swift number type that the store reads and writes directly: `Float`, `Double`, `Int32`,
/// `Int64`, `UInt8`. HDF5 converts between these on read, so a float64 dataset reads as `Float`.
///
/// Only the conformances declared in this module are supported: the element type tells the store
/// the memory layout of the Swift values.
public protocol HDF5Scalar: Equatable, Sendable {
  /// The HDF5 element type with this type's memory layout.
  static var elementType: ElementType { get }
}

extension Float: HDF5Scalar {
  /// `float32`.
  public static var elementType: ElementType { .float32 }
}

extension Double: HDF5Scalar {
  /// `float64`.
  public static var elementType: ElementType { .float64 }
}

extension Int32: HDF5Scalar {
  /// `int32`.
  public static var elementType: ElementType { .int32 }
}

extension Int64: HDF5Scalar {
  /// `int64`.
  public static var elementType: ElementType { .int64 }
}

extension UInt8: HDF5Scalar {
  /// `uint8`.
  public static var elementType: ElementType { .uint8 }
}

extension HDF5Scalar {
  /// The native HDF5 memory type of `Self` (also used as the file type: little-endian here).
  static var nativeType: hid_t {
    switch elementType {
    case .float32: return chdf5_native_float()
    case .float64: return chdf5_native_double()
    case .int32: return chdf5_native_int32()
    case .int64: return chdf5_native_int64()
    case .uint8: return chdf5_native_uint8()
    default: preconditionFailure("HDF5Scalar: \(Self.self) has no HDF5 native type")
    }
  }
}

/// Values of one element type with their shape, row-major: what a non-float32 dataset reads as.
public struct ShapedArray<Scalar: HDF5Scalar>: Equatable, Sendable {
  /// The dimensions, outermost first (`[]` for a scalar).
  public var shape: Shape
  /// The values in row-major order; `shape.count` of them.
  public var scalars: [Scalar]

  /// `scalars` with `shape`; the counts must agree.
  public init(shape: Shape, scalars: [Scalar]) {
    precondition(
      scalars.count == shape.count,
      "ShapedArray: \(scalars.count) values do not fill shape \(shape) (\(shape.count) elements)")
    self.shape = shape
    self.scalars = scalars
  }

  /// A one-dimensional array `[scalars.count]`.
  public init(_ scalars: [Scalar]) { self.init(shape: Shape([scalars.count]), scalars: scalars) }
}
