/// Bounds-checked reads of zip structures (APPNOTE 4.3); every failure names the file.
struct ZipReader {
  let bytes: [UInt8]
  let file: String

  private static let endSignature: UInt32 = 0x0605_4B50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
  private static let zip64EndSignature: UInt32 = 0x0606_4B50
  private static let centralSignature: UInt32 = 0x0201_4B50
  private static let localSignature: UInt32 = 0x0403_4B50

  /// The little-endian unsigned integer of `width` bytes at `offset`, or nil past the end.
  func integer(at offset: Int, width: Int) -> UInt64? {
    guard offset >= 0, width <= bytes.count - offset else { return nil }
    var value: UInt64 = 0
    for index in stride(from: offset + width - 1, through: offset, by: -1) {
      value = value << 8 | UInt64(bytes[index])
    }
    return value
  }

  /// Where the central directory starts and how many entries it has (ZIP64-aware).
  func endOfCentralDirectory() throws -> (offset: Int, entryCount: Int) {
    // The end record is 22 bytes plus a comment of at most 65535 bytes, at the end of the file.
    let lowest = max(0, bytes.count - 22 - 65535)
    var position = bytes.count - 22
    while position >= lowest, integer(at: position, width: 4) != UInt64(Self.endSignature) {
      position -= 1
    }
    guard position >= lowest, let disk = integer(at: position + 4, width: 2),
      let count = integer(at: position + 10, width: 2),
      let offset = integer(at: position + 16, width: 4)
    else {
      throw CheckpointError.truncated(
        file: file, offset: bytes.count,
        expected: "the zip end-of-central-directory record (the file starts like a zip archive)")
    }
    guard disk == 0 else {
      throw CheckpointError.zip(
        file: file, message: "multi-disk (split) archives are not supported")
    }
    guard count == 0xFFFF || offset == 0xFFFF_FFFF else { return (Int(offset), Int(count)) }
    return try zip64EndOfCentralDirectory(locatorAt: position - 20)
  }

  private func zip64EndOfCentralDirectory(locatorAt locator: Int) throws -> (
    offset: Int, entryCount: Int
  ) {
    guard integer(at: locator, width: 4) == UInt64(Self.zip64LocatorSignature),
      let recordOffset = integer(at: locator + 8, width: 8), recordOffset < UInt64(bytes.count),
      integer(at: Int(recordOffset), width: 4) == UInt64(Self.zip64EndSignature),
      let count = integer(at: Int(recordOffset) + 32, width: 8),
      let offset = integer(at: Int(recordOffset) + 48, width: 8),
      count < 1 << 32, offset < UInt64(bytes.count)
    else {
      throw CheckpointError.zip(
        file: file, message: "the ZIP64 end-of-central-directory record is missing or damaged")
    }
    return (Int(offset), Int(count))
  }

  /// The central-directory header at `offset` and the offset of the next one.
  func centralDirectoryEntry(at offset: Int, index: Int) throws -> (
    entry: ZipArchive.Entry, next: Int
  ) {
    guard integer(at: offset, width: 4) == UInt64(Self.centralSignature),
      let flags = integer(at: offset + 8, width: 2),
      let method = integer(at: offset + 10, width: 2),
      let crc = integer(at: offset + 16, width: 4),
      var compressed = integer(at: offset + 20, width: 4),
      var uncompressed = integer(at: offset + 24, width: 4),
      let nameLength = integer(at: offset + 28, width: 2),
      let extraLength = integer(at: offset + 30, width: 2),
      let commentLength = integer(at: offset + 32, width: 2),
      var localOffset = integer(at: offset + 42, width: 4),
      Int(nameLength + extraLength + commentLength) <= bytes.count - offset - 46
    else {
      throw CheckpointError.zip(
        file: file, message: "central directory entry \(index) at byte \(offset) is damaged")
    }
    let nameStart = offset + 46
    let nameBytes = bytes[nameStart..<nameStart + Int(nameLength)]
    let name =
      String(validating: nameBytes, as: UTF8.self) ?? String(decoding: nameBytes, as: UTF8.self)
    // ZIP64 extra field (id 1): 8-byte values for exactly the fields that hold 0xFFFFFFFF.
    var extra = nameStart + Int(nameLength)
    let extraEnd = extra + Int(extraLength)
    while extra + 4 <= extraEnd, let id = integer(at: extra, width: 2),
      let size = integer(at: extra + 2, width: 2)
    {
      if id == 1 {
        var field = extra + 4
        func widen(_ value: inout UInt64) {
          guard value == 0xFFFF_FFFF, let wide = integer(at: field, width: 8) else { return }
          value = wide
          field += 8
        }
        widen(&uncompressed)
        widen(&compressed)
        widen(&localOffset)
      }
      extra += 4 + Int(size)
    }
    guard compressed < 1 << 48, uncompressed < 1 << 48, localOffset < UInt64(bytes.count) else {
      throw CheckpointError.zip(
        file: file, message: "entry '\(name)' has sizes or an offset past the end of the file")
    }
    let entry = ZipArchive.Entry(
      name: name, method: UInt16(method), flags: UInt16(flags), crc32: UInt32(crc),
      compressedSize: Int(compressed), uncompressedSize: Int(uncompressed),
      localHeaderOffset: Int(localOffset))
    return (entry, extraEnd + Int(commentLength))
  }

  /// The first byte of `entry`'s data, after its local header (whose extra field may differ
  /// from the central directory's: torch pads it to align the data to 64 bytes).
  func dataStart(of entry: ZipArchive.Entry) throws -> Int {
    let offset = entry.localHeaderOffset
    guard integer(at: offset, width: 4) == UInt64(Self.localSignature),
      let nameLength = integer(at: offset + 26, width: 2),
      let extraLength = integer(at: offset + 28, width: 2)
    else {
      throw CheckpointError.zip(
        file: file, message: "the local header of '\(entry.name)' at byte \(offset) is damaged")
    }
    return offset + 30 + Int(nameLength) + Int(extraLength)
  }
}
