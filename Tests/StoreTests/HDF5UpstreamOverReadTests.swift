import Foundation
import Store
import Testing
import _TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// An attribute whose stored name length disagrees with its name (HDF5's CVE-2025-2310, found
/// by the hdf5 fuzz target) makes libhdf5 1.10.8 `strdup` past the end of its buffer before it
/// checks the length: a read that only AddressSanitizer reports. The harness cannot stop that read
/// (it happens while libhdf5 decodes the object header); what it owes is one clear error, which
/// this test checks in builds without ASan. Under ASan it is skipped with a message, since the
/// sanitizer stops the process inside libhdf5 (`Tests/Fuzz/Upstream/hdf5/`).
@Suite struct HDF5UpstreamOverReadTests {
  static let path = TestData.repositoryRoot.appendingPathComponent(
    "Tests/Fuzz/Upstream/hdf5/cve-2025-2310-attribute-name.h5"
  ).path

  /// Whether this process runs under AddressSanitizer (its runtime defines `__asan_init`).
  static var underAddressSanitizer: Bool {
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
  }

  @Test func aMisstatedAttributeNameLengthIsOneError() throws {
    if Self.underAddressSanitizer {
      print("skipped: under AddressSanitizer libhdf5 1.10.8's over-read on \(Self.path) stops the process")
      return
    }
    let file = try HDF5File.open(Self.path)
    defer { try? file.close() }
    do {
      _ = try file.root.attributeIfPresent("schema")
      Issue.record("the damaged attribute was read")
    } catch {
      let text = "\(error)"
      #expect(text.hasPrefix("\(Self.path): /@schema: HDF5 failed looking up the attribute"), "\(text)")
      #expect(text.contains("attribute name has different length than stored length"), "\(text)")
    }
  }
}
