#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A check of every global heap collection in an HDF5 file, made before libhdf5 opens it.
///
/// Variable-length strings (every string attribute the harness and h5py write) live in global
/// heap collections (HDF5 File Format Specification, section III.E): a 16-byte header
/// `"GCOL"`, version 1, 3 reserved bytes, the collection's size S (a length, 8 bytes here), then
/// objects, each an index (2 bytes), a reference count (2), 4 reserved bytes, a size n and n data
/// bytes padded to a multiple of 8; index 0 is the free space, whose size counts its own header.
///
/// libhdf5 1.10.8 (Debian 12's) trusts those sizes. Fuzzing found two damaged collections that
/// it cannot survive: an object declaring more bytes than its collection holds (`H5HG_read`
/// copies them: SIGSEGV) and a free-space object of size 0 (the decoding loop never advances: a
/// hang; HDF5 2.0.0 hangs on it too). This check walks each collection as libhdf5 will and
/// reports the first object that would take it outside its collection or not advance, so such a
/// file is one error instead of a crash (inputs in `Tests/Fuzz/Regressions/hdf5/`).
///
/// A collection is recognised by `"GCOL"` followed by version 1; in numeric data that 5-byte
/// pattern occurs about once per 10^12 bytes, and even then the bytes after it must also break
/// the collection layout for a sound file to be refused.
enum HDF5GlobalHeapCheck {
  /// The first problem of a global heap collection in the file at `path`, or nil when every
  /// collection is sound (or the file cannot be read: libhdf5's own error then speaks). The file
  /// is read in 1 MiB blocks with `pread`, so the check adds nothing to the resident memory.
  static func problem(inFileAt path: String) -> String? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_size > 0 else { return nil }
    return problem(
      in: ByteSource(count: Int(status.st_size)) { offset, buffer in
        max(0, pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset)))
      })
  }

  /// The first problem of a collection in the file image `bytes` (see the type's comment).
  static func problem(in bytes: [UInt8]) -> String? {
    problem(
      in: ByteSource(count: bytes.count) { offset, buffer in
        let end = min(offset + buffer.count, bytes.count)
        guard offset < end else { return 0 }
        bytes[offset..<end].withUnsafeBytes { buffer.copyMemory(from: $0) }
        return end - offset
      })
  }

  /// A file's bytes: its size and a positioned read that fills a buffer (fewer bytes only at the
  /// end of the file) and returns how many it read.
  struct ByteSource {
    let count: Int
    let readInto: (Int, UnsafeMutableRawBufferPointer) -> Int

    /// `length` bytes from `offset`, zeros past the end of the file (as libhdf5's sec2 driver
    /// reads them there).
    func read(_ offset: Int, _ length: Int) -> [UInt8] {
      [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
        let read = offset < count ? readInto(offset, UnsafeMutableRawBufferPointer(buffer)) : 0
        buffer.baseAddress!.advanced(by: read).initialize(repeating: 0, count: length - read)
        initialized = length
      }
    }
  }

  /// The first problem in `source`, scanned in blocks of one reused 1 MiB buffer.
  private static func problem(in source: ByteSource) -> String? {
    let lengthSize = sizeOfLengths(in: source)
    let signature: [UInt8] = Array("GCOL".utf8) + [1]
    let block = 1 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: block + signature.count - 1, alignment: 64)
    defer { buffer.deallocate() }
    var blockStart = 0
    while blockStart < source.count {
      let wanted = min(buffer.count, source.count - blockStart)
      let filled = source.readInto(blockStart, UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
      guard filled > 0, let base = buffer.baseAddress else { return nil }
      var candidates: [Int] = []
      var start = 0
      let searched = min(block, filled)
      while start < searched,
        let found = memchr(base + start, Int32(signature[0]), searched - start)
      {
        let offset = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        if offset + signature.count <= filled,
          (1..<signature.count).allSatisfy({ buffer[offset + $0] == signature[$0] })
        {
          candidates.append(blockStart + offset)
        }
        start = offset + 1
      }
      for offset in candidates {
        if let problem = collectionProblem(at: offset, lengthSize: lengthSize, in: source) {
          return "global heap collection at byte \(offset) (where variable-length strings are"
            + " stored): \(problem)"
        }
      }
      blockStart += block
    }
    return nil
  }

  /// Walks the collection at `offset` as libhdf5 1.10.8's `H5HG__cache_heap_deserialize` does.
  private static func collectionProblem(
    at offset: Int, lengthSize: Int, in source: ByteSource
  ) -> String? {
    let headerSize = 8 + lengthSize
    let objectHeaderSize = 8 + lengthSize
    let header = source.read(offset, headerSize)
    let size = length(header[8...])
    guard size >= UInt64(headerSize) else {
      return "it declares \(size) bytes, less than its own \(headerSize)-byte header"
    }
    let end = size > UInt64(Int.max - offset) ? Int.max : offset + Int(size)
    var position = offset + headerSize
    while position < end {
      let left = end - position
      if left < objectHeaderSize { break }
      let objectHeader = source.read(position, objectHeaderSize)
      let place = position < source.count
        ? "at byte \(position)"
        : "at byte \(position), past the end of the file (\(source.count) bytes), where libhdf5 reads zeros,"
      let index = Int(objectHeader[0]) | Int(objectHeader[1]) << 8
      let declared = length(objectHeader[8...])
      let need: UInt64
      if index == 0 {
        guard declared >= UInt64(objectHeaderSize) else {
          return "its free space \(place) declares \(declared) bytes, less than its own"
            + " \(objectHeaderSize)-byte header"
        }
        need = declared
      } else {
        let room = UInt64(left - objectHeaderSize)
        guard declared <= room else {
          return "object \(index) \(place) declares \(declared) bytes, but only \(room) remain"
            + " in the \(size)-byte collection"
        }
        need = UInt64(objectHeaderSize) + (declared + 7) / 8 * 8
      }
      guard need <= UInt64(left) else {
        let what = index == 0 ? "its free space" : "object \(index)"
        return "\(what) \(place) declares \(declared) bytes, but only \(left) remain in the"
          + " \(size)-byte collection"
      }
      position += Int(need)
    }
    return nil
  }

  /// The superblock's "size of lengths" (HDF5 File Format Specification, II.A): byte 14 of a
  /// version 0 or 1 superblock, byte 10 of a version 2 or 3 one; the superblock is at byte 0, 512,
  /// 1024, 2048, ... Defaults to 8 (every HDF5 library's default) if none is found.
  private static func sizeOfLengths(in source: ByteSource) -> Int {
    let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    var offset = 0
    while offset + 16 <= source.count {
      let bytes = source.read(offset, 16)
      if Array(bytes.prefix(8)) == signature {
        let field = Int(bytes[8] <= 1 ? bytes[14] : bytes[10])
        return [2, 4, 8].contains(field) ? field : 8
      }
      offset = offset == 0 ? 512 : offset * 2
    }
    return 8
  }

  /// The little-endian unsigned integer held by `bytes`.
  private static func length(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }
}
