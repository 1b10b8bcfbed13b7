import Foundation
import Testing

@testable import Store
@testable import TensorCore

/// A fresh directory for one test's files, removed when `body` returns.
func withImageDirectory<R>(_ body: (String) throws -> R) throws -> R {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("image-tests-\(UUID().uuidString)", isDirectory: true)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url.path)
}

/// Writes raw bytes to `path` (test fixtures; not atomic).
func writeFileBytes(_ bytes: [UInt8], to path: String) throws {
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Deterministic pseudo-random integers in `0 ... maximum` (a 64-bit LCG; tests only).
func fixtureSamples(count: Int, maximum: Int, seed: UInt64) -> [Int] {
  var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Int((state >> 33) % UInt64(maximum + 1))
  }
}

/// The error `body` throws, as an `ImageError` (nil when it throws nothing; any other error is
/// recorded as a test issue, since image functions throw only `ImageError`).
func imageError(_ body: () throws -> Void) -> ImageError? {
  do {
    try body()
    return nil
  } catch let error as ImageError {
    return error
  } catch {
    Issue.record("expected an ImageError, got \(error)")
    return nil
  }
}

/// A valid 8-bit RGB PNG of noise, large enough that its IDAT spans many bytes.
func noisePNG(width: Int = 24, height: Int = 16) throws -> [UInt8] {
  let samples = fixtureSamples(count: width * height * 3, maximum: 255, seed: 7).map { UInt8($0) }
  let layout = PNGLayout(width: width, height: height, colourType: .rgb, bitDepth: 8)
  return try encodePNG(samples, layout: layout, path: "noise.png")
}

/// The chunks of a PNG file: type and the offset of its length field.
func pngChunks(_ bytes: [UInt8]) -> [(type: String, offset: Int, length: Int)] {
  var chunks: [(String, Int, Int)] = []
  var offset = 8
  while offset + 8 <= bytes.count {
    let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
    chunks.append((type, offset, length))
    offset += 12 + length
  }
  return chunks
}

/// CRC-32 (ISO 3309, as PNG uses), bit by bit; for re-sealing deliberately damaged chunks.
func pngCRC32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

/// Recomputes the CRC of the chunk whose length field is at `offset`.
func resealChunk(_ bytes: inout [UInt8], offset: Int, length: Int) {
  let crc = pngCRC32(bytes[offset + 4..<offset + 8 + length])
  for i in 0..<4 { bytes[offset + 8 + length + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * i)) }
}

@Suite("Image test fixtures: the C PNG writer")
struct ImageFixturesTests {
  @Test("the CRC-32 helper matches the PNG specification's check value")
  func crcCheckValue() {
    #expect(pngCRC32(ArraySlice("123456789".utf8)) == 0xCBF4_3926)
  }

  @Test("an encoded PNG has IHDR first and IEND last, each with a valid CRC")
  func encodedChunksAreValid() throws {
    let bytes = try noisePNG()
    let chunks = pngChunks(bytes)
    #expect(chunks.first?.type == "IHDR")
    #expect(chunks.last?.type == "IEND")
    #expect(chunks.contains { $0.type == "IDAT" })
    for chunk in chunks {
      let stored = bytes[chunk.offset + 8 + chunk.length..<chunk.offset + 12 + chunk.length]
        .reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      #expect(stored == pngCRC32(bytes[chunk.offset + 4..<chunk.offset + 8 + chunk.length]))
    }
  }

  @Test(
    "the writer refuses layouts the PNG specification forbids",
    arguments: [
      (PNGColourType.rgb, 4), (PNGColourType.palette, 16), (PNGColourType.grayAlpha, 2),
    ])
  func refusesInvalidLayouts(colourType: PNGColourType, bitDepth: Int) {
    let count = 2 * 2 * colourType.channels
    let layout = PNGLayout(
      width: 2, height: 2, colourType: colourType, bitDepth: bitDepth,
      palette: colourType == .palette ? [0, 0, 0] : [])
    let error = imageError {
      if bitDepth == 16 {
        _ = try encodePNG([UInt16](repeating: 0, count: count), layout: layout, path: "bad.png")
      } else {
        _ = try encodePNG([UInt8](repeating: 0, count: count), layout: layout, path: "bad.png")
      }
    }
    guard case .unwritable(let path, let reason) = error else {
      Issue.record("expected unwritable, got \(String(describing: error))")
      return
    }
    #expect(path == "bad.png")
    #expect(reason.contains("cannot encode"))
  }

  @Test("the writer refuses a tRNS colour it would otherwise drop silently")
  func refusesOutOfRangeTransparentColour() {
    var layout = PNGLayout(width: 2, height: 1, colourType: .gray, bitDepth: 2)
    layout.transparentColour = [9]
    let error = imageError { _ = try encodePNG([UInt8]([0, 1]), layout: layout, path: "t.png") }
    #expect(error?.path == "t.png")
  }
}
