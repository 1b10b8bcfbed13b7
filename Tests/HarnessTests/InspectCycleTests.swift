import Foundation
import Testing
import _TestSupport

/// `harness inspect` on a file whose group links back to a group enclosing it (a cycle) shows
/// the link once, marked, instead of walking it until the stack overflows.
@Suite struct InspectCycleTests {
  @Test func aLinkCycleIsShownOnceAndMarked() throws {
    let path = TestData.repositoryRoot.appendingPathComponent(
      "Tests/Fuzz/Regressions/hdf5/link-cycle.h5"
    ).path
    let result = try HarnessProcess.run(["inspect", path])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(result.standardOutput.contains("back/  (a link back to a group enclosing it)"), "\(result.standardOutput)")
    #expect(result.standardOutput.components(separatedBy: "conv1_1/").count == 2, "\(result.standardOutput)")
  }
}
