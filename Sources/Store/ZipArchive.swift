import CZlib

/// A zip archive held in memory: its central directory and, on request, an entry's contents.
///
/// Supports what `torch.save` (stored entries, 64-byte aligned through padding extra fields) and
/// wheels (deflated entries) use: methods 0 (stored) and 8 (deflate), ZIP64 sizes and offsets.
/// Every entry read is checked against its CRC-32. Encrypted entries and multi-disk archives are
/// rejected by name.
/// - Reference: PKWARE APPNOTE.TXT 6.3 (sections 4.3.7 local header, 4.3.12 central directory,
///   4.3.14-16 ZIP64 and end of central directory, 4.5.3 ZIP64 extra field).
struct ZipArchive {
  /// One file in the archive, as the central directory describes it.
  struct Entry {
    let name: String
    let method: UInt16
    let flags: UInt16
    let crc32: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    let localHeaderOffset: Int
  }

  /// The entries in central-directory order.
  let entries: [Entry]
  /// The file named in errors.
  let file: String
  private let bytes: [UInt8]

  /// Reads the central directory of the archive in `bytes`; `file` names it in errors.
  init(bytes: [UInt8], file: String) throws {
    self.bytes = bytes
    self.file = file
    let reader = ZipReader(bytes: bytes, file: file)
    let directory = try reader.endOfCentralDirectory()
    var entries: [Entry] = []
    var offset = directory.offset
    for index in 0..<directory.entryCount {
      let entry = try reader.centralDirectoryEntry(at: offset, index: index)
      entries.append(entry.entry)
      offset = entry.next
    }
    self.entries = entries
  }

  /// The entry called `name`, if the archive has one.
  func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

  /// The uncompressed contents of `entry`, checked against its CRC-32. Stored entries are a slice
  /// of the archive's bytes (no copy); deflated ones are inflated with zlib.
  func contents(of entry: Entry) throws -> ArraySlice<UInt8> {
    let reader = ZipReader(bytes: bytes, file: file)
    guard entry.flags & 1 == 0 else {
      throw CheckpointError.zip(file: file, message: "entry '\(entry.name)' is encrypted")
    }
    let start = try reader.dataStart(of: entry)
    guard entry.compressedSize <= bytes.count - start else {
      throw CheckpointError.truncated(
        file: file, offset: bytes.count,
        expected: "\(entry.compressedSize) bytes of entry '\(entry.name)' from byte \(start)")
    }
    let stored = bytes[start..<start + entry.compressedSize]
    let data: ArraySlice<UInt8>
    switch entry.method {
    case 0:
      guard entry.compressedSize == entry.uncompressedSize else {
        throw CheckpointError.zip(file: file, message: "stored entry '\(entry.name)' has two sizes")
      }
      data = stored
    case 8:
      data = try inflate(stored, entry: entry)[...]
    default:
      throw CheckpointError.zip(
        file: file,
        message: "entry '\(entry.name)' uses compression method \(entry.method); only 0 (stored) "
          + "and 8 (deflate) are supported")
    }
    let checksum = Self.crc32(of: data)
    guard checksum == entry.crc32 else {
      throw CheckpointError.zip(
        file: file,
        message: "entry '\(entry.name)' is damaged: CRC-32 is \(String(checksum, radix: 16)), the "
          + "directory says \(String(entry.crc32, radix: 16))")
    }
    return data
  }

  /// The CRC-32 (zlib's, as zip uses) of `data`, computed in chunks that fit zlib's `uInt`.
  static func crc32(of data: ArraySlice<UInt8>) -> UInt32 {
    data.withUnsafeBufferPointer { buffer in
      var checksum = CZlib.crc32(0, nil, 0)
      var offset = 0
      while offset < buffer.count {
        let chunk = min(buffer.count - offset, 1 << 30)
        checksum = CZlib.crc32(checksum, buffer.baseAddress.map { $0 + offset }, uInt(chunk))
        offset += chunk
      }
      return UInt32(truncatingIfNeeded: checksum)
    }
  }

  /// Inflates a raw deflate stream into exactly `entry.uncompressedSize` bytes.
  private func inflate(_ input: ArraySlice<UInt8>, entry: Entry) throws -> [UInt8] {
    // Deflate cannot expand more than 1032:1; a larger claim is a damaged or hostile directory,
    // refused before anything is allocated.
    guard entry.uncompressedSize <= entry.compressedSize * 1032 + 1024 else {
      throw CheckpointError.zip(
        file: file,
        message: "entry '\(entry.name)' claims \(entry.uncompressedSize) bytes from "
          + "\(entry.compressedSize) compressed bytes, more than deflate can produce")
    }
    var output = [UInt8](repeating: 0, count: entry.uncompressedSize)
    var stream = z_stream()
    guard czlib_inflate_init_raw(&stream) == Z_OK else {
      throw CheckpointError.zip(
        file: file, message: "zlib could not start inflating '\(entry.name)'")
    }
    defer { inflateEnd(&stream) }
    var status = Z_OK
    input.withUnsafeBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        var consumed = 0
        var produced = 0
        repeat {
          let inChunk = min(source.count - consumed, 1 << 30)
          let outChunk = min(target.count - produced, 1 << 30)
          stream.next_in = source.baseAddress.map { UnsafeMutablePointer(mutating: $0 + consumed) }
          stream.avail_in = uInt(inChunk)
          stream.next_out = target.baseAddress.map { $0 + produced }
          stream.avail_out = uInt(outChunk)
          status = CZlib.inflate(&stream, Z_NO_FLUSH)
          consumed += inChunk - Int(stream.avail_in)
          produced += outChunk - Int(stream.avail_out)
          // zlib returns Z_BUF_ERROR when it can make no progress, so this loop ends.
        } while status == Z_OK
      }
    }
    guard status == Z_STREAM_END, Int(stream.total_out) == entry.uncompressedSize else {
      let reason =
        status == Z_BUF_ERROR || status == Z_OK
        ? "ends early" : "is corrupt (zlib status \(status))"
      throw CheckpointError.zip(
        file: file,
        message:
          "deflated entry '\(entry.name)' \(reason); expected \(entry.uncompressedSize) bytes")
    }
    return output
  }
}
