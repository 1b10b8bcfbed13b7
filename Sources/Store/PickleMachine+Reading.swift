// Reading opcode arguments: every read is bounds-checked, so a truncated stream gives
// `CheckpointError.truncated` naming what was being read, never a crash.
extension PickleMachine {
  /// The next `count` bytes; throws `truncated` if the buffer ends first.
  mutating func readBytes(_ count: Int, for what: String) throws -> ArraySlice<UInt8> {
    guard count >= 0, count <= bytesRemaining else {
      throw CheckpointError.truncated(file: fileName, offset: byteCount, expected: what)
    }
    let slice = byteBuffer[position..<position + count]
    advance(by: count)
    return slice
  }

  /// The next byte; throws `truncated` at the end of the buffer.
  mutating func readByte(for what: String) throws -> UInt8 {
    UInt8(try readInteger(1, for: what))
  }

  /// An unsigned little-endian integer of `width` bytes (1, 2, 4 or 8).
  mutating func readInteger(_ width: Int, for what: String = "an opcode argument") throws -> UInt64
  {
    try readBytes(width, for: what).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
  }

  /// The payload of a length-prefixed opcode (`BINUNICODE`, `BINBYTES`, ...).
  mutating func readCounted(_ opcode: PickleOpcode, lengthBytes: Int) throws -> [UInt8] {
    let length = try readInteger(lengthBytes, for: "the length of \(opcode.pythonName)")
    guard length <= UInt64(bytesRemaining) else {
      throw CheckpointError.truncated(
        file: fileName, offset: byteCount,
        expected: "the \(length) bytes of \(opcode.pythonName) (only \(bytesRemaining) remain)")
    }
    return Array(try readBytes(Int(length), for: opcode.pythonName))
  }

  /// `LONG1` / `LONG4`: a little-endian two's-complement integer of a given byte count.
  mutating func readLong(lengthBytes: Int) throws -> PickleValue {
    let opcode: PickleOpcode = lengthBytes == 1 ? .long1 : .long4
    let data = try readCounted(opcode, lengthBytes: lengthBytes)
    guard data.count <= 8 else { return .largeInteger(data) }
    guard let last = data.last else { return .integer(0) }
    // Sign-extend from the top byte, then assemble little-endian.
    var value: UInt64 = last & 0x80 != 0 ? ~0 : 0
    for byte in data.reversed() { value = value << 8 | UInt64(byte) }
    return .integer(Int64(bitPattern: value))
  }

  /// A newline-terminated ASCII line (the text arguments of `GLOBAL`, `PUT` and `GET`).
  mutating func readLine(for what: String) throws -> String {
    guard let end = byteBuffer[position...].firstIndex(of: 0x0A) else {
      throw CheckpointError.truncated(
        file: fileName, offset: byteCount, expected: "\(what) ending in a newline")
    }
    let line = byteBuffer[position..<end]
    advance(by: end - position + 1)
    guard let text = String(validating: line, as: UTF8.self) else {
      throw PickleFailure("\(what) is not text")
    }
    return text
  }

  /// A decimal memo index on its own line (`PUT` / `GET`, protocol 0).
  mutating func readDecimalLine(for opcode: PickleOpcode) throws -> Int {
    let line = try readLine(for: "the \(opcode.pythonName) index")
    guard let index = Int(line) else {
      throw PickleFailure("\(opcode.pythonName) index '\(line)' is not a number")
    }
    return index
  }
}
