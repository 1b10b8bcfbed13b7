import Foundation
import Testing

@testable import Store
@testable import TensorCore

/// Reads `path` expecting a failure; records an issue unless the error names `path`.
func readFailure(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> ImageError? {
  let error = imageError { _ = try readImage(path: path) }
  guard let error else {
    Issue.record("reading \(path) succeeded; expected an error", sourceLocation: sourceLocation)
    return nil
  }
  #expect(error.path == path, sourceLocation: sourceLocation)
  #expect(error.description.hasPrefix(path + ": "), "\(error)", sourceLocation: sourceLocation)
  return error
}

/// Decodes `bytes` expecting a failure; records an issue unless the error names `path`.
func decodeFailure(
  _ bytes: [UInt8], path: String, sourceLocation: SourceLocation = #_sourceLocation
) -> ImageError? {
  let error = imageError { _ = try decodeImage(bytes, path: path) }
  guard let error else {
    Issue.record("decoding \(path) succeeded; expected an error", sourceLocation: sourceLocation)
    return nil
  }
  #expect(error.path == path, sourceLocation: sourceLocation)
  #expect(error.description.hasPrefix(path + ": "), "\(error)", sourceLocation: sourceLocation)
  return error
}

/// Writes a small image to `path` expecting a failure naming `path`.
func writeFailure(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> ImageError?
{
  let error = imageError { try writePNG(Tensor(shape: [1, 3, 2, 2], repeating: 0.5), path: path) }
  guard let error else {
    Issue.record("writing \(path) succeeded; expected an error", sourceLocation: sourceLocation)
    return nil
  }
  #expect(error.description.hasPrefix(path + ": "), "\(error)", sourceLocation: sourceLocation)
  return error
}

/// A smooth (well compressed) 8-bit RGB PNG.
func smoothPNG() throws -> [UInt8] {
  let layout = PNGLayout(width: 40, height: 24, colourType: .rgb, bitDepth: 8)
  return try encodePNG(smoothRGB(width: 40, height: 24), layout: layout, path: "smooth.png")
}

/// Whether this process ignores file permissions (root), so permission cases cannot be staged.
let ignoresPermissions = geteuid() == 0

@Suite("Image I/O: bad files give errors naming the file")
struct ImageErrorTests {
  @Test(
    "a PNG cut short anywhere is truncated",
    arguments: [1, 4, 7, 8, 12, 20, 33, 41, 60, 300, 900, -12, -8, -4, -1])
  func truncatedPNG(cut: Int) throws {
    let bytes = try noisePNG()
    let length = cut > 0 ? cut : bytes.count + cut
    try withImageDirectory { directory in
      let path = directory + "/cut-\(length).png"
      try writeFileBytes(Array(bytes.prefix(length)), to: path)
      let error = readFailure(path)
      guard case .truncated(_, let format, _) = error else {
        Issue.record("expected truncated, got \(String(describing: error))")
        return
      }
      #expect(format == "PNG")
    }
  }

  @Test(
    "a bad CRC, or IDAT data damaged under its CRC, is corruption",
    arguments: ["IHDR CRC", "IDAT CRC", "IDAT data"])
  func badCRC(damage: String) throws {
    var bytes = try noisePNG()
    let idat = try #require(pngChunks(bytes).first { $0.type == "IDAT" })
    switch damage {
    case "IHDR CRC": bytes[29] ^= 0x55
    case "IDAT CRC": bytes[idat.offset + 8 + idat.length] ^= 0x55
    default: bytes[idat.offset + 8 + idat.length / 2] ^= 0x55
    }
    try withImageDirectory { directory in
      let path = directory + "/crc.png"
      try writeFileBytes(bytes, to: path)
      let error = readFailure(path)
      guard case .corrupt(_, "PNG", let detail) = error else {
        Issue.record("expected corrupt, got \(String(describing: error))")
        return
      }
      // Damaged data is caught by zlib (here by its Adler-32 check) before the chunk's CRC.
      #expect(damage == "IDAT data" || detail.contains("CRC error"), "\(detail)")
    }
  }

  @Test("damage found only by an Adler-32 check in a final IDAT of its own is corruption")
  func damageFoundAfterTheLastRow() throws {
    // Split the compressed stream so its 4-byte Adler-32 trailer sits in a second IDAT: libpng
    // then checks it only after the last row, where it reports a warning, not an error.
    let bytes = try noisePNG()
    let idat = try #require(pngChunks(bytes).first { $0.type == "IDAT" })
    var stream = Array(bytes[idat.offset + 8..<idat.offset + 8 + idat.length])
    stream[stream.count - 1] ^= 0x01  // the Adler-32 itself is wrong
    func chunk(_ payload: ArraySlice<UInt8>) -> [UInt8] {
      let length = payload.count
      var result = (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) }
      result += Array("IDAT".utf8) + payload + [0, 0, 0, 0]
      resealChunk(&result, offset: 0, length: length)
      return result
    }
    let split =
      Array(bytes[..<idat.offset]) + chunk(stream.dropLast(4)) + chunk(stream.suffix(4))
      + Array(bytes[(idat.offset + 12 + idat.length)...])
    let error = decodeFailure(split, path: "adler.png")
    guard case .corrupt(_, "PNG", let detail) = error else {
      Issue.record("expected corrupt, got \(String(describing: error))")
      return
    }
    #expect(detail.contains("incorrect data check"), "\(detail)")
    // The same split with a correct trailer decodes.
    var intact = split
    intact[idat.offset + 12 + idat.length - 4 + 8 + 4 - 1] ^= 0x01
    resealChunk(&intact, offset: idat.offset + 12 + idat.length - 4, length: 4)
    #expect(throws: Never.self) { _ = try decodeImage(intact, path: "adler.png") }
  }

  @Test(
    "damaged compressed data with a valid CRC is corruption",
    arguments: [("noise", 0.5), ("noise", 0.9), ("smooth", 0.3), ("smooth", 0.7)])
  func damagedData(kind: String, position: Double) throws {
    var bytes = kind == "noise" ? try noisePNG() : try smoothPNG()
    let idat = try #require(pngChunks(bytes).first { $0.type == "IDAT" })
    let offset = idat.offset + 8 + Int(Double(idat.length) * position)
    bytes[offset] ^= 0xA5
    resealChunk(&bytes, offset: idat.offset, length: idat.length)
    let error = decodeFailure(bytes, path: "damaged.png")
    guard case .corrupt(let path, "PNG", _) = error else {
      Issue.record("expected corrupt, got \(String(describing: error))")
      return
    }
    #expect(path == "damaged.png")
  }

  @Test("impossible header values (width 0) are corruption")
  func badHeader() throws {
    var bytes = try noisePNG()
    for i in 16..<20 { bytes[i] = 0 }
    resealChunk(&bytes, offset: 8, length: 13)
    let error = decodeFailure(bytes, path: "w0.png")
    guard case .corrupt = error else {
      Issue.record("expected corrupt, got \(String(describing: error))")
      return
    }
  }

  @Test("an empty file, a text file named .png, and a GIF are refused by content")
  func notImages() throws {
    try withImageDirectory { directory in
      let empty = directory + "/empty.png"
      try writeFileBytes([], to: empty)
      #expect(readFailure(empty) == .emptyFile(path: empty))

      let text = directory + "/notes.png"
      try writeFileBytes(Array("just some text\n".utf8), to: text)
      guard case .notAnImage = readFailure(text) else {
        Issue.record("a text file must be 'not an image'")
        return
      }
      #expect(readFailure(text)?.description.contains("6a 75 73 74") == true)  // "just"

      let gif = directory + "/anim.png"
      try writeFileBytes(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0], to: gif)
      guard case .unsupported(_, let detail) = readFailure(gif) else {
        Issue.record("a GIF must be 'unsupported'")
        return
      }
      #expect(detail.contains("GIF"))
    }
  }

  @Test("a missing file, a missing folder and a directory are reported as such")
  func missingAndDirectories() throws {
    try withImageDirectory { directory in
      #expect(
        readFailure(directory + "/nothing.png") == .missingFile(path: directory + "/nothing.png"))
      let deep = directory + "/no/such/folder/image.jpg"
      #expect(readFailure(deep) == .missingFile(path: deep))
      guard case .unreadable(_, let reason) = readFailure(directory) else {
        Issue.record("a directory must be unreadable")
        return
      }
      #expect(reason.contains("directory"))
      let file = directory + "/file.png"
      try writeFileBytes(try noisePNG(), to: file)
      guard case .unreadable = readFailure(file + "/inner.png") else {
        Issue.record("a path through a file must be unreadable")
        return
      }
    }
  }

  @Test(
    "a file without read permission is unreadable",
    .disabled(if: ignoresPermissions, "skipped: running as root, which ignores file permissions"))
  func noReadPermission() throws {
    try withImageDirectory { directory in
      let path = directory + "/secret.png"
      try writeFileBytes(try noisePNG(), to: path)
      try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: path)
      #expect(readFailure(path) == .unreadable(path: path, reason: "permission denied"))
    }
  }

  @Test("a JPEG cut short is truncated", arguments: [1, 2, 10, 100, 400, 1000, -200, -2])
  func truncatedJPEG(cut: Int) throws {
    let jpeg = try encodeJPEG(
      smoothRGB(width: 64, height: 48), width: 64, height: 48, format: .rgb, quality: 90,
      path: "t.jpg")
    let length = cut > 0 ? cut : jpeg.count + cut
    try withImageDirectory { directory in
      let path = directory + "/cut.jpg"
      try writeFileBytes(Array(jpeg.prefix(length)), to: path)
      let error = readFailure(path)
      guard case .truncated(_, "JPEG", _) = error else {
        let found = String(describing: error)
        Issue.record("expected a truncated JPEG at \(length) of \(jpeg.count) bytes, got \(found)")
        return
      }
    }
  }

  @Test("a JPEG with damaged markers or tables is corrupt")
  func corruptJPEG() throws {
    let jpeg = try encodeJPEG(
      smoothRGB(width: 64, height: 48), width: 64, height: 48, format: .rgb, quality: 90,
      path: "c.jpg")
    // The Huffman table segment (DHT, FF C4): zeroing its code counts leaves no codes at all.
    let dht = try #require((0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC4 })
    var damaged = jpeg
    for i in (dht + 5)..<(dht + 21) { damaged[i] = 0 }
    let error = decodeFailure(damaged, path: "c.jpg")
    guard case .corrupt(let path, "JPEG", _) = error else {
      Issue.record("expected corrupt, got \(String(describing: error))")
      return
    }
    #expect(path == "c.jpg")
  }

  @Test(
    "12-bit and lossless JPEGs are unsupported, not corrupt",
    arguments: [("precision 12", 0xC0, 12), ("lossless", 0xC3, 8)])
  func unsupportedJPEGVariants(name: String, frameMarker: Int, precision: Int) throws {
    var jpeg = try encodeJPEG(
      smoothRGB(width: 16, height: 16), width: 16, height: 16, format: .rgb, quality: 90,
      path: "v.jpg")
    let frame = try #require(
      (0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
    jpeg[frame + 1] = UInt8(frameMarker)
    jpeg[frame + 4] = UInt8(precision)
    guard case .unsupported(_, let detail) = decodeFailure(jpeg, path: "variant.jpg") else {
      Issue.record("a \(name) JPEG must be unsupported")
      return
    }
    #expect(detail.contains("Unsupported JPEG"), "\(detail)")
  }

  @Test(
    "randomly damaged PNGs and JPEGs either decode or throw, never crash",
    arguments: ["png", "jpeg"])
  func randomDamage(format: String) throws {
    let original =
      format == "png"
      ? try smoothPNG()
      : try encodeJPEG(
        smoothRGB(width: 40, height: 24), width: 40, height: 24, format: .rgb, quality: 90,
        path: "f.jpg")
    let positions = fixtureSamples(count: 400, maximum: original.count - 1, seed: 21)
    let values = fixtureSamples(count: 400, maximum: 255, seed: 22)
    var failures = 0
    for (trial, (position, value)) in zip(positions, values).enumerated() {
      var damaged = original
      damaged[position] = UInt8(value)
      if trial % 4 == 3 { damaged.removeLast(trial % damaged.count) }
      do {
        let image = try decodeImage(damaged, path: "fuzz")
        #expect(image.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
      } catch {
        failures += 1
        #expect(error.description.hasPrefix("fuzz: "), "\(error)")
      }
    }
    #expect(failures > 0)
  }

  @Test("a missing folder, a directory, and a file in the way make the destination unwritable")
  func unwritableDestinations() throws {
    try withImageDirectory { directory in
      let missing = directory + "/no/such/out.png"
      guard case .unwritable(_, let reason) = writeFailure(missing) else {
        Issue.record("a missing folder must be unwritable")
        return
      }
      #expect(reason.contains("does not exist"))
      try FileManager.default.createDirectory(
        atPath: directory + "/sub", withIntermediateDirectories: false)
      guard case .unwritable = writeFailure(directory + "/sub") else {
        Issue.record("a directory must be unwritable")
        return
      }
      try writeFileBytes([1, 2, 3], to: directory + "/plain")
      guard case .unwritable = writeFailure(directory + "/plain/out.png") else {
        Issue.record("a path through a file must be unwritable")
        return
      }
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["plain", "sub"])
      #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/sub").isEmpty)
    }
  }

  @Test(
    "a folder without write permission makes the destination unwritable",
    .disabled(if: ignoresPermissions, "skipped: running as root, which ignores file permissions"))
  func noWritePermission() throws {
    try withImageDirectory { directory in
      let locked = directory + "/locked"
      try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
      try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
      defer {
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked)
      }
      guard case .unwritable(_, let reason) = writeFailure(locked + "/out.png") else {
        Issue.record("a read-only folder must be unwritable")
        return
      }
      #expect(reason.contains("permission denied"))
    }
  }
}
