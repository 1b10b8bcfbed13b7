import Foundation
import Testing

@testable import Store

@Suite struct ZipArchiveTests {
  @Test func storedEntriesAreAlignedSlices() throws {
    let bytes = try CheckpointFixture.bytes("zip_tiny.pt")
    let archive = try ZipArchive(bytes: bytes, file: "zip_tiny.pt")
    #expect(archive.entries.first?.name == "zip_tiny/data.pkl")
    #expect(archive.entries.allSatisfy { $0.method == 0 })
    let reader = ZipReader(bytes: bytes, file: "zip_tiny.pt")
    for entry in archive.entries where entry.name.contains("/data/") {
      #expect(try reader.dataStart(of: entry) % 64 == 0, "\(entry.name) is not 64-byte aligned")
    }
    let version = try archive.contents(of: try #require(archive.entry(named: "zip_tiny/version")))
    #expect(Array(version) == Array("3\n".utf8))
  }

  @Test func deflatedEntriesInflate() throws {
    let stored = try ZipArchive(bytes: try CheckpointFixture.bytes("zip_tiny.pt"), file: "a")
    let deflated = try ZipArchive(bytes: try CheckpointFixture.bytes("zip_deflated.pt"), file: "b")
    #expect(deflated.entries.allSatisfy { $0.method == 8 })
    for entry in stored.entries {
      let twin = try #require(
        deflated.entry(named: entry.name.replacingOccurrences(of: "zip_tiny", with: "zip_deflated"))
      )
      #expect(
        Array(try stored.contents(of: entry)) == Array(try deflated.contents(of: twin)),
        "\(entry.name)")
    }
  }

  @Test func crc32MatchesZlibKnownValue() {
    // CRC-32 of "123456789" is 0xCBF43926 (the standard check value).
    #expect(ZipArchive.crc32(of: Array("123456789".utf8)[...]) == 0xCBF4_3926)
  }

  @Test func corruptDeflateStreamIsReported() throws {
    var bytes = try CheckpointFixture.bytes("zip_deflated.pt")
    let archive = try ZipArchive(bytes: bytes, file: "d.pt")
    let entry = try #require(archive.entry(named: "zip_deflated/data.pkl"))
    let start = try ZipReader(bytes: bytes, file: "d.pt").dataStart(of: entry)
    for offset in 0..<8 { bytes[start + offset] = 0xFF }
    let damaged = try ZipArchive(bytes: bytes, file: "d.pt")
    let error = checkpointError { try damaged.contents(of: entry) }
    guard case .zip(let file, let message)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(file == "d.pt")
    #expect(message.contains("zip_deflated/data.pkl"))
  }

  @Test func impossibleInflatedSizeIsRefused() throws {
    var bytes = try CheckpointFixture.bytes("zip_deflated.pt")
    let directory = try ZipReader(bytes: bytes, file: "z.pt").endOfCentralDirectory()
    // The first central-directory entry is data.pkl: claim 2^31 uncompressed bytes.
    bytes[directory.offset + 24..<directory.offset + 28] = [0, 0, 0, 0x80]
    let archive = try ZipArchive(bytes: bytes, file: "z.pt")
    let entry = try #require(archive.entries.first)
    let error = checkpointError { try archive.contents(of: entry) }
    guard case .zip(_, let message)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(message.contains("more than deflate can produce"))
  }

  @Test func unsupportedMethodIsNamed() throws {
    var bytes = try CheckpointFixture.bytes("zip_tiny.pt")
    let archive = try ZipArchive(bytes: bytes, file: "m.pt")
    let entry = try #require(archive.entries.last)
    // Patch the central directory's method field of the last entry to 12 (bzip2).
    let directory = try ZipReader(bytes: bytes, file: "m.pt").endOfCentralDirectory()
    var offset = directory.offset
    for _ in 0..<(archive.entries.count - 1) {
      let nameLength = Int(bytes[offset + 28]) | Int(bytes[offset + 29]) << 8
      let extraLength = Int(bytes[offset + 30]) | Int(bytes[offset + 31]) << 8
      let commentLength = Int(bytes[offset + 32]) | Int(bytes[offset + 33]) << 8
      offset += 46 + nameLength + extraLength + commentLength
    }
    bytes[offset + 10] = 12
    let patched = try ZipArchive(bytes: bytes, file: "m.pt")
    let error = checkpointError {
      try patched.contents(of: try #require(patched.entry(named: entry.name)))
    }
    guard case .zip(_, let message)? = error else {
      Issue.record("got \(String(describing: error))")
      return
    }
    #expect(message.contains("compression method 12"))
  }
}
