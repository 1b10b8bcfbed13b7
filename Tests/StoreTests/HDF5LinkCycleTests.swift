import Foundation
import Store
import Testing
import _TestSupport

/// A group that links back to a group enclosing it (a cycle; HDF5 allows it) is an error naming
/// the group, not an endless walk: `datasetPaths()` overflowed the stack on such a file, which
/// the hdf5 fuzz target found (Tests/Fuzz/Regressions/hdf5/).
@Suite struct HDF5LinkCycleTests {
  static func regression(_ name: String) -> String {
    TestData.repositoryRoot.appendingPathComponent("Tests/Fuzz/Regressions/hdf5/\(name)").path
  }

  @Test(
    "datasetPaths refuses a link cycle, naming the group",
    arguments: [
      ("link-cycle.h5", "/weights/conv1_1/back"),
      ("fuzz-found-datasetpaths-stack-overflow.h5", "/preprocess"),
    ])
  func datasetPathsRefusesACycle(_ c: (file: String, group: String)) throws {
    let path = Self.regression(c.file)
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    do {
      let paths = try file.root.datasetPaths()
      Issue.record("a cycle was walked: \(paths.prefix(4))")
    } catch {
      let text = "\(error)"
      #expect(text.hasPrefix("\(path): \(c.group)"), "\(text)")
      #expect(text.contains("a link back to a group enclosing it (a cycle)"), "\(text)")
    }
  }

  @Test func theSameObjectHasOneAddressWhateverThePath() throws {
    let file = try HDF5File.open(Self.regression("link-cycle.h5"))
    defer { try? file.close() }
    let root = try file.root
    #expect(try root.group("weights").address() == root.group("weights/conv1_1/back").address())
    #expect(try root.group("weights").address() != root.group("weights/conv1_1").address())
  }
}
