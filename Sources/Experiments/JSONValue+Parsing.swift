import Foundation

/// A JSON text that does not parse: where (line and column, from 1) and why.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
  /// The line, from 1.
  public var line: Int
  /// The column, from 1 (in UTF-8 bytes).
  public var column: Int
  /// What was wrong.
  public var message: String

  /// `line L, column C: MESSAGE`.
  public var description: String { "line \(line), column \(column): \(message)" }
}

extension JSONValue {
  /// Parses JSON text (RFC 8259) keeping object keys in order.
  ///
  /// - Throws: `JSONSyntaxError` with the line and column of the first problem.
  public init(parsing data: Data) throws(JSONSyntaxError) {
    var parser = JSONParser(bytes: Array(data))
    self = try parser.document()
  }

  /// Parses JSON text given as a string.
  public init(parsing text: String) throws(JSONSyntaxError) {
    try self.init(parsing: Data(text.utf8))
  }
}

/// A recursive-descent parser over UTF-8 bytes.
private struct JSONParser {
  let bytes: [UInt8]
  var position = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func document() throws(JSONSyntaxError) -> JSONValue {
    let value = try self.value(depth: 0)
    skipWhitespace()
    if position < bytes.count { throw failure("unexpected text after the JSON value") }
    return value
  }

  func failure(_ message: String) -> JSONSyntaxError {
    var line = 1
    var column = 1
    for byte in bytes[..<min(position, bytes.count)] {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return JSONSyntaxError(line: line, column: column, message: message)
  }

  mutating func skipWhitespace() {
    while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
      position += 1
    }
  }

  mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    guard depth < 512 else { throw failure("nested too deeply") }
    skipWhitespace()
    guard position < bytes.count else { throw failure("unexpected end of the text") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try object(depth: depth)
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"):
      try literal("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try literal("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try literal("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
    default:
      throw failure("expected a value (an object, array, string, number, true, false or null)")
    }
  }

  mutating func literal(_ word: String) throws(JSONSyntaxError) {
    let expected = Array(word.utf8)
    guard bytes.count - position >= expected.count,
      Array(bytes[position..<position + expected.count]) == expected
    else { throw failure("expected \(word)") }
    position += expected.count
  }

  mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    position += 1
    var members: [(key: String, value: JSONValue)] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        throw failure("expected a key in double quotes")
      }
      let key = try string()
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
        throw failure("expected ':' after the key \"\(key)\"")
      }
      position += 1
      let value = try self.value(depth: depth + 1)
      if let index = members.firstIndex(where: { $0.key == key }) {
        members[index].value = value
      } else {
        members.append((key, value))
      }
      skipWhitespace()
      guard position < bytes.count else { throw failure("unexpected end of the text in an object") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      guard bytes[position] == UInt8(ascii: "}") else {
        throw failure("expected ',' or '}' in an object")
      }
      position += 1
      return .object(members)
    }
  }

  mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    position += 1
    var values: [JSONValue] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(values)
    }
    while true {
      values.append(try value(depth: depth + 1))
      skipWhitespace()
      guard position < bytes.count else { throw failure("unexpected end of the text in an array") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
        continue
      }
      guard bytes[position] == UInt8(ascii: "]") else {
        throw failure("expected ',' or ']' in an array")
      }
      position += 1
      return .array(values)
    }
  }

  mutating func number() throws(JSONSyntaxError) -> String {
    let start = position
    func digits() -> Int {
      let first = position
      while position < bytes.count,
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
      {
        position += 1
      }
      return position - first
    }
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    guard digits() > 0 else { throw failure("expected digits in a number") }
    if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
      position += 1
      guard digits() > 0 else { throw failure("expected digits after the decimal point") }
    }
    if position < bytes.count,
      bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")
    {
      position += 1
      if position < bytes.count,
        bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
      {
        position += 1
      }
      guard digits() > 0 else { throw failure("expected digits in the exponent") }
    }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  mutating func string() throws(JSONSyntaxError) -> String {
    position += 1
    var scalars = String.UnicodeScalarView()
    var run: [UInt8] = []
    func flush() {
      scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
      run.removeAll()
    }
    while position < bytes.count {
      let byte = bytes[position]
      position += 1
      switch byte {
      case UInt8(ascii: "\""):
        flush()
        return String(scalars)
      case UInt8(ascii: "\\"):
        flush()
        guard position < bytes.count else { break }
        let escape = bytes[position]
        position += 1
        switch escape {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
        default: throw failure("unknown escape in a string")
        }
      case 0..<0x20:
        throw failure("a control character in a string (write it as an escape)")
      default:
        run.append(byte)
      }
    }
    throw failure("unterminated string")
  }

  /// `\uXXXX`, with a surrogate pair as two escapes.
  mutating func unicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
    func hex() throws(JSONSyntaxError) -> UInt32 {
      guard bytes.count - position >= 4,
        let value = UInt32(
          String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
      else { throw failure("expected four hexadecimal digits after \\u") }
      position += 4
      return value
    }
    let high = try hex()
    if (0xD800..<0xDC00).contains(high) {
      guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
        bytes[position + 1] == UInt8(ascii: "u")
      else { throw failure("a lone surrogate in \\u escapes") }
      position += 2
      let low = try hex()
      guard (0xDC00..<0xE000).contains(low),
        let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
      else { throw failure("an invalid surrogate pair in \\u escapes") }
      return scalar
    }
    guard let scalar = Unicode.Scalar(high) else {
      throw failure("a lone surrogate in \\u escapes")
    }
    return scalar
  }
}
